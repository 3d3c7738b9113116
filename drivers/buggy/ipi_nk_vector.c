/* Attack module ipi_nk_vector (apic): a fixed IPI at vector 0xF0, one nk keeps for its TLB
 * shootdown (a fake shootdown request) through nk's IPI gate, to this CPU (CPU index 0). nk sends
 * only fixed-delivery IPIs (include/nk/apic.h). The harness reads back target "apic_ipi" (NMIs and
 * stray vectors taken, nk's ICR writes, the forged vector's count; an INIT or SIPI delivered would
 * reset the CPU and end the run); expected: blocked (NK_ENKVECTOR). */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_apic_ipi(0xf0u, 1);
}

ATTACK("ipi_nk_vector", "apic", "apic_ipi", ATTACK_BLOCKED, attack);
