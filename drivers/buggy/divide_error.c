/* Attack module divide_error (containment): divide by zero (#DE).
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	volatile int zero = 0;
	// cppcheck-suppress zerodiv ; the attack is this division
	return 100 / zero + (long)(c->exec_counter == 0);
}

ATTACK("divide_error", "containment", "exec_counter", ATTACK_BLOCKED, attack);
