/* Attack module remap_own_text_writable (mmu-isolation): ask nk to make its own text mapping
 * writable. The harness reads back target "own_text" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	paddr_t l1;
	unsigned i;
	if (!mm_leaf(nk_view->master_l4, (uint64_t)c->own_text, &l1, &i))
		return 0;
	pte_t e = ((pte_t *)pa_to_dm(l1))[i];
	return nk_write_pte(l1, i, e | PTE_W);
}

ATTACK("remap_own_text_writable", "mmu-isolation", "own_text", ATTACK_BLOCKED, attack);
