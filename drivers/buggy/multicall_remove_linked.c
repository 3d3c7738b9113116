/* Attack module multicall_remove_linked (mmu-isolation): a multicall that writes a free slot
 * of the arena L1, then removes that L1 while its parent entry still refers to it
 * (NK_EINUSE at op 1: the write does not unlink it). The harness reads back target
 * "frame_desc" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	struct nk_op ops[] = {
	    {.kind = NK_OP_WRITE_PTE, .a = pa_addr(c->l1), .arg = c->idx + 1, .b = 0},
	    {.kind = NK_OP_REMOVE_PTP, .a = pa_addr(c->l1)},
	};
	return nk_multicall(ops, 2);
}

ATTACK("multicall_remove_linked", "mmu-isolation", "frame_desc", ATTACK_BLOCKED, attack);
