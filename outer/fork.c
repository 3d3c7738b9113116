/* Processes: creation (fork, vfork, clone) and the first process.
 * Source: Linux man 2 fork/clone/vfork. */
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

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_VFORK 0x4000
#define CLONE_PARENT 0x8000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000

/* ---- creation ---- */

static struct proc *proc_alloc(void)
{
	unsigned slot = 0;
	while (slot < NPROC && proc_slot_owner[slot])
		slot++;
	if (slot == NPROC)
		return NULL;
	struct proc *p = kmalloc(sizeof(*p));
	void *ks = kmalloc(KSTACK_BYTES);
	void *fpu = kmalloc(512);
	if (!p || !ks || !fpu) {
		kfree(p);
		kfree(ks);
		kfree(fpu);
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->slot = slot;
	proc_slot_owner[slot] = p;
	p->kstack = ks;
	p->fpu = fpu;
	p->tf = (struct trap_frame *)((uint8_t *)ks + KSTACK_BYTES) - 1;
	/* a first switch_to pops six callee-saved registers and returns to
	 * task_first_entry, with RSP at the trap frame */
	uint64_t *sp = (uint64_t *)p->tf;
	*--sp = (uint64_t)task_first_entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	p->ksp = (uint64_t)sp;
	do
		proc_last_pid = proc_last_pid >= 32767 ? 2 : proc_last_pid + 1;
	while (proc_find(proc_last_pid));
	p->pid = proc_last_pid;
	p->state = 'R';
	return p;
}

static void proc_link(struct proc *p)
{
	proc_plist_store(&NEXT(p), proc_plist.head);
	proc_plist_store(&proc_plist.head, p);
	proc_nprocs++;
}

/* Free a process that proc_alloc made (linked or not). */
void proc_free(struct proc *p)
{
	if (proc_plist.head == p) {
		proc_plist_store(&proc_plist.head, NEXT(p));
		proc_nprocs--;
	} else {
		for (struct proc *q = proc_plist.head; q; q = NEXT(q))
			if (NEXT(q) == p) {
				proc_plist_store(&NEXT(q), NEXT(p));
				proc_nprocs--;
				break;
			}
	}
	if (NEXT(p))
		proc_plist_store(&NEXT(p), NULL);
	nkq_flush(); /* the list no longer reaches p before p is freed */
	proc_slot_owner[p->slot] = NULL;
	proc_signal_free(p);
	kfree(p->kstack);
	kfree(p->fpu);
	kfree(p);
}

/* Called on a new task's stack by task_first_entry, before its first
 * return to user mode. */
void proc_task_start(void)
{
	sched_task_start();
	sched_fxrstor(current->fpu);
	if (current->set_tid_addr) {
		int tid = current->pid;
		copy_to_user(current->set_tid_addr, &tid, sizeof(tid));
		current->set_tid_addr = 0;
	}
}

/* The common part of fork, vfork and clone. */
static long do_fork(uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	if ((flags & CLONE_THREAD) || ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) ||
	    (flags & (CLONE_SIGHAND | CLONE_FILES | CLONE_FS)))
		return -EINVAL;
	struct proc *c = proc_alloc();
	if (!c)
		return -ENOMEM;
	struct proc *p = current;
	if (proc_signal_fork(c, p)) { /* first: nothing else to undo */
		proc_free(c);
		return -ENOMEM;
	}
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		c->mm->users++;
	} else {
		c->mm = vm_fork(p->mm);
		if (!c->mm) {
			proc_free(c);
			return -ENOMEM;
		}
	}
	c->ppid = p->pid;
	c->parent = p;
	proc_set_cred(c, proc_cred(p));
	proc_set_job(c, proc_pgid(p), proc_sid(p)); /* fork keeps both (man 2 fork) */
	c->ctty_detached = p->ctty_detached;
	memcpy(c->name, p->name, sizeof(c->name));
	memcpy(c->cmdline, p->cmdline, sizeof(c->cmdline));
	c->cmdline_len = p->cmdline_len;
	memcpy(c->exe, p->exe, sizeof(c->exe));
	for (int i = 0; i < NR_OPEN; i++)
		if (p->fd[i]) {
			c->fd[i] = p->fd[i];
			file_get(c->fd[i]);
		}
	c->cloexec = p->cloexec;
	c->umask = p->umask;
	c->cwd = p->cwd;
	if (c->cwd)
		inode_get(c->cwd);
	c->fs_base = (flags & CLONE_SETTLS) ? tls : p->fs_base;
	*c->tf = *p->tf;
	c->tf->rax = 0;
	if (newsp)
		c->tf->rsp = newsp;
	sched_fxsave(c->fpu); /* the parent's live FPU/SSE state */
	if (flags & CLONE_CHILD_SETTID)
		c->set_tid_addr = ctid;
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_tid_addr = ctid;
	if (flags & CLONE_PARENT_SETTID) {
		int tid = c->pid;
		copy_to_user(ptid, &tid, sizeof(tid));
	}
	proc_link(c);
	irq_disable();
	sched_runq_push(c);
	long pid = c->pid;
	if (flags & CLONE_VFORK) {
		c->vfork_parent = p;
		while (c->vfork_parent)
			sched_sleep(c);
	}
	irq_enable();
	return pid;
}

long sys_fork(const uint64_t *a)
{
	(void)a;
	return do_fork(0, 0, 0, 0, 0);
}

long sys_vfork(const uint64_t *a)
{
	(void)a;
	return do_fork(CLONE_VFORK, 0, 0, 0, 0);
}

/* clone(flags, newsp, parent_tid, child_tid, tls): the process forms only. */
long sys_clone(const uint64_t *a)
{
	return do_fork(a[0] & ~0xffull, a[1], a[2], a[3], a[4]);
}

/* A vfork parent waits until its child stops using its memory. */
void proc_vfork_release(struct proc *c)
{
	if (c->vfork_parent) {
		c->vfork_parent = NULL;
		sched_wakeup(c);
	}
}

/* ---- the first process ---- */

NK_NORETURN void proc_start_init(const char *path, const char *const *argv)
{
	static const char *const envp[] = {"HOME=/", "PATH=/bin:/sbin", "TERM=vt100", NULL};
	sched_use_fsgsbase = nk_view->has_fsgsbase && (read_cr4() & (1u << 16));
	struct proc *p = proc_alloc();
	if (!p)
		panic("proc_start_init: out of memory");
	p->mm = vm_create();
	if (!p->mm)
		panic("proc_start_init: out of memory");
	struct file *con = console_file();
	for (int i = 0; i < 3; i++) {
		p->fd[i] = con;
		if (i)
			file_get(con);
	}
	if (fs_lookup(NULL, "/", true, &p->cwd))
		panic("proc_start_init: no root directory");
	p->umask = 022;
	/* init leads session 1 and group 1; the console is that session's
	 * controlling tty, so that its shells have job control */
	proc_set_job(p, p->pid, p->pid);
	tty_set_ctty(p->pid, p->pid);
	proc_link(p);
	proc_set_running(p); /* this CPU's current, kernel stack, CR3 */
	sched_fxsave(p->fpu);
	long r = exec_image(p, path, argv, envp);
	if (r)
		panic("proc_start_init: cannot run %s (error %ld)", path, -r);
	p->slice = SLICE_TICKS;
	irq_disable();
	user_return(p->tf); /* drops the BKL smp_boot_init took */
}
