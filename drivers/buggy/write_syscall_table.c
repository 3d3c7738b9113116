/* Attack module write_syscall_table (gates): replace the exit entry of the syscall table.
 * The harness reads back target "syscall_table" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	*(volatile uint64_t *)((uint8_t *)c->syscall_table + 8 * 60) = (uint64_t)kprintf;
	return 0;
}

ATTACK("write_syscall_table", "gates", "syscall_table", ATTACK_BLOCKED, attack);
