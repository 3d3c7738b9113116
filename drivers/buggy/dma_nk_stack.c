/* Attack module dma_nk_stack (dma): a buggy driver aims the edu device's DMA
 * engine at nk's gate stack (an NK frame), after a control DMA into a DATA frame that must
 * arrive. The harness reads back target "nk_stack" and nk's IOMMU fault
 * log (docs/modules.md); expected: blocked (the IOMMU faults the write). */
#include "buggy_dma.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return bdma_attack(c, bus_of(c->nk_stack), 8, NULL);
}

ATTACK("dma_nk_stack", "dma", "nk_stack", ATTACK_BLOCKED, attack);
