/* Attack module pte_direct_map (mmu-isolation): store into a live PTE through the direct map,
 * making it map its own PTP writable. The harness reads back target "arena_pte" (docs/modules.md);
 * expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	volatile pte_t *p = (pte_t *)pa_to_dm(c->l1) + c->idx;
	*p = pte_make(c->l1, PTE_P | PTE_W | PTE_NX);
	return 0;
}

ATTACK("pte_direct_map", "mmu-isolation", "arena_pte", ATTACK_BLOCKED, attack);
