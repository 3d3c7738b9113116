/* Attack module load_cr3_non_l4 (mmu-isolation): nk_load_cr3 with an L1 PTP.
 * The harness reads back target "cr0" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_load_cr3(c->l1);
}

ATTACK("load_cr3_non_l4", "mmu-isolation", "cr0", ATTACK_BLOCKED, attack);
