/* Attack module dma_iommu_root (dma): a buggy driver aims the edu device's DMA
 * engine at nk's own IOMMU root table (an NK frame), after a control DMA into a DATA frame that
 * must arrive. The harness reads back target "iommu_root" and nk's IOMMU fault log
 * (docs/modules.md); expected: blocked (the IOMMU faults the write). */
#include "buggy_dma.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return bdma_attack(c, pa_addr(nk_view->iommu.root_table), 8, NULL);
}

ATTACK("dma_iommu_root", "dma", "iommu_root", ATTACK_BLOCKED, attack);
