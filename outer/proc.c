/* Processes: creation (fork, vfork, clone), exit and wait4, kill with the
 * default actions, sleep/wakeup, and the round-robin scheduler.
 * One CPU. Kernel code is not preempted: the timer switches tasks only
 * when it interrupts user mode; a task in the kernel runs until it sleeps
 * or returns. Each task has a kernel stack whose top holds its user
 * registers (struct trap_frame), built by the SYSCALL entry or copied there
 * from the TSS RSP0 entry stack (outer/usermode.asm, outer/trap.c).
 * Source: Linux man 2 fork/clone/vfork/wait4/kill/exit; SDM Vol. 1 10.5
 * (FXSAVE area). */
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

#define SLICE_TICKS 2 /* 20 ms turns at 100 Hz */
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
#define WNOHANG 1

struct proc *current;

/* Credentials and the process list's links live in write-log regions: the
 * outer kernel reads them in place and changes them only through nk_write,
 * which records each change (spec section 7; the paper's allproc). */
static struct cred creds[NPROC] __attribute__((aligned(4096)));
static struct {
	struct proc *head;
	struct proc *next[NPROC];
	uint8_t pad[4096 - 8 - 8 * NPROC]; /* the region is the whole page */
} plist __attribute__((aligned(4096)));
_Static_assert(sizeof(creds) == 4096 && sizeof(plist) == 4096, "one page each");
static long cred_rid = -1, plist_rid = -1;
static struct proc *slot_owner[NPROC];
#define NEXT(p) (plist.next[(p)->slot])

void proc_init(void)
{
	cred_rid = nk_region_declare(creds, sizeof(creds), NK_POLICY_WRITE_LOG);
	plist_rid = nk_region_declare(&plist, sizeof(plist), NK_POLICY_WRITE_LOG);
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

const struct cred *proc_cred(const struct proc *p)
{
	return &creds[p->slot];
}

void proc_set_cred(struct proc *p, const struct cred *c)
{
	long r = nk_write(cred_rid, &creds[p->slot], c, sizeof(*c));
	if (r)
		panic("proc_set_cred: nk refused: %s", nk_strerror(r));
}

static void plist_store(struct proc **where, struct proc *val)
{
	long r = nk_write(plist_rid, where, &val, sizeof(val));
	if (r)
		panic("plist_store: nk refused: %s", nk_strerror(r));
}

struct proc *proc_first(void)
{
	return plist.head;
}

struct proc *proc_next(const struct proc *p)
{
	return NEXT(p);
}
static struct proc *runq_head, *runq_tail;
static int last_pid;
static unsigned long nprocs;
extern uint64_t syscall_kstack_top; /* outer/usermode.asm */

void switch_to(uint64_t *save_ksp, uint64_t next_ksp);
void task_first_entry(void);
NK_NORETURN void user_return(struct trap_frame *tf);

static void fxsave(void *area)
{
	__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static void fxrstor(const void *area)
{
	__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

static bool use_fsgsbase; /* CR4.FSGSBASE is on: WRFSBASE, no gate */

/* Load FS.base: WRFSBASE, or nk_wrmsr without CR4.FSGSBASE. Returns 0 or
 * nk's error (a non-canonical base). */
static long load_fs_base(uint64_t base)
{
	if (use_fsgsbase) {
		__asm__ volatile("wrfsbase %0" ::"r"(base));
		return 0;
	}
	return nk_wrmsr(0xc0000100, base);
}

long proc_set_fs_base(uint64_t base)
{
	long r = load_fs_base(base);
	if (r == 0)
		current->fs_base = base;
	return r;
}

uint64_t uptime_ns(void)
{
	return timer_ticks * (1000000000ull / TIMER_HZ);
}

unsigned long proc_count(void)
{
	return nprocs;
}

struct proc *proc_find(int pid)
{
	for (struct proc *p = plist.head; p; p = NEXT(p))
		if (p->pid == pid)
			return p;
	return NULL;
}

static void runq_push(struct proc *p)
{
	p->run_next = NULL;
	if (runq_tail)
		runq_tail->run_next = p;
	else
		runq_head = p;
	runq_tail = p;
}

static struct proc *runq_pop(void)
{
	struct proc *p = runq_head;
	if (p) {
		runq_head = p->run_next;
		if (!runq_head)
			runq_tail = NULL;
	}
	return p;
}

static void make_runnable(struct proc *p)
{
	if (p->state != 'S')
		return;
	p->state = 'R';
	p->chan = NULL;
	p->wake_tick = 0;
	runq_push(p);
}

/* Switch to the next runnable task; interrupts off. Returns when current
 * runs again (a zombie never does). With nothing to run, wait for an
 * interrupt on this stack. */
static void schedule(void)
{
	struct proc *prev = current, *next;
	for (;;) {
		next = runq_pop();
		if (next)
			break;
		if (prev->state == 'R')
			return;
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	if (next == prev)
		return;
	fxsave(prev->fpu);
	current = next;
	next->slice = SLICE_TICKS;
	syscall_kstack_top = (uint64_t)next->kstack + KSTACK_BYTES;
	if (next->mm != prev->mm || !prev->mm)
		mm_activate(next->mm);
	if (next->fs_base != prev->fs_base && load_fs_base(next->fs_base))
		kprintf("proc: nk refused FS.base %lx\n", next->fs_base);
	switch_to(&prev->ksp, next->ksp);
	fxrstor(current->fpu);
}

/* Give up the CPU but stay runnable (timer preemption, sched_yield). */
static void yield(void)
{
	irq_disable();
	if (runq_head) {
		runq_push(current);
		schedule();
	}
	current->slice = SLICE_TICKS;
}

void sched_sleep(const void *chan)
{
	current->state = 'S';
	current->chan = chan;
	schedule();
}

void sched_wakeup(const void *chan)
{
	uint64_t fl;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(fl)::"memory");
	for (struct proc *p = plist.head; p; p = NEXT(p))
		if (p->state == 'S' && p->chan == chan)
			make_runnable(p);
	if (fl & 0x200)
		irq_enable();
}

void proc_tick(void)
{
	for (struct proc *p = plist.head; p; p = NEXT(p))
		if (p->state == 'S' && p->wake_tick && p->wake_tick <= timer_ticks)
			make_runnable(p);
	if (current) {
		current->ticks++;
		if (current->slice)
			current->slice--;
	}
}

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
		make_runnable(p);
}

void proc_kill_self(int sig, const char *why)
{
	kprintf("%s[%d]: killed by signal %d: %s\n", current->name, current->pid, sig, why);
	current->sig_pending |= 1ull << sig;
}

/* ---- creation ---- */

static struct proc *proc_alloc(void)
{
	unsigned slot = 0;
	while (slot < NPROC && slot_owner[slot])
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
	slot_owner[slot] = p;
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
		last_pid = last_pid >= 32767 ? 2 : last_pid + 1;
	while (proc_find(last_pid));
	p->pid = last_pid;
	p->state = 'R';
	return p;
}

static void proc_link(struct proc *p)
{
	plist_store(&NEXT(p), plist.head);
	plist_store(&plist.head, p);
	nprocs++;
}

/* Free a process that proc_alloc made (linked or not). */
static void proc_free(struct proc *p)
{
	if (plist.head == p) {
		plist_store(&plist.head, NEXT(p));
		nprocs--;
	} else {
		for (struct proc *q = plist.head; q; q = NEXT(q))
			if (NEXT(q) == p) {
				plist_store(&NEXT(q), NEXT(p));
				nprocs--;
				break;
			}
	}
	if (NEXT(p))
		plist_store(&NEXT(p), NULL);
	slot_owner[p->slot] = NULL;
	kfree(p->kstack);
	kfree(p->fpu);
	kfree(p);
}

/* Called on a new task's stack by task_first_entry, before its first
 * return to user mode. */
void proc_task_start(void)
{
	fxrstor(current->fpu);
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
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		c->mm->users++;
	} else {
		c->mm = mm_fork(p->mm);
		if (!c->mm) {
			proc_free(c);
			return -ENOMEM;
		}
	}
	c->ppid = p->pid;
	c->parent = p;
	proc_set_cred(c, proc_cred(p));
	memcpy(c->name, p->name, sizeof(c->name));
	for (int i = 0; i < NR_OPEN; i++)
		if (p->fd[i]) {
			c->fd[i] = p->fd[i];
			file_get(c->fd[i]);
		}
	c->cloexec = p->cloexec;
	c->cwd = p->cwd;
	if (c->cwd)
		inode_get(c->cwd);
	c->fs_base = (flags & CLONE_SETTLS) ? tls : p->fs_base;
	*c->tf = *p->tf;
	c->tf->rax = 0;
	if (newsp)
		c->tf->rsp = newsp;
	fxsave(c->fpu); /* the parent's live FPU/SSE state */
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
	runq_push(c);
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

/* ---- exit and wait ---- */

NK_NORETURN void proc_exit(int status)
{
	struct proc *p = current;
	if (p->pid == 1) {
		kprintf("init exited with status %x: powering off\n", status);
		poweroff();
	}
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
	struct mm *mm = p->mm;
	long r = nk_load_cr3(nk_view->master_l4);
	if (r)
		panic("proc_exit: nk refused the master L4: %s", nk_strerror(-r));
	if (--mm->users == 0)
		mm_destroy(mm);
	p->mm = NULL;
	struct proc *init = proc_find(1);
	bool init_has_zombie = false;
	for (struct proc *q = plist.head; q; q = NEXT(q))
		if (q->parent == p) {
			q->parent = init;
			q->ppid = 1;
			init_has_zombie |= q->state == 'Z';
		}
	irq_disable();
	p->exit_status = status;
	p->state = 'Z';
	if (p->parent)
		sched_wakeup(p->parent);
	if (init_has_zombie && init)
		sched_wakeup(init);
	schedule();
	panic("proc_exit: a zombie ran again");
}

long sys_exit(const uint64_t *a)
{
	proc_exit((int)(a[0] & 0xff) << 8);
}

/* wait4(pid, status, options, rusage) */
long sys_wait4(const uint64_t *a)
{
	int pid = (int)a[0];
	uint64_t ustatus = a[1], urusage = a[3];
	if (a[2] & ~(uint64_t)(WNOHANG | 2 /* WUNTRACED */ | 8 /* WCONTINUED */ | 0x40000000))
		return -EINVAL;
	for (;;) {
		bool have = false;
		for (struct proc *c = plist.head; c; c = NEXT(c)) {
			if (c->parent != current || (pid > 0 && c->pid != pid))
				continue;
			have = true;
			if (c->state != 'Z')
				continue;
			if (ustatus && copy_to_user(ustatus, &c->exit_status, sizeof(int)))
				return -EFAULT;
			if (urusage) {
				static const uint8_t zero[144];
				if (copy_to_user(urusage, zero, sizeof(zero)))
					return -EFAULT;
			}
			long r = c->pid;
			proc_free(c);
			return r;
		}
		if (!have)
			return -ECHILD;
		if (a[2] & WNOHANG)
			return 0;
		irq_disable();
		if (!proc_signal_pending(current))
			sched_sleep(current);
		irq_enable();
		if (proc_signal_pending(current))
			return -EINTR;
	}
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
	for (struct proc *p = plist.head; p; p = NEXT(p))
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

long sys_sched_yield(const uint64_t *a)
{
	(void)a;
	yield();
	irq_enable();
	return 0;
}

/* ---- returning to user mode ---- */

/* A pending signal's default action: the lowest one kills current. */
static void die_if_signalled(void)
{
	if (current->sig_pending) {
		int sig = __builtin_ctzll(current->sig_pending);
		irq_enable();
		proc_exit(sig);
	}
}

/* Deliver pending signals (default action: die) and preempt when the turn
 * is over; returns the frame to resume. Interrupts off on return. */
struct trap_frame *proc_to_user(struct trap_frame *tf)
{
	irq_disable();
	die_if_signalled();
	if (current->slice == 0) {
		yield();
		die_if_signalled(); /* sent while another task ran */
	}
	/* never return to user mode with a kernel RFLAGS: IF on, IOPL 0 */
	tf->rflags = (tf->rflags & 0xcd5) | 0x202;
	return tf;
}

/* ---- the first process ---- */

NK_NORETURN void proc_start_init(const char *path, const char *const *argv)
{
	static const char *const envp[] = { "HOME=/", "PATH=/bin:/sbin", "TERM=vt100", NULL };
	use_fsgsbase = nk_view->has_fsgsbase && (read_cr4() & (1u << 16));
	struct proc *p = proc_alloc();
	if (!p)
		panic("proc_start_init: out of memory");
	p->mm = mm_create();
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
	proc_link(p);
	current = p;
	syscall_kstack_top = (uint64_t)p->kstack + KSTACK_BYTES;
	mm_activate(p->mm);
	fxsave(p->fpu);
	long r = exec_image(p, path, argv, envp);
	if (r)
		panic("proc_start_init: cannot run %s (error %ld)", path, -r);
	p->slice = SLICE_TICKS;
	irq_disable();
	user_return(p->tf);
}

/* proc_list: fill out[0..cap) with the processes; returns how many. */
unsigned proc_list(struct nksys_proc *out, unsigned cap)
{
	unsigned i = 0;
	for (struct proc *p = plist.head; p && i < cap; p = NEXT(p), i++) {
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
