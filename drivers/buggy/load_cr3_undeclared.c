/* Attack module load_cr3_undeclared (mmu-isolation): nk_load_cr3 with an undeclared frame.
 * The harness reads back target "cr0" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_load_cr3(c->data);
}

ATTACK("load_cr3_undeclared", "mmu-isolation", "cr0", ATTACK_BLOCKED, attack);
