/* Attack module general_protection (containment): a non-canonical store (#GP).
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	*(volatile uint64_t *)0x8000000000000000ull = 1;
	return 0;
}

ATTACK("general_protection", "containment", "exec_counter", ATTACK_BLOCKED, attack);
