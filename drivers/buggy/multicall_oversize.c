/* Attack module multicall_oversize (mmu-isolation): a multicall of NK_MC_MAX + 1
 * operations, the first mapping the arena L1 writable. The harness reads back target
 * "free_slot" (docs/modules.md); expected: blocked (NK_EBATCH). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	static struct nk_op ops[NK_MC_MAX + 1];
	for (unsigned i = 0; i <= NK_MC_MAX; i++)
		ops[i] = (struct nk_op){
		    .kind = NK_OP_WRITE_PTE, .a = pa_addr(c->l1), .arg = c->idx + 1, .b = 0};
	ops[0].b = pte_make(c->l1, PTE_P | PTE_W | PTE_NX);
	return nk_multicall(ops, NK_MC_MAX + 1);
}

ATTACK("multicall_oversize", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
