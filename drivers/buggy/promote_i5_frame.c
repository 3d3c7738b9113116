/* Attack module promote_i5_frame (mmu-isolation): promote a frame holding WRMSR through the gate
 * itself. The harness reads back target "data_type" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	static const uint8_t wrmsr[] = {0x0f, 0x30, 0xc3};
	memcpy(pa_to_dm(c->data), wrmsr, sizeof(wrmsr));
	long r = nk_promote_code(&c->data, 1);
	memset(pa_to_dm(c->data), 0, sizeof(wrmsr));
	return r;
}

ATTACK("promote_i5_frame", "mmu-isolation", "data_type", ATTACK_BLOCKED, attack);
