/* Attack module promote_mapped_writable (mmu-isolation): promote to CODE a frame with a writable
 * alias. The harness reads back target "data_type" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	long r = nk_write_pte(c->l1, c->idx + 2, pte_make(c->data, PTE_P | PTE_W | PTE_NX));
	if (r)
		return r;
	r = nk_promote_code(&c->data, 1);
	nk_write_pte(c->l1, c->idx + 2, 0);
	return r;
}

ATTACK("promote_mapped_writable", "mmu-isolation", "data_type", ATTACK_BLOCKED, attack);
