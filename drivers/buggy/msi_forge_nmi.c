/* Attack module msi_forge_nmi (dma): a buggy driver has the edu device's
 * DMA engine write a forged compatibility-format MSI that asks for an NMI:
 * address 0xFEE00000 (APIC 0, physical), data delivery mode 100b. With
 * interrupt remapping on (IRE) and compatibility format not allowed (CFIS
 * clear, as nk sets the unit up), VT-d must block it (5.1.2.1) and record
 * fault reason 0x25. After a control DMA and a control MSI through edu's
 * own entry, both of which must arrive (buggy_irq.h). The harness counts
 * deliveries (target "irq_deliveries": the NMI count of outer_trap) and
 * looks for nk's interrupt fault, reason 0x25. Expected: qemu-limit. QEMU
 * 7.2's VT-d passes compatibility-format messages through whatever CFIS
 * says (it has no such check): the NMI is delivered ("trap: NMI at RIP
 * ..."), and the row says so. */
#include "buggy_irq.h"
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	return birq_attack(c, BIRQ_DMA, MSI_ADDR_APIC0, MSI_DM_NMI, -1, IR_FAULT_COMPAT);
}

ATTACK("msi_forge_nmi", "dma", "irq_deliveries", ATTACK_QEMU_LIMIT, attack);
