/* Attack module multicall_log_rewrite (write-mediation): a multicall that appends one
 * record to the append-only stand-in log, then writes a forged record over record 0: the
 * second rewrites the used prefix (NK_EREWRITE at op 1), and neither is performed. The harness
 * reads back target "log_record" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->log_va)
		return 0;
	static const char rec[32] = "a record", forged[32] = "rec0: pid 1 nr 0 (forged)";
	uint8_t *end = c->log_va + nk_view->regions[c->log_id].used;
	struct nk_op ops[] = {
	    {.kind = NK_OP_WRITE,
	     .a = (uint64_t)c->log_id,
	     .b = (uint64_t)end,
	     .c = (uint64_t)rec,
	     .arg = sizeof(rec)},
	    {.kind = NK_OP_WRITE,
	     .a = (uint64_t)c->log_id,
	     .b = (uint64_t)c->log_va,
	     .c = (uint64_t)forged,
	     .arg = sizeof(forged)},
	};
	return nk_multicall(ops, 2);
}

ATTACK("multicall_log_rewrite", "write-mediation", "log_record", ATTACK_BLOCKED, attack);
