/* Attack module append_only_rewrite (write-mediation): rewrite an append-only record.
 * The harness reads back target "log_record" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->log_va)
		return 0;
	static const char forged[32] = "rec0: pid 1 nr 0 (forged)";
	return nk_write(c->log_id, c->log_va, forged, sizeof(forged));
}

ATTACK("append_only_rewrite", "write-mediation", "log_record", ATTACK_BLOCKED, attack);
