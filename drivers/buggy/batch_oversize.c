/* Attack module batch_oversize (mmu-isolation): a batch of NK_BATCH_MAX+1 updates.
 * The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	static struct nk_pte_write w[NK_BATCH_MAX + 1];
	for (unsigned i = 0; i <= NK_BATCH_MAX; i++)
		w[i] = (struct nk_pte_write){c->l1, c->idx + 1, 0};
	w[0].pte = pte_make(c->l1, PTE_P | PTE_W | PTE_NX);
	return nk_write_ptes(w, NK_BATCH_MAX + 1);
}

ATTACK("batch_oversize", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
