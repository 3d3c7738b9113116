/* Attack module msi_forge_other_sid (dma): a buggy driver asks nk for an
 * interrupt-remapping entry for another requester (nk_irq_remap for
 * 00:01.0, source ID 0x0008, delivering the harness's forged vector), then
 * has the edu device's DMA engine write the remappable-format MSI naming
 * that entry: a valid entry, but not edu's. Source validation (the entry's
 * SVT=01, SID 0x0008) must refuse it, as the write comes from 00:03.0.
 * After a control DMA and a control MSI through edu's own entry, both of
 * which must arrive (buggy_irq.h). The harness counts deliveries (target
 * "irq_deliveries") and looks for nk's interrupt fault: requester edu, the
 * entry's index, reason 0x26. Expected: qemu-limit. QEMU 7.2 delivers it:
 * the writes of a device's DMA engine reach its VT-d's interrupt range
 * without a requester ID (pci_dma_write: MEMTXATTRS_UNSPECIFIED), and for
 * such a write QEMU skips source validation. A real device's write carries
 * its requester ID (msi_cap_other_sid shows QEMU validating one). */
#include "buggy_irq.h"
#include "buggy.h"

#define OTHER_SID 0x0008 /* 00:01.0 */

static long attack(struct attack_ctx *c)
{
	return birq_other_sid(c, BIRQ_DMA, OTHER_SID);
}

ATTACK("msi_forge_other_sid", "dma", "irq_deliveries", ATTACK_QEMU_LIMIT, attack);
