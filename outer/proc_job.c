/* Job control: process groups and sessions (setpgid, getpgid, getpgrp,
 * setsid, getsid), the group queries the signal, wait and tty code use, and
 * stopping and continuing a process (SIGSTOP, SIGCONT and the parent's
 * SIGCHLD and wait4 reports). The group and session ids live in the process
 * list's write-log region (proc_set_job): every change goes through nk.
 * Source: Linux man 2 setpgid, setsid, getsid, 7 signal ("Stop", "Cont"),
 * 7 credentials ("Process groups and sessions"), 2 wait4; POSIX.1-2017
 * 3.264 (orphaned process group), 11.1.3-11.1.4 (controlling terminal,
 * terminal access control). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/proc.h>
#include <outer/drivers.h>
#include "proc_internal.h"

/* ---- group queries ---- */

int proc_pgrp_signal(int pgid, int sig, const struct ksiginfo *info)
{
	int n = 0;
	for (struct proc *p = proc_plist.head; p; p = NEXT(p))
		if (proc_pgid(p) == pgid && p->state != 'Z') {
			proc_signal_info(p, sig, info);
			n++;
		}
	return n;
}

int proc_pgrp_session(int pgid)
{
	struct proc *byid = NULL;
	for (struct proc *p = proc_plist.head; p; p = NEXT(p)) {
		if (proc_pgid(p) == pgid)
			return proc_sid(p);
		if (p->pid == pgid)
			byid = p;
	}
	return byid ? proc_sid(byid) : -1;
}

bool proc_pgrp_orphaned(int pgid, const struct proc *ignore)
{
	for (struct proc *p = proc_plist.head; p; p = NEXT(p)) {
		if (p == ignore || p->state == 'Z' || proc_pgid(p) != pgid)
			continue;
		const struct proc *q = p->parent;
		if (q && q != ignore && q->pid != 1 && proc_pgid(q) != pgid &&
		    proc_sid(q) == proc_sid(p))
			return false;
	}
	return true;
}

/* Whether some process (zombies included) is in process group pgid. */
static bool pgrp_exists(int pgid)
{
	for (struct proc *p = proc_plist.head; p; p = NEXT(p))
		if (proc_pgid(p) == pgid)
			return true;
	return false;
}

/* Whether group pgid has a stopped member. */
static bool pgrp_has_stopped(int pgid)
{
	for (struct proc *p = proc_plist.head; p; p = NEXT(p))
		if (proc_pgid(p) == pgid && p->state == 'T')
			return true;
	return false;
}

/* Group pgid, which `leaving` linked to another group of its session,
 * becomes orphaned without it: a stopped member gets SIGHUP and SIGCONT
 * (POSIX.1-2017 _exit, "orphaned process group"; Linux's
 * kill_orphaned_pgrp). */
static void orphan_check(int pgid, const struct proc *leaving)
{
	if (proc_pgrp_orphaned(pgid, leaving) && pgrp_has_stopped(pgid)) {
		proc_pgrp_signal(pgid, SIGHUP, NULL);
		proc_pgrp_signal(pgid, SIGCONT, NULL);
	}
}

void proc_job_exit(struct proc *p)
{
	int pgid = proc_pgid(p), sid = proc_sid(p);
	/* p's own group loses p as its link to the session's other groups */
	const struct proc *q = p->parent;
	if (q && q->pid != 1 && proc_pgid(q) != pgid && proc_sid(q) == sid)
		orphan_check(pgid, p);
	/* and each child's group, if p was its link */
	for (struct proc *c = proc_plist.head; c; c = NEXT(c))
		if (c->parent == p && c->state != 'Z' && proc_pgid(c) != pgid && proc_sid(c) == sid)
			orphan_check(proc_pgid(c), p);
	if (p->pid == sid)
		tty_session_end(sid);
}

/* ---- stopping and continuing ---- */

/* Tell p's parent that p stopped (CLD_STOPPED, status the signal) or
 * continued (CLD_CONTINUED, status SIGCONT): SIGCHLD unless the parent set
 * SA_NOCLDSTOP, and a wakeup for its wait4. */
static void notify_parent(struct proc *p, int code, int status)
{
	struct proc *parent = p->parent;
	if (!parent)
		return;
	if (!(sig_action(parent, SIGCHLD)->flags & SA_NOCLDSTOP)) {
		struct ksiginfo ki = {
		    .code = code, .pid = p->pid, .uid = proc_cred(p)->uid, .status = status};
		proc_signal_info(parent, SIGCHLD, &ki);
	}
	sched_wakeup(parent);
}

void proc_job_stop(int sig)
{
	struct proc *p = current;
	p->state = 'T';
	p->stop_sig = (uint8_t)sig;
	p->wait_report = WAIT_STOPPED;
	notify_parent(p, CLD_STOPPED, sig);
	sched_schedule(); /* until proc_job_continue or SIGKILL makes it runnable */
}

void proc_job_continue(struct proc *p)
{
	if (p->state != 'T')
		return;
	p->state = 'R';
	sched_runq_push(p);
	p->wait_report = WAIT_CONTINUED;
	notify_parent(p, CLD_CONTINUED, SIGCONT);
}

/* ---- the system calls ---- */

/* getpgrp(): the caller's process group id. */
long sys_getpgrp(const uint64_t *a)
{
	(void)a;
	return proc_pgid(current);
}

/* getpgid(pid): pid's process group (0: the caller's); -ESRCH. */
long sys_getpgid(const uint64_t *a)
{
	int pid = (int)a[0];
	struct proc *p = pid ? proc_find(pid) : current;
	if (pid < 0 || !p)
		return -ESRCH;
	return proc_pgid(p);
}

/* getsid(pid): pid's session (0: the caller's); -ESRCH. Linux does not
 * refuse another session's process (man 2 getsid's optional EPERM). */
long sys_getsid(const uint64_t *a)
{
	int pid = (int)a[0];
	struct proc *p = pid ? proc_find(pid) : current;
	if (pid < 0 || !p)
		return -ESRCH;
	return proc_sid(p);
}

/* setpgid(pid, pgid), in Linux's order: -EINVAL for pgid < 0; -ESRCH when
 * pid is neither the caller nor one of its children; -EPERM for a child in
 * another session, a session leader, or a pgid that is not pid and no
 * group of the caller's session has; -EACCES for a child that has execed. */
long sys_setpgid(const uint64_t *a)
{
	int pid = (int)a[0], pgid = (int)a[1];
	struct proc *me = current;
	if (!pid)
		pid = me->pid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	struct proc *p = pid > 0 ? proc_find(pid) : NULL;
	if (!p)
		return -ESRCH;
	if (p->parent == me) {
		if (proc_sid(p) != proc_sid(me))
			return -EPERM;
		if (p->did_exec)
			return -EACCES;
	} else if (p != me) {
		return -ESRCH;
	}
	if (p->pid == proc_sid(p))
		return -EPERM;
	if (pgid != p->pid) {
		bool found = false;
		for (struct proc *q = proc_plist.head; q && !found; q = NEXT(q))
			found = proc_pgid(q) == pgid && proc_sid(q) == proc_sid(me);
		if (!found)
			return -EPERM;
	}
	if (proc_pgid(p) != pgid)
		proc_set_job(p, pgid, proc_sid(p));
	return 0;
}

/* setsid(): a new session and process group, both the caller's pid, with
 * no controlling tty. Returns the new session id; -EPERM when the caller
 * is a process group leader (some process has its pid as pgid). */
long sys_setsid(const uint64_t *a)
{
	(void)a;
	struct proc *me = current;
	if (pgrp_exists(me->pid))
		return -EPERM;
	proc_set_job(me, me->pid, me->pid);
	me->ctty_detached = false;
	return me->pid;
}
