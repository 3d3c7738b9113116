/* Attack module append_only_oversized (write-mediation): force an
 * append-only wrap with one oversized record. The stand-in log (one page)
 * holds 128 bytes of records; a 4000-byte record at offset 0 does not fit
 * in the space left, which alone once made it the wrap: it would have
 * replaced every record at once. nk refuses it with NK_ERECORD (a record
 * is at most 1/16 of the log). The harness reads back target "log_record"
 * (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static uint8_t forged[4000];

static long attack(struct attack_ctx *c)
{
	if (!c->log_va)
		return 0;
	memset(forged, 'F', sizeof(forged));
	const struct nk_region *r = &nk_view->regions[c->log_id];
	long e = nk_write(c->log_id, c->log_va, forged, sizeof(forged));
	if (e < 0)
		ksnprintf(c->note, c->note_cap,
			  "nk refusal %s: a %lu-byte record is over 1/16 of the %lu-byte log; no "
			  "wrap (epoch %lu)",
			  nk_strerror(e), (unsigned long)sizeof(forged), r->size, r->epoch);
	return e;
}

ATTACK("append_only_oversized", "write-mediation", "log_record", ATTACK_BLOCKED, attack);
