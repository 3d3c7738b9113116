/* Processes: exit, exit_group and wait4. Source: Linux man 2 exit,
 * wait4. */
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
#include <outer/nkq.h>

#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8
#define WALL 0x40000000 /* __WALL: one thread per process, nothing to widen */

/* ---- exit and wait ---- */

NK_NORETURN void proc_exit(int status)
{
	struct proc *p = current;
	if (p->pid == 1) {
		kprintf("init exited with status %x: powering off\n", status);
		poweroff();
	}
	fs_locks_release(p->pid, NULL); /* POSIX: a process's record locks end with it */
	for (int i = 0; i < NR_OPEN; i++)
		if (p->fd[i]) {
			file_put(p->fd[i]);
			p->fd[i] = NULL;
		}
	if (p->cwd) {
		inode_put(p->cwd);
		p->cwd = NULL;
	}
	if (p->clear_tid_addr) {
		int zero = 0;
		copy_to_user(p->clear_tid_addr, &zero, sizeof(zero));
	}
	proc_vfork_release(p);
	proc_job_exit(p); /* before its children go to init */
	struct mm *mm = p->mm;
	nkq_cr3(nk_view->master_l4); /* queued with the removals: the switch sends them */
	if (--mm->users == 0)
		vm_destroy(mm);
	p->mm = NULL;
	struct proc *init = proc_find(1);
	bool init_has_zombie = false;
	for (struct proc *q = proc_plist.head; q; q = NEXT(q))
		if (q->parent == p) {
			q->parent = init;
			q->ppid = 1;
			init_has_zombie |= q->state == 'Z';
		}
	p->sig.alarm_tick = 0;
	/* SIGCHLD; a parent that ignores it or set SA_NOCLDWAIT does not
	 * wait: init reaps the child instead (its wait4 then sees it gone) */
	bool autoreap = proc_signal_child(p, status);
	irq_disable();
	p->exit_status = status;
	p->state = 'Z';
	if (p->parent)
		sched_wakeup(p->parent);
	if (autoreap && init && p->parent != init) {
		p->parent = init;
		p->ppid = 1;
		sched_wakeup(init);
	}
	if (init_has_zombie && init)
		sched_wakeup(init);
	sched_schedule();
	panic("proc_exit: a zombie ran again");
}

long sys_exit(const uint64_t *a)
{
	proc_exit((int)(a[0] & 0xff) << 8);
}

/* Whether child c is one wait4's pid selects: pid > 0 that one, -1 any,
 * 0 the caller's process group, < -1 group -pid (man 2 wait4). */
static bool wait_selects(const struct proc *c, int pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == -1)
		return true;
	return proc_pgid(c) == (pid ? -pid : proc_pgid(current));
}

/* The wait status child c reports now under options, or -1 for none: a
 * zombie its exit status; with WUNTRACED a stop not yet reported
 * (0x7f | sig << 8); with WCONTINUED a continue not yet reported (0xffff).
 * A stop or continue report is consumed. */
static int wait_status(struct proc *c, uint64_t options)
{
	if (c->state == 'Z')
		return c->exit_status;
	if ((options & WUNTRACED) && c->state == 'T' && c->wait_report == WAIT_STOPPED) {
		c->wait_report = 0;
		return 0x7f | (int)c->stop_sig << 8;
	}
	if ((options & WCONTINUED) && c->wait_report == WAIT_CONTINUED) {
		c->wait_report = 0;
		return 0xffff;
	}
	return -1;
}

/* wait4(pid, status, options, rusage): -ECHILD when no child matches,
 * -EINVAL for unknown options, -EINTR, -EFAULT; 0 under WNOHANG when none
 * is ready. rusage is zeroed (no accounting). */
long sys_wait4(const uint64_t *a)
{
	int pid = (int)a[0];
	uint64_t ustatus = a[1], options = a[2], urusage = a[3];
	if (options & ~(uint64_t)(WNOHANG | WUNTRACED | WCONTINUED | WALL))
		return -EINVAL;
	for (;;) {
		bool have = false;
		for (struct proc *c = proc_plist.head; c; c = NEXT(c)) {
			if (c->parent != current || !wait_selects(c, pid))
				continue;
			have = true;
			int st = wait_status(c, options);
			if (st == -1)
				continue;
			if (ustatus && copy_to_user(ustatus, &st, sizeof(int)))
				return -EFAULT;
			if (urusage) {
				static const uint8_t zero[144];
				if (copy_to_user(urusage, zero, sizeof(zero)))
					return -EFAULT;
			}
			long r = c->pid;
			if (c->state == 'Z')
				proc_free(c);
			return r;
		}
		if (!have)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		/* a signal ends the wait only when no child is ready: one
		 * that exits wakes us with its SIGCHLD and is reaped first */
		irq_disable();
		if (proc_signal_pending(current)) {
			irq_enable();
			return -EINTR;
		}
		sched_sleep(current);
		irq_enable();
	}
}
