/* Processes: the credentials and the process list's links, each a
 * write-log region of one page (the outer kernel reads them in place and
 * changes them only through nk_write, which records every change: spec
 * section 7, the paper's allproc), and the list nksys reads. The process
 * code is split by concern: outer/fork.c, exit.c, signal.c, sched.c. */
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

struct proc *current;

/* Credentials and the process list's links live in write-log regions: the
 * outer kernel reads them in place and changes them only through nk_write,
 * which records each change (spec section 7; the paper's allproc). */
static struct cred creds[NPROC] __attribute__((aligned(4096)));
struct proc_list_page proc_plist __attribute__((aligned(4096)));
_Static_assert(sizeof(creds) == 4096 && sizeof(proc_plist) == 4096, "one page each");
static long cred_rid = -1, plist_rid = -1;
struct proc *proc_slot_owner[NPROC];

void proc_init(void)
{
	cred_rid = nk_region_declare(creds, sizeof(creds), NK_POLICY_WRITE_LOG);
	plist_rid = nk_region_declare(&proc_plist, sizeof(proc_plist), NK_POLICY_WRITE_LOG);
	if (cred_rid < 0 || plist_rid < 0)
		panic("proc_init: nk refused the credential or list region: %s",
		      nk_strerror(cred_rid < 0 ? cred_rid : plist_rid));
}

long proc_cred_region(void)
{
	return cred_rid;
}

long proc_list_region(void)
{
	return plist_rid;
}

/* Whether a credential write is queued (include/outer/nkq.h). */
static bool cred_queued;

const struct cred *proc_cred(const struct proc *p)
{
	if (cred_queued) { /* read what was written */
		nkq_flush();
		cred_queued = false;
	}
	return &creds[p->slot];
}

/* The writes below are queued: one system call's credential and list
 * changes reach nk (and its write log) in one crossing, at the call's end
 * or sooner (proc_cred, proc_free). */
void proc_set_cred(struct proc *p, const struct cred *c)
{
	nkq_write(cred_rid, &creds[p->slot], c, sizeof(*c));
	cred_queued = true;
}

void proc_plist_store(struct proc **where, struct proc *val)
{
	nkq_write(plist_rid, where, &val, sizeof(val));
}

void proc_set_job(struct proc *p, int pgid, int sid)
{
	int16_t v[2] = {(int16_t)pgid, (int16_t)sid};
	nkq_write(plist_rid, &proc_plist.pgid[p->slot], &v[0], sizeof(v[0]));
	nkq_write(plist_rid, &proc_plist.sid[p->slot], &v[1], sizeof(v[1]));
}

int proc_pgid(const struct proc *p)
{
	return proc_plist.pgid[p->slot];
}

int proc_sid(const struct proc *p)
{
	return proc_plist.sid[p->slot];
}

/* proc_list: fill out[0..cap) with the processes; returns how many. */
unsigned proc_list(struct nksys_proc *out, unsigned cap)
{
	unsigned i = 0;
	for (struct proc *p = proc_plist.head; p && i < cap; p = NEXT(p), i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].pid = p->pid;
		out[i].ppid = p->ppid;
		out[i].uid = proc_cred(p)->uid;
		out[i].gid = proc_cred(p)->gid;
		out[i].state = p->state;
		memcpy(out[i].name, p->name, sizeof(out[i].name) - 1);
	}
	return i;
}

/* getgroups(size, list): the supplementary group ids. A process here has
 * none (setgroups does not exist), so the answer is always 0 ids, for any
 * size. Source: Linux man 2 getgroups. */
long sys_getgroups(const uint64_t *a)
{
	return (int)a[0] < 0 ? -EINVAL : 0;
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16

/* prctl(option, arg2, ...): PR_SET_NAME (the process name, up to 15 bytes
 * and a NUL, from the string at arg2) and PR_GET_NAME (copied out to arg2,
 * 16 bytes); any other option -EINVAL (this kernel has none of Linux's
 * other process attributes). Errors: -EFAULT. Source: Linux man 2 prctl. */
long sys_prctl(const uint64_t *a)
{
	char name[16];
	switch ((int)a[0]) {
	case PR_SET_NAME: {
		long r = strncpy_from_user(name, a[1], sizeof(name));
		if (r == -ENAMETOOLONG)
			name[sizeof(name) - 1] = 0; /* longer names are cut, as on Linux */
		else if (r < 0)
			return r;
		memset(current->name, 0, sizeof(current->name));
		memcpy(current->name, name, strlen(name));
		return 0;
	}
	case PR_GET_NAME:
		memset(name, 0, sizeof(name));
		for (size_t i = 0; i < sizeof(name) - 1 && current->name[i]; i++)
			name[i] = current->name[i];
		return copy_to_user(a[1], name, sizeof(name));
	}
	return -EINVAL;
}
