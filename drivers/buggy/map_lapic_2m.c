/* Attack module map_lapic_2m (apic): map the local APIC's register page
 * with a 2 MiB leaf (0xfee00000-0xff000000 on q35) in the arena L4's L2,
 * where no 4 KiB check would look. nk checks every leaf of any size
 * against its device pages (spec section 4). The harness reads back
 * target "user_l2_slot"; expected: blocked (NK_EDEVICE). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	struct mm_walk w;
	mm_walk(c->l4, 0x400000, &w);
	if (w.level != 1)
		return -ENOENT;
	uint64_t big = pa_addr(nk_view->apic.lapic_base) & ~(HUGE_2M_SIZE - 1);
	return nk_write_pte(w.path[2], 3,
			    pte_make(pa_init(big), PTE_P | PTE_W | PTE_U | PTE_NX | PTE_PS));
}

ATTACK("map_lapic_2m", "apic", "user_l2_slot", ATTACK_BLOCKED, attack);
