/* Attack module pciexbar_over_ram (dma): a buggy driver moves q35's PCIe
 * configuration window (PCIEXBAR, 00:00.0 offset 0x60) through the
 * configuration ports over RAM. It writes 0x02000005 (enabled, 64 MiB),
 * which QEMU 7.2 decodes as a window at 32 MiB (it takes bit 25 as an
 * address bit of a 64 MiB window; the datasheet's base bits are 35:26):
 * 32-96 MiB, DATA frames only here (the module first checks that its own
 * code, stack and their page tables lie outside). While it is there
 * (interrupts off), it reads the DATA frame at 32 MiB through the direct
 * map (the oracle's read, into the window record) and the word where edu's
 * configuration header would be; then PCIEXBAR goes back exactly
 * (buggy_chipset.h). The harness reads back target "ram_32m" and judges
 * by the window record. Expected: nk-limit: the chipset takes the value
 * and the CPU then reads configuration space (00:00.0's IDs) instead of
 * RAM; no check of nk's runs between the port write and the effect (ring
 * 0 reaches 0xCF8/0xCFC, and nothing locks PCIEXBAR). RAM reads back
 * unchanged once the window is back. */
#include "buggy_chipset.h"
#include "buggy.h"

#define WINDOW_BASE 0x2000000ull /* where QEMU 7.2 puts the value below */
#define WINDOW_BYTES (64ull << 20)

struct obs {
	unsigned slot;
	uint32_t mch_id, edu_id;
};

static void during(struct attack_ctx *c, void *arg)
{
	(void)c;
	struct obs *o = arg;
	o->mch_id = *(volatile uint32_t *)pa_to_dm(pa_init(WINDOW_BASE));
	o->edu_id =
	    *(volatile uint32_t *)pa_to_dm(pa_init(WINDOW_BASE + ((uint64_t)o->slot << 15)));
}

static long attack(struct attack_ctx *c)
{
	c->chipset = true; /* judged by its window (buggy_chipset.h) */
	struct pci_dev edu;
	struct obs o = {0};
	o.slot = pci_find(EDU_VENDOR, EDU_DEVICE, 0, &edu) == 0 && edu.bus == 0 ? edu.slot : 0;
	if (pa_pfn(pa_init(WINDOW_BASE + WINDOW_BYTES)) > nk_view->nframes ||
	    !bchip_clear_of(WINDOW_BASE, WINDOW_BASE + WINDOW_BYTES)) {
		ksnprintf(c->note, c->note_cap,
			  "32-96 MiB is not RAM clear of this module: not run");
		return -EBUSY;
	}
	long r = bchip_window(c, NULL, WINDOW_BASE | PCIEXBAR_LEN_64M | PCIEXBAR_EN, during, &o);
	ksnprintf(c->note, c->note_cap,
		  "while moved, RAM at %llx read %x and at +%x %x; the IDs of 00:00.0 and "
		  "00:%02x.0 (ports): %x, %x",
		  WINDOW_BASE, o.mch_id, o.slot << 15, o.edu_id, o.slot, pci_cfg_read32(0, 0, 0, 0),
		  pci_cfg_read32(0, o.slot, 0, 0));
	return r;
}

ATTACK("pciexbar_over_ram", "dma", "ram_32m", ATTACK_NK_LIMIT, attack);
