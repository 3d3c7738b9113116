/* Attack module ipi_init (apic): an INIT IPI (ICR delivery mode 101b), which would restart the CPU
 * at the reset vector through nk's IPI gate, to this CPU (CPU index 0). nk sends only
 * fixed-delivery IPIs (include/nk/apic.h). The harness reads back target "apic_ipi" (NMIs and stray
 * vectors taken, nk's ICR writes, the forged vector's count; an INIT or SIPI delivered would reset
 * the CPU and end the run); expected: blocked (NK_EDELIVERY). */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	return nk_apic_ipi(0x500u, 1);
}

ATTACK("ipi_init", "apic", "apic_ipi", ATTACK_BLOCKED, attack);
