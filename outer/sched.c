/* Processes: the round-robin scheduler, sleep and wakeup, the timer tick,
 * FPU state and FS.base across switches, uptime. One CPU. Kernel code is
 * not preempted: the timer switches tasks only when it interrupts user
 * mode; a task in the kernel runs until it sleeps or returns. Each task has
 * a kernel stack whose top holds its user registers (struct trap_frame),
 * built by the SYSCALL entry or copied there from an IST entry stack
 * (outer/usermode.asm, outer/trap.c). Source: SDM Vol. 1 10.5 (FXSAVE). */
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

struct proc *sched_runq_head, *sched_runq_tail; /* the run queue (FIFO) */
int proc_last_pid;
unsigned long proc_nprocs;

void sched_fxsave(void *area)
{
	__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void sched_fxrstor(const void *area)
{
	__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

bool sched_use_fsgsbase; /* CR4.FSGSBASE is on: WRFSBASE, no gate */

/* Load FS.base: WRFSBASE, or nk_wrmsr without CR4.FSGSBASE. Returns 0 or
 * nk's error (a non-canonical base). */
static long load_fs_base(uint64_t base)
{
	if (sched_use_fsgsbase) {
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
	return proc_nprocs;
}

struct proc *proc_find(int pid)
{
	for (struct proc *p = proc_plist.head; p; p = NEXT(p))
		if (p->pid == pid)
			return p;
	return NULL;
}

void sched_runq_push(struct proc *p)
{
	p->run_next = NULL;
	if (sched_runq_tail)
		sched_runq_tail->run_next = p;
	else
		sched_runq_head = p;
	sched_runq_tail = p;
}

static struct proc *runq_pop(void)
{
	struct proc *p = sched_runq_head;
	if (p) {
		sched_runq_head = p->run_next;
		if (!sched_runq_head)
			sched_runq_tail = NULL;
	}
	return p;
}

void sched_make_runnable(struct proc *p)
{
	if (p->state != 'S')
		return;
	p->state = 'R';
	p->chan = NULL;
	p->wake_tick = 0;
	sched_runq_push(p);
}

/* Switch to the next runnable task; interrupts off. Returns when current
 * runs again (a zombie never does). With nothing to run, wait for an
 * interrupt on this stack. */
void sched_schedule(void)
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
	sched_fxsave(prev->fpu);
	current = next;
	next->slice = SLICE_TICKS;
	syscall_kstack_top = (uint64_t)next->kstack + KSTACK_BYTES;
	if (next->mm != prev->mm || !prev->mm)
		vm_activate(next->mm);
	if (next->fs_base != prev->fs_base && load_fs_base(next->fs_base))
		kprintf("proc: nk refused FS.base %lx\n", next->fs_base);
	nkq_flush(); /* no queued vMMU change outlives its task's turn */
	switch_to(&prev->ksp, next->ksp);
	sched_fxrstor(current->fpu);
}

/* Give up the CPU but stay runnable (timer preemption, sched_yield). */
void sched_yield_cpu(void)
{
	irq_disable();
	if (sched_runq_head) {
		sched_runq_push(current);
		sched_schedule();
	}
	current->slice = SLICE_TICKS;
}

void sched_sleep(const void *chan)
{
	current->state = 'S';
	current->chan = chan;
	sched_schedule();
}

void sched_wakeup(const void *chan)
{
	uint64_t fl;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(fl)::"memory");
	for (struct proc *p = proc_plist.head; p; p = NEXT(p))
		if (p->state == 'S' && p->chan == chan)
			sched_make_runnable(p);
	if (fl & 0x200)
		irq_enable();
}

void proc_tick(void)
{
	for (struct proc *p = proc_plist.head; p; p = NEXT(p)) {
		if (p->state == 'S' && p->wake_tick && p->wake_tick <= timer_ticks)
			sched_make_runnable(p);
		if (p->sig.alarm_tick)
			proc_itimer_tick(p);
	}
	if (current) {
		current->ticks++;
		if (current->slice)
			current->slice--;
	}
}

long sys_sched_yield(const uint64_t *a)
{
	(void)a;
	sched_yield_cpu();
	irq_enable();
	return 0;
}

/* ---- returning to user mode ----
 * Here, not in signal.c, so that sched_yield_cpu inlines and the null
 * syscall's fast path saves no register for it. */

/* never return to user mode with a kernel RFLAGS: IF on, IOPL 0 */
static inline struct trap_frame *user_rflags(struct trap_frame *tf)
{
	tf->rflags = (tf->rflags & 0xcd5) | 0x202;
	return tf;
}

/* The slow half: deliver pending signals (handlers or default actions,
 * outer/sigframe.c; it returns at once when all are blocked), preempt
 * when the turn is over, deliver what came meanwhile. */
static __attribute__((noinline)) struct trap_frame *to_user_slow(struct trap_frame *tf)
{
	if (current->sig.pending)
		proc_signal_deliver(tf);
	if (current->slice == 0) {
		sched_yield_cpu();
		if (current->sig.pending)
			proc_signal_deliver(tf); /* sent while another task ran */
	}
	return user_rflags(tf);
}

/* Two tests of current (the pending word, the turn) and a tail call to
 * the slow half: the fast path saves no register. Returns the frame to
 * resume; interrupts off on return. */
struct trap_frame *proc_to_user(struct trap_frame *tf)
{
	irq_disable();
	if (current->sig.pending || current->slice == 0)
		return to_user_slow(tf);
	return user_rflags(tf);
}
