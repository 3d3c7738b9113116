/* Attack module write_kept_frame (mmu-isolation): the outer kernel's PTP
 * pool keeps removed PTPs read-only in the direct map (NK_RM_KEEP,
 * include/nk/vmmu.h), so that nk declares them again without a TLB
 * shootdown. A buggy driver that holds such a frame stores into it through
 * its direct-map alias, which would let it write the next PTP before nk
 * looks at it. Blocked by the alias nk kept read-only (CR0.WP). The
 * harness reads back target "retyped" (the spare frame's first bytes,
 * zeroed) and gives the frame back writable (arena_teardown); expected:
 * blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	long r = nk_declare_ptp(c->data, 1);
	if (r)
		return r;
	struct nk_op keep = {.kind = NK_OP_REMOVE_PTP, .a = pa_addr(c->data), .c = NK_RM_KEEP};
	r = nk_multicall(&keep, 1);
	if (r)
		return r;
	*(volatile uint64_t *)pa_to_dm(c->data) = 0xbad; /* a DATA frame, kept read-only */
	return 0;
}

ATTACK("write_kept_frame", "mmu-isolation", "retyped", ATTACK_BLOCKED, attack);
