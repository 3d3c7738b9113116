/* Attack module data_frame_as_ptp (mmu-isolation): a non-leaf L4 entry to an undeclared DATA frame.
 * The harness reads back target "data_type" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_write_pte(c->l4, 5, pte_make(c->data, PTE_P | PTE_W | PTE_U));
}

ATTACK("data_frame_as_ptp", "mmu-isolation", "data_type", ATTACK_BLOCKED, attack);
