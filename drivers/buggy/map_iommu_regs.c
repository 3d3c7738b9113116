/* Attack module map_iommu_regs (iommu): map the IOMMU's register page
 * writable into a free slot of a live kernel L1 through the vMMU, to turn
 * remapping off or point the unit at tables of one's own. The page is an
 * nk-owned device page (spec section 4): nk refuses any leaf over it.
 * The harness reads back target "free_slot"; expected: blocked
 * (NK_EDEVICE). */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_write_pte(c->l1, c->idx + 1,
			    pte_make(nk_view->iommu.reg_base, PTE_P | PTE_W | PTE_NX | PTE_PCD));
}

ATTACK("map_iommu_regs", "iommu", "free_slot", ATTACK_BLOCKED, attack);
