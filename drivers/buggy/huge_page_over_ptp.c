/* Attack module huge_page_over_ptp (mmu-isolation): a 2 MiB user mapping over a PTP.
 * The harness reads back target "frame_desc" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	pte_t *l4 = pa_to_dm(c->l4);
	paddr_t l3 = pte_frame(l4[0], 4);
	paddr_t l2 = pte_frame(((pte_t *)pa_to_dm(l3))[0], 3);
	paddr_t base = pa_init(align_down(pa_addr(c->l1), HUGE_2M_SIZE));
	return nk_write_pte(l2, 100, pte_make(base, PTE_P | PTE_W | PTE_U | PTE_NX | PTE_PS));
}

ATTACK("huge_page_over_ptp", "mmu-isolation", "frame_desc", ATTACK_BLOCKED, attack);
