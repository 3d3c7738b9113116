/* Attack module invalid_opcode (containment): ud2 (#UD).
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	__asm__ volatile("ud2");
	return 0;
}

ATTACK("invalid_opcode", "containment", "exec_counter", ATTACK_BLOCKED, attack);
