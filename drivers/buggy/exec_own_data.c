/* Attack module exec_own_data (memory-protection): execute its own .data (module area, RW+NX).
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	static uint8_t code[16] = {0xff, 0x07, 0xc3};
	((void (*)(volatile uint32_t *))(void *)code)(c->exec_counter);
	return 0;
}

ATTACK("exec_own_data", "memory-protection", "exec_counter", ATTACK_BLOCKED, attack);
