/* Attack module bad_level (mmu-isolation): declare a PTP of level 7.
 * The harness reads back target "data_type" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_declare_ptp(c->data, 7);
}

ATTACK("bad_level", "mmu-isolation", "data_type", ATTACK_BLOCKED, attack);
