/* Attack module dma_frame_table (dma): a buggy driver aims the edu device's DMA
 * engine at nk's frame table (the heap L1's descriptor), after a control DMA into a DATA frame that
 * must arrive. The harness reads back target "frame_desc" and nk's IOMMU fault log
 * (docs/modules.md); expected: blocked (the IOMMU faults the write). */
#include "buggy_dma.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return bdma_attack(c, bus_of(&nk_view->frames[pa_pfn(c->l1)]), 8, NULL);
}

ATTACK("dma_frame_table", "dma", "frame_desc", ATTACK_BLOCKED, attack);
