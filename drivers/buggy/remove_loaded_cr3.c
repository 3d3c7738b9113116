/* Attack module remove_loaded_cr3 (mmu-isolation): remove the loaded L4 (CR3).
 * The harness reads back target "cr0" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_remove_ptp(nk_view->master_l4);
}

ATTACK("remove_loaded_cr3", "mmu-isolation", "cr0", ATTACK_BLOCKED, attack);
