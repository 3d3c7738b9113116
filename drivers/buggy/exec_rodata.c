/* Attack module exec_rodata (memory-protection): execute kernel .rodata.
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	((void (*)(volatile uint32_t *))(uintptr_t)c->ro_value)(c->exec_counter);
	return 0;
}

ATTACK("exec_rodata", "memory-protection", "exec_counter", ATTACK_BLOCKED, attack);
