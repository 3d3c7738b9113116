/* Attack module nk_function_past_gate (gates): call the nk function behind a gate directly (WP
 * stays set). The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	/* the gate's `call rel32; jmp rel32` (to the shared exit) names the
	 * nk function behind it */
	const uint8_t *p = (const uint8_t *)nk_write_pte;
	int i = 0;
	while (i < 192 && !(p[i] == 0xe8 && p[i + 5] == 0xe9))
		i++;
	if (i == 192)
		return 0;
	int32_t rel;
	memcpy(&rel, p + i + 1, 4);
	long (*impl)(paddr_t, unsigned, pte_t) =
	    (long (*)(paddr_t, unsigned, pte_t))(p + i + 5 + rel);
	return impl(c->l1, c->idx + 1, pte_make(c->data, PTE_P | PTE_NX));
}

ATTACK("nk_function_past_gate", "gates", "free_slot", ATTACK_BLOCKED, attack);
