/* Attack module pte_map_ptp_writable (mmu-isolation): nk_write_pte mapping a PTP writable.
 * The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_write_pte(c->l1, c->idx + 1, pte_make(c->l1, PTE_P | PTE_W | PTE_NX));
}

ATTACK("pte_map_ptp_writable", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
