/* The outer kernel's trap handling: timer ticks, fault reports that say
 * which protection stopped an access, and recovery points for the attack
 * harness. nk's stubs call outer_trap with CR0.WP set (I7).
 * Source: SDM Vol. 3A 4.7 (page-fault error code), 6.15 (exceptions). */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/trap.h>
#include <outer/mm.h>
#include <outer/drivers.h>
#include <outer/fs.h>
#include <nk/vmmu.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/proc.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include <outer/module.h>
#include <outer/irq.h>
#include <outer/smp.h>
#include <outer/nkq.h>

volatile uint64_t timer_ticks;
struct recovery *recover_current;
void (*volatile trap_irq0_hook)(struct trap_frame *tf);
void (*volatile trap_nmi_hook)(struct trap_frame *tf);
volatile uint64_t trap_nmi_count, trap_stray_count;

static const char *const exc_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound",
    "#UD invalid opcode",
    "#NM no FPU",
    "#DF double fault",
    "coproc",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved",
    "#MF x87",
    "#AC alignment",
    "#MC machine check",
    "#XM SIMD",
    "#VE virtualization",
    "#CP control protection",
};

static const char *const type_names[NK_F_NTYPES] = {
    "HOLE", "DATA", "PTP_L1", "PTP_L2", "PTP_L3", "PTP_L4", "CODE", "NK", "PROTECTED",
};

const char *ftype_name(unsigned t)
{
	return t < NK_F_NTYPES ? type_names[t] : "?";
}

void recover_disarm(void)
{
	if (recover_current)
		recover_current->armed = 0;
	recover_current = NULL;
}

/* Walk the current tables for va (mm_walk): the leaf, its level and the
 * effective W, U and NX over all levels (SDM 4.6), and the physical
 * address va maps to. */
struct walk {
	bool present, w, u, nx;
	unsigned level;
	pte_t leaf;
	uint64_t pa;
};

static struct walk walk_va(uint64_t va)
{
	struct mm_walk m;
	mm_walk(cr3_l4(read_cr3()), va, &m);
	struct walk r = {.present = m.leaf, .w = m.w, .u = m.u, .nx = m.nx};
	if (m.leaf) {
		r.level = m.level;
		r.leaf = m.entry;
		r.pa = pa_addr(pte_frame(m.entry, m.level)) + (va & (pt_span_bytes(m.level) - 1));
	}
	return r;
}

static const char *frame_type_of(uint64_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	if (pfn >= nk_view->nframes)
		return "MMIO";
	return ftype_name(nk_view->frames[pfn].type);
}

/* Whether frame pa is a DATA frame nk keeps read-only in the direct map
 * (NK_FF_DMRO: removed with NK_RM_KEEP, the PTP pool's). */
static bool frame_kept(uint64_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	return pfn < nk_view->nframes && nk_view->frames[pfn].type == NK_F_DATA &&
	       (nk_view->frames[pfn].flags & NK_FF_DMRO);
}

void explain_fault(uint64_t vector, uint64_t error, uint64_t addr, char *why, size_t cap)
{
	if (vector != 14) {
		ksnprintf(why, cap, "%s",
			  vector == 13 ? "CPU #GP (privileged or non-canonical)"
			  : vector < 32 && exc_names[vector] ? exc_names[vector]
							     : "exception");
		return;
	}
	struct walk w = walk_va(addr);
	bool fetch = error & PFERR_I, write = error & PFERR_W, user_mode = error & PFERR_U;
	if (!(error & PFERR_P) || !w.present)
		ksnprintf(why, cap, "%s",
			  addr < PAGE_SIZE ? "not-present page (NULL pointer)"
					   : "not-present page");
	else if (error & PFERR_RSVD)
		ksnprintf(why, cap, "reserved bit set in a paging entry");
	else if (fetch && w.u && !user_mode)
		ksnprintf(why, cap, "SMEP: ring 0 fetched from a user page");
	else if (fetch && w.nx)
		ksnprintf(why, cap, "NX: page not executable (%s frame)", frame_type_of(w.pa));
	else if (write && !w.w)
		ksnprintf(why, cap, "read-only mapping of a %s frame%s (CR0.WP)",
			  frame_type_of(w.pa),
			  frame_kept(w.pa) ? " kept read-only (NK_RM_KEEP)" : "");
	else if (w.u && !user_mode)
		ksnprintf(why, cap, "SMAP: ring 0 touched a user page without stac");
	else
		ksnprintf(why, cap, "protection fault (error %lx)", error);
}

/* A fault is spurious when the access it reports is allowed now: a stale
 * TLB entry from before an upgrade nk did not flush (the CPU drops it). */
static bool spurious_pf(uint64_t error, uint64_t addr)
{
	struct walk w = walk_va(addr);
	if (!w.present || !(error & PFERR_P))
		return false;
	if ((error & PFERR_W) && !w.w)
		return false;
	if ((error & PFERR_I) && (w.nx || w.u))
		return false;
	if (w.u && !(error & PFERR_U))
		return false;
	return true;
}

extern char nk_isr_move_start[], nk_isr_move_end[]; /* nk/entry.asm isr_common */

static void report(struct trap_frame *tf, uint64_t addr, const char *why)
{
	kprintf("trap: %s (vector %lu, error %lx) at RIP %lx, RSP %lx, address %lx, cpu %u: %s\n",
		tf->vector < 32 && exc_names[tf->vector] ? exc_names[tf->vector] : "interrupt",
		tf->vector, tf->error, tf->rip, tf->rsp, addr, this_cpu()->index, why);
	/* a fault in nk's stub while it moved a kernel-mode frame to the
	 * interrupted stack (that RSP was bad): the frame it moved, still on
	 * the IST stack at the stub's RSP above its saved RCX and RAX (an
	 * exception's own IST stack holds this fault's frame instead) */
	if (tf->rip >= (uint64_t)nk_isr_move_start && tf->rip < (uint64_t)nk_isr_move_end) {
		const uint64_t *f = (const uint64_t *)tf->rsp + 2;
		kprintf(
		    "trap: in nk's frame move, stack %lx: the moved frame: vector %lu, error %lx, "
		    "RIP %lx, CS %lx, RFLAGS %lx, RSP %lx, SS %lx\n",
		    tf->rsp, f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
	}
}

/* An 8259A interrupt (the PIT and the UART reach CPU 0 only, through
 * LINT0's ExtINT): the PIT drives timer_ticks, the per-process scans once
 * per tick, and CPU 0's time slice. timer_ticks has one writer, this
 * handler on CPU 0, and moves before the BKL (outer_trap, pit_tick_fast). */
static void handle_irq(unsigned irq)
{
	this_cpu()->irqs++;
	if (irq == 0) {
		timer_ticks++;
		proc_tick(); /* wake-ups and alarms compare with timer_ticks: a tick
			      * pit_tick_fast took is caught up here */
		sched_cpu_tick();
	} else if (irq == 4) {
		tty_rx_irq();
	}
	pic_eoi(irq);
	if (irq == 0)
		module_watchdog_tick(); /* may not return: a module ran too long */
}

/* The signal a user-mode exception sends (Linux's choices). */
static int exception_signal(uint64_t vector)
{
	switch (vector) {
	case 0:
	case 16:
	case 19:
		return SIGFPE;
	case 1:
	case 3:
		return SIGTRAP;
	case 6:
		return SIGILL;
	case 17:
		return SIGBUS;
	default:
		return SIGSEGV;
	}
}

/* The si_code and si_addr of a user-mode exception's signal (Linux's:
 * SEGV_MAPERR where no mapping is, SEGV_ACCERR where one forbids the
 * access, FPE_INTDIV and ILL_ILLOPN at the instruction, SI_KERNEL for
 * #GP and breakpoints). */
static int exception_si_code(const struct trap_frame *tf, uint64_t addr, uint64_t *si_addr)
{
	*si_addr = tf->rip;
	switch (tf->vector) {
	case 14:
		*si_addr = addr;
		return vm_addr_mapped(current->mm, addr) ? SEGV_ACCERR : SEGV_MAPERR;
	case 0:
		return FPE_INTDIV;
	case 6:
		return ILL_ILLOPN;
	case 17:
		return BUS_ADRALN;
	case 16:
	case 19:
		return 0;
	default:
		*si_addr = 0;
		return SI_KERNEL;
	}
}

/* An interrupt above the 8259A's taken in user mode: irq_vector's, or
 * reported. Returns 0 (nothing to kill the process for). */
static long user_interrupt(uint64_t vector)
{
	if (!irq_vector(vector)) {
		trap_stray_count++;
		kprintf("trap: unexpected vector %lu in user mode\n", vector);
	}
	return 0;
}

/* A trap from user mode, on the task's kernel stack (the frame was copied
 * there from the TSS RSP0 entry stack). Returns to user mode. */
static NK_NORETURN void user_trap(void *arg)
{
	struct trap_frame *tf = arg;
	if (tf->vector >= IRQ_BASE && tf->vector < IRQ_BASE + 16) {
		handle_irq((unsigned)(tf->vector - IRQ_BASE));
	} else {
		uint64_t addr = current->fault_addr;
		long r = tf->vector == 14 ? vm_fault(current->mm, addr, tf->error) : -EFAULT;
		/* 32 and up: an interrupt above the 8259A's (an MSI, the APIC's
		 * spurious vector), no fault of the process; tested here so that
		 * a page fault's path stays as it was */
		if (r && tf->vector >= 32)
			r = user_interrupt(tf->vector);
		int sig = r == -ENOMEM ? SIGKILL : exception_signal(tf->vector);
		/* a handler takes it unless the signal is blocked or not caught */
		if (r && sig != SIGKILL) {
			uint64_t si_addr;
			int code = exception_si_code(tf, addr, &si_addr);
			if (proc_fault_signal(sig, code, si_addr))
				r = 0;
		}
		if (r) {
			char why[96], msg[192];
			if (r == -ENOMEM)
				ksnprintf(why, sizeof(why), "out of memory");
			else
				explain_fault(tf->vector, tf->error, addr, why, sizeof(why));
			ksnprintf(msg, sizeof(msg), "%s at RIP %lx, address %lx: %s",
				  tf->vector < 32 && exc_names[tf->vector] ? exc_names[tf->vector]
									   : "trap",
				  tf->rip, addr, why);
			proc_kill_self(sig, msg);
		}
	}
	nkq_flush(); /* nothing queued outlives this hold of the BKL */
	user_return(proc_to_user(tf));
}

static inline void swapgs(void)
{
	__asm__ volatile("swapgs" ::: "memory");
}

/* Whether GS base is one of the cpu_local slots now (Linux's paranoid
 * entry test: CS says nothing about GS at an NMI that arrived between
 * SYSCALL and its SWAPGS, or between user_return's SWAPGS and IRETQ). */
static bool kernel_gs_live(void)
{
	uint64_t gs = rdmsr(MSR_GS_BASE);
	return gs >= (uint64_t)cpu_locals && gs < (uint64_t)(cpu_locals + NK_MAX_CPUS);
}

/* An NMI: from anywhere, with either GS; never takes the BKL (the holder
 * may be the code it interrupted). It only counts and runs the harness's
 * hook (or reports one from kernel mode, as before). */
static void nmi_trap(struct trap_frame *tf)
{
	bool swapped = !kernel_gs_live();
	if (swapped)
		swapgs();
	__atomic_fetch_add(&trap_nmi_count, 1, __ATOMIC_RELAXED);
	this_cpu()->nmis++;
	if ((tf->cs & 3) == 0) {
		if (trap_nmi_hook)
			trap_nmi_hook(tf);
		else
			kprintf("trap: NMI at RIP %lx\n", tf->rip);
	}
	if (swapped)
		swapgs();
}

/* A trap in kernel mode, BKL held (nested or taken). Returns to resume the
 * interrupted code. */
static void kernel_trap(struct trap_frame *tf)
{
	if (tf->vector == IRQ_BASE && trap_irq0_hook) {
		trap_irq0_hook(tf);
		return;
	}
	if (tf->vector >= IRQ_BASE && tf->vector < IRQ_BASE + 16) {
		handle_irq((unsigned)(tf->vector - IRQ_BASE));
		return;
	}
	if (tf->vector >= 32) {
		if (!irq_vector(tf->vector)) { /* an MSI or the APIC's spurious vector */
			trap_stray_count++;
			kprintf("trap: unexpected vector %lu\n", tf->vector);
		}
		return;
	}
	uint64_t addr = tf->vector == 14 ? read_cr2() : 0;
	if (tf->vector == 14 && spurious_pf(tf->error, addr))
		return;
	/* the kernel touching user memory: fault the page in, or fail the copy */
	if (tf->vector == 14 && addr < USER_TOP && current && current->mm &&
	    tf->rip >= (uint64_t)uaccess_fault_start && tf->rip < (uint64_t)uaccess_fault_end) {
		if (vm_fault(current->mm, addr, tf->error) != 0)
			tf->rip = (uint64_t)uaccess_fixup;
		return;
	}
	char why[96];
	explain_fault(tf->vector, tf->error, addr, why, sizeof(why));
	struct recovery *r = recover_current;
	/* a ring-3 trap with no process running is a harness's ring-3 probe
	 * (tests/kernel/mmu_oracle.c): it returns to the recovery point too */
	if (r && r->armed && ((tf->cs & 3) == 0 || !current)) {
		r->fault.vector = tf->vector;
		r->fault.error = tf->error;
		r->fault.rip = tf->rip;
		r->fault.addr = addr;
		memcpy(r->fault.why, why, sizeof(why));
		recover_current = NULL;
		recover_jump(r);
	}
	report(tf, addr, why);
	panic("unhandled %s in the outer kernel",
	      exc_names[tf->vector] ? exc_names[tf->vector] : "exception");
}

/* An AP's LAPIC tick or a reschedule IPI without the BKL (an idle CPU's
 * ticks would otherwise contend for it 100 times a second): a tick
 * charges the running task of this CPU, which only this CPU touches
 * between switches (sched_cpu_tick's fields); the IPI only ends the idle
 * loop's halt, which then takes the lock. A kernel-mode tick on a CPU
 * that holds the BKL runs the module watchdog. Returns false when the BKL is
 * needed: a tick that ends a user-mode task's turn (user_trap then runs
 * irq_vector's sched_cpu_tick and proc_to_user's preemption). */
static bool smp_tick_fast(uint64_t vector, bool user)
{
	struct cpu_local *c = this_cpu();
	struct proc *p = c->cur;
	if (vector == SMP_RESCHED_VECTOR) {
		c->resched_ipis++;
		return true;
	}
	if (user && p && p->slice <= 1)
		return false;
	c->apic_ticks++;
	if (p) {
		p->ticks++;
		if (p->slice)
			p->slice--;
	}
	/* this CPU holds the BKL (only the holder runs module code): the
	 * module watchdog here, since CPU 0's PIT tick cannot take the lock
	 * meanwhile (trap_bkl); nk's stub sent the LAPIC's EOI already */
	if (!user && bkl_held())
		module_watchdog_tick(); /* may not return: a module ran too long */
	return true;
}

/* trap_bkl: take the BKL for a trap (nest when this CPU holds it), except
 * for the PIT's tick (IRQ0, CPU 0) while another CPU holds or waits for
 * it: then time goes on without the lock (timer_ticks++, the 8259A's EOI)
 * and the work that needs the lock waits for a tick that gets it: the
 * per-process scans (proc_tick compares with timer_ticks, so one later
 * call catches up), CPU 0's slice charge, the module watchdog (a module
 * runs on the CPU holding the lock, whose LAPIC tick runs the watchdog:
 * smp_tick_fast). A holder that waits for ticks (a harness's settle loop,
 * a driver's bounded wait) would otherwise never see one: CPU 0 would spin
 * for the lock in this handler with its IRQ0 not ended. Returns whether
 * this CPU holds the lock now (false: the tick was handled without it). */
static bool trap_bkl(struct trap_frame *tf)
{
	if (tf->vector != IRQ_BASE) {
		bkl_lock();
		return true;
	}
	if (bkl_trylock())
		return true;
	struct cpu_local *c = this_cpu();
	c->irqs++;
	c->pit_unlocked++;
	timer_ticks++;
	pic_eoi(0);
	return false;
}

/* The outer kernel's trap entry (nk's stubs call it). GS: a trap from
 * ring 3 swaps to this CPU's slot, and back when it returns there; a
 * kernel-mode one finds the kernel's loaded, except an NMI or #MC (tested,
 * nmi_trap) and a fault of user_return's IRETQ (a bad user frame, after
 * its SWAPGS). The BKL: a trap from ring 3 takes it (user_trap's return to
 * user mode drops it); a kernel-mode trap nests, or takes it when this CPU
 * idles without it, and drops that level on its return. */
void outer_trap(struct trap_frame *tf)
{
	if (tf->vector == 2) {
		nmi_trap(tf);
		return;
	}
	bool user = (tf->cs & 3) == 3;
	if (user || ((tf->vector == 18 || tf->rip == (uint64_t)user_iret) && !kernel_gs_live()))
		swapgs();
	if (tf->vector == SMP_CALL_VECTOR) {
		/* before the BKL: the caller may wait for fn without it, and fn
		 * takes it itself when it asked for it (outer/smp.c smp_call) */
		this_cpu()->irqs++;
		smp_call_poll(true);
		if (user)
			swapgs();
		return;
	}
	if ((tf->vector == SMP_TIMER_VECTOR || tf->vector == SMP_RESCHED_VECTOR) &&
	    smp_tick_fast(tf->vector, user)) {
		if (user)
			swapgs();
		return;
	}
	if (!trap_bkl(tf)) {
		if (user)
			swapgs();
		return;
	}
	this_cpu()->traps++;
	if (user && current) {
		current->fault_addr = tf->vector == 14 ? read_cr2() : 0;
		*current->tf = *tf;
		run_on_stack(current->tf, user_trap, current->tf);
	}
	/* a ring-3 trap with no process running is the MMU oracle's probe: it
	 * goes to the recovery point (kernel_trap); interrupts are off there */
	kernel_trap(tf);
	bkl_unlock();
	if (user)
		swapgs();
}
