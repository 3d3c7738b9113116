/* Attack module tss_overwrite (gates): overwrite TSS RSP0.
 * The harness reads back target "tss" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	*(volatile uint64_t *)(nk_view->regions[nk_view->region_tss].va + 4) = 0xdead000;
	return 0;
}

ATTACK("tss_overwrite", "gates", "tss", ATTACK_BLOCKED, attack);
