/* Attack module msi_cap_bad_index (dma): a buggy driver programs the edu
 * device's MSI capability with a remappable-format message naming
 * interrupt-remapping entry 200, which nk never handed out, and has edu
 * raise its interrupt (EDU_IRQ_RAISE): the device itself sends the forged
 * MSI, with its own requester ID. After a control DMA and a control MSI
 * through edu's own entry, both of which must arrive (buggy_irq.h); edu's
 * MSI capability is restored after. The harness counts deliveries (target
 * "irq_deliveries") and looks for nk's interrupt fault: requester edu,
 * index 200, reason 0x22 (entry not present). Expected: qemu-limit. QEMU
 * 7.2 refuses the message (not delivered; "vtd_irte_get: detected
 * non-present IRTE" on its stderr) but records no fault (its VT-d reports
 * no interrupt-remapping faults), so nk has nothing to log. With a fault
 * logged the harness reports it blocked. */
#include "buggy_irq.h"
#include "buggy.h"

#define FORGED_INDEX 200

static long attack(struct attack_ctx *c)
{
	uint64_t addr;
	uint32_t data;
	nk_msi_remappable(FORGED_INDEX, &addr, &data);
	return birq_attack(c, BIRQ_CAP, addr, data, FORGED_INDEX, IR_FAULT_NOT_PRESENT);
}

ATTACK("msi_cap_bad_index", "dma", "irq_deliveries", ATTACK_QEMU_LIMIT, attack);
