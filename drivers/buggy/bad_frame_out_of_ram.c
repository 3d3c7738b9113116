/* Attack module bad_frame_out_of_ram (mmu-isolation): declare a frame beyond RAM.
 * The harness reads back target "data_type" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_declare_ptp(pa_init(1ull << 40), 1);
}

ATTACK("bad_frame_out_of_ram", "mmu-isolation", "data_type", ATTACK_BLOCKED, attack);
