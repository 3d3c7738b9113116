/* Attack module efer_clear_nxe (mmu-isolation): clear EFER.NXE through nk_wrmsr.
 * The harness reads back target "efer" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_NXE);
}

ATTACK("efer_clear_nxe", "mmu-isolation", "efer", ATTACK_BLOCKED, attack);
