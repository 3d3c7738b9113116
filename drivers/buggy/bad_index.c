/* Attack module bad_index (mmu-isolation): nk_write_pte with index 512.
 * The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_write_pte(c->l1, 512, pte_make(c->l1, PTE_P | PTE_W | PTE_NX));
}

ATTACK("bad_index", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
