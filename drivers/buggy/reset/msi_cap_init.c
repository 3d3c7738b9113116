/* Attack module msi_cap_init (dma), not in the default suite: a buggy
 * driver programs the edu device's MSI capability with a
 * compatibility-format message that asks for INIT (address 0xFEE00000:
 * APIC 0; data: delivery mode 101b) and has edu raise its interrupt, after
 * a control DMA and a control MSI through edu's own entry
 * (../buggy_irq.h). VT-d must block it (fault reason 0x25). QEMU 7.2's
 * VT-d passes it through and the INIT resets the CPU, then the machine:
 * QEMU started with -no-reboot exits (status 0) right after the module is
 * loaded, with no row printed. Run it alone with
 *   make NK=1 iso EXTRA_ATTACKS=drivers/buggy/reset
 * and boot with run=attack:msi_cap_init exit=1. Expected: qemu-limit. */
#include "../buggy_irq.h"
#include "../buggy.h"

static long attack(struct attack_ctx *c)
{
	return birq_attack(c, BIRQ_CAP, MSI_ADDR_APIC0, MSI_DM_INIT, -1, IR_FAULT_COMPAT);
}

ATTACK("msi_cap_init", "dma", "irq_deliveries", ATTACK_QEMU_LIMIT, attack);
