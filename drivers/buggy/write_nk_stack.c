/* Attack module write_nk_stack (mmu-isolation): store into nk's gate stack.
 * The harness reads back target "nk_stack" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	*(volatile uint64_t *)c->nk_stack = 0xbad;
	return 0;
}

ATTACK("write_nk_stack", "mmu-isolation", "nk_stack", ATTACK_BLOCKED, attack);
