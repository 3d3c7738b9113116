/* Attack module pciexbar_over_iommu (dma): a buggy driver moves q35's
 * PCIe configuration window (PCIEXBAR, 00:00.0 offset 0x60) through the
 * configuration ports to 0xf0000000 with 256 MiB: over the IOMMU's
 * register page (0xfed90000, an nk-owned device page). Just before, it
 * starts an edu DMA into a live PTP entry (the arena's heap L1), which
 * completes while the window is there. While it is there (interrupts off,
 * 300 ms by the TSC), it reads the unit's root-table address and status
 * through nk's mapping (the oracle's read, into the window record) and
 * runs nk_iommu_poll and the invariant checker; then PCIEXBAR goes back
 * exactly (buggy_chipset.h), and it polls nk's fault log again and reads
 * the PTE. The harness reads back target "iommu_regs" and judges by the
 * window record. Expected: nk-limit: the chipset takes the value and the
 * CPU, nk included, then reads configuration space (all ones) instead of
 * the unit's registers; nk_iommu_poll logs garbage as a fault and the
 * invariant checker fails I11 until the window is back; a retype then
 * (its invalidation never reaches the unit) stops nk in its completion
 * wait (nk_panic, fail-stop; not tried here). The unit itself keeps
 * remapping: the DMA into the PTP faults and is logged once nk sees the
 * unit again. */
#include "buggy_chipset.h"
#include <outer/drivers.h> /* TIMER_HZ */
#include "buggy.h"

#define WINDOW_VALUE (0xf0000000ull | PCIEXBAR_LEN_256M | PCIEXBAR_EN)

struct obs {
	uint64_t tsc_wait;
	long poll, inv;
	uint32_t i11; /* the checker's I11 failures in its run in the window */
};

static void during(struct attack_ctx *c, void *arg)
{
	(void)c;
	struct obs *o = arg;
	o->poll = nk_iommu_poll();
	o->inv = nk_check_invariants();
	o->i11 = nk_view->check.failures[11];
	for (uint64_t t0 = rdtsc(); rdtsc() - t0 < o->tsc_wait;)
		; /* the DMA completes in here (100 ms of virtual time) */
}

static long attack(struct attack_ctx *c)
{
	c->chipset = true; /* judged by its window (buggy_chipset.h) */
	struct bdma d;
	long r = bdma_control(c, &d);
	if (r)
		return r;
	/* 100 ms of timer ticks in TSC cycles, for the wait with interrupts off */
	irq_enable();
	uint64_t t = timer_ticks;
	while (timer_ticks == t)
		__asm__ volatile("hlt");
	uint64_t t0 = rdtsc();
	for (t = timer_ticks; timer_ticks < t + TIMER_HZ / 10;)
		__asm__ volatile("hlt");
	struct obs o = {.tsc_wait = 3 * (rdtsc() - t0)};
	nk_iommu_poll();
	uint64_t f0 = nk_view->iommu.faults;
	uint64_t pte_pa = pa_addr(c->l1) + c->idx * sizeof(pte_t);
	pte_t pte0 = *(volatile pte_t *)pa_to_dm(pa_init(pte_pa));
	irq_disable();
	mmio_write64(d.regs, EDU_DMA_SRC, EDU_BUF_ADDR);
	mmio_write64(d.regs, EDU_DMA_DST, pte_pa);
	mmio_write64(d.regs, EDU_DMA_COUNT, sizeof(pte_t));
	mmio_write64(d.regs, EDU_DMA_CMD, EDU_DMA_START | EDU_DMA_TO_RAM);
	r = bchip_window(c, NULL, WINDOW_VALUE, during, &o);
	irq_enable();
	long w = mmio_wait_clear(d.regs, EDU_DMA_CMD, EDU_DMA_START, EDU_POLL_MS);
	bdma_close(&d);
	nk_iommu_poll();
	bool faulted = false;
	for (uint64_t i = f0 + (o.poll > 0 ? (uint64_t)o.poll : 0); i < nk_view->iommu.faults;
	     i++) {
		const struct nk_iommu_fault *f =
		    &nk_view->iommu.fault_log[i % NK_IOMMU_FAULTS_KEPT];
		faulted |= !f->interrupt && f->write && f->addr == (pte_pa & ~(PAGE_SIZE - 1));
	}
	bool same = *(volatile pte_t *)pa_to_dm(pa_init(pte_pa)) == pte0;
	ksnprintf(c->note, c->note_cap,
		  "while moved: nk_iommu_poll %ld (garbage), invariants %ld (%s); the DMA into "
		  "PTP %lx then %s (%s), the PTE %s",
		  o.poll, o.inv, o.i11 ? "I11 failed" : "I11 held", pte_pa,
		  faulted ? "faulted, logged after" : "was NOT logged", w ? "unfinished" : "done",
		  same ? "unchanged" : "CHANGED");
	return r;
}

ATTACK("pciexbar_over_iommu", "dma", "iommu_regs", ATTACK_NK_LIMIT, attack);
