/* Attack module batch_null (mmu-isolation): a NULL batch.
 * The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_write_ptes(NULL, 1);
}

ATTACK("batch_null", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
