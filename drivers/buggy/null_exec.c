/* Attack module null_exec (memory-protection): call NULL.
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	((void (*)(void))(uintptr_t)0)();
	return 0;
}

ATTACK("null_exec", "memory-protection", "exec_counter", ATTACK_BLOCKED, attack);
