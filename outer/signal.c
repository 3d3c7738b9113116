/* Signals: sending (kill, tkill, tgkill, the kernel's own), dispositions
 * (rt_sigaction), the mask (rt_sigprocmask, rt_sigpending), waiting
 * (rt_sigsuspend, rt_sigtimedwait), sigaltstack, SIGCHLD, and the signal
 * state across fork and execve. The frame and its delivery on the way to
 * user mode are outer/sigframe.c; alarm and setitimer outer/itimer.c.
 * Source: Linux man 7 signal, 2 kill, 2 tkill, 2 sigaction, 2 sigprocmask,
 * 2 sigpending, 2 sigsuspend, 2 sigtimedwait, 2 sigaltstack, 2 wait4. */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include <outer/drivers.h>
#include "proc_internal.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048

/* The signals whose default action is to ignore them (man 7 signal); the
 * stop signals' default (SIG_STOP_MASK) is outer/sigframe.c's. */
#define SIG_DEFAULT_IGNORE (SIGBIT(SIGCHLD) | SIGBIT(SIGCONT) | SIGBIT(SIGURG) | SIGBIT(SIGWINCH))

bool sig_ignored(const struct proc *p, int sig)
{
	uint64_t h = sig_action(p, sig)->handler;
	return h == SIG_IGN || (h == SIG_DFL && (SIG_DEFAULT_IGNORE & SIGBIT(sig)));
}

bool proc_signal_refused(const struct proc *p, int sig)
{
	return (p->sig.blocked & SIGBIT(sig)) || sig_action(p, sig)->handler == SIG_IGN;
}

bool proc_signal_pending(const struct proc *p)
{
	return (p->sig.pending & ~p->sig.blocked) != 0;
}

/* Send sig to p with *info (NULL: SI_KERNEL), as proc_signal_info says.
 * A real-time signal queues one more instance: -EAGAIN when p has
 * SIGQUEUE_MAX queued or there is no memory (Linux's RLIMIT_SIGPENDING);
 * else 0. */
static long sig_send(struct proc *p, int sig, const struct ksiginfo *info)
{
	static const struct ksiginfo kernel = {.code = SI_KERNEL};
	if (sig < 1 || sig > NSIG || p->state == 'Z')
		return 0;
	uint64_t bit = SIGBIT(sig);
	long r = 0;
	/* the entry is made before interrupts go off (nothing else sends a
	 * real-time signal from an interrupt) */
	struct sigqueue *q = sig >= SIGRTMIN ? kmalloc(sizeof(*q)) : NULL;
	uint64_t fl;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(fl)::"memory");
	/* SIGCONT continues even when ignored, blocked or handled; it and the
	 * stop signals discard each other's pending instances (man 7 signal;
	 * Linux's prepare_signal) */
	if (sig == SIGCONT) {
		p->sig.pending &= ~SIG_STOP_MASK;
		proc_job_continue(p);
	} else if (bit & SIG_STOP_MASK) {
		p->sig.pending &= ~SIGBIT(SIGCONT);
	}
	/* discarded: an ignored signal unless blocked (or waited for), and
	 * one init has no handler for (Linux's SIGNAL_UNKILLABLE) */
	bool drop = (!((p->sig.blocked | p->sig.waiting) & bit) && sig_ignored(p, sig)) ||
		    (p->pid == 1 && sig_action(p, sig)->handler == SIG_DFL);
	if (!drop && sig >= SIGRTMIN) {
		if (!q || p->sig.nqueued >= SIGQUEUE_MAX) {
			r = -EAGAIN;
			drop = true;
		} else {
			*q = (struct sigqueue){.sig = sig, .info = info ? *info : kernel};
			struct sigqueue **tail = &p->sig.queue;
			while (*tail)
				tail = &(*tail)->next;
			*tail = q;
			q = NULL;
			p->sig.nqueued++;
			p->sig.pending |= bit;
		}
	}
	if (!drop) {
		if (!(p->sig.pending & bit)) {
			p->sig.pending |= bit;
			if (p->sig.tab)
				p->sig.tab->info[sig] = info ? *info : kernel;
		}
		if (p->state == 'S' && !(p->sig.blocked & bit))
			sched_make_runnable(p);
		if (p->state == 'T' && sig == SIGKILL) { /* it dies from its stop */
			p->state = 'R';
			sched_runq_push(p);
		}
	}
	if (fl & 0x200)
		irq_enable();
	kfree(q); /* not queued */
	return r;
}

void proc_signal_info(struct proc *p, int sig, const struct ksiginfo *info)
{
	sig_send(p, sig, info);
}

void sig_take(struct proc *p, int sig, struct ksiginfo *ki)
{
	*ki = (struct ksiginfo){.code = SI_KERNEL};
	if (sig < SIGRTMIN) {
		p->sig.pending &= ~SIGBIT(sig);
		if (p->sig.tab)
			*ki = p->sig.tab->info[sig];
		return;
	}
	struct sigqueue **pp = &p->sig.queue, *q;
	while ((q = *pp) && q->sig != sig)
		pp = &q->next;
	if (q) {
		*ki = q->info;
		*pp = q->next;
		p->sig.nqueued--;
		kfree(q);
	}
	bool more = false;
	for (q = *pp; q && !more; q = q->next)
		more = q->sig == sig;
	if (!more)
		p->sig.pending &= ~SIGBIT(sig);
}

/* Discard every pending instance of the signals in mask (any interrupt
 * state). */
static void sig_flush(struct proc *p, uint64_t mask)
{
	uint64_t fl;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(fl)::"memory");
	p->sig.pending &= ~mask;
	struct sigqueue *dead = NULL;
	for (struct sigqueue **pp = &p->sig.queue, *q; (q = *pp);) {
		if (mask & SIGBIT(q->sig)) {
			*pp = q->next;
			q->next = dead;
			dead = q;
			p->sig.nqueued--;
		} else {
			pp = &q->next;
		}
	}
	if (fl & 0x200)
		irq_enable();
	while (dead) {
		struct sigqueue *n = dead->next;
		kfree(dead);
		dead = n;
	}
}

void proc_signal(struct proc *p, int sig)
{
	proc_signal_info(p, sig, NULL);
}

void proc_kill_self(int sig, const char *why)
{
	kprintf("%s[%d]: killed by signal %d: %s\n", current->name, current->pid, sig, why);
	/* as Linux's forced signals: no handler and no mask stops it */
	if (current->sig.actset & SIGBIT(sig))
		current->sig.tab->action[sig].handler = SIG_DFL;
	current->sig.blocked &= ~SIGBIT(sig);
	if (current->sig.tab)
		current->sig.tab->info[sig] = (struct ksiginfo){.code = SI_KERNEL};
	current->sig.pending |= SIGBIT(sig);
}

bool proc_fault_signal(int sig, int code, uint64_t addr)
{
	struct proc *p = current;
	uint64_t h = sig_action(p, sig)->handler;
	if ((p->sig.blocked & SIGBIT(sig)) || h == SIG_IGN || h == SIG_DFL)
		return false;
	/* a handler: the table exists */
	p->sig.tab->info[sig] = (struct ksiginfo){.code = code, .addr = addr};
	p->sig.pending |= SIGBIT(sig);
	return true;
}

bool proc_signal_child(struct proc *p, int status)
{
	struct proc *parent = p->parent;
	if (!parent)
		return false;
	const struct k_sigaction *ka = sig_action(parent, SIGCHLD);
	bool killed = (status & 0x7f) != 0;
	struct ksiginfo ki = {
	    .code = killed ? CLD_KILLED : CLD_EXITED,
	    .pid = p->pid,
	    .uid = proc_cred(p)->uid,
	    .status = killed ? status & 0x7f : (status >> 8) & 0xff,
	};
	proc_signal_info(parent, SIGCHLD, &ki);
	return ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT);
}

struct sig_table *sig_table_get(struct proc *p)
{
	if (!p->sig.tab) {
		p->sig.tab = kmalloc(sizeof(*p->sig.tab));
		p->sig.actset = 0;
		/* what is already pending came without a siginfo */
		for (uint64_t m = p->sig.tab ? p->sig.pending : 0; m; m &= m - 1)
			p->sig.tab->info[__builtin_ctzll(m) + 1] =
			    (struct ksiginfo){.code = SI_KERNEL};
	}
	return p->sig.tab;
}

void proc_signal_free(struct proc *p)
{
	sig_flush(p, ~0ull);
	kfree(p->sig.tab);
	p->sig.tab = NULL;
	p->sig.actset = 0;
}

long proc_signal_fork(struct proc *c, const struct proc *p)
{
	if (p->sig.tab) {
		if (!sig_table_get(c))
			return -ENOMEM;
		c->sig.actset = p->sig.actset;
		for (uint64_t m = p->sig.actset; m; m &= m - 1) {
			int s = __builtin_ctzll(m) + 1;
			c->sig.tab->action[s] = p->sig.tab->action[s];
		}
	}
	c->sig.blocked = p->sig.blocked;
	c->sig.ss_sp = p->sig.ss_sp;
	c->sig.ss_size = p->sig.ss_size;
	c->sig.pending = 0;
	c->sig.queue = NULL;
	c->sig.nqueued = 0;
	c->sig.alarm_tick = c->sig.alarm_period = 0;
	return 0;
}

void proc_signal_exec(struct proc *p)
{
	for (uint64_t m = p->sig.actset; m; m &= m - 1) {
		int s = __builtin_ctzll(m) + 1;
		if (p->sig.tab->action[s].handler == SIG_IGN)
			p->sig.tab->action[s] = (struct k_sigaction){.handler = SIG_IGN};
		else
			p->sig.actset &= ~SIGBIT(s);
	}
	p->sig.ss_sp = p->sig.ss_size = 0;
	p->sig.restore_mask = false;
	p->did_exec = true; /* setpgid's EACCES from now on */
}

/* ---- sending ---- */

/* Whether current may signal p (man 2 kill: root, or the sender's real or
 * effective uid is p's real uid; we keep no saved uid). */
static bool may_signal(const struct proc *p)
{
	const struct cred *c = proc_cred(current), *t = proc_cred(p);
	return c->euid == 0 || c->uid == t->uid || c->euid == t->uid;
}

/* Send sig (0: only check) to p as a user with *ki. -ESRCH, -EPERM,
 * -EAGAIN (a full real-time queue). */
static long send_info(struct proc *p, int sig, const struct ksiginfo *ki)
{
	if (!p || p->state == 'Z')
		return -ESRCH;
	if (!may_signal(p))
		return -EPERM;
	return sig ? sig_send(p, sig, ki) : 0;
}

/* Send sig (0: only check) to p as a user (SI_USER or SI_TKILL). */
static long send_user(struct proc *p, int sig, int code)
{
	struct ksiginfo ki = {.code = code, .pid = current->pid, .uid = proc_cred(current)->uid};
	return send_info(p, sig, &ki);
}

/* The siginfo rt_sigqueueinfo's caller gave (128 bytes at uinfo): si_code,
 * si_pid, si_uid, si_value kept. -EFAULT; -EPERM when it claims to be the
 * kernel or kill (si_code >= 0, or SI_TKILL) and the target is not the
 * caller (man 2 rt_sigqueueinfo). */
static long queue_info(uint64_t uinfo, int pid, struct ksiginfo *ki)
{
	uint8_t raw[128];
	if (copy_from_user(raw, uinfo, sizeof(raw)))
		return -EFAULT;
	int32_t w[5];
	memcpy(w, raw, sizeof(w));
	*ki = (struct ksiginfo){.code = w[2], .pid = w[4]};
	memcpy(&ki->uid, raw + 20, 4);
	memcpy(&ki->value, raw + 24, 8);
	if ((ki->code >= 0 || ki->code == SI_TKILL) && pid != current->pid)
		return -EPERM;
	return 0;
}

/* rt_sigqueueinfo(tgid, sig, uinfo): sig with the caller's siginfo to
 * process tgid; -EINVAL, -ESRCH, -EPERM, -EFAULT, -EAGAIN. */
long sys_rt_sigqueueinfo(const uint64_t *a)
{
	int pid = (int)a[0], sig = (int)a[1];
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct ksiginfo ki;
	long r = queue_info(a[2], pid, &ki);
	if (r)
		return r;
	return send_info(pid > 0 ? proc_find(pid) : NULL, sig, &ki);
}

/* rt_tgsigqueueinfo(tgid, tid, sig, uinfo): the same for thread tid of
 * tgid (one thread per process: tid == tgid, else -ESRCH); -EINVAL for
 * ids <= 0. */
long sys_rt_tgsigqueueinfo(const uint64_t *a)
{
	int tgid = (int)a[0], tid = (int)a[1], sig = (int)a[2];
	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct ksiginfo ki;
	long r = queue_info(a[3], tid, &ki);
	if (r)
		return r;
	if (tgid != tid)
		return -ESRCH;
	return send_info(proc_find(tid), sig, &ki);
}

/* kill(pid, sig): pid > 0 that process; 0 the caller's process group;
 * -1 every process but init and the caller (man 2 kill; Linux ignores
 * EPERM there: 0 when any was a candidate); < -1 group -pid. A group
 * send succeeds when one member took the signal (a zombie counts), else
 * its last error: -EPERM, or -ESRCH for an empty group. -EINVAL for a bad
 * sig. */
long sys_kill(const uint64_t *a)
{
	int pid = (int)a[0], sig = (int)a[1];
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid > 0)
		return send_user(proc_find(pid), sig, SI_USER);
	if (pid == -2147483647 - 1) /* -INT_MIN is no group */
		return -ESRCH;
	if (pid == -1) {
		long ret = 0;
		int n = 0;
		for (struct proc *p = proc_plist.head; p; p = NEXT(p))
			if (p->pid != 1 && p != current) {
				long r = p->state == 'Z' ? 0 : send_user(p, sig, SI_USER);
				if (r != -EPERM)
					ret = r;
				n++;
			}
		return n ? ret : -ESRCH;
	}
	int pgid = pid ? -pid : proc_pgid(current);
	long ret = -ESRCH;
	bool ok = false;
	for (struct proc *p = proc_plist.head; p; p = NEXT(p))
		if (proc_pgid(p) == pgid) {
			ret = p->state == 'Z' ? 0 : send_user(p, sig, SI_USER);
			ok |= ret == 0;
		}
	return ok ? 0 : ret;
}

long sys_tkill(const uint64_t *a)
{
	int tid = (int)a[0], sig = (int)a[1];
	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	return send_user(proc_find(tid), sig, SI_TKILL);
}

long sys_tgkill(const uint64_t *a)
{
	int tgid = (int)a[0], tid = (int)a[1], sig = (int)a[2];
	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	if (tgid != tid) /* one thread per process: its tid is its pid */
		return -ESRCH;
	return send_user(proc_find(tid), sig, SI_TKILL);
}

/* ---- dispositions and the mask ---- */

long sys_rt_sigaction(const uint64_t *a)
{
	int sig = (int)a[0];
	struct proc *p = current;
	if (a[3] != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (a[1] && (SIGBIT(sig) & SIG_UNBLOCKABLE))
		return -EINVAL;
	struct k_sigaction act, old = *sig_action(p, sig);
	if (a[1] && copy_from_user(&act, a[1], sizeof(act)))
		return -EFAULT;
	if (a[1] && !sig_table_get(p))
		return -ENOMEM;
	if (a[1]) {
		act.mask &= ~SIG_UNBLOCKABLE;
		*sig_action_set(p, sig) = act;
		if (sig_ignored(p, sig)) /* POSIX: pending instances are discarded */
			sig_flush(p, SIGBIT(sig));
	}
	if (a[2] && copy_to_user(a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(const uint64_t *a)
{
	struct proc *p = current;
	if (a[3] != 8)
		return -EINVAL;
	sig_table_get(p); /* for the siginfo of what it blocks (best effort) */
	uint64_t old = p->sig.blocked, set;
	if (a[1]) {
		if (copy_from_user(&set, a[1], 8))
			return -EFAULT;
		set &= ~SIG_UNBLOCKABLE;
		if (a[0] == SIG_BLOCK)
			p->sig.blocked |= set;
		else if (a[0] == SIG_UNBLOCK)
			p->sig.blocked &= ~set;
		else if (a[0] == SIG_SETMASK)
			p->sig.blocked = set;
		else
			return -EINVAL;
	}
	if (a[2] && copy_to_user(a[2], &old, 8))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(const uint64_t *a)
{
	if (a[1] > 8)
		return -EINVAL;
	uint64_t set = current->sig.pending & current->sig.blocked;
	return copy_to_user(a[0], &set, a[1]);
}

/* ---- waiting ---- */

long sys_rt_sigsuspend(const uint64_t *a)
{
	struct proc *p = current;
	uint64_t set;
	if (a[1] != 8)
		return -EINVAL;
	if (copy_from_user(&set, a[0], 8))
		return -EFAULT;
	irq_disable();
	/* proc_signal_deliver saves the old mask in the handler's frame and
	 * puts it back */
	p->sig.saved = p->sig.blocked;
	p->sig.restore_mask = true;
	p->sig.blocked = set & ~SIG_UNBLOCKABLE;
	while (!proc_signal_pending(p))
		sched_sleep(&p->sig.pending);
	irq_enable();
	return -EINTR;
}

long sys_rt_sigtimedwait(const uint64_t *a)
{
	struct proc *p = current;
	uint64_t set, deadline = 0;
	bool timed = a[2] != 0;
	if (a[3] != 8)
		return -EINVAL;
	if (copy_from_user(&set, a[0], 8))
		return -EFAULT;
	set &= ~SIG_UNBLOCKABLE;
	sig_table_get(p); /* best effort: without it, SI_KERNEL */
	if (timed) {
		int64_t ts[2];
		if (copy_from_user(ts, a[2], sizeof(ts)))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		const uint64_t tick_ns = 1000000000ull / TIMER_HZ;
		uint64_t ns = (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
		deadline = timer_ticks + (ns + tick_ns - 1) / tick_ns;
	}
	irq_disable();
	for (;;) {
		uint64_t ready = p->sig.pending & set;
		if (ready) {
			int sig = __builtin_ctzll(ready) + 1;
			struct ksiginfo ki;
			sig_take(p, sig, &ki);
			irq_enable();
			uint8_t info[128];
			sig_fill_siginfo(info, sig, &ki);
			if (a[1] && copy_to_user(a[1], info, sizeof(info)))
				return -EFAULT;
			return sig;
		}
		if (proc_signal_pending(p))
			break; /* another signal: its handler runs, or it kills */
		if (timed && timer_ticks >= deadline) {
			irq_enable();
			return -EAGAIN;
		}
		/* the set is unblocked while asleep (Linux's real_blocked) */
		uint64_t blocked = p->sig.blocked;
		p->sig.waiting = set;
		p->sig.blocked &= ~set;
		p->wake_tick = timed ? deadline : 0;
		sched_sleep(&p->sig.pending);
		p->wake_tick = 0;
		p->sig.blocked = blocked;
		p->sig.waiting = 0;
	}
	irq_enable();
	return -EINTR;
}

long proc_sigmask_enter(uint64_t uset)
{
	uint64_t set;
	if (!uset)
		return 0;
	if (copy_from_user(&set, uset, 8))
		return -EFAULT;
	struct proc *p = current;
	irq_disable();
	p->sig.saved = p->sig.blocked;
	p->sig.restore_mask = true;
	p->sig.blocked = set & ~SIG_UNBLOCKABLE;
	irq_enable();
	return 0;
}

void proc_sigmask_leave(long r)
{
	struct proc *p = current;
	irq_disable();
	/* interrupted: the handler's frame takes the old mask and
	 * proc_signal_deliver puts it back (as for rt_sigsuspend) */
	if (p->sig.restore_mask && !(r == -EINTR && proc_signal_pending(p))) {
		p->sig.blocked = p->sig.saved;
		p->sig.restore_mask = false;
	}
	irq_enable();
}

/* ---- the alternate stack ---- */

bool sig_on_altstack(const struct proc *p, uint64_t sp)
{
	return p->sig.ss_size && sp > p->sig.ss_sp && sp - p->sig.ss_sp <= p->sig.ss_size;
}

/* sigaltstack(ss, old_ss): stack_t is {void *ss_sp; int ss_flags; size_t
 * ss_size} (24 bytes). EPERM while on the stack, EINVAL for flags other
 * than 0, SS_ONSTACK, SS_DISABLE (SS_AUTODISARM is not supported), ENOMEM
 * below MINSIGSTKSZ, EFAULT. */
long sys_sigaltstack(const uint64_t *a)
{
	struct proc *p = current;
	struct ustack {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} ss, old = {p->sig.ss_sp, 0, 0, p->sig.ss_size};
	bool on = sig_on_altstack(p, p->tf->rsp);
	old.flags = !p->sig.ss_size ? SS_DISABLE : on ? SS_ONSTACK : 0;
	if (a[0]) {
		if (copy_from_user(&ss, a[0], sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM;
		if (ss.flags != 0 && ss.flags != SS_ONSTACK && ss.flags != SS_DISABLE)
			return -EINVAL;
		if (ss.flags == SS_DISABLE) {
			p->sig.ss_sp = p->sig.ss_size = 0;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			p->sig.ss_sp = ss.sp;
			p->sig.ss_size = ss.size;
		}
	}
	if (a[1] && copy_to_user(a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
