/* Attack module exec_heap (memory-protection): execute code written into a kmalloc block.
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	uint8_t *code = kmalloc(64);
	static const uint8_t inc_rdi_ret[] = {0xff, 0x07, 0xc3};
	memcpy(code, inc_rdi_ret, sizeof(inc_rdi_ret));
	((void (*)(volatile uint32_t *))(void *)code)(c->exec_counter);
	kfree(code);
	return 0;
}

ATTACK("exec_heap", "memory-protection", "exec_counter", ATTACK_BLOCKED, attack);
