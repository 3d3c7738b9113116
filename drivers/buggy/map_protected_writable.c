/* Attack module map_protected_writable (mmu-isolation): map a PROTECTED (rodata) frame writable.
 * The harness reads back target "free_slot" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	paddr_t f = pa_init(align_down(pa_addr(kimg_to_pa(va_of(c->ro_value))), PAGE_SIZE));
	return nk_write_pte(c->l1, c->idx + 1, pte_make(f, PTE_P | PTE_W | PTE_NX));
}

ATTACK("map_protected_writable", "mmu-isolation", "free_slot", ATTACK_BLOCKED, attack);
