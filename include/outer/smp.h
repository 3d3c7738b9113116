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

/* ---- hooks (empty until the APIC and shootdown work fills them) ---- */

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

/* sched_idle: this CPU's idle loop, on its own stack (outer/sched.c): run
 * what the run queue holds, halt (BKL released) when it is empty. BKL
 * held, interrupts off; never returns. */
NK_NORETURN void sched_idle(void);
/* sched_cpu_tick: charge a timer tick to this CPU's running task (its
 * ticks and the rest of its turn). */
void sched_cpu_tick(void);
#endif
