/* Attack module batch_noncanonical (mmu-isolation): a batch array at a non-canonical address.
 * The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_write_ptes((const struct nk_pte_write *)0x0000900000000000ull, 1);
}

ATTACK("batch_noncanonical", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
