/* Attack module bar_over_ram (dma): a buggy driver moves the edu device's
 * BAR0 (1 MiB of registers) through the configuration ports over RAM: the
 * MiB that holds the arena's spare DATA frame. While it is there (interrupts
 * off), it reads the frame through the direct map (the oracle's read, into
 * the window record), reads the BAR's first register (edu's ID) through
 * the direct map at the BAR's base, writes and reads back a word of the
 * frame through the direct map (then puts it back), and writes and reads
 * edu's liveness register through its old mapping; then BAR0 goes back
 * exactly (buggy_chipset.h). The MiB may hold this module's own code,
 * stack or page tables: were the device to win, the module would stop the
 * machine, and that would be the observation. The harness reads back
 * target "data_frame" and judges by the window record. Expected: blocked: QEMU's q35 decodes
 * RAM before any BAR below the top of low RAM (its PCI window starts
 * there), so RAM answers at those addresses and edu's registers answer
 * nowhere until BAR0 is back. */
#include "buggy_chipset.h"
#include "buggy.h"

struct obs {
	volatile void *regs;
	uint64_t base;
	uint32_t alias_id, word, live;
};

static void during(struct attack_ctx *c, void *arg)
{
	struct obs *o = arg;
	o->alias_id = *(volatile uint32_t *)pa_to_dm(pa_init(o->base));
	volatile uint32_t *w = (volatile uint32_t *)((uint8_t *)pa_to_dm(c->data) + 128);
	uint32_t keep = *w;
	*w = 0xc0de5a17u;
	o->word = *w;
	*w = keep;
	mmio_write32(o->regs, EDU_LIVE, 0x5a5a1234u);
	o->live = mmio_read32(o->regs, EDU_LIVE);
}

static long attack(struct attack_ctx *c)
{
	c->chipset = true; /* judged by its window (buggy_chipset.h) */
	struct bdma d;
	long r = bdma_open_noted(c, &d);
	if (r)
		return r;
	struct obs o = {.regs = d.regs, .base = pa_addr(c->data) & ~(EDU_BAR0_ALIGN - 1)};
	r = bchip_window(c, &d.pci, o.base, during, &o);
	uint32_t id = mmio_read32(d.regs, EDU_ID);
	bdma_close(&d);
	ksnprintf(c->note, c->note_cap,
		  "BAR0 over the MiB at %lx: at its base the CPU read %x, a word of the frame "
		  "read back %x, edu's old mapping read %x; after: edu ID %x",
		  o.base, o.alias_id, o.word, o.live, id);
	return r;
}

ATTACK("bar_over_ram", "dma", "data_frame", ATTACK_BLOCKED, attack);
