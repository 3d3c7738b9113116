/* Attack module ipi_nmi (apic): an NMI IPI (delivery mode 100b), which nk's NMI path would have to
 * take through nk's IPI gate, to this CPU (CPU index 0). nk sends only fixed-delivery IPIs
 * (include/nk/apic.h). The harness reads back target "apic_ipi" (NMIs and stray vectors taken, nk's
 * ICR writes, the forged vector's count; an INIT or SIPI delivered would reset the CPU and end the
 * run); expected: blocked (NK_EDELIVERY). */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return nk_apic_ipi(0x400u | c->irq_vector, 1);
}

ATTACK("ipi_nmi", "apic", "apic_ipi", ATTACK_BLOCKED, attack);
