/* Attack module multicall_mixed (mmu-isolation): a multicall with two valid PTE writes, a
 * valid declare of the spare frame as an L1 and a write that maps that new PTP writable in
 * the same list (decoded against the earlier declare: NK_EPROT at op 3). The harness reads
 * back target "free_slot" (docs/modules.md); expected: blocked (nothing of the list
 * applied). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	struct nk_op ops[] = {
	    {.kind = NK_OP_WRITE_PTE,
	     .a = pa_addr(c->l1),
	     .arg = c->idx + 2,
	     .b = pte_make(c->data, PTE_P | PTE_NX)},
	    {.kind = NK_OP_WRITE_PTE, .a = pa_addr(c->l1), .arg = c->idx + 3, .b = 0},
	    {.kind = NK_OP_DECLARE_PTP, .a = pa_addr(c->data), .arg = 1 | NK_PTP_KERNEL},
	    {.kind = NK_OP_WRITE_PTE,
	     .a = pa_addr(c->l1),
	     .arg = c->idx + 1,
	     .b = pte_make(c->data, PTE_P | PTE_W | PTE_NX)},
	};
	return nk_multicall(ops, sizeof(ops) / sizeof(ops[0]));
}

ATTACK("multicall_mixed", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
