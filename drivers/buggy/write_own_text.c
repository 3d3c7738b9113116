/* Attack module write_own_text (memory-protection): patch its own text after load.
 * The harness reads back target "own_text" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	*(volatile uint8_t *)c->own_text = 0xc3;
	return 0;
}

ATTACK("write_own_text", "memory-protection", "own_text", ATTACK_BLOCKED, attack);
