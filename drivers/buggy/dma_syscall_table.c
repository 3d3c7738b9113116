/* Attack module dma_syscall_table (dma): a buggy driver aims the edu device's DMA
 * engine at the syscall table (a PROTECTED frame, entry 60), after a control DMA into a DATA frame
 * that must arrive. The harness reads back target "syscall_table" and nk's IOMMU fault log
 * (docs/modules.md); expected: blocked (the IOMMU faults the write). */
#include "buggy_dma.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return bdma_attack(c, bus_of(c->syscall_table) + 60 * sizeof(void *), 8, NULL);
}

ATTACK("dma_syscall_table", "dma", "syscall_table", ATTACK_BLOCKED, attack);
