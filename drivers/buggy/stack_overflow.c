/* Attack module stack_overflow (containment): unbounded recursion overflows the module stack into
 * its guard page. The harness reads back target "exec_counter" (docs/modules.md); expected:
 * blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long recurse(struct attack_ctx *c, long depth)
{
	volatile uint8_t pad[256];
	pad[0] = (uint8_t)depth;
	if (c->exec_counter == NULL)
		return pad[0];
	return recurse(c, depth + 1) + pad[0];
}

static long attack(struct attack_ctx *c)
{
	return recurse(c, 0);
}

ATTACK("stack_overflow", "containment", "exec_counter", ATTACK_BLOCKED, attack);
