/* Attack module frame_table_store (mmu-isolation): retype a PTP by storing into nk's frame table.
 * The harness reads back target "frame_desc" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	volatile struct nk_frame *f = (struct nk_frame *)&nk_view->frames[pa_pfn(c->l1)];
	f->type = NK_F_DATA;
	return 0;
}

ATTACK("frame_table_store", "mmu-isolation", "frame_desc", ATTACK_BLOCKED, attack);
