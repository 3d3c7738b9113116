/* Attack module cr0_clear_wp (mmu-isolation): clear CR0.WP through the vMMU.
 * The harness reads back target "cr0" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_load_cr0(read_cr0() & ~CR0_WP);
}

ATTACK("cr0_clear_wp", "mmu-isolation", "cr0", ATTACK_BLOCKED, attack);
