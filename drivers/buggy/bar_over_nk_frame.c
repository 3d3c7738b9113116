/* Attack module bar_over_nk_frame (dma): a buggy driver moves the edu
 * device's BAR0 (1 MiB) through the configuration ports over an nk frame:
 * the MiB that holds nk's frame-table page with the heap L1's descriptor.
 * If the device took the addresses, the CPU (nk included) would read edu's
 * registers, which any driver writes, as nk's frame table. While it is
 * there (interrupts off), it reads the descriptor (the oracle's read, into
 * the window record), reads the BAR's first register through the direct
 * map at the BAR's base, writes edu's liveness register through its old
 * mapping and reads the descriptor again; then BAR0 goes back exactly
 * (buggy_chipset.h). The MiB also holds page tables (nk's boot-time
 * ones): were the device to win, the machine would stop, and that would be
 * the observation. (A CPU store to the nk frame is not tried: the MMU
 * refuses it, see frame_table_store.) The harness reads back target
 * "frame_desc" and judges by the window record. Expected: blocked: RAM
 * answers below the top of low RAM in QEMU's q35, so nk's frame is what
 * the CPU reads, unchanged. */
#include "buggy_chipset.h"
#include "buggy.h"

struct obs {
	volatile void *regs;
	uint64_t base;
	uint32_t alias_id, live;
	bool same;
};

static void during(struct attack_ctx *c, void *arg)
{
	struct obs *o = arg;
	uint8_t again[ATTACK_TARGET_BYTES];
	o->alias_id = *(volatile uint32_t *)pa_to_dm(pa_init(o->base));
	mmio_write32(o->regs, EDU_LIVE, 0x5a5a1234u);
	o->live = mmio_read32(o->regs, EDU_LIVE);
	c->read_target(again);
	o->same = !memcmp(again, c->window->seen, sizeof(struct nk_frame));
}

static long attack(struct attack_ctx *c)
{
	c->chipset = true; /* judged by its window (buggy_chipset.h) */
	struct bdma d;
	long r = bdma_open_noted(c, &d);
	if (r)
		return r;
	uint64_t desc = bus_of(&nk_view->frames[pa_pfn(c->l1)]);
	struct obs o = {.regs = d.regs, .base = desc & ~(EDU_BAR0_ALIGN - 1)};
	r = bchip_window(c, &d.pci, o.base, during, &o);
	uint32_t id = mmio_read32(d.regs, EDU_ID);
	bdma_close(&d);
	ksnprintf(
	    c->note, c->note_cap,
	    "BAR0 over the MiB at %lx (nk frame %lx): at its base the CPU read %x; after edu's "
	    "LIVE write (old mapping read %x) the descriptor read %s; after: edu ID %x",
	    o.base, desc & ~(uint64_t)(PAGE_SIZE - 1), o.alias_id, o.live,
	    o.same ? "the same" : "DIFFERENT", id);
	return r;
}

ATTACK("bar_over_nk_frame", "dma", "frame_desc", ATTACK_BLOCKED, attack);
