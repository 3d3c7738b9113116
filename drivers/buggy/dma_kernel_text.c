/* Attack module dma_kernel_text (dma): a buggy driver aims the edu device's DMA
 * engine at kernel text (kprintf, a CODE frame), after a control DMA into a DATA frame that must
 * arrive. The harness reads back target "kernel_text" and nk's IOMMU fault
 * log (docs/modules.md); expected: blocked (the IOMMU faults the write). */
#include "buggy_dma.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return bdma_attack(c, bus_of((const void *)kprintf), 8, NULL);
}

ATTACK("dma_kernel_text", "dma", "kernel_text", ATTACK_BLOCKED, attack);
