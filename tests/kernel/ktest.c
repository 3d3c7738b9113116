/* In-kernel integration tests: what can only be checked on the running
 * machine (the gate, the CPU's control registers, faults, interrupts).
 * `test all` or `test NAME` prints KTAP; tests/qemu/run.py reads it.
 * nk's validation logic is covered in depth by the host tests. */
#include <outer/kernel.h>
#include <outer/console.h>
#include "ktest.h"
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/trap.h>
#include <outer/irq.h>
#include <outer/errno.h>
#include <outer/drivers.h>
#include <nk/vmmu.h>
#include <outer/smp.h>
#include <outer/module.h>

#include <x86/cpu.h> /* CR0, CR4, EFER bits, MSR numbers */

bool kt_expect_at(bool cond, const char *expr, int line)
{
	if (!cond)
		kprintf("    # expectation failed (ktest.c:%d): %s\n", line, expr);
	return cond;
}

static bool t_protection_on(void)
{
	bool ok = KT_EXPECT(read_cr0() & CR0_WP);
	ok &= KT_EXPECT(rdmsr(MSR_EFER) & EFER_NXE);
	ok &= KT_EXPECT(read_cr4() & CR4_SMEP);
	if (nk_view->has_smap)
		ok &= KT_EXPECT(read_cr4() & CR4_SMAP);
	return ok;
}

static bool t_invariants_hold(void)
{
	return KT_EXPECT(nk_check_invariants() == 0);
}

static bool t_gate_round_trip(void)
{
	uint64_t before = nk_view->stats.calls[NK_CALL_NULL], flags;
	bool ok = KT_EXPECT(nk_null() == 0);
	__asm__ volatile("pushfq; pop %0" : "=r"(flags));
	ok &= KT_EXPECT(flags & (1 << 9)); /* IF restored by the exit gate */
	ok &= KT_EXPECT(read_cr0() & CR0_WP);
	ok &= KT_EXPECT(nk_view->stats.calls[NK_CALL_NULL] == before + 1);
	return ok;
}

static bool t_timer_ticks(void)
{
	uint64_t t0 = timer_ticks;
	for (int i = 0; i < 1000 && timer_ticks < t0 + 3; i++)
		__asm__ volatile("hlt");
	return KT_EXPECT(timer_ticks >= t0 + 3) & KT_EXPECT(nk_view->stats.wp_violations == 0);
}

static bool t_heap(void)
{
	uint8_t *a = kmalloc(100), *b = kmalloc(5000);
	bool ok = KT_EXPECT(a && b);
	if (!ok)
		return false;
	memset(a, 0xab, 100);
	memset(b, 0xcd, 5000);
	ok &= KT_EXPECT(a[99] == 0xab && b[4999] == 0xcd);
	paddr_t l1;
	unsigned idx;
	ok &= KT_EXPECT(mm_leaf(nk_view->master_l4, (uint64_t)a, &l1, &idx));
	pte_t e = ((pte_t *)pa_to_dm(l1))[idx];
	ok &= KT_EXPECT(pte_present(e) && pte_writable(e) && pte_nx(e));
	if (nk_view->nested) { /* the native backend keeps no frame types */
		ok &= KT_EXPECT(nk_view->frames[pa_pfn(l1)].type == NK_F_PTP1);
		ok &= KT_EXPECT(nk_view->frames[pa_pfn(pte_frame(e, 1))].type == NK_F_DATA);
	}
	kfree(a);
	kfree(b);
	void *c = kmalloc(100);
	ok &= KT_EXPECT(c == a); /* the freed block is reused */
	kfree(c);
	return ok;
}

/* Declare, use and remove an address space through the real gates. */
static bool t_address_space(void)
{
	uint64_t free0 = frames_free(), ptps0 = nk_view->type_count[NK_F_PTP1];
	paddr_t l4 = frame_alloc(), pg = frame_alloc();
	bool ok = KT_EXPECT(nk_declare_ptp(l4, 4) == 0);
	ok &= KT_EXPECT(nk_view->frames[pa_pfn(l4)].type == NK_F_PTP4);
	ok &= KT_EXPECT(memcmp((pte_t *)pa_to_dm(l4) + 256,
			       (pte_t *)pa_to_dm(nk_view->master_l4) + 256,
			       256 * sizeof(pte_t)) == 0);
	/* a user page at 4 MiB, and the kernel still runs on this L4 */
	ok &= KT_EXPECT(mm_map(l4, 0x400000, pg, PTE_U | PTE_W | PTE_NX) == 0);
	ok &= KT_EXPECT(nk_load_cr3(l4) == 0);
	ok &= KT_EXPECT((read_cr3() & PTE_ADDR_4K) == pa_addr(l4));
	__asm__ volatile("stac; movq $42, 0x400000; clac" ::: "memory");
	ok &= KT_EXPECT(*(uint64_t *)pa_to_dm(pg) == 42);
	ok &= KT_EXPECT(nk_check_invariants() == 0);
	ok &= KT_EXPECT(nk_remove_ptp(l4) == -NK_ELOADED);
	ok &= KT_EXPECT(nk_load_cr3(nk_view->master_l4) == 0);
	/* tear down leaf-up: the L1, L2, L3 under entry 0, then the L4 */
	struct mm_walk w;
	mm_walk(l4, 0x400000, &w);
	ok &= KT_EXPECT(w.level == 1 && w.leaf && pa_addr(w.path[4]) == pa_addr(l4));
	ok &= KT_EXPECT(nk_remove_ptp(w.path[1]) == -NK_EINUSE); /* still linked */
	ok &= KT_EXPECT(nk_remove_ptp(l4) == 0);
	for (unsigned level = 3; level >= 2; level--)
		ok &= KT_EXPECT(nk_write_pte(w.path[level], pt_index(0x400000, level), 0) == 0);
	for (unsigned level = 1; level <= 3; level++) {
		ok &= KT_EXPECT(nk_remove_ptp(w.path[level]) == 0);
		frame_free(w.path[level]);
	}
	frame_free(l4);
	frame_free(pg);
	ok &= KT_EXPECT(nk_view->frames[pa_pfn(l4)].type == NK_F_DATA);
	ok &= KT_EXPECT(frames_free() == free0 && nk_view->type_count[NK_F_PTP1] == ptps0);
	ok &= KT_EXPECT(nk_check_invariants() == 0);
	return ok;
}

/* Every refusal is a distinct code, through the real gate. */
static bool t_refusals(void)
{
	paddr_t d = frame_alloc();
	paddr_t l1;
	unsigned idx;
	kfree(kmalloc(8));
	bool ok = KT_EXPECT(mm_leaf(nk_view->master_l4, HEAP_BASE, &l1, &idx));
	uint64_t ram_end = nk_view->nframes * PAGE_SIZE;
	ok &= KT_EXPECT(nk_declare_ptp(pa_init(pa_addr(d) + 8), 1) == -NK_EALIGN);
	ok &= KT_EXPECT(nk_declare_ptp(pa_init(ram_end + PAGE_SIZE * 16), 1) == -NK_ERANGE);
	ok &= KT_EXPECT(nk_declare_ptp(d, 5) == -NK_ELEVEL);
	ok &= KT_EXPECT(nk_declare_ptp(d, 0) == -NK_ELEVEL);
	ok &= KT_EXPECT(nk_declare_ptp(l1, 1) == -NK_ETYPE);
	ok &= KT_EXPECT(nk_write_pte(l1, 512, 0) == -NK_EINDEX);
	ok &= KT_EXPECT(nk_write_pte(d, 0, 0) == -NK_ETYPE);
	ok &= KT_EXPECT(nk_write_pte(nk_view->master_l4, 0, 0) == -NK_EPINNED);
	paddr_t l4 = frame_alloc();
	ok &= KT_EXPECT(nk_declare_ptp(l4, 4) == 0);
	ok &= KT_EXPECT(nk_write_pte(l4, 300, 0) == -NK_EKERNHALF);
	ok &= KT_EXPECT(nk_remove_ptp(l4) == 0);
	frame_free(l4);
	/* entries go to a kernel-half L1 of our own, linked nowhere, so every
	 * slot is empty however much of the heap is in use */
	paddr_t k1 = frame_alloc();
	ok &= KT_EXPECT(nk_declare_ptp(k1, 1 | NK_PTP_KERNEL) == 0);
	ok &= KT_EXPECT(nk_write_pte(k1, 511, pte_make(l1, PTE_P | PTE_W | PTE_NX)) == -NK_EPROT);
	ok &= KT_EXPECT(nk_write_pte(k1, 511, pte_make(d, PTE_P)) == -NK_EEXEC);
	ok &= KT_EXPECT(nk_write_pte(k1, 511, pte_make(d, PTE_P | PTE_NX | PTE_G)) == -NK_EGLOBAL);
	ok &= KT_EXPECT(nk_write_pte(k1, 511, pte_make(d, PTE_P | PTE_NX | PTE_U)) == -NK_EHALF);
	ok &= KT_EXPECT(nk_write_ptes(NULL, 1) == -NK_EBATCH);
	struct nk_pte_write w[2] = {{k1, 510, pte_make(d, PTE_P | PTE_NX)},
				    {k1, 511, pte_make(l1, PTE_P | PTE_W | PTE_NX)}};
	ok &= KT_EXPECT(nk_write_ptes(w, 0) == -NK_EBATCH);
	ok &= KT_EXPECT(nk_write_ptes(w, NK_BATCH_MAX + 1) == -NK_EBATCH);
	ok &= KT_EXPECT(nk_write_ptes((void *)0x1000, 1) == -NK_EFAULT);
	ok &= KT_EXPECT(nk_write_ptes(w, 2) == -NK_EPROT);
	ok &= KT_EXPECT(((pte_t *)pa_to_dm(k1))[510] == 0); /* all-or-nothing */
	ok &= KT_EXPECT(nk_remove_ptp(k1) == 0);
	frame_free(k1);
	ok &= KT_EXPECT(nk_load_cr3(d) == -NK_ETYPE);
	ok &= KT_EXPECT(nk_load_cr0(read_cr0() & ~CR0_WP) == -NK_ECR0);
	ok &= KT_EXPECT(nk_load_cr4(read_cr4() & ~CR4_SMEP) == -NK_ECR4);
	ok &= KT_EXPECT(nk_wrmsr(0x1b, 0) == -NK_EMSR); /* APIC base: not on the list */
	ok &= KT_EXPECT(nk_wrmsr(MSR_LSTAR, 0) == -NK_ELOCKED);
	ok &= KT_EXPECT(nk_wrmsr(MSR_FS_BASE, 1ull << 60) == -NK_EMSRVAL);
	ok &= KT_EXPECT(nk_view->stats.refusals[NK_EPROT] >= 2);
	frame_free(d);
	return ok;
}

static bool t_legit_control_writes(void)
{
	bool ok = KT_EXPECT(nk_load_cr0(read_cr0()) == 0);
	ok &= KT_EXPECT(read_cr0() & CR0_WP);
	ok &= KT_EXPECT(nk_load_cr4(read_cr4()) == 0);
	ok &= KT_EXPECT(nk_wrmsr(MSR_FS_BASE, 0x1000) == 0);
	ok &= KT_EXPECT(rdmsr(MSR_FS_BASE) == 0x1000);
	nk_wrmsr(MSR_FS_BASE, 0);
	return ok;
}

static bool t_fault_recovery(void)
{
	struct recovery r;
	volatile int reached = 0;
	if (recover_arm(&r) == 0) {
		(void)*(volatile uint64_t *)(HEAP_BASE + (1ull << 38));
		reached = 1;
		recover_disarm();
	}
	irq_enable();
	bool ok = KT_EXPECT(!reached);
	ok &= KT_EXPECT(r.fault.vector == 14);
	ok &= KT_EXPECT(strstr(r.fault.why, "not-present") != NULL);
	return ok;
}

/* The module watchdog and a recovery point not armed yet (the CI panic
 * of issue 17): module_call's window hook waits, interrupts on, for more
 * than the watchdog's limit, so the PIT's ticks run the watchdog while the
 * running module and its recovery point are published and the point is
 * not armed. The watchdog must not jump there (it would load whatever RSP
 * the stack held). After the hook, the call runs: fn returns its value,
 * or the watchdog stops it once armed (its start is old by then), as it
 * would any module that ran too long. */
static void watchdog_window_wait(void)
{
	irq_enable();
	for (uint64_t t = timer_ticks; timer_ticks < t + MODULE_WATCHDOG_MS / 10 + 5;)
		__asm__ volatile("hlt");
}

static long return_42(void *arg)
{
	(void)arg;
	return 42;
}

static bool t_watchdog_window(void)
{
	struct module *m = NULL;
	char err[96];
	if (module_load_file("/lib/modules/victim.ko", true, &m, err, sizeof(err)))
		return KT_EXPECT(0);
	struct fault_info fi = {.vector = ~0ull};
	module_call_window_hook = watchdog_window_wait;
	long r = module_call(m, return_42, NULL, &fi);
	module_call_window_hook = NULL;
	irq_enable();
	bool ok = KT_EXPECT(r == 42 || (r == -EIO && fi.vector == 32));
	if (r == 42)
		module_unload(m); /* a stopped module was unloaded by module_call */
	return ok;
}

/* This CPU's index in nk's CPU table (nk_apic_ipi's mask bits). */
static int apic_self_index(void)
{
	for (uint32_t i = 0; i < nk_view->apic.ncpus_online; i++)
		if (nk_view->apic.cpu_apic_id[i] == lapic_id())
			return (int)i;
	return -1;
}

/* nk's APIC gates used for real (include/nk/apic.h): a self-IPI and a
 * one-shot timer interrupt on a spare MSI vector, each counted by the
 * outer handler after nk's stub sent its EOI; an IOAPIC entry written
 * masked and read back from the IOAPIC; and, in the nested build, every
 * refusal with its own code and nothing sent. */
static bool t_apic_gates(void)
{
	const struct nk_apic_view *a = &nk_view->apic;
	bool ok = KT_EXPECT(a->on) & KT_EXPECT(a->madt_ok) & KT_EXPECT(a->ncpus_online >= 1);
	int self = apic_self_index();
	long v = irq_msi_alloc();
	if (!ok || !KT_EXPECT(self >= 0) || !KT_EXPECT(v > 0))
		return false;
	uint64_t me = 1ull << self;
	/* the 8259A's timer ticks (ExtINT through LINT0) are put in service by
	 * no one: nk's stub finds no ISR bit and sends no EOI (SDM 11.8.5) */
	uint64_t skipped0 = a->eoi_skipped, t0 = timer_ticks;
	irq_enable();
	while (timer_ticks < t0 + 2)
		__asm__ volatile("hlt");
	ok &= KT_EXPECT(a->eoi_skipped >= skipped0 + 2);
	/* a self-IPI: counted once, EOI'd by nk */
	uint64_t c0 = irq_msi_count((unsigned)v), sent0 = a->ipis_sent, eoi0 = a->eois;
	ok &= KT_EXPECT(nk_apic_ipi((uint32_t)v, me) == 0);
	ok &= KT_EXPECT(irq_msi_wait((unsigned)v, c0, 200) == 0);
	ok &= KT_EXPECT(irq_msi_count((unsigned)v) == c0 + 1);
	/* other CPUs send IPIs and program their timers too: exact counts
	 * only on one CPU */
	bool one = a->ncpus_online <= 1;
	ok &= KT_EXPECT(one ? a->ipis_sent == sent0 + 1 : a->ipis_sent >= sent0 + 1);
	ok &= KT_EXPECT(a->eois >= eoi0 + 1);
	/* a one-shot timer: one interrupt, then none */
	uint64_t c1 = irq_msi_count((unsigned)v), tp0 = a->timer_programs;
	ok &= KT_EXPECT(nk_apic_timer((uint32_t)v, 16, 200000, NK_APIC_TIMER_ONESHOT) == 0);
	ok &= KT_EXPECT(irq_msi_wait((unsigned)v, c1, 500) == 0);
	ok &= KT_EXPECT(irq_msi_count((unsigned)v) == c1 + 1);
	ok &= KT_EXPECT(irq_msi_wait((unsigned)v, c1 + 1, 50) == -ETIMEDOUT);
	/* periodic: several, then stopped */
	uint64_t c2 = irq_msi_count((unsigned)v);
	ok &= KT_EXPECT(nk_apic_timer((uint32_t)v, 1, 2000000, NK_APIC_TIMER_PERIODIC) == 0);
	ok &= KT_EXPECT(irq_msi_wait((unsigned)v, c2, 500) == 0);
	ok &= KT_EXPECT(irq_msi_wait((unsigned)v, irq_msi_count((unsigned)v), 500) == 0);
	ok &= KT_EXPECT(nk_apic_timer(0, 0, 0, NK_APIC_TIMER_STOP) == 0);
	ok &= KT_EXPECT(one ? a->timer_programs == tp0 + 3 : a->timer_programs >= tp0 + 3);
	uint64_t c3 = irq_msi_count((unsigned)v);
	ok &= KT_EXPECT(irq_msi_wait((unsigned)v, c3, 50) == -ETIMEDOUT);
	/* an IOAPIC entry, masked: written, read back from the IOAPIC */
	if (KT_EXPECT(a->nioapic >= 1) && KT_EXPECT(a->ioapic[0].pins >= 16)) {
		uint32_t pin = a->ioapic[0].pins - 1u;
		ok &= KT_EXPECT(nk_ioapic_read(0, pin) == 0);
		uint64_t old = a->ioapic[0].rte[pin];
		uint64_t e = NK_RTE_MASKED | NK_RTE_TRIGGER_LEVEL | NK_RTE_POLARITY_LOW |
			     (uint64_t)v | (uint64_t)lapic_id() << NK_RTE_DEST_SHIFT;
		ok &= KT_EXPECT(nk_ioapic_write(0, pin, e) == 0);
		ok &= KT_EXPECT(nk_ioapic_read(0, pin) == 0);
		ok &= KT_EXPECT(a->ioapic[0].rte[pin] == e);
		if (nk_view->nested) {
			uint64_t bad[] = {e | (4ull << 8), e | (5ull << 8), e | (2ull << 8),
					  e | (7ull << 8)};
			for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
				ok &= KT_EXPECT(nk_ioapic_write(0, pin, bad[i]) == -NK_EDELIVERY);
			ok &= KT_EXPECT(nk_ioapic_write(0, pin, e | NK_RTE_DEST_LOGICAL) ==
					-NK_EDESTMODE);
			ok &= KT_EXPECT(nk_ioapic_write(0, pin, e | (1ull << 48)) == -NK_ERESERVED);
			ok &= KT_EXPECT(nk_ioapic_write(0, pin, (e & ~0xffull) | 0x10) ==
					-NK_EVECTOR);
			ok &= KT_EXPECT(nk_ioapic_write(0, pin, (e & ~0xffull) | 0xf0) ==
					-NK_ENKVECTOR);
			ok &= KT_EXPECT(
			    nk_ioapic_write(0, pin, (e & ~(0xffull << 56)) | (0x77ull << 56)) ==
			    -NK_ECPU);
			ok &= KT_EXPECT(nk_ioapic_write(0, a->ioapic[0].pins, e) == -NK_EIOAPIC);
			ok &= KT_EXPECT(nk_ioapic_write(a->nioapic, 0, e) == -NK_EIOAPIC);
			ok &= KT_EXPECT(nk_ioapic_read(0, pin) == 0);
			ok &= KT_EXPECT(a->ioapic[0].rte[pin] == e); /* unchanged */
		}
		ok &= KT_EXPECT(nk_ioapic_write(0, pin, old) == 0);
	}
	if (nk_view->nested) {
		uint64_t sent = a->ipis_sent;
		uint32_t u = (uint32_t)v;
		ok &= KT_EXPECT(nk_apic_ipi(u | 0x500, me) == -NK_EDELIVERY); /* INIT */
		ok &= KT_EXPECT(nk_apic_ipi(u | 0x600, me) == -NK_EDELIVERY); /* StartUp */
		ok &= KT_EXPECT(nk_apic_ipi(u | 0x400, me) == -NK_EDELIVERY); /* NMI */
		ok &= KT_EXPECT(nk_apic_ipi(u | 0x200, me) == -NK_EDELIVERY); /* SMI */
		ok &= KT_EXPECT(nk_apic_ipi(u | 0x100, me) == -NK_EDELIVERY); /* lowest */
		ok &= KT_EXPECT(nk_apic_ipi(u | 1u << 18, me) == -NK_ESHORTHAND);
		ok &= KT_EXPECT(nk_apic_ipi(u | 3u << 18, me) == -NK_ESHORTHAND);
		ok &= KT_EXPECT(nk_apic_ipi(u | NK_ICR_DEST_LOGICAL, me) == -NK_EDESTMODE);
		ok &= KT_EXPECT(nk_apic_ipi(u | NK_ICR_TRIGGER_LEVEL, me) == -NK_ERESERVED);
		ok &= KT_EXPECT(nk_apic_ipi(0x1f, me) == -NK_EVECTOR);
		ok &= KT_EXPECT(nk_apic_ipi(0xf0, me) == -NK_ENKVECTOR);
		ok &= KT_EXPECT(nk_apic_ipi(0xff, me) == -NK_ENKVECTOR);
		ok &= KT_EXPECT(nk_apic_ipi(u, 0) == -NK_ECPU);
		ok &= KT_EXPECT(nk_apic_ipi(u, 1ull << a->ncpus_online) == -NK_ECPU);
		ok &= KT_EXPECT(!one || a->ipis_sent == sent);
		ok &=
		    KT_EXPECT(nk_apic_timer(0xf5, 1, 1000, NK_APIC_TIMER_ONESHOT) == -NK_ENKVECTOR);
		ok &= KT_EXPECT(nk_apic_timer(0x10, 1, 1000, NK_APIC_TIMER_ONESHOT) == -NK_EVECTOR);
		ok &= KT_EXPECT(nk_apic_timer(u, 3, 1000, NK_APIC_TIMER_ONESHOT) == -NK_ETIMER);
		ok &= KT_EXPECT(nk_apic_timer(u, 1, 0, NK_APIC_TIMER_PERIODIC) == -NK_ETIMER);
		ok &= KT_EXPECT(nk_apic_timer(u, 1, 1000, 7) == -NK_ETIMER);
		ok &= KT_EXPECT(nk_check_invariants() == 0);
	}
	irq_msi_free((unsigned)v);
	return ok;
}

/* The boot CPU's slot through GS, and the BKL's rules on one CPU (outer/
 * smp.c): the console holds it; traps nest and drop their level; a
 * recovery point's jump out of a fault handler restores the depth. */
static bool t_smp_percpu_bkl(void)
{
	struct cpu_local *c = this_cpu();
	bool ok = KT_EXPECT(c == &cpu_locals[0]) & KT_EXPECT(c->self == c) &
		  KT_EXPECT(c->index == 0) & KT_EXPECT(rdmsr(MSR_GS_BASE) == (uint64_t)c) &
		  KT_EXPECT(rdmsr(MSR_KERNEL_GS_BASE) == 0) & KT_EXPECT(smp_cpus_online() >= 1);
	unsigned d0 = c->bkl_depth;
	uint32_t serving = smp_bkl.serving;
	/* this CPU's ticket is served; each other CPU holds at most one more */
	uint32_t waiting = smp_bkl.next - serving;
	ok &= KT_EXPECT(bkl_held()) & KT_EXPECT(d0 >= 1) & KT_EXPECT(waiting >= 1) &
	      KT_EXPECT(waiting <= nk_view->ncpus) & KT_EXPECT(smp_bkl.owner == 0);
	/* interrupts from kernel mode nest and drop their level */
	uint64_t traps = c->traps, t0 = timer_ticks;
	irq_enable();
	for (int i = 0; i < 1000 && timer_ticks < t0 + 2; i++)
		__asm__ volatile("hlt");
	ok &= KT_EXPECT(c->traps >= traps + 2) & KT_EXPECT(c->bkl_depth == d0) &
	      KT_EXPECT(smp_bkl.serving == serving) & KT_EXPECT(bkl_held());
	/* an explicit nested hold */
	irq_disable();
	bkl_lock();
	ok &= KT_EXPECT(c->bkl_depth == d0 + 1) & KT_EXPECT(smp_bkl.serving == serving);
	bkl_unlock();
	ok &= KT_EXPECT(c->bkl_depth == d0) & KT_EXPECT(bkl_held());
	/* a fault's handler holds one more level; the jump back drops it */
	struct recovery r;
	if (recover_arm(&r) == 0) {
		(void)*(volatile uint64_t *)(HEAP_BASE + (1ull << 38));
		recover_disarm();
	}
	irq_enable();
	ok &= KT_EXPECT(r.bkl_depth == d0) & KT_EXPECT(c->bkl_depth == d0) &
	      KT_EXPECT(r.fault.vector == 14) & KT_EXPECT(bkl_held());
	return ok;
}

/* smp_call (outer/smp.c): a function run on CPU 1 says which CPU it ran
 * on (the GS slot and the APIC ID from CPUID) and whether it held the BKL;
 * with SMP_CALL_BKL it holds it, without it does not; smp_call_pair runs
 * both functions at once (each waits, bounded, to see the other's mark);
 * the caller's BKL depth is back. At 1 CPU: the call is refused. */
struct call_rec {
	volatile unsigned cpu, apic, held, seen_other;
	volatile unsigned *other;
};
static void call_mark(void *arg)
{
	struct call_rec *r = arg;
	r->cpu = this_cpu()->index + 1;
	r->apic = lapic_id() + 1;
	r->held = bkl_held() ? 2 : 1;
	if (r->other)
		for (uint64_t i = 0; i < 100000000 && !r->seen_other; i++) {
			if (*r->other)
				r->seen_other = 1;
			__builtin_ia32_pause();
		}
}
static bool t_smp_call(void)
{
	if (!cpu_locals[1].online && nk_view->ncpus < 2)
		return KT_EXPECT(smp_call(1, call_mark, NULL, 0) == -EINVAL);
	struct cpu_local *c = this_cpu();
	unsigned d0 = c->bkl_depth;
	struct call_rec a = {0}, b = {0};
	bool ok = KT_EXPECT(smp_call(1, call_mark, &a, 0) == 0);
	ok &= KT_EXPECT(a.cpu == 2) & KT_EXPECT(a.apic == nk_view->cpus[1].apic_id + 1) &
	      KT_EXPECT(a.held == 1);
	memset(&a, 0, sizeof(a));
	ok &= KT_EXPECT(smp_call(1, call_mark, &a, SMP_CALL_BKL) == 0);
	ok &= KT_EXPECT(a.cpu == 2) & KT_EXPECT(a.held == 2);
	ok &= KT_EXPECT(smp_call(c->index, call_mark, &a, 0) == -EINVAL);
	memset(&a, 0, sizeof(a));
	a.other = &b.cpu;
	b.other = &a.cpu;
	ok &= KT_EXPECT(smp_call_pair(1, call_mark, &a, 0, call_mark, &b) == 0);
	ok &= KT_EXPECT(a.cpu == 2) & KT_EXPECT(b.cpu == c->index + 1) & KT_EXPECT(a.held == 1) &
	      KT_EXPECT(b.held == 1) & KT_EXPECT(a.seen_other == 1) & KT_EXPECT(b.seen_other == 1);
	ok &= KT_EXPECT(c->bkl_depth == d0) & KT_EXPECT(bkl_held());
	return ok;
}

static const struct ktest tests[] = {
    {"protection_on", true, t_protection_on},
    {"invariants_hold", true, t_invariants_hold},
    {"gate_round_trip", false, t_gate_round_trip},
    {"timer_ticks", false, t_timer_ticks},
    {"heap_through_vmmu", false, t_heap},
    {"address_space", true, t_address_space},
    {"refusals", true, t_refusals},
    {"legit_control_writes", false, t_legit_control_writes},
    {"fault_recovery", false, t_fault_recovery},
    {"watchdog_window", false, t_watchdog_window},
    {"fs_tmpfs", false, fs_ktest},
    {"apic_gates", false, t_apic_gates},
    {"smp_percpu_bkl", false, t_smp_percpu_bkl},
    {"smp_call", false, t_smp_call},
};

/* cmd_test: `test all` or `test NAME`: the in-kernel tests as KTAP (this
 * file's, then ktest_policy.c's; mmu_oracle.c's only by name); tests marked
 * nested-only SKIP on the native build. Returns 0 when every selected test
 * passed, 1 otherwise or when none is named so. */
static int cmd_test(int argc, char **argv)
{
	const struct ktest_group groups[] = {
	    {tests, ARRAY_SIZE(tests)}, ktest_policy_group, ktest_smp_group, ktest_oracle_group};
	const size_t by_name = 3; /* groups from here on run only by name */
	const char *sel = argc > 1 ? argv[1] : "all";
	int n = 0, failed = 0;
#define SELECTED(g, t) (!strcmp(sel, (t)->name) || (!strcmp(sel, "all") && (g) < by_name))
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		for (size_t i = 0; i < groups[g].n; i++)
			if (SELECTED(g, &groups[g].tests[i]))
				n++;
	kprintf("KTAP version 1\n1..%d\n", n);
	int k = 0;
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		for (size_t i = 0; i < groups[g].n; i++) {
			const struct ktest *t = &groups[g].tests[i];
			if (!SELECTED(g, t))
				continue;
			k++;
			if (t->nested_only && !nk_view->nested) {
				kprintf("ok %d %s # SKIP native build\n", k, t->name);
				continue;
			}
			bool ok = t->fn();
			failed += !ok;
			kprintf("%s %d %s\n", ok ? "ok" : "not ok", k, t->name);
		}
	}
#undef SELECTED
	kprintf("# kernel: %d passed, %d failed\n", n - failed, failed);
	return failed || !n;
}

CONSOLE_COMMAND(test, "test all | test NAME: in-kernel tests (KTAP)", cmd_test, true);
