/* Attack module map_ioapic (apic): map IOAPIC 0's register page writable
 * into a free slot of a live kernel L1, to program a redirection entry
 * with NMI, INIT, SMI or ExtINT delivery behind nk's back. The page is an
 * nk-owned device page (include/nk/apic.h): nk refuses any leaf over it.
 * The harness reads back target "free_slot"; expected: blocked
 * (NK_EDEVICE). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!nk_view->apic.nioapic)
		return -ENODEV;
	uint64_t page = pa_addr(nk_view->apic.ioapic[0].addr) & ~(uint64_t)(PAGE_SIZE - 1);
	return nk_write_pte(c->l1, c->idx + 1,
			    pte_make(pa_init(page), PTE_P | PTE_W | PTE_NX | PTE_PCD));
}

ATTACK("map_ioapic", "apic", "free_slot", ATTACK_BLOCKED, attack);
