/* Attack module dma_ptp (dma): a buggy driver aims the edu device's DMA
 * engine at a live PTP entry (the arena's heap L1), after a control DMA into a DATA frame that must
 * arrive. The harness reads back target "arena_pte" and nk's IOMMU fault
 * log (docs/modules.md); expected: blocked (the IOMMU faults the write). */
#include "buggy_dma.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return bdma_attack(c, pa_addr(c->l1) + c->idx * sizeof(pte_t), 8, NULL);
}

ATTACK("dma_ptp", "dma", "arena_pte", ATTACK_BLOCKED, attack);
