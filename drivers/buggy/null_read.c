/* Attack module null_read (memory-protection): load through NULL.
 * The harness reads back target "rodata" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	// cppcheck-suppress nullPointer ; the attack is this load
	volatile uintptr_t null_page = 8;
	return (long)*(volatile uint64_t *)null_page;
}

ATTACK("null_read", "memory-protection", "rodata", ATTACK_BLOCKED, attack);
