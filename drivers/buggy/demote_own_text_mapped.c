/* Attack module demote_own_text_mapped (mmu-isolation): demote its own (still mapped) text to DATA,
 * then patch it. The harness reads back target "own_text" (docs/modules.md); expected: blocked. */
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
	paddr_t f = pte_frame(((pte_t *)pa_to_dm(l1))[i], 1);
	long r = nk_demote_code(&f, 1);
	if (r)
		return r;
	*(volatile uint8_t *)pa_to_dm(f) = 0xc3;
	return 0;
}

ATTACK("demote_own_text_mapped", "mmu-isolation", "own_text", ATTACK_BLOCKED, attack);
