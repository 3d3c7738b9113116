/* Attack module msi_forge_bad_index (dma): a buggy driver has the edu
 * device's DMA engine write a forged message-signalled interrupt: a
 * remappable-format MSI (address 0xFEEx_xxxx with the format bit) naming
 * interrupt-remapping entry 200, which nk never handed out, with the
 * harness's forged vector in its data (delivered, should a unit ignore the
 * format). After a control DMA and a control MSI through edu's own entry,
 * both of which must arrive (buggy_irq.h). The harness counts deliveries
 * (target "irq_deliveries") and looks for nk's interrupt fault: requester
 * edu, index 200, reason 0x22 (entry not present). Expected: qemu-limit.
 * QEMU 7.2 refuses the message (it is not delivered; QEMU prints
 * "vtd_irte_get: detected non-present IRTE (index=200 ...)" on its stderr)
 * but records no fault: its VT-d reports no interrupt-remapping faults
 * (added after 7.2), so nk has nothing to log. With a fault logged the
 * harness reports it blocked. */
#include "buggy_irq.h"
#include "buggy.h"

#define FORGED_INDEX 200

static long attack(struct attack_ctx *c)
{
	uint64_t addr;
	uint32_t data;
	nk_msi_remappable(FORGED_INDEX, &addr, &data);
	return birq_attack(c, BIRQ_DMA, addr, c->irq_vector, FORGED_INDEX, IR_FAULT_NOT_PRESENT);
}

ATTACK("msi_forge_bad_index", "dma", "irq_deliveries", ATTACK_QEMU_LIMIT, attack);
