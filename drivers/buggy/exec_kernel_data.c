/* Attack module exec_kernel_data (memory-protection): execute kernel data (the ro_after_init
 * section). The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	static uint8_t *page;
	(void)page;
	((void (*)(volatile uint32_t *))(uintptr_t)c->roai)(c->exec_counter);
	return 0;
}

ATTACK("exec_kernel_data", "memory-protection", "exec_counter", ATTACK_BLOCKED, attack);
