/* Attack module declare_mapped_writable (mmu-isolation): declare as PTP a frame still mapped
 * writable. The harness reads back target "data_type" (docs/modules.md); expected: blocked. */
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
	r = nk_declare_ptp(c->data, 1 | NK_PTP_KERNEL);
	nk_write_pte(c->l1, c->idx + 2, 0);
	return r;
}

ATTACK("declare_mapped_writable", "mmu-isolation", "data_type", ATTACK_BLOCKED, attack);
