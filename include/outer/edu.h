/* QEMU's edu PCI device (PCI ID 1234:11e8), as its driver
 * (drivers/mod/edu.c) and the DMA attack modules (drivers/buggy/dma_*.c)
 * program it. Source: QEMU docs/specs/edu.rst (7.2). */
#ifndef OUTER_EDU_H
#define OUTER_EDU_H

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

/* BAR0 registers (edu.rst, "MMIO area spec"): 4-byte accesses below
 * 0x80, 4 or 8 bytes from there on. */
#define EDU_ID 0x00	    /* 0xRRrr00ed: major, minor version */
#define EDU_LIVE 0x04	    /* reads back ~ what was written */
#define EDU_IRQ_STATUS 0x24 /* the bits that raised the interrupt */
#define EDU_IRQ_RAISE 0x60  /* OR the value into the status, interrupt */
#define EDU_IRQ_ACK 0x64    /* clear the value's bits from the status */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START (1u << 0)	 /* write: start; read: still running */
#define EDU_DMA_TO_RAM (1u << 1) /* direction: device to RAM (0: RAM to device) */
#define EDU_DMA_IRQ (1u << 2)	 /* raise EDU_IRQ_DMA when done */
#define EDU_IRQ_DMA 0x100u	 /* the status bit of a finished DMA */
#define EDU_IRQ_TEST 0x10000u	 /* the status bit the probe raises itself */

#define EDU_REGS_BYTES 4096u	/* what the driver maps of BAR0 (it is 1 MiB) */
#define EDU_BUF_ADDR 0x40000ull /* the device's buffer, in its DMA space */
#define EDU_BUF_BYTES 4096u
/* QEMU 7.2's edu checks a transfer's end address as if it had to lie
 * inside the buffer (an off-by-one: the end is exclusive) and stops the
 * whole machine ("hardware error: EDU: DMA range 0x...40000-0x...40fff
 * out of bounds") for any transfer that ends at the buffer's end. So no
 * transfer reaches the last byte: they stay in the first EDU_DMA_WINDOW
 * bytes, and round_trip moves the byte at offset 4095 through the byte
 * before it. Harmless where the check is right. */
#define EDU_DMA_WINDOW (EDU_BUF_BYTES - 1)

#endif
