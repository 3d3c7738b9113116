/* Attack module region_store_table (write-mediation): plain store into a write-once table.
 * The harness reads back target "table_entry" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->table_va)
		return 0;
	*(volatile uint64_t *)&c->table_va[3] = 0xbad;
	return 0;
}

ATTACK("region_store_table", "write-mediation", "table_entry", ATTACK_BLOCKED, attack);
