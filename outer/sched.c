/* Processes: the round-robin scheduler, sleep and wakeup, the timer tick,
 * FPU state and FS.base across switches, uptime. One run queue for all
 * CPUs, under the BKL (outer/smp.c); each CPU has its own idle loop on its
 * own stack, and a task runs on at most one CPU at a time (on_cpu). Kernel
 * code is not preempted: the timer switches tasks only when it interrupts
 * user mode; a task in the kernel runs until it sleeps or returns. Each
 * task has a kernel stack whose top holds its user registers (struct
 * trap_frame), built by the SYSCALL entry or copied there from an IST
 * entry stack (outer/usermode.asm, outer/trap.c). Source: SDM Vol. 1 10.5
 * (FXSAVE). */
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
#include <outer/smp.h>

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

/* Load FS.base on this CPU: WRFSBASE, or nk_wrmsr without CR4.FSGSBASE.
 * Returns 0 or nk's error (a non-canonical base). */
static long load_fs_base(uint64_t base)
{
	long r = 0;
	if (sched_use_fsgsbase)
		__asm__ volatile("wrfsbase %0" ::"r"(base));
	else
		r = nk_wrmsr(0xc0000100, base);
	if (r == 0)
		this_cpu()->fs_base = base;
	return r;
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

/* The first queued task this CPU may run: not on another CPU (under the
 * BKL a queued task is off every CPU but, during sched_yield_cpu, this
 * one; the test keeps the rule local). */
static struct proc *runq_pop(void)
{
	unsigned me = this_cpu()->index + 1;
	for (struct proc **pp = &sched_runq_head, *prev = NULL; *pp;
	     prev = *pp, pp = &(*pp)->run_next) {
		struct proc *p = *pp;
		if (p->on_cpu && p->on_cpu != me)
			continue;
		*pp = p->run_next;
		if (sched_runq_tail == p)
			sched_runq_tail = prev;
		return p;
	}
	return NULL;
}

/* A task was queued: kick one other CPU halted in its idle loop
 * (smp_kick), and count it busy so that the next wakeup kicks another
 * (an idle CPU writes its flag under the BKL too). */
static void kick_idle_cpu(void)
{
	struct cpu_local *me = this_cpu();
	if (smp_cpus_online() < 2)
		return;
	for (unsigned i = 0; i < NK_MAX_CPUS; i++)
		if (i != me->index && cpu_locals[i].online && cpu_locals[i].idle) {
			cpu_locals[i].idle = false;
			smp_kick(i);
			return;
		}
}

void sched_make_runnable(struct proc *p)
{
	if (p->state != 'S')
		return;
	p->state = 'R';
	p->chan = NULL;
	p->wake_tick = 0;
	sched_runq_push(p);
	kick_idle_cpu();
}

/* The task that switched away on this CPU is off it now (its registers
 * and stack are saved): another CPU may run it. Then the task (or idle
 * context) now running takes over this CPU's hold of the BKL at its own
 * depth. */
static void finish_switch(unsigned depth)
{
	struct cpu_local *c = this_cpu();
	if (c->prev) {
		c->prev->on_cpu = 0;
		c->prev = NULL;
	}
	c->bkl_depth = depth;
}

/* Make next this CPU's running task: its turn, kernel stack, address
 * space (when not the one loaded), FS.base; flush the nk queue. prev_mm:
 * the address space of the task switched away from (NULL from idle or a
 * task that exited). */
static void load_task(struct proc *next, struct mm *prev_mm)
{
	struct cpu_local *c = this_cpu();
	set_current(next);
	next->on_cpu = c->index + 1;
	next->slice = SLICE_TICKS;
	c->kstack_top = (uint64_t)next->kstack + KSTACK_BYTES;
	c->switches++;
	if (next->mm != prev_mm || !prev_mm)
		vm_activate_queued(next->mm);
	c->active_mm = next->mm;
	if (next->fs_base != c->fs_base && load_fs_base(next->fs_base))
		kprintf("proc: nk refused FS.base %lx\n", next->fs_base);
	nkq_flush(); /* no queued vMMU change outlives its task's turn */
}

void proc_set_running(struct proc *p)
{
	load_task(p, NULL);
}

void sched_task_start(void)
{
	finish_switch(1);
}

/* Switch to the next runnable task, or to this CPU's idle context when
 * none is and current cannot go on; interrupts off, BKL held. Returns
 * when current runs again (a zombie never does), maybe on another CPU. */
void sched_schedule(void)
{
	struct proc *prev = current, *next = runq_pop();
	if (next == prev || (!next && prev->state == 'R'))
		return;
	struct cpu_local *c = this_cpu();
	sched_fxsave(prev->fpu);
	prev->bkl_depth = c->bkl_depth;
	c->prev = prev;
	if (next) {
		load_task(next, prev->mm);
		switch_to(&prev->ksp, next->ksp);
	} else {
		set_current(NULL);
		switch_to(&prev->ksp, c->idle_ksp);
	}
	finish_switch(prev->bkl_depth);
	sched_fxrstor(prev->fpu);
}

/* The idle context: its stack is this CPU's own (no task's: a task may be
 * picked up by another CPU meanwhile). Halts with the BKL released and
 * interrupts on while the run queue is empty; an interrupt's handler
 * takes the lock itself (outer_trap). The halt keeps the master L4
 * loaded, not a task's (which may exit elsewhere meanwhile). */
NK_NORETURN void sched_idle(void)
{
	struct cpu_local *c = this_cpu(); /* the idle context never migrates */
	for (;;) {
		finish_switch(1);
		struct proc *next;
		while (!(next = runq_pop())) {
			if (c->active_mm) {
				nkq_cr3(nk_view->master_l4);
				c->active_mm = NULL;
			}
			nkq_flush();
			c->idle = true;
			c->halts++;
			bkl_unlock();
			__asm__ volatile("sti; hlt; cli" ::: "memory");
			/* back without a ticket, interrupts on between the tries:
			 * a CPU spinning here with IF=0 would hold off its
			 * interrupts for as long as another CPU holds the lock,
			 * and on CPU 0 that is the PIT, which such a holder may be
			 * waiting for (outer/trap.c trap_bkl) */
			while (!bkl_trylock()) {
				/* the window is the NOPs: an interrupt waits out
				 * STI's one-instruction shadow, and QEMU ends a
				 * PAUSE as if it were still in it */
				__asm__ volatile("sti; nop; nop; cli" ::: "memory");
				__builtin_ia32_pause();
			}
			c->idle = false;
		}
		load_task(next, NULL);
		switch_to(&c->idle_ksp, next->ksp);
	}
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

/* Once per PIT tick (CPU 0): the per-process scans (sleep deadlines,
 * interval timers). */
void proc_tick(void)
{
	for (struct proc *p = proc_plist.head; p; p = NEXT(p)) {
		if (p->state == 'S' && p->wake_tick && p->wake_tick <= timer_ticks)
			sched_make_runnable(p);
		if (p->sig.alarm_tick)
			proc_itimer_tick(p);
	}
}

void sched_cpu_tick(void)
{
	struct proc *p = current;
	if (p) {
		p->ticks++;
		if (p->slice)
			p->slice--;
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
