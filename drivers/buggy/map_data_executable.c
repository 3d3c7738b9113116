/* Attack module map_data_executable (mmu-isolation): map a DATA frame supervisor-executable.
 * The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_write_pte(c->l1, c->idx + 1, pte_make(c->data, PTE_P));
}

ATTACK("map_data_executable", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
