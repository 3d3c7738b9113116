/* Attack module dma_iommu_regs (dma): a buggy driver aims the edu device's DMA
 * engine at the IOMMU's register page (device to device: its root-table address), after a control
 * DMA into a DATA frame that must arrive. The harness reads back target "iommu_regs" and nk's IOMMU
 * fault log (docs/modules.md); expected: blocked (the IOMMU faults the write). */
#include "buggy_dma.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return bdma_attack(c, pa_addr(nk_view->iommu.reg_base) + 0x20, 8, NULL);
}

ATTACK("dma_iommu_regs", "dma", "iommu_regs", ATTACK_BLOCKED, attack);
