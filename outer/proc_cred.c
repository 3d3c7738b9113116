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
