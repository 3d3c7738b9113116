/* Attack module bad_frame_misaligned (mmu-isolation): declare a misaligned frame.
 * The harness reads back target "data_type" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_declare_ptp(pa_init(pa_addr(c->data) + 8), 1 | NK_PTP_KERNEL);
}

ATTACK("bad_frame_misaligned", "mmu-isolation", "data_type", ATTACK_BLOCKED, attack);
