/* Attack module level_confusion (mmu-isolation): an L4 entry pointing at an L1 PTP.
 * The harness reads back target "data_type" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	pte_t *l4 = pa_to_dm(c->l4);
	pte_t *l3 = pa_to_dm(pte_frame(l4[0], 4));
	pte_t *l2 = pa_to_dm(pte_frame(l3[0], 3));
	paddr_t l1 = pte_frame(l2[pt_index(0x400000, 2)], 2);
	return nk_write_pte(c->l4, 6, pte_make(l1, PTE_P | PTE_W | PTE_U));
}

ATTACK("level_confusion", "mmu-isolation", "data_type", ATTACK_BLOCKED, attack);
