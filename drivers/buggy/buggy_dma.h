/* The DMA attack modules' device (attacks.md, "DMA"): each is a buggy
 * driver that programs QEMU's edu device (include/outer/edu.h) itself, as
 * any driver can, and aims its DMA engine at a frame nk protects. Before
 * the attack it makes a control transfer into the arena's spare DATA
 * frame, bytes checked, so that a blocked attack cannot be a device that
 * never wrote anything. Transfers are polled (the edu driver keeps its
 * MSI), at most EDU_POLL_MS each (mmio_wait_clear: outside the module
 * watchdog's count). */
#ifndef DRIVERS_BUGGY_DMA_H
#define DRIVERS_BUGGY_DMA_H
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include <outer/edu.h>
#include <outer/errno.h>
#include <outer/mm.h>
#include <outer/module.h>
#include <outer/pci.h>
#include <x86/io.h>

#define EDU_POLL_MS 500	     /* a transfer takes 100 ms of virtual time */
#define DMA_CONTROL_OFF 2048 /* where the control transfer lands in the spare frame */

struct bdma {
	struct pci_dev pci;
	volatile void *regs;
};

/* bus_of: the bus (physical) address of kernel virtual address va: the
 * image or the direct map (nk's IOMMU identity-maps, for DATA frames). */
static inline uint64_t bus_of(const volatile void *va)
{
	uint64_t v = (uint64_t)va;
	return v >= KERNEL_VMA ? pa_addr(kimg_to_pa(va_init(v)))
			       : pa_addr(dm_to_pa((const void *)v));
}

/* bdma_open: find the edu device, map its registers uncached and let it
 * master the bus. Returns 0 or -ENODEV / mm_map_mmio's error. */
static inline long bdma_open(struct bdma *d)
{
	struct pci_bar bar;
	long r = pci_find(EDU_VENDOR, EDU_DEVICE, 0, &d->pci);
	if (r == 0)
		r = pci_bar(&d->pci, 0, &bar);
	if (r == 0)
		r = mm_map_mmio(bar.base, EDU_REGS_BYTES, &d->regs);
	if (r == 0)
		pci_command_set(&d->pci, PCI_CMD_MEMORY | PCI_CMD_MASTER, 0);
	return r;
}

/* bdma_open_noted: bdma_open, with the note "no edu device" and -ENODEV
 * when it fails (the attack then did not run). */
static inline long bdma_open_noted(struct attack_ctx *c, struct bdma *d)
{
	long r = bdma_open(d);
	if (r) {
		ksnprintf(c->note, c->note_cap, "no edu device (%ld): not run", r);
		return -ENODEV;
	}
	return 0;
}

static inline void bdma_close(struct bdma *d)
{
	mm_unmap_mmio(d->regs, EDU_REGS_BYTES);
}

/* bdma_copy: one transfer of n bytes (1..EDU_DMA_WINDOW) between bus
 * address ram and device address dev (EDU_BUF_ADDR + offset), to_ram the
 * direction, waited for by polling. Returns 0, -EINVAL, -EBUSY or
 * -ETIMEDOUT. */
static inline long bdma_copy(struct bdma *d, uint64_t ram, uint64_t dev, uint64_t n, bool to_ram)
{
	if (n == 0 || n > EDU_DMA_WINDOW || dev < EDU_BUF_ADDR ||
	    dev - EDU_BUF_ADDR > EDU_DMA_WINDOW - n)
		return -EINVAL;
	if (mmio_read64(d->regs, EDU_DMA_CMD) & EDU_DMA_START)
		return -EBUSY;
	mmio_write64(d->regs, EDU_DMA_SRC, to_ram ? dev : ram);
	mmio_write64(d->regs, EDU_DMA_DST, to_ram ? ram : dev);
	mmio_write64(d->regs, EDU_DMA_COUNT, n);
	mmio_write64(d->regs, EDU_DMA_CMD, EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0));
	return mmio_wait_clear(d->regs, EDU_DMA_CMD, EDU_DMA_START, EDU_POLL_MS);
}

/* bdma_control: open the device (d) and make the control transfer: 64
 * bytes of a pattern from the spare frame c->data to the device and back
 * to c->data + DMA_CONTROL_OFF, compared. Sets c->dma_device. Returns 0
 * (d open), -ENODEV (no device) or -EIO (the transfer did not arrive; d
 * closed); the failures are told in c->note. */
static inline long bdma_control(struct attack_ctx *c, struct bdma *d)
{
	c->dma_device = true; /* the harness judges by nk's IOMMU fault log */
	long r = bdma_open(d);
	if (r) {
		ksnprintf(c->note, c->note_cap, "no edu device (%ld): the attack did not run", r);
		return -ENODEV;
	}
	uint8_t *buf = pa_to_dm(c->data);
	for (int i = 0; i < 64; i++) {
		buf[i] = (uint8_t)(0xa5 ^ i);
		buf[DMA_CONTROL_OFF + i] = 0;
	}
	uint64_t data = pa_addr(c->data);
	r = bdma_copy(d, data, EDU_BUF_ADDR, 64, false);
	if (r == 0)
		r = bdma_copy(d, data + DMA_CONTROL_OFF, EDU_BUF_ADDR, 64, true);
	if (r == 0 && memcmp(buf, buf + DMA_CONTROL_OFF, 64))
		r = -EIO;
	if (r) {
		ksnprintf(c->note, c->note_cap,
			  "the control DMA into a DATA frame failed (%ld): the attack did not run",
			  r);
		bdma_close(d);
		return -EIO;
	}
	return 0;
}

/* bdma_attack: the control transfer (bdma_control), then `between` if
 * not NULL (its error ends the attack), then the device's buffer to bus
 * address target (n bytes).
 * Records target in c->dma_bus, the story in c->note. Returns 0 when both
 * transfers ran (the oracle then reads the target and nk's fault log),
 * -ENODEV (no device), -EIO (the control transfer did not arrive). */
static inline long bdma_attack(struct attack_ctx *c, uint64_t target, uint64_t n,
			       long (*between)(struct attack_ctx *c))
{
	struct bdma d;
	long r = bdma_control(c, &d);
	if (r)
		return r;
	r = between ? between(c) : 0;
	if (r) {
		bdma_close(&d);
		return r;
	}
	c->dma_bus = pa_init(target);
	r = bdma_copy(&d, target, EDU_BUF_ADDR, n, true);
	bdma_close(&d);
	ksnprintf(c->note, c->note_cap,
		  "control DMA into DATA frame %lx arrived; device told to write %lu bytes at "
		  "%lx (%s)",
		  pa_addr(c->data), n, target,
		  r ? "the transfer did not finish" : "the transfer finished");
	return 0;
}
#endif
