/* Attack module bar_over_iommu (dma): a buggy driver moves the edu
 * device's BAR0 (1 MiB) through the configuration ports to 0xfed00000, over
 * the IOMMU's register page (0xfed90000, an nk-owned device page that nk
 * never maps for the outer kernel): would edu's registers, which any
 * driver writes, shadow the unit's for nk? While it is there (interrupts
 * off), it reads the unit's root-table address and status through nk's
 * mapping (the oracle's read, into the window record), its version
 * register, and runs nk_iommu_poll and the invariant checker; then BAR0
 * goes back exactly (buggy_chipset.h). The harness reads back target
 * "iommu_regs" and judges by the window record. Expected: blocked: in
 * QEMU's q35 the unit's registers (a platform device) take precedence over
 * a PCI BAR at the same addresses. */
#include "buggy_chipset.h"
#include "buggy.h"

#define BAR_OVER_IOMMU 0xfed00000ull

struct obs {
	uint32_t ver;
	long poll, inv;
};

static void during(struct attack_ctx *c, void *arg)
{
	(void)c;
	struct obs *o = arg;
	o->ver =
	    nk_view->iommu.regs_va ? mmio_read32((volatile void *)nk_view->iommu.regs_va, 0) : 0;
	o->poll = nk_iommu_poll();
	o->inv = nk_check_invariants();
}

static long attack(struct attack_ctx *c)
{
	c->chipset = true; /* judged by its window (buggy_chipset.h) */
	struct bdma d;
	long r = bdma_open_noted(c, &d);
	if (r)
		return r;
	struct obs o = {0};
	r = bchip_window(c, &d.pci, BAR_OVER_IOMMU, during, &o);
	uint32_t id = mmio_read32(d.regs, EDU_ID);
	bdma_close(&d);
	ksnprintf(
	    c->note, c->note_cap,
	    "BAR0 over the MiB at %llx: the unit's version register read %x, nk_iommu_poll %ld, "
	    "invariants %ld; after: edu ID %x",
	    BAR_OVER_IOMMU, o.ver, o.poll, o.inv, id);
	return r;
}

ATTACK("bar_over_iommu", "dma", "iommu_regs", ATTACK_BLOCKED, attack);
