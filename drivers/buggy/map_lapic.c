/* Attack module map_lapic (apic): map the local APIC's register page
 * writable into a free slot of a live kernel L1 through the vMMU, to send
 * INIT, SIPI or NMI IPIs through the ICR, move the spurious vector or
 * mask LINT0 behind nk's back. The page is an nk-owned device page
 * (include/nk/apic.h, spec section 4): nk refuses any leaf over it. The
 * harness reads back target "free_slot"; expected: blocked (NK_EDEVICE). */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_write_pte(c->l1, c->idx + 1,
			    pte_make(nk_view->apic.lapic_base, PTE_P | PTE_W | PTE_NX | PTE_PCD));
}

ATTACK("map_lapic", "apic", "free_slot", ATTACK_BLOCKED, attack);
