/* Attack module write_kernel_text (memory-protection): patch kernel text (kprintf) with a ret.
 * The harness reads back target "kernel_text" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	*(volatile uint8_t *)(uintptr_t)kprintf = 0xc3;
	return 0;
}

ATTACK("write_kernel_text", "memory-protection", "kernel_text", ATTACK_BLOCKED, attack);
