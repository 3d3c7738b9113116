/* Attack module region_store_write_log (write-mediation): plain store into a write-log region.
 * The harness reads back target "wlog" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->wlog_va)
		return 0;
	*(volatile uint64_t *)c->wlog_va = 0x303d646975;
	return 0;
}

ATTACK("region_store_write_log", "write-mediation", "wlog", ATTACK_BLOCKED, attack);
