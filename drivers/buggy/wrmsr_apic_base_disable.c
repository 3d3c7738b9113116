/* Attack module wrmsr_apic_base_disable (apic): clear IA32_APIC_BASE's
 * global enable (bit 11), which switches the local APIC off (and can only
 * be undone by a reset), or set x2APIC mode (bit 10), whose registers are
 * MSRs. nk pins the MSR (nk/cpufeat.c). The harness reads back target
 * "msrs"; expected: blocked (NK_EMSR). */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	long r = nk_wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) & ~(1ull << 11));
	long r2 = nk_wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1ull << 10));
	return r < 0 && r2 < 0 ? r : 0;
}

ATTACK("wrmsr_apic_base_disable", "apic", "msrs", ATTACK_BLOCKED, attack);
