/* The chipset reconfiguration attack modules (attacks.md, "DMA": reprogram a
 * device's PCI BAR over RAM; issue 14 item 6): ring 0 always reaches the
 * PCI configuration ports (0xCF8/0xCFC), so a buggy driver can move a
 * device's BAR or q35's PCIe configuration window (PCIEXBAR, 00:00.0
 * offset 0x60) over RAM, over an nk frame or over the IOMMU's registers.
 * Each module sets c->chipset first (the harness then judges it by its
 * window, also when it stops before moving anything), moves one register with interrupts off, reads
 * its target while it is moved (c->read_target, as the oracle reads it, into c->window->seen) and
 * whatever else it says in its note, puts the register back exactly and records the values it read
 * back (struct attack_window). The harness judges (tests/attacks/attack.c, window_verdict): blocked
 * only if the chipset took the value, the restore took too, and the target read unchanged while
 * moved and after. Source: PCI Local Bus Specification 3.0, 6.2.5 (BARs); QEMU 7.2
 * hw/pci-host/q35.c (mch_update_pciexbar) and include/hw/pci-host/q35.h
 * (PCIEXBAR: enable bit 0, length bits 2:1). */
#ifndef DRIVERS_BUGGY_CHIPSET_H
#define DRIVERS_BUGGY_CHIPSET_H
#include "buggy_dma.h"
#include <nk/iommu.h>

#define Q35_PCIEXBAR 0x60	      /* 00:00.0, 64 bits */
#define PCIEXBAR_EN 1ull	      /* enable */
#define PCIEXBAR_LEN_256M (0ull << 1) /* length field, bits 2:1 */
#define PCIEXBAR_LEN_64M (2ull << 1)
#define EDU_BAR0_ALIGN (1ul << 20) /* edu's BAR0 is 1 MiB */

static inline uint64_t pciexbar_read(void)
{
	return pci_cfg_read32(0, 0, 0, Q35_PCIEXBAR) |
	       (uint64_t)pci_cfg_read32(0, 0, 0, Q35_PCIEXBAR + 4) << 32;
}
/* The high half first: the enable bit is in the low one, which the chipset
 * acts on when it is written. */
static inline void pciexbar_write(uint64_t v)
{
	pci_cfg_write32(0, 0, 0, Q35_PCIEXBAR + 4, (uint32_t)(v >> 32));
	pci_cfg_write32(0, 0, 0, Q35_PCIEXBAR, (uint32_t)v);
}

/* The register a module moves: edu's BAR0 (dev) or PCIEXBAR (dev NULL). */
static inline uint64_t bchip_read(const struct pci_dev *dev)
{
	return dev ? pci_cfg_read32(dev->bus, dev->slot, dev->func, PCI_BAR0) : pciexbar_read();
}
static inline void bchip_write(const struct pci_dev *dev, uint64_t v)
{
	if (dev)
		pci_cfg_write32(dev->bus, dev->slot, dev->func, PCI_BAR0, (uint32_t)v);
	else
		pciexbar_write(v);
}

/* bchip_clear_of: whether this module's code and stack, and the page
 * tables that map them, lie outside physical [lo, hi): a window that hides
 * RAM from the CPU must not hide what the CPU runs on while it is open
 * (the kernel's image, whose code the window also runs, sits in the first
 * MiBs). */
static inline bool bchip_clear_of(uint64_t lo, uint64_t hi)
{
	uint64_t sp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	const uint64_t va[2] = {(uint64_t)bchip_clear_of, sp};
	for (unsigned i = 0; i < 2; i++) {
		struct mm_walk w;
		mm_walk(nk_view->master_l4, va[i], &w);
		if (!w.leaf)
			return false;
		uint64_t f = pa_addr(pte_frame(w.entry, w.level));
		if (f < hi && f + PAGE_SIZE > lo)
			return false;
		for (unsigned l = 4; l >= w.level; l--)
			if (pa_addr(w.path[l]) >= lo && pa_addr(w.path[l]) < hi)
				return false;
	}
	return true;
}

/* bchip_window: with interrupts off, write `set` into the register (edu's
 * BAR0 when dev, else PCIEXBAR), read it back, read the target into
 * c->window->seen, call during(c, arg) if not NULL, write the register's
 * old value back and read it back; interrupts as they were. Records it
 * all in *c->window. Returns 0, or -EINVAL (no window: the harness gave
 * none). */
static inline long bchip_window(struct attack_ctx *c, const struct pci_dev *dev, uint64_t set,
				void (*during)(struct attack_ctx *c, void *arg), void *arg)
{
	struct attack_window *w = c->window;
	if (!w || !c->read_target)
		return -EINVAL;
	uint64_t flags;
	__asm__ volatile("pushfq; pop %0" : "=r"(flags));
	irq_disable();
	w->used = true;
	w->orig = bchip_read(dev);
	w->set = set;
	bchip_write(dev, set);
	w->moved = bchip_read(dev);
	c->read_target(w->seen);
	if (during)
		during(c, arg);
	bchip_write(dev, w->orig);
	w->restored = bchip_read(dev);
	if (flags & 0x200)
		irq_enable();
	return 0;
}
#endif
