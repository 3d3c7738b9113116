/* Attack module l4_kernel_half (mmu-isolation): change the kernel half of an L4.
 * The harness reads back target "l4_half" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_write_pte(c->l4, 300, pte_make(c->data, PTE_P | PTE_W | PTE_NX));
}

ATTACK("l4_kernel_half", "mmu-isolation", "l4_half", ATTACK_BLOCKED, attack);
