/* Attack module remove_referenced_ptp (mmu-isolation): remove a PTP still referenced.
 * The harness reads back target "frame_desc" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_remove_ptp(c->l1);
}

ATTACK("remove_referenced_ptp", "mmu-isolation", "frame_desc", ATTACK_BLOCKED, attack);
