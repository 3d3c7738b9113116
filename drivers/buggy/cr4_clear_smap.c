/* Attack module cr4_clear_smap (mmu-isolation): clear CR4.SMAP through the vMMU.
 * The harness reads back target "cr4" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_load_cr4(read_cr4() & ~CR4_SMAP);
}

ATTACK("cr4_clear_smap", "mmu-isolation", "cr4", ATTACK_BLOCKED, attack);
