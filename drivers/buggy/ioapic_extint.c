/* Attack module ioapic_extint (apic): program IOAPIC 0's last redirection entry,
 * unmasked, with ExtINT delivery (111b), which would take its vector from the 8259A through nk's
 * IOAPIC gate. nk takes fixed and lowest-priority deliveries only (include/nk/apic.h;
 * 82093AA 3.2.4). The harness reads back target "ioapic_rte" (the entry read from the IOAPIC and
 * nk's write count); expected: blocked (NK_EDELIVERY). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	const struct nk_apic_view *v = &nk_view->apic;
	if (!v->nioapic)
		return -ENODEV;
	uint64_t e = (7ull << 8) | c->irq_vector | (uint64_t)v->cpu_apic_id[0] << NK_RTE_DEST_SHIFT;
	return nk_ioapic_write(0, v->ioapic[0].pins - 1u, e);
}

ATTACK("ioapic_extint", "apic", "ioapic_rte", ATTACK_BLOCKED, attack);
