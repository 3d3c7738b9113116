/* Attack module msi_forge_init (dma), not in the default suite: a buggy
 * driver has the edu device's DMA engine write a forged
 * compatibility-format MSI that asks for INIT (address 0xFEE00000: APIC 0;
 * data: delivery mode 101b), after a control DMA and a control MSI through
 * edu's own entry (../buggy_irq.h). VT-d must block it (compatibility
 * format with IRE set and CFIS clear: fault reason 0x25). QEMU 7.2's VT-d
 * passes it through (no CFIS check) and the INIT resets the CPU: it
 * restarts at the reset vector, the firmware asks for a machine reset, and
 * QEMU started with -no-reboot exits (status 0) right after the module is
 * loaded, so no row is printed and no later attack runs. Hence it lives
 * here, outside the suite's drivers/buggy/ files: run it alone with
 *   make NK=1 iso EXTRA_ATTACKS=drivers/buggy/reset
 * and boot with run=attack:msi_forge_init exit=1 (QEMU's "-d cpu_reset"
 * shows the two resets). Expected: qemu-limit (on hardware that checks
 * CFIS: blocked, with the fault logged). */
#include "../buggy_irq.h"
#include "../buggy.h"

static long attack(struct attack_ctx *c)
{
	return birq_attack(c, BIRQ_DMA, MSI_ADDR_APIC0, MSI_DM_INIT, -1, IR_FAULT_COMPAT);
}

ATTACK("msi_forge_init", "dma", "irq_deliveries", ATTACK_QEMU_LIMIT, attack);
