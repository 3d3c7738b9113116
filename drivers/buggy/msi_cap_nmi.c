/* Attack module msi_cap_nmi (dma): a buggy driver programs the edu
 * device's MSI capability with a compatibility-format message that asks
 * for an NMI (address 0xFEE00000: APIC 0, physical; data: delivery mode
 * 100b) and has edu raise its interrupt. With interrupt remapping on and
 * compatibility format not allowed (CFIS clear), VT-d must block it and
 * record fault reason 0x25. After a control DMA and a control MSI through
 * edu's own entry, both of which must arrive (buggy_irq.h); edu's MSI
 * capability is restored after. The harness counts deliveries (target
 * "irq_deliveries": the NMI count of outer_trap) and looks for nk's
 * interrupt fault, reason 0x25. Expected: qemu-limit. QEMU 7.2's VT-d
 * passes compatibility-format messages through (no CFIS check): the NMI
 * is delivered, and the row says so. */
#include "buggy_irq.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return birq_attack(c, BIRQ_CAP, MSI_ADDR_APIC0, MSI_DM_NMI, -1, IR_FAULT_COMPAT);
}

ATTACK("msi_cap_nmi", "dma", "irq_deliveries", ATTACK_QEMU_LIMIT, attack);
