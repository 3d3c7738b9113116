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
 *    the CPU idles without it), by outer_main on the boot CPU (held through
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
	/* LSTAR, STAR, SFMASK, EFER.SCE: nk copies the boot CPU's values */
	bkl_lock();
	c->online = true;
	cpus_online++;
	smp_timer_init();
	kprintf("smp: cpu %u online (%u CPUs)\n", cpu, cpus_online);
	sched_idle();
}

/* ---- hooks: filled by the APIC and shootdown work (issue 17) ---- */

void smp_spin_poll(void)
{
	/* a CPU spinning with interrupts off cannot take nk's shootdown IPI:
	 * acknowledge it here, or the CPU that asked waits on this one */
	const struct nk_cpu *me = &nk_view->cpus[this_cpu()->index];
	if (me->shoot_req != me->shoot_ack)
		nk_smp_poll();
}

void smp_kick(unsigned cpu)
{
	/* next phase: nk_apic_ipi(SMP_RESCHED_VECTOR, 1u << cpu) */
	(void)cpu;
}

void smp_timer_init(void)
{
	/* next phase: nk_apic_timer(...) with a handler calling sched_cpu_tick */
}
