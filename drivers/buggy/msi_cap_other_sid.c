/* Attack module msi_cap_other_sid (dma): a buggy driver asks nk for an
 * interrupt-remapping entry for another requester (nk_irq_remap for
 * 00:01.0, source ID 0x0008, delivering the harness's forged vector),
 * programs the edu device's MSI capability with the remappable-format
 * message naming that entry and has edu raise its interrupt: the device
 * sends a valid entry's message, but the entry is not its own. Source
 * validation (the entry's SVT=01, SID 0x0008) must refuse it: edu is
 * 00:03.0. After a control DMA and a control MSI through edu's own entry,
 * both of which must arrive (buggy_irq.h); edu's MSI capability is
 * restored after. The harness counts deliveries (target "irq_deliveries")
 * and looks for nk's interrupt fault: requester edu, the entry's index,
 * reason 0x26. Expected: qemu-limit. QEMU 7.2 refuses it (not delivered;
 * "vtd_irte_get: invalid IRTE SID (index=..., sid=24, source_id=8)" on its
 * stderr) but records no fault (its VT-d reports no interrupt-remapping
 * faults). With a fault logged the harness reports it blocked. */
#include "buggy_irq.h"
#include "buggy.h"

#define OTHER_SID 0x0008 /* 00:01.0 */

static long attack(struct attack_ctx *c)
{
	return birq_other_sid(c, BIRQ_CAP, OTHER_SID);
}

ATTACK("msi_cap_other_sid", "dma", "irq_deliveries", ATTACK_QEMU_LIMIT, attack);
