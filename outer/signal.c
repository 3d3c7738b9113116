/* Processes: signals (the default actions only) and kill; their delivery
 * on the way back to user mode is proc_to_user (outer/sched.c).
 * Source: Linux man 2 kill, 7 signal. */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include <outer/drivers.h>
#include <uapi/nksys.h>
#include <nk/region.h>
#include "proc_internal.h"

bool proc_signal_pending(const struct proc *p)
{
	return p->sig_pending != 0;
}

void proc_signal(struct proc *p, int sig)
{
	if (sig <= 0 || sig >= 64 || sig == SIGCHLD || sig == 18 /* SIGCONT */ ||
	    sig == 23 /* SIGURG */ || sig == 28 /* SIGWINCH */)
		return;
	p->sig_pending |= 1ull << sig;
	if (p->state == 'S')
		sched_make_runnable(p);
}

void proc_kill_self(int sig, const char *why)
{
	kprintf("%s[%d]: killed by signal %d: %s\n", current->name, current->pid, sig, why);
	current->sig_pending |= 1ull << sig;
}

long sys_kill(const uint64_t *a)
{
	int pid = (int)a[0], sig = (int)a[1];
	if (sig < 0 || sig >= 64)
		return -EINVAL;
	if (pid > 0) {
		struct proc *p = proc_find(pid);
		if (!p || p->state == 'Z')
			return -ESRCH;
		proc_signal(p, sig);
		return 0;
	}
	/* pid 0 or -1 (we have one process group): everyone but init and us */
	int n = 0;
	for (struct proc *p = proc_plist.head; p; p = NEXT(p))
		if (p->pid != 1 && p != current && p->state != 'Z') {
			proc_signal(p, sig);
			n++;
		}
	if (pid == 0 || pid == -1) {
		if (sig)
			proc_signal(current, sig);
		return 0;
	}
	return n ? 0 : -ESRCH;
}
