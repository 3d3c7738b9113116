/* Attack module wrmsr_apic_base_move (apic): move the local APIC's
 * register page (IA32_APIC_BASE bits 12 and up) to an address the outer
 * kernel can map, escaping nk's ownership of the page. nk pins the MSR
 * (nk/cpufeat.c). The harness reads back target "msrs" (APIC_BASE among
 * them); expected: blocked (NK_EMSR). */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) + 0x100000);
}

ATTACK("wrmsr_apic_base_move", "apic", "msrs", ATTACK_BLOCKED, attack);
