/* Attack module syscall_table_via_nk (write-mediation): ask nk to rewrite
 * the exit entry of the real syscall table, a write-once region that init
 * sealed. The harness reads back target "syscall_table" (docs/modules.md);
 * expected: blocked (nk refuses the write). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	uint64_t evil = (uint64_t)kprintf;
	return nk_write(c->syscall_table_id, (uint8_t *)c->syscall_table + 8 * 60, &evil,
			sizeof(evil));
}

ATTACK("syscall_table_via_nk", "write-mediation", "syscall_table", ATTACK_BLOCKED, attack);
