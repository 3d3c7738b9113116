/* The outer kernel on several CPUs: per-CPU state reached through GS, the
 * big kernel lock (BKL), and the hooks the APIC work fills in. The rules
 * are at the top of outer/smp.c. Source: SDM Vol. 2B SWAPGS, WRGSBASE;
 * Vol. 3A 8.2 (memory ordering); issue 17 section 5. */
#ifndef OUTER_SMP_H
#define OUTER_SMP_H
#include <nk/types.h>

#define NK_MAX_CPUS 8 /* per-CPU slots (cpu_locals) */

struct proc;
struct mm;

/* One CPU's outer state. The kernel GS base points at it while this CPU
 * runs kernel code (user GS, 0 unless a future arch_prctl sets it, is in
 * KERNEL_GS_BASE then; SWAPGS exchanges the two). The first words are
 * read by NASM code at fixed offsets (asm_offsets.c checks them). */
struct cpu_local {
	struct cpu_local *self; /* 0: this slot's address (this_cpu) */
	uint64_t kstack_top;	/* 8: the running task's kernel stack top (SYSCALL) */
	uint64_t user_rsp;	/* 16: SYSCALL's scratch: the user RSP */
	struct proc *cur;	/* 24: the running task (current); NULL when idle */
	unsigned index;		/* 32: 0 (the boot CPU) .. NK_MAX_CPUS-1 */
	unsigned bkl_depth;	/* 36: BKL holds this CPU has nested (0: not held) */
	uint64_t idle_ksp;	/* the idle context's saved RSP (switch_to) */
	struct proc *prev;	/* the task switched away from, until it is off this CPU */
	struct mm *active_mm;	/* the address space loaded here (NULL after idling) */
	uint64_t fs_base;	/* FS.base loaded on this CPU */
	volatile bool online;	/* outer code runs on it (the boot CPU, a released AP) */
	volatile bool idle;	/* halted in the idle loop without the BKL */
	/* counters (this CPU only; NMIs count theirs with a plain increment) */
	uint64_t syscalls, traps, irqs, switches, halts, nmis, bkl_spins;
	uint64_t resched_ipis; /* SMP_RESCHED_VECTOR interrupts taken */
	uint64_t apic_ticks;   /* SMP_TIMER_VECTOR interrupts taken (the LAPIC timer) */
	uint64_t calls;	       /* smp_call functions this CPU ran */
	uint64_t pit_unlocked; /* PIT ticks taken while another CPU held the BKL (trap_bkl) */
	uint64_t kicks_failed; /* smp_kick IPIs nk refused */
} __attribute__((aligned(64)));

extern struct cpu_local cpu_locals[NK_MAX_CPUS];

/* this_cpu: the slot of the CPU running this code. Do not keep the result
 * across anything that may sleep: the task may resume on another CPU. */
static inline struct cpu_local *this_cpu(void)
{
	struct cpu_local *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* get_current / set_current: this CPU's running task (the `current`
 * macro of include/outer/proc.h). The value read is the same on whichever
 * CPU the task runs, so reading it is never stale for the reader. */
static inline struct proc *get_current(void)
{
	struct proc *p;
	__asm__ volatile("mov %%gs:24, %0" : "=r"(p));
	return p;
}
static inline void set_current(struct proc *p)
{
	__asm__ volatile("mov %0, %%gs:24" ::"r"(p) : "memory");
}

/* The BKL: a ticket lock (next: the ticket the next taker draws; serving:
 * the one that holds it) with its holder's index (owner, -1 when free).
 * Only the holder writes owner and serving. */
struct bkl {
	volatile uint32_t next;
	volatile uint32_t serving;
	volatile int owner;
};
extern struct bkl smp_bkl;

/* bkl_lock_slow: draw a ticket and spin (calling smp_spin_poll) until it
 * is served; then this CPU holds the lock at depth 1. Interrupts off. */
void bkl_lock_slow(struct cpu_local *c);

/* bkl_lock: take the BKL, or nest when this CPU holds it (depth + 1).
 * Call with interrupts off: a CPU spinning with IF=1 could take an
 * interrupt whose handler draws a second ticket behind its own. */
static inline void bkl_lock(void)
{
	struct cpu_local *c = this_cpu();
	if (smp_bkl.owner == (int)c->index)
		c->bkl_depth++;
	else
		bkl_lock_slow(c);
}

/* bkl_unlock: drop one level; the last one frees the lock (the store that
 * serves the next ticket is a release: SDM Vol. 3A 8.2.2, stores are not
 * reordered with older loads or stores). Interrupts off. */
static inline void bkl_unlock(void)
{
	struct cpu_local *c = this_cpu();
	if (--c->bkl_depth)
		return;
	smp_bkl.owner = -1;
	__atomic_store_n(&smp_bkl.serving, smp_bkl.serving + 1, __ATOMIC_RELEASE);
}

/* bkl_trylock: take the BKL (or nest, when this CPU holds it) without
 * waiting; false, and nothing changed, when another CPU holds it or waits
 * for it (a ticket is drawn only when it would be served at once).
 * Interrupts off. */
static inline bool bkl_trylock(void)
{
	struct cpu_local *c = this_cpu();
	if (smp_bkl.owner == (int)c->index) {
		c->bkl_depth++;
		return true;
	}
	uint32_t t = __atomic_load_n(&smp_bkl.serving, __ATOMIC_ACQUIRE);
	if (!__atomic_compare_exchange_n(&smp_bkl.next, &t, t + 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	smp_bkl.owner = (int)c->index;
	c->bkl_depth = 1;
	return true;
}

/* bkl_held: this CPU holds the BKL. */
static inline bool bkl_held(void)
{
	return smp_bkl.owner == (int)this_cpu()->index;
}

/* smp_boot_init: set up the boot CPU's slot (index 0), point its GS base
 * at it (KERNEL_GS_BASE := 0, the user's), prepare its idle context and
 * take the BKL. First thing in outer_main. */
void smp_boot_init(void);

/* smp_cpus_online: CPUs running outer code (1 until APs are released). */
unsigned smp_cpus_online(void);

/* outer_ap_main: an application processor's entry, called by nk (once
 * outer_main called nk_smp_release) with cpu = 1..n-1, interrupts off, on
 * a 16-byte-aligned stack nk allocated, which becomes this CPU's idle
 * stack. Sets up the CPU's slot, GS and FS bases, counts it online, takes
 * the BKL and runs the scheduler's idle loop; never returns. */
NK_NORETURN void outer_ap_main(unsigned cpu);

/* ---- the outer kernel's interrupt vectors for SMP ----
 * Fixed vectors below nk's (0xF0..0xFF, include/nk/apic.h) and above the
 * MSIs (IRQ_MSI_FIRST..+IRQ_MSI_COUNT). irq_vector (outer/irq.c) knows the
 * first two; the third is taken by outer_trap before the BKL. */
#define SMP_RESCHED_VECTOR 0xe0u /* IPI: look at the run queue (smp_kick) */
#define SMP_TIMER_VECTOR 0xe1u	 /* an AP's LAPIC timer: sched_cpu_tick */
#define SMP_CALL_VECTOR 0xe2u	 /* IPI: run this CPU's smp_call mailbox */

/* The LAPIC timer of each AP: periodic, divide 16, SMP_TIMER_COUNT. QEMU's
 * local APIC counts at 1 GHz before the divider (its timer runs on
 * nanoseconds of QEMU_CLOCK_VIRTUAL), so the count is 10^9 / 16 /
 * TIMER_HZ: one tick per PIT tick. */
#define SMP_TIMER_DIVIDE 16u
#define SMP_TIMER_COUNT (1000000000u / SMP_TIMER_DIVIDE / 100u)

/* ---- hooks ---- */

/* smp_spin_poll: called on each turn of a BKL spin (interrupts off). The
 * shootdown phase makes it poll nk's TLB-shootdown mailbox through a gate:
 * a CPU spinning with IF=0 cannot take the shootdown IPI. */
void smp_spin_poll(void);
/* smp_kick: make CPU cpu (halted in its idle loop) look at the run queue:
 * a reschedule IPI through nk_apic_ipi(vector, 1 << cpu) once that gate
 * exists. Called under the BKL. */
void smp_kick(unsigned cpu);
/* smp_timer_init: start this AP's time slices: the LAPIC timer through
 * nk_apic_timer once that gate exists (CPU 0 has the PIT). Its handler
 * calls sched_cpu_tick, never proc_tick (the per-process scans run once
 * per PIT tick). */
void smp_timer_init(void);

/* smp_halt_unlocked: halt until an interrupt (STI; HLT, its shadow: no
 * interrupt between the caller's test and the halt is slept through),
 * with this CPU's whole hold of the BKL dropped meanwhile (the nk queue
 * flushed first) and taken back at the same depth: an interrupt the
 * caller waits for may reach another CPU, whose handler takes the lock.
 * Call with interrupts off; they are off again on return. Shared state
 * may change across it, as across a sleep. */
void smp_halt_unlocked(void);

/* ---- smp_call: run a function on another CPU (kernel tests) ---- */

/* smp_call flags */
#define SMP_CALL_BKL 1u /* fn runs holding the BKL (nested when that CPU held it) */

/* smp_call: run fn(arg) on CPU cpu (an online CPU other than this one)
 * and wait for it to return. Call with the BKL held (the console, a
 * syscall, a kernel test), interrupts on or off (restored). The request
 * goes into cpu's mailbox and an SMP_CALL_VECTOR IPI (nk_apic_ipi) makes
 * cpu run it from its interrupt entry, before that entry takes the BKL;
 * a CPU spinning for the BKL (interrupts off) runs it from smp_spin_poll.
 * The BKL rule: this CPU drops its whole hold of the BKL while it waits
 * (and takes it back at the same depth before returning), so that fn
 * never waits on the caller. Without SMP_CALL_BKL fn runs without taking
 * the BKL, interrupts off, in interrupt context: it may call nk gates,
 * not sleep, not touch the outer kernel's shared state (the run queue,
 * the heap, files, processes); if cpu happened to hold the BKL when the
 * IPI arrived (a syscall with interrupts on), it still holds it. With
 * SMP_CALL_BKL fn runs holding the BKL (taken after the caller dropped
 * it), interrupts off, and may use shared state but not sleep.
 * Returns 0 once fn returned on cpu; -EINVAL (cpu offline, this CPU, fn
 * NULL); -EBUSY (another caller's request is in cpu's mailbox);
 * -ENODEV (nk refused the IPI: nk's error is logged); -ETIMEDOUT (cpu did
 * not start fn within about 2^33 TSC ticks: the request was withdrawn and
 * fn will not run). Once fn started, smp_call waits for it (panic after
 * 2^36 TSC ticks: fn's arg may live on the caller's stack). Source: SDM
 * Vol. 3A 11.6 (IPIs); issue 17 section 6. */
long smp_call(unsigned cpu, void (*fn)(void *), void *arg, unsigned flags);

/* smp_call_pair: smp_call(cpu, fn, arg, flags), but once cpu has started
 * fn this CPU runs local(local_arg) too, without the BKL and with
 * interrupts off, so that both run at the same time (e.g. two CPUs calling
 * nk gates at once); returns after both returned. local may be NULL.
 * Errors: smp_call's (local does not run unless fn started). */
long smp_call_pair(unsigned cpu, void (*fn)(void *), void *arg, unsigned flags,
		   void (*local)(void *), void *local_arg);

/* smp_call_poll: run this CPU's pending smp_call request, if any (from
 * interrupt entry and BKL spins; with bkl_ok false a request that wants
 * the BKL is left for the IPI). Interrupts off. */
void smp_call_poll(bool bkl_ok);

/* sched_idle: this CPU's idle loop, on its own stack (outer/sched.c): run
 * what the run queue holds, halt (BKL released) when it is empty. BKL
 * held, interrupts off; never returns. */
NK_NORETURN void sched_idle(void);
/* sched_cpu_tick: charge a timer tick to this CPU's running task (its
 * ticks and the rest of its turn). */
void sched_cpu_tick(void);
#endif
