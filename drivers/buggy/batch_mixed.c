/* Attack module batch_mixed (mmu-isolation): a batch with two valid updates and one that maps a PTP
 * writable. The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	struct nk_pte_write w[3] = {
	    {c->l1, c->idx + 1, pte_make(c->data, PTE_P | PTE_W | PTE_NX)},
	    {c->l1, c->idx + 3, pte_make(c->data, PTE_P | PTE_NX)},
	    {c->l1, c->idx + 4, pte_make(c->l1, PTE_P | PTE_W | PTE_NX)},
	};
	return nk_write_ptes(w, 3);
}

ATTACK("batch_mixed", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
