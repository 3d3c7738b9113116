/* The interrupt attack modules (attacks.md, "DMA"; spec "Interrupt and NMI
 * sources (I7 with I11)"): a message-signalled interrupt is a DMA write of
 * a message (data) to an address in 0xFEEx_xxxx, so a buggy driver can make
 * QEMU's edu device deliver an interrupt nk never allowed, in two ways:
 *   BIRQ_DMA  edu's DMA engine writes the forged message (4 bytes, staged
 *             in its buffer) to the forged address;
 *   BIRQ_CAP  edu's MSI capability is programmed with the forged message
 *             (pci_msi_enable) and edu raises its interrupt (EDU_IRQ_RAISE).
 * First comes the control DMA (bdma_control), then a control interrupt
 * through the same path: the message nk made for edu (pci_msi_compose:
 * the interrupt-remapping entry for edu's requester ID and the harness's
 * control vector), which must arrive. A forged interrupt that then does not
 * arrive was refused by the remapping unit, not lost by a device that
 * never wrote. The harness judges (tests/attacks/attack.c, irq_verdict):
 * deliveries of the forged message (target irq_deliveries: NMIs, the
 * harness's forged vector c->irq_vector, vectors nobody owns) and nk's
 * log of interrupt faults (requester, index, reason). The module restores
 * edu's MSI capability and acknowledges its interrupt status, so the edu
 * driver, when loaded, finds its device as it left it.
 * Source: VT-d spec 5.1.2 (compatibility and remappable formats), 5.1.4
 * (IRTE, source validation), 5.1.5.2 (remappable MSI), appendix A (fault
 * reasons); SDM Vol. 3A 11.11 (MSI address and data, delivery modes);
 * QEMU docs/specs/edu.rst. */
#ifndef DRIVERS_BUGGY_IRQ_H
#define DRIVERS_BUGGY_IRQ_H
#include "buggy_dma.h"
#include <nk/iommu.h>
#include <outer/irq.h>

enum birq_path { BIRQ_DMA, BIRQ_CAP };

#define MSI_ADDR_APIC0 0xfee00000ull /* compatibility format, physical, APIC 0 */
#define MSI_DM_NMI (4u << 8)	     /* message data: delivery mode NMI (100b) */
#define MSI_DM_INIT (5u << 8)	     /* ... INIT (101b) */

/* Fault reasons interrupt remapping logs (VT-d appendix A). */
#define IR_FAULT_NOT_PRESENT 0x22 /* the IRTE's Present bit is clear */
#define IR_FAULT_COMPAT 0x25	  /* compatibility format while IRE=1, CFIS=0 */
#define IR_FAULT_SID 0x26	  /* the requester fails the IRTE's source validation */

#define BIRQ_STAGE_OFF 1024 /* where the forged message is staged (frame, buffer) */
#define BIRQ_RAISE 0x4000u  /* the status bit edu raises (neither the driver's) */
#define BIRQ_WAIT_MS 300u   /* the control interrupt must arrive within this */
#define BIRQ_SETTLE_MS 50u  /* how long the forged one is waited for */
#define BIRQ_MSI_SAVE 4	    /* dwords of edu's MSI capability saved */

/* One interrupt sent along path p: message data at address addr. BIRQ_CAP
 * saves edu's MSI capability and command register first and restores
 * them (and acknowledges the raised status) after. Returns 0, or the DMA's
 * or pci_msi_enable's error. */
static inline long birq_send(struct attack_ctx *c, struct bdma *d, enum birq_path p, uint64_t addr,
			     uint32_t data)
{
	if (p == BIRQ_DMA) {
		*(uint32_t *)((uint8_t *)pa_to_dm(c->data) + BIRQ_STAGE_OFF) = data;
		long r = bdma_copy(d, pa_addr(c->data) + BIRQ_STAGE_OFF,
				   EDU_BUF_ADDR + BIRQ_STAGE_OFF, 4, false);
		return r ? r : bdma_copy(d, addr, EDU_BUF_ADDR + BIRQ_STAGE_OFF, 4, true);
	}
	unsigned cap = pci_cap_find(&d->pci, PCI_CAP_MSI);
	if (!cap)
		return -ENODEV;
	uint32_t save[BIRQ_MSI_SAVE];
	for (unsigned i = 0; i < BIRQ_MSI_SAVE; i++)
		save[i] = pci_cfg_read32(d->pci.bus, d->pci.slot, d->pci.func, cap + 4 * i);
	uint16_t cmd = pci_cfg_read16(d->pci.bus, d->pci.slot, d->pci.func, PCI_COMMAND);
	long r = pci_msi_enable(&d->pci, addr, data);
	if (r == 0)
		mmio_write32(d->regs, EDU_IRQ_RAISE, BIRQ_RAISE);
	mmio_write32(d->regs, EDU_IRQ_ACK, BIRQ_RAISE);
	/* the message registers first, the control word (MSI Enable) last */
	for (unsigned i = BIRQ_MSI_SAVE; i-- > 0;)
		pci_cfg_write32(d->pci.bus, d->pci.slot, d->pci.func, cap + 4 * i, save[i]);
	pci_cfg_write16(d->pci.bus, d->pci.slot, d->pci.func, PCI_COMMAND, cmd);
	return r;
}

/* birq_attack: the control DMA, the control interrupt along path p (it
 * must arrive at c->irq_control), then the forged message (addr, data)
 * along p, waited for BIRQ_SETTLE_MS on c->irq_vector. index and reason:
 * the interrupt-remapping index the forged message names (-1: none, the
 * compatibility format) and the fault reason its refusal logs, for the
 * harness. Returns 0 when everything was sent (the harness then judges),
 * or < 0 with c->note saying why the attack did not run. */
static inline long birq_attack(struct attack_ctx *c, enum birq_path p, uint64_t addr, uint32_t data,
			       int32_t index, uint8_t reason)
{
	c->irq_attack = true; /* the harness judges by deliveries and nk's fault log */
	c->irq_index = index;
	c->irq_reason = reason;
	if (!c->irq_vector || !c->irq_control) {
		ksnprintf(c->note, c->note_cap, "the harness reserved no MSI vectors: not run");
		return -ENOSPC;
	}
	struct bdma d;
	long r = bdma_control(c, &d);
	if (r)
		return r;
	c->irq_sid = pci_requester_id(&d.pci);
	uint64_t caddr;
	uint32_t cdata;
	r = pci_msi_compose(&d.pci, c->irq_control, &caddr, &cdata);
	uint64_t seen = irq_msi_count(c->irq_control);
	if (r == 0)
		r = birq_send(c, &d, p, caddr, cdata);
	if (r == 0)
		r = irq_msi_wait(c->irq_control, seen, BIRQ_WAIT_MS);
	if (r) {
		ksnprintf(c->note, c->note_cap,
			  "the control MSI (%lx, %x) through edu's own entry did not arrive (%ld): "
			  "not run",
			  caddr, cdata, r);
		bdma_close(&d);
		return -EIO;
	}
	seen = irq_msi_count(c->irq_vector);
	r = birq_send(c, &d, p, addr, data);
	if (r == 0)
		irq_msi_wait(c->irq_vector, seen,
			     BIRQ_SETTLE_MS); /* the forged vector, if let in */
	bdma_close(&d);
	ksnprintf(c->note, c->note_cap, "control MSI arrived; forged MSI %lx, data %x sent by %s%s",
		  addr, data, p == BIRQ_DMA ? "a DMA write" : "edu's MSI capability",
		  r ? " (failed)" : "");
	return r ? -EIO : 0;
}
/* birq_other_sid: the attack with an entry nk made for another requester
 * (sid, e.g. 0x0008 for 00:01.0) and the suite's forged vector, sent along
 * path p: only that requester may use the entry (VT-d 5.1.4, source
 * validation). -EIO, with a note, when nk refuses the entry. */
static inline long birq_other_sid(struct attack_ctx *c, enum birq_path p, uint32_t sid)
{
	long h = nk_irq_remap(sid, c->irq_vector);
	if (h < 0) {
		ksnprintf(c->note, c->note_cap,
			  "nk refused an entry for requester %04x (%s): not run", sid,
			  nk_strerror(h));
		c->irq_attack = true;
		return -EIO;
	}
	uint64_t addr;
	uint32_t data;
	nk_msi_remappable((uint32_t)h, &addr, &data);
	return birq_attack(c, p, addr, data, (int32_t)h, IR_FAULT_SID);
}

#endif
