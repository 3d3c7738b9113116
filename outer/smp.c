/* The outer kernel on several CPUs: per-CPU slots, GS, the big kernel
 * lock, the application processors' entry. Source: SDM Vol. 2B SWAPGS,
 * WRGSBASE; Vol. 3A 8.2 (memory ordering); issue 17 section 5.
 *
 * Per-CPU state. Each CPU has a struct cpu_local (include/outer/smp.h):
 * its running task (`current`), the SYSCALL kernel stack top and scratch
 * RSP, its idle context, its BKL depth, counters. While a CPU runs outer
 * code its GS base points at its slot; in user mode GS base is the user's
 * (0: no arch_prctl(ARCH_SET_GS) yet) and KERNEL_GS_BASE holds the slot.
 * SWAPGS exchanges them:
 *  - SYSCALL entry (outer/usermode.asm syscall_entry) and every trap from
 *    ring 3 (outer_trap, the frame's CS) swap to the kernel's; user_return
 *    swaps back just before its IRETQ (the only way to ring 3, besides
 *    the MMU oracle's probe, which swaps too);
 *  - an NMI or #MC can arrive anywhere, also between SYSCALL and its SWAPGS
 *    or between user_return's SWAPGS and IRETQ, so its path does not trust
 *    CS: it reads GS base (RDMSR) and swaps only when it is not one of the
 *    slots, swapping back before it returns (Linux's paranoid entry). So
 *    does a fault at user_return's IRETQ (a bad user frame).
 *
 * The big kernel lock (BKL). A ticket lock, smp_bkl; one holder at a time,
 * which may nest (bkl_depth counts the levels of this CPU's hold).
 *  - Taken, always with interrupts off (a CPU spinning with IF=1 could take
 *    an interrupt whose handler draws a second ticket behind its own), on
 *    each entry from user mode (syscall_handler, before it enables
 *    interrupts; outer_trap for a trap from ring 3), by a trap taken in
 *    kernel mode (it nests when this CPU holds the lock, and takes it when
 *    the CPU idles without it; the PIT's tick on CPU 0 only when nobody
 *    else holds or waits for it: otherwise timer_ticks moves without it,
 *    outer/trap.c trap_bkl), by outer_main on the boot CPU (held through
 *    boot and the kernel console) and by outer_ap_main.
 *  - Released on the return to user mode (user_return: whatever the depth),
 *    by a kernel-mode trap on its return (one level), and by the idle loop
 *    around its halt. recover_jump restores the depth of its recover_arm.
 *  - Held across a task switch: the next task (or the idle context)
 *    inherits this CPU's hold, and a task's depth is saved at its switch
 *    and restored when it runs again. The previous task's stack and state
 *    are fully saved (and its on_cpu cleared) before the lock can go, so
 *    no other CPU can run or free a task still being switched away from.
 *  - Everything the outer kernel shares (the run queue, the process list,
 *    the nk operation queue of outer/nkq.c, the heap, files, timer_ticks)
 *    is under it. nkq is flushed before every release (syscall exit, user
 *    trap exit, switch, idle): no queued vMMU change crosses a hold.
 *  - NMIs never take it: their path only counts (trap_nmi_count, the
 *    slot's nmis) and runs trap_nmi_hook (the attack harness). nk does not
 *    take it (nk has its own lock).
 *  - Spinning calls smp_spin_poll each turn (the TLB-shootdown mailbox
 *    poll of the next phase: an IF=0 spinner cannot take the IPI).
 *  - Code that halts while holding it (the kernel console's input wait,
 *    the harness) keeps other CPUs out meanwhile; no process runs then.
 *
 * The scheduler (outer/sched.c): one run queue under the BKL; each CPU has
 * an idle loop on its own stack (the boot CPU: idle0_stack; an AP: the
 * stack nk gave outer_ap_main). */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/smp.h>
#include <outer/proc.h>
#include <nk/vmmu.h>
#include <nk/apic.h>
#include <outer/errno.h>
#include <outer/nkq.h>

struct cpu_local cpu_locals[NK_MAX_CPUS];
struct bkl smp_bkl __attribute__((aligned(64))) = {.owner = -1};
static volatile unsigned cpus_online;

/* The boot CPU's idle stack (APs idle on the stack nk gave them). */
static uint8_t idle0_stack[8192] __attribute__((aligned(16)));
void idle_first_entry(void); /* outer/usermode.asm */

/* Point this CPU's GS base at slot c, KERNEL_GS_BASE at the user's (0).
 * Before any user mode: nk_wrmsr (the segment bases are not pinned,
 * nk/ctl.c seg_base_msr); WRGSBASE is not needed at this point. */
static void cpu_setup(unsigned cpu)
{
	struct cpu_local *c = &cpu_locals[cpu];
	c->self = c;
	c->index = cpu;
	long r = nk_wrmsr(MSR_GS_BASE, (uint64_t)c);
	if (!r)
		r = nk_wrmsr(MSR_KERNEL_GS_BASE, 0);
	if (r)
		panic("smp: nk refused this CPU's GS base: %s", nk_strerror(r));
}

void bkl_lock_slow(struct cpu_local *c)
{
	uint32_t ticket = __atomic_fetch_add(&smp_bkl.next, 1, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&smp_bkl.serving, __ATOMIC_ACQUIRE) != ticket) {
		c->bkl_spins++;
		smp_spin_poll();
		__builtin_ia32_pause();
	}
	smp_bkl.owner = (int)c->index;
	c->bkl_depth = 1;
}

void smp_boot_init(void)
{
	cpu_setup(0);
	struct cpu_local *c = &cpu_locals[0];
	/* the idle context's first switch_to pops six callee-saved registers
	 * and returns to idle_first_entry */
	uint64_t *sp = (uint64_t *)(idle0_stack + sizeof(idle0_stack)) - 8;
	for (unsigned i = 0; i < 6; i++)
		sp[i] = 0;
	sp[6] = (uint64_t)idle_first_entry;
	sp[7] = 0;
	c->idle_ksp = (uint64_t)sp;
	c->online = true;
	cpus_online = 1;
	bkl_lock();
}

unsigned smp_cpus_online(void)
{
	return cpus_online;
}

NK_NORETURN void outer_ap_main(unsigned cpu)
{
	if (cpu == 0 || cpu >= NK_MAX_CPUS)
		for (;;)
			__asm__ volatile("cli; hlt");
	cpu_setup(cpu);
	struct cpu_local *c = &cpu_locals[cpu];
	/* FS.base 0 until a task's is loaded (sched_load_task compares) */
	if (nk_wrmsr(MSR_FS_BASE, 0))
		kprintf("smp: cpu %u: nk refused FS.base 0\n", cpu);
	c->fs_base = 0;
	/* LSTAR, STAR, SFMASK, EFER.SCE: nk copies the boot CPU's values.
	 * Online before the BKL: a CPU spinning for it runs smp_call requests
	 * (smp_spin_poll), which the kernel console's tests use while the
	 * console holds the BKL for good */
	c->online = true;
	__atomic_add_fetch(&cpus_online, 1, __ATOMIC_RELEASE);
	bkl_lock();
	smp_timer_init();
	kprintf("smp: cpu %u online (%u CPUs)\n", cpu, cpus_online);
	sched_idle();
}

/* ---- hooks: the reschedule IPI, the APs' LAPIC timer, the shootdown poll ---- */

void smp_spin_poll(void)
{
	/* a CPU spinning with interrupts off cannot take nk's shootdown IPI:
	 * acknowledge it here, or the CPU that asked waits on this one */
	const struct nk_cpu *me = &nk_view->cpus[this_cpu()->index];
	if (me->shoot_req != me->shoot_ack)
		nk_smp_poll();
	smp_call_poll(false);
}

void smp_kick(unsigned cpu)
{
	long r = nk_apic_ipi(SMP_RESCHED_VECTOR, 1ull << cpu);
	if (r) {
		struct cpu_local *c = this_cpu();
		if (!c->kicks_failed++)
			kprintf("smp: nk refused the reschedule IPI to cpu %u: %s\n", cpu,
				nk_strerror(r));
	}
}

void smp_timer_init(void)
{
	long r = nk_apic_timer(SMP_TIMER_VECTOR, SMP_TIMER_DIVIDE, SMP_TIMER_COUNT,
			       NK_APIC_TIMER_PERIODIC);
	if (r)
		kprintf("smp: cpu %u: nk refused the LAPIC timer: %s; tasks here are not "
			"preempted\n",
			this_cpu()->index, nk_strerror(r));
}

void smp_halt_unlocked(void)
{
	struct cpu_local *c = this_cpu();
	bool held = bkl_held();
	unsigned depth = c->bkl_depth;
	if (held) {
		nkq_flush(); /* no queued vMMU change crosses a hold */
		c->bkl_depth = 1;
		bkl_unlock();
	}
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	if (held) {
		bkl_lock();
		c->bkl_depth = depth;
	}
}

/* ---- smp_call ---- */

enum { MB_IDLE, MB_CLAIMED, MB_PENDING, MB_RUNNING, MB_DONE };

/* One request per target CPU. state moves IDLE -> CLAIMED (a caller, by
 * compare-exchange) -> PENDING (fields written; release) -> RUNNING (the
 * target, by compare-exchange: a caller that timed out withdraws with
 * PENDING -> IDLE instead) -> DONE (the target) -> IDLE (the caller). */
static struct smp_mailbox {
	volatile uint32_t state;
	uint32_t flags;
	void (*fn)(void *);
	void *arg;
} __attribute__((aligned(64))) mailboxes[NK_MAX_CPUS];

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

void smp_call_poll(bool bkl_ok)
{
	struct cpu_local *c = this_cpu();
	struct smp_mailbox *m = &mailboxes[c->index];
	if (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) != MB_PENDING)
		return;
	if (!bkl_ok && (m->flags & SMP_CALL_BKL))
		return;
	uint32_t want = MB_PENDING;
	if (!__atomic_compare_exchange_n(&m->state, &want, MB_RUNNING, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	c->calls++;
	if (m->flags & SMP_CALL_BKL) {
		bkl_lock();
		m->fn(m->arg);
		bkl_unlock();
	} else {
		m->fn(m->arg);
	}
	__atomic_store_n(&m->state, MB_DONE, __ATOMIC_RELEASE);
}

long smp_call_pair(unsigned cpu, void (*fn)(void *), void *arg, unsigned flags,
		   void (*local)(void *), void *local_arg)
{
	struct cpu_local *c = this_cpu();
	if (cpu >= NK_MAX_CPUS || cpu == c->index || !cpu_locals[cpu].online || !fn)
		return -EINVAL;
	uint64_t fl;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(fl)::"memory");
	struct smp_mailbox *m = &mailboxes[cpu];
	uint32_t want = MB_IDLE;
	long r = 0;
	if (!__atomic_compare_exchange_n(&m->state, &want, MB_CLAIMED, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		r = -EBUSY;
		goto out;
	}
	m->fn = fn;
	m->arg = arg;
	m->flags = flags;
	__atomic_store_n(&m->state, MB_PENDING, __ATOMIC_RELEASE);
	long e = nk_apic_ipi(SMP_CALL_VECTOR, 1ull << cpu);
	if (e) {
		kprintf("smp_call: nk refused the IPI to cpu %u: %s\n", cpu, nk_strerror(e));
		want = MB_PENDING;
		if (__atomic_compare_exchange_n(&m->state, &want, MB_IDLE, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			r = -ENODEV;
			goto out;
		}
		/* it ran anyway (its BKL spin polled the mailbox): wait for it */
	}
	/* drop the whole hold: fn (or the CPU it interrupted) may need it */
	bool held = bkl_held();
	unsigned depth = c->bkl_depth;
	if (held) {
		c->bkl_depth = 1;
		bkl_unlock();
	}
	uint64_t t0 = tsc();
	bool ran_local = false;
	for (;;) {
		uint32_t s = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		if (s == MB_DONE && (ran_local || !local))
			break;
		if ((s == MB_RUNNING || s == MB_DONE) && local && !ran_local) {
			local(local_arg);
			ran_local = true;
			continue;
		}
		if (s == MB_PENDING && tsc() - t0 > (1ull << 33)) {
			want = MB_PENDING;
			if (__atomic_compare_exchange_n(&m->state, &want, MB_IDLE, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				r = -ETIMEDOUT;
				break;
			}
		}
		if (s == MB_RUNNING && tsc() - t0 > (1ull << 36))
			panic("smp_call: the function on cpu %u did not return", cpu);
		smp_call_poll(false); /* two CPUs calling each other */
		__builtin_ia32_pause();
	}
	if (r == 0)
		__atomic_store_n(&m->state, MB_IDLE, __ATOMIC_RELEASE);
	if (held) {
		bkl_lock();
		c->bkl_depth = depth;
	}
out:
	if (fl & 0x200)
		irq_enable();
	return r;
}

long smp_call(unsigned cpu, void (*fn)(void *), void *arg, unsigned flags)
{
	return smp_call_pair(cpu, fn, arg, flags, NULL, NULL);
}
