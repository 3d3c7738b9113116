/* Attack module null_write (memory-protection): store through NULL.
 * The harness reads back target "rodata" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	// cppcheck-suppress nullPointer ; the attack is this store
	*(volatile uint64_t *)(uintptr_t)0 = 1;
	return 0;
}

ATTACK("null_write", "memory-protection", "rodata", ATTACK_BLOCKED, attack);
