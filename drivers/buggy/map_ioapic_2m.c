/* Attack module map_ioapic_2m (apic): map IOAPIC 0's register page with a
 * 2 MiB leaf in the arena L4's L2 (on q35 0xfec00000-0xfee00000, which
 * also holds the IOMMU's registers: either device page refuses it). The
 * harness reads back target "user_l2_slot"; expected: blocked
 * (NK_EDEVICE). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	struct mm_walk w;
	if (!nk_view->apic.nioapic)
		return -ENODEV;
	mm_walk(c->l4, 0x400000, &w);
	if (w.level != 1)
		return -ENOENT;
	uint64_t big = pa_addr(nk_view->apic.ioapic[0].addr) & ~(HUGE_2M_SIZE - 1);
	return nk_write_pte(w.path[2], 3,
			    pte_make(pa_init(big), PTE_P | PTE_W | PTE_U | PTE_NX | PTE_PS));
}

ATTACK("map_ioapic_2m", "apic", "user_l2_slot", ATTACK_BLOCKED, attack);
