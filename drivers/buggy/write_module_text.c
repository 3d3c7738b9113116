/* Attack module write_module_text (memory-protection): patch another module's text.
 * The harness reads back target "victim_text" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->victim_text)
		return 0;
	*(volatile uint8_t *)c->victim_text = 0xc3;
	return 0;
}

ATTACK("write_module_text", "memory-protection", "victim_text", ATTACK_BLOCKED, attack);
