/* Attack module region_overlap_declare (write-mediation): declare a permissive region over a
 * write-once table. The harness reads back target "table_entry" (docs/modules.md); expected:
 * blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->table_va)
		return 0;
	long id = nk_region_declare(c->table_va, PAGE_SIZE, NK_POLICY_WRITE_LOG);
	if (id < 0)
		return id;
	uint64_t evil = 0xbad;
	return nk_write(id, c->table_va + 3, &evil, sizeof(evil));
}

ATTACK("region_overlap_declare", "write-mediation", "table_entry", ATTACK_BLOCKED, attack);
