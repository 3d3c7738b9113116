/* edu: a well-behaved DMA driver module for QEMU's edu PCI device
 * (1234:11e8), /dev/edu.
 *
 * /dev/edu is a 4096-byte device. write(2) of n bytes at file offset off
 * (off + n <= 4096) copies them into a bounce frame, DMAs them into the
 * device's buffer (device address 0x40000 + off), DMAs them back into a
 * second frame, checks that the bytes came back unchanged (else EIO) and
 * makes them the device's contents: its length becomes off + n (the end of
 * the last write). A write that crosses the end is short (the bytes that
 * fit); one at or past the end gets ENOSPC. So write(fd, buf, 4097) on a
 * fresh descriptor returns 4096, and the kernel's write loop stops there.
 * A write whose DMA fails gets EIO or ETIMEDOUT and cuts the contents at
 * its offset.
 * read(2) returns the contents from the file offset on: 0 bytes (end of
 * file) at or past the length, and before any write.
 *
 * The device: BAR0 (1 MiB of registers, only the first page used and
 * mapped, uncached) holds identification (0x00: 0xRRrr00ed), a liveness
 * check (0x04 reads back the complement of what was written), interrupt
 * status, raise and acknowledge (0x24, 0x60, 0x64), and the DMA engine:
 * source 0x80, destination 0x88, count 0x90, command 0x98 (bit 0 start
 * and busy, bit 1 direction: 0 RAM to device, 1 device to RAM, bit 2 raise
 * interrupt 0x100 when done). A transfer completes on a 100 ms timer of
 * QEMU's virtual clock, so the driver waits for the completion MSI
 * (irq_msi_wait: the CPU halted) rather than polling the command register
 * (about 10^8 instructions per transfer under -icount). MSI, not INTx:
 * no PIC routing, no shared level-triggered line, and the message is made
 * in one place (pci_msi_compose) that interrupt remapping will change.
 *
 * Bus addresses are physical addresses: edu's dma_mask covers all 64 bits
 * on our QEMU command line (tools/qemu.py; its default 28-bit mask would
 * silently redirect DMA above 256 MiB), and the IOMMU, once nk programs it,
 * identity-maps DATA frames, which these bounce frames are.
 *
 * The probe (module init) finds the device, sizes BAR0, enables memory
 * decoding and bus mastering, checks identification and liveness, sets up
 * the MSI, raises one test interrupt and does one DMA round trip; any
 * failure undoes what was done and fails the load with a message.
 * Source: QEMU docs/specs/edu.rst (registers, DMA, IRQ controller); PCI
 * Local Bus Specification 3.0, 6.1, 6.2 (configuration header, BARs), 6.8
 * (MSI). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/irq.h>
#include <outer/mm.h>
#include <outer/moddev.h>
#include <outer/module.h>
#include <outer/pci.h>
#include <outer/edu.h>

#define EDU_TIMEOUT_MS 1000u /* a transfer takes 100 ms of virtual time */
#define EDU_PROBE_BYTES 64u

static struct edu {
	struct pci_dev pci;
	char name[16]; /* "0000:BB:SS.F" */
	paddr_t bar0;  /* BAR0's physical (bus) address */
	uint64_t bar0_bytes;
	volatile void *regs; /* BAR0's first EDU_REGS_BYTES, uncached */
	paddr_t out_frame;   /* bounce: RAM to device */
	paddr_t back_frame;  /* bounce: device to RAM, what reads return */
	uint8_t *out, *back; /* their direct-map addresses */
	unsigned vector;     /* MSI vector (irq_msi_alloc) */
	int stage;	     /* how far the probe got (ST_*): what to undo */
	uint64_t len;	     /* bytes: the end of the last write */
	uint64_t transfers;  /* DMA transfers started */
} edu;

/* The bus address the device uses for the byte at off of a bounce frame:
 * its physical address (no IOMMU translation yet; later the IOMMU's
 * identity map of DATA frames). */
static uint64_t bus_addr(paddr_t frame, uint64_t off)
{
	return pa_addr(frame) + off;
}

/* Wait for the MSI of an interrupt whose status bit is `bit` (raised after
 * the vector count read `seen`), acknowledging what the status shows
 * (edu.rst: the status must be acknowledged with MSI too). An interrupt
 * without the bit is acknowledged and waited past, a few times. The MSI
 * must arrive: a status bit without it is an error (interrupt delivery is
 * broken), not a slow success. Returns 0, -ETIMEDOUT (no MSI within
 * EDU_TIMEOUT_MS), -EIO (interrupts, never with the bit). */
static long wait_irq(uint64_t seen, uint32_t bit)
{
	for (int tries = 0; tries < 4; tries++) {
		long r = irq_msi_wait(edu.vector, seen, EDU_TIMEOUT_MS);
		seen = irq_msi_count(edu.vector);
		uint32_t status = mmio_read32(edu.regs, EDU_IRQ_STATUS);
		if (status)
			mmio_write32(edu.regs, EDU_IRQ_ACK, status);
		if (r) {
			if (status & bit)
				kprintf(
				    "edu: %s: status %#x shows the interrupt, but no MSI came\n",
				    edu.name, status);
			return r;
		}
		if (status & bit)
			return 0;
	}
	return -EIO;
}

/* One DMA transfer of count (1..EDU_DMA_WINDOW) bytes between bus address
 * ram and device address dev, to_ram giving the direction; waits for its
 * completion interrupt. Returns 0, -EINVAL (count or the device range out
 * of the window: never given to the device, which would stop QEMU),
 * -EBUSY (a transfer still running), -ETIMEDOUT, -EIO. */
static long edu_dma(uint64_t ram, uint64_t dev, uint64_t count, bool to_ram)
{
	if (count == 0 || count > EDU_DMA_WINDOW || dev < EDU_BUF_ADDR ||
	    dev - EDU_BUF_ADDR > EDU_DMA_WINDOW - count)
		return -EINVAL;
	if (mmio_read64(edu.regs, EDU_DMA_CMD) & EDU_DMA_START)
		return -EBUSY;
	mmio_write64(edu.regs, EDU_DMA_SRC, to_ram ? dev : ram);
	mmio_write64(edu.regs, EDU_DMA_DST, to_ram ? ram : dev);
	mmio_write64(edu.regs, EDU_DMA_COUNT, count);
	uint64_t seen = irq_msi_count(edu.vector);
	mmio_write64(edu.regs, EDU_DMA_CMD,
		     EDU_DMA_START | EDU_DMA_IRQ | (to_ram ? EDU_DMA_TO_RAM : 0));
	long r = wait_irq(seen, EDU_IRQ_DMA);
	if (r == 0 && (mmio_read64(edu.regs, EDU_DMA_CMD) & EDU_DMA_START))
		r = -EIO; /* the interrupt came, the engine still runs */
	if (r)
		kprintf("edu: %s: DMA of %lu bytes %s device address %lx: %s\n", edu.name, count,
			to_ram ? "from" : "to", dev,
			r == -ETIMEDOUT ? "no completion interrupt within 1000 ms"
					: "the engine did not finish");
	edu.transfers++;
	return r;
}

/* Bytes [off, off + n) of out to the device buffer at offset dev_off, and
 * from there into the same bytes of back. Returns edu_dma's result. */
static long via_device(uint64_t off, uint64_t dev_off, uint64_t n)
{
	long r = edu_dma(bus_addr(edu.out_frame, off), EDU_BUF_ADDR + dev_off, n, false);
	if (r == 0)
		r = edu_dma(bus_addr(edu.back_frame, off), EDU_BUF_ADDR + dev_off, n, true);
	return r;
}

/* Bytes [off, off + n) (off + n <= EDU_BUF_BYTES) of out: to the device
 * buffer at the same offset and back into back, checked; the last byte
 * of the buffer goes through the one before it (EDU_DMA_WINDOW). Two DMA
 * transfers, four when the range ends at the buffer's end. Returns 0,
 * edu_dma's error, or -EIO (the bytes came back changed). */
static long round_trip(uint64_t off, uint64_t n)
{
	/* what was in back must not pass for the returned bytes */
	for (uint64_t i = off; i < off + n; i++)
		edu.back[i] = (uint8_t)~edu.out[i];
	uint64_t direct = off + n <= EDU_DMA_WINDOW ? n : EDU_DMA_WINDOW - off;
	long r = direct ? via_device(off, off, direct) : 0;
	if (r == 0 && direct < n) /* the buffer's last byte, alone */
		r = via_device(off + direct, EDU_DMA_WINDOW - 1, n - direct);
	if (r)
		return r;
	for (uint64_t i = off; i < off + n; i++)
		if (edu.back[i] != edu.out[i]) {
			kprintf("edu: %s: DMA round trip changed byte %lu (%02x -> %02x)\n",
				edu.name, i, edu.out[i], edu.back[i]);
			return -EIO;
		}
	return 0;
}

static long edu_write(const void *buf, uint64_t off, size_t n)
{
	if (off >= EDU_BUF_BYTES)
		return -ENOSPC;
	if (n > EDU_BUF_BYTES - off)
		n = EDU_BUF_BYTES - off; /* a short write: what fits */
	if (n == 0)
		return 0;
	memcpy(edu.out + off, buf, n);
	long r = round_trip(off, n);
	if (r) {
		if (edu.len > off)
			edu.len = off; /* what came back from there on is not to be trusted */
		return r;
	}
	edu.len = off + n;
	return (long)n;
}

static long edu_read(void *buf, uint64_t off, size_t n)
{
	if (off >= edu.len)
		return 0;
	if (n > edu.len - off)
		n = edu.len - off;
	memcpy(buf, edu.back + off, n);
	return (long)n;
}

static const struct moddev_ops ops = {.read = edu_read, .write = edu_write};

/* The probe's steps, in the order of edu_init; edu.stage is the last one
 * done. ST_READY: /dev/edu registered. */
enum { ST_NONE, ST_MEM, ST_MAPPED, ST_FRAMES, ST_VECTOR, ST_MSI, ST_READY };

/* Undo the probe's steps from edu.stage down; edu.stage is ST_NONE after. */
static void undo(void)
{
	int stage = edu.stage;
	edu.stage = ST_NONE;
	if (stage >= ST_READY)
		moddev_unregister("edu");
	if (stage >= ST_MSI) {
		pci_command_set(&edu.pci, 0, PCI_CMD_MASTER);
		pci_msi_disable(&edu.pci);
	}
	if (stage >= ST_VECTOR)
		irq_msi_free(edu.vector);
	if (stage >= ST_FRAMES) {
		if (pa_addr(edu.out_frame))
			frame_free(edu.out_frame);
		if (pa_addr(edu.back_frame))
			frame_free(edu.back_frame);
	}
	if (stage >= ST_MAPPED)
		mm_unmap_mmio(edu.regs, EDU_REGS_BYTES);
	if (stage >= ST_MEM)
		pci_command_set(&edu.pci, 0, PCI_CMD_MEMORY);
}

/* The probe's failure: the message, undo, the error for the loader. */
static int fail(long err, const char *why)
{
	kprintf("edu: %s: %s; not loaded\n", edu.name, why);
	undo();
	return (int)err;
}

static int edu_init(void)
{
	memset(&edu, 0, sizeof(edu));
	memcpy(edu.name, "edu", 4);
	if (pci_find(EDU_VENDOR, EDU_DEVICE, 0, &edu.pci)) {
		kprintf("edu: no %04x:%04x device on PCI buses 0-255; not loaded\n", EDU_VENDOR,
			EDU_DEVICE);
		return -ENODEV;
	}
	pci_name(&edu.pci, edu.name, sizeof(edu.name));
	struct pci_bar bar;
	long r = pci_bar(&edu.pci, 0, &bar);
	if (r || bar.io || bar.bytes < EDU_REGS_BYTES || pa_addr(bar.base) == 0)
		return fail(-ENODEV, "BAR0 is not an assigned memory BAR of at least 4 KiB");
	edu.bar0 = bar.base;
	edu.bar0_bytes = bar.bytes;
	pci_command_set(&edu.pci, PCI_CMD_MEMORY, 0);
	edu.stage = ST_MEM;
	r = mm_map_mmio(edu.bar0, EDU_REGS_BYTES, &edu.regs);
	if (r)
		return fail(r, "cannot map BAR0");
	edu.stage = ST_MAPPED;
	uint32_t id = mmio_read32(edu.regs, EDU_ID);
	if ((id & 0xffff) != 0x00ed)
		return fail(-ENODEV, "identification register is not 0xRRrr00ed");
	const uint32_t probe = 0x5a17c3e1u;
	mmio_write32(edu.regs, EDU_LIVE, probe);
	if (mmio_read32(edu.regs, EDU_LIVE) != ~probe)
		return fail(-EIO, "liveness check failed (0x04 is not the complement)");
	edu.out_frame = frame_alloc();
	edu.back_frame = frame_alloc();
	edu.stage = ST_FRAMES;
	if (!pa_addr(edu.out_frame) || !pa_addr(edu.back_frame))
		return fail(-ENOMEM, "out of memory for the bounce frames");
	edu.out = pa_to_dm(edu.out_frame);
	edu.back = pa_to_dm(edu.back_frame);
	r = irq_msi_alloc();
	if (r < 0)
		return fail(r, "no MSI vector (local APIC unusable or all taken)");
	edu.vector = (unsigned)r;
	edu.stage = ST_VECTOR;
	uint64_t addr;
	uint32_t data;
	r = pci_msi_compose(&edu.pci, edu.vector, &addr, &data);
	if (r == 0)
		r = pci_msi_enable(&edu.pci, addr, data);
	if (r)
		return fail(r, "cannot set up its MSI");
	pci_command_set(&edu.pci, PCI_CMD_MASTER, 0);
	edu.stage = ST_MSI;
	/* an interrupt it raises on request, then a DMA round trip */
	uint64_t seen = irq_msi_count(edu.vector);
	mmio_write32(edu.regs, EDU_IRQ_RAISE, EDU_IRQ_TEST);
	r = wait_irq(seen, EDU_IRQ_TEST);
	if (r)
		return fail(r, "no MSI after raising an interrupt");
	for (unsigned i = 0; i < EDU_PROBE_BYTES; i++)
		edu.out[i] = (uint8_t)(i * 37 + 11);
	r = round_trip(0, EDU_PROBE_BYTES);
	if (r)
		return fail(r, "DMA round trip through 0x40000 failed");
	r = moddev_register("edu", &ops);
	if (r)
		return fail(r, "cannot register /dev/edu");
	edu.stage = ST_READY;
	kprintf("edu: %s BAR0 %#lx (%lu KiB), id %#x, MSI vector %#x, DMA to %#llx ok: /dev/edu "
		"(%u bytes)\n",
		edu.name, pa_addr(edu.bar0), edu.bar0_bytes / 1024, id, edu.vector, EDU_BUF_ADDR,
		EDU_BUF_BYTES);
	return 0;
}

/* Also run by the loader after a failed init (then edu.stage is ST_NONE:
 * nothing to undo, nothing said). */
static void edu_exit(void)
{
	if (edu.stage == ST_NONE)
		return;
	undo();
	kprintf("edu: %s: %lu DMA transfers; unloaded\n", edu.name, edu.transfers);
}

MODULE_INIT(edu_init)
MODULE_EXIT(edu_exit)
