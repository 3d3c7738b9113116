/* Attack module exec_stack (memory-protection): execute code written on the stack.
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	uint8_t code[16] = {0xff, 0x07, 0xc3};
	__asm__ volatile("" ::"r"(code) : "memory");
	((void (*)(volatile uint32_t *))(void *)code)(c->exec_counter);
	return 0;
}

ATTACK("exec_stack", "memory-protection", "exec_counter", ATTACK_BLOCKED, attack);
