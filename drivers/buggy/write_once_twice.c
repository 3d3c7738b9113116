/* Attack module write_once_twice (write-mediation): write a write-once entry a second time.
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
	uint64_t evil = 0xbad;
	return nk_write(c->table_id, c->table_va + 3, &evil, sizeof(evil));
}

ATTACK("write_once_twice", "write-mediation", "table_entry", ATTACK_BLOCKED, attack);
