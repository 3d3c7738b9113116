/* Attack module audit_record_rewrite (write-mediation): erase the real
 * audit log's first record with plain stores (its syscall number and kind:
 * the 32-bit fields at bytes 20 and 24 of struct audit_rec). The
 * harness reads back target "audit_record" (docs/modules.md); expected:
 * blocked (the append-only region is read-only outside nk). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->audit_rec)
		return 0;
	((volatile uint32_t *)c->audit_rec)[5] = 0; /* nr */
	((volatile uint32_t *)c->audit_rec)[6] = 0; /* kind */
	return 0;
}

ATTACK("audit_record_rewrite", "write-mediation", "audit_record", ATTACK_BLOCKED, attack);
