/* PCI configuration space through the legacy configuration ports (type 1
 * accesses: CONFIG_ADDRESS 0xCF8, CONFIG_DATA 0xCFC), the bus scan, BARs,
 * the command register, capabilities and MSI. drivers/pci.c.
 *
 * Callers run in process or init context, never in an interrupt handler:
 * an access is two port operations (address, then data) that an
 * interrupting access would split. One CPU, so nothing else can.
 * Source: PCI Local Bus Specification 3.0, 3.2.2.3.2 (configuration
 * mechanism #1), 6.1 (the configuration header), 6.2.2 (command), 6.2.5
 * (base address registers), 6.7 (capabilities list), 6.8 (MSI). */
#ifndef OUTER_PCI_H
#define OUTER_PCI_H
#include <nk/types.h>

/* Configuration header offsets (PCI 3.0, 6.1, figure 6-1). */
#define PCI_VENDOR_ID 0x00   /* 16 bits; 0xffff: no function here */
#define PCI_DEVICE_ID 0x02   /* 16 bits */
#define PCI_COMMAND 0x04     /* 16 bits, 6.2.2 */
#define PCI_STATUS 0x06	     /* 16 bits, 6.2.3 */
#define PCI_CLASS_REV 0x08   /* class code (bits 31..8), revision (7..0) */
#define PCI_HEADER_TYPE 0x0e /* bits 6..0 layout (0: a device), bit 7 multi-function */
#define PCI_BAR0 0x10	     /* BAR n at 0x10 + 4 n, n = 0..5 (header type 0) */
#define PCI_CAP_PTR 0x34     /* first capability (when PCI_STATUS_CAPS) */
#define PCI_INT_LINE 0x3c    /* 8 bits: the IRQ firmware routed INTx to */
#define PCI_INT_PIN 0x3d     /* 8 bits: 0 none, 1..4 INTA#..INTD# */

/* Command register bits (PCI 3.0, 6.2.2). */
#define PCI_CMD_IO (1u << 0)		/* respond to I/O space accesses */
#define PCI_CMD_MEMORY (1u << 1)	/* respond to memory space accesses */
#define PCI_CMD_MASTER (1u << 2)	/* may act as a bus master (DMA, MSI) */
#define PCI_CMD_INTX_DISABLE (1u << 10) /* may not assert INTx# */
/* Status register: a capabilities list is present (PCI 3.0, 6.2.3). */
#define PCI_STATUS_CAPS (1u << 4)

/* Capability IDs (PCI 3.0, appendix H). */
#define PCI_CAP_MSI 0x05

#define PCI_BUSES 256
#define PCI_SLOTS 32
#define PCI_FUNCS 8
#define PCI_BARS 6

/* One function on the bus, as found by the scan (segment 0 always). */
struct pci_dev {
	uint8_t bus, slot, func;
	uint16_t vendor, device;
	uint32_t class_rev; /* PCI_CLASS_REV: class code << 8 | revision */
};

/* What a base address register decodes (PCI 3.0, 6.2.5.1). */
struct pci_bar {
	paddr_t base;	   /* physical address of the window (bus address) */
	uint64_t bytes;	   /* its size in bytes, a power of two; 0: BAR absent */
	bool io;	   /* an I/O-space BAR (base is then a port number) */
	bool is64;	   /* a 64-bit memory BAR (it uses the next BAR too) */
	bool prefetchable; /* memory: prefetchable */
};

/* pci_cfg_read32/16/8: the 4-, 2- or 1-byte register at byte offset off
 * (0..255, naturally aligned: off & 3, off & 1 are dropped for the wider
 * reads) of function (bus, slot 0..31, func 0..7), by configuration
 * mechanism #1 (PCI 3.0, 3.2.2.3.2). An absent function reads all ones.
 * Out-of-range slot, func or off read all ones and touch no port. */
uint32_t pci_cfg_read32(unsigned bus, unsigned slot, unsigned func, unsigned off);
uint16_t pci_cfg_read16(unsigned bus, unsigned slot, unsigned func, unsigned off);
uint8_t pci_cfg_read8(unsigned bus, unsigned slot, unsigned func, unsigned off);
/* pci_cfg_write32/16: write the 4- or 2-byte register at byte offset off
 * (as for the reads; a 2-byte write leaves the other half of its dword
 * alone: the data port is written at 0xCFC + (off & 2) with a 16-bit
 * access). Out-of-range arguments write nothing. */
void pci_cfg_write32(unsigned bus, unsigned slot, unsigned func, unsigned off, uint32_t v);
void pci_cfg_write16(unsigned bus, unsigned slot, unsigned func, unsigned off, uint16_t v);

/* pci_find: scan every bus (0..255), slot and function (functions 1..7
 * only when function 0's header says multi-function) for the index'th
 * (0, 1, ...) function with this vendor and device ID, in bus, slot,
 * function order; a brute-force scan (PCI 3.0, 3.2.2.3.2: an absent
 * function's vendor ID reads 0xffff). Returns 0 and *out, or -ENODEV. */
long pci_find(uint16_t vendor, uint16_t device, unsigned index, struct pci_dev *out);

/* pci_bar: decode BAR n (0..5) of a type-0 function: its base as the
 * firmware assigned it and its size, found the standard way (PCI 3.0,
 * 6.2.5.1): with the function's memory and I/O decoding switched off,
 * write all ones, read back the bits that stick, restore the BAR (both
 * halves of a 64-bit one), then restore the command register. Returns 0
 * and *out (out->bytes 0 when the BAR is not implemented), -EINVAL (n out
 * of range, or n = 5 holding the low half of a 64-bit BAR), -ENODEV (not
 * a type-0 header). */
long pci_bar(const struct pci_dev *d, unsigned n, struct pci_bar *out);

/* pci_command_set: set the command-register bits in `set` and clear those
 * in `clear` (PCI_CMD_*; PCI 3.0, 6.2.2), e.g. PCI_CMD_MEMORY |
 * PCI_CMD_MASTER to let the device answer at its BARs and master DMA.
 * Returns the command register as it reads back afterwards. */
uint16_t pci_command_set(const struct pci_dev *d, uint16_t set, uint16_t clear);

/* pci_cap_find: the configuration-space byte offset (0x40..0xfc) of the
 * function's first capability with ID cap (PCI_CAP_*), walking the list
 * from PCI_CAP_PTR (PCI 3.0, 6.7) at most 48 steps (a looping list ends
 * there). Returns the offset, or 0 when the function has none. */
unsigned pci_cap_find(const struct pci_dev *d, uint8_t cap);

/* pci_msi_compose: the MSI message with which function d (the requester:
 * its ID, bus << 8 | slot << 3 | func, is what interrupt remapping's source
 * validation checks) delivers `vector` (0x20..0xfe) to this CPU's local
 * APIC as a fixed, edge-triggered interrupt: *addr the message address
 * (0xFEE00000 | destination APIC ID << 12, physical destination mode, no
 * redirection hint) and *data the message data (vector; delivery mode
 * fixed, trigger edge): the compatibility format, when no IOMMU is on.
 * With nk's IOMMU on (nk_view->iommu.on) the message is in remappable
 * format instead: an address naming the interrupt-remapping entry nk made
 * for d and vector (nk_irq_remap, nk_msi_remappable; VT-d 5.1.5.2), data
 * 0. This is the one place an MSI message is made. Source: SDM Vol. 3A
 * 11.11.1 and 11.11.2 (message address and data registers), PCI 3.0
 * 6.8.1.3 and 6.8.1.6. Returns 0, -EINVAL (vector out of range), -ENODEV
 * (the local APIC is not usable: lapic_init's error), -EIO (nk refused an
 * interrupt-remapping entry). */
long pci_msi_compose(const struct pci_dev *d, unsigned vector, uint64_t *addr, uint32_t *data);
/* pci_requester_id: d's requester ID (bus << 8 | slot << 3 | func), the
 * source ID of its DMA and MSI writes (PCI 3.0, 3.2.2.3.2's fields; VT-d's
 * source-id). */
uint16_t pci_requester_id(const struct pci_dev *d);

/* pci_msi_enable: program the function's MSI capability (PCI 3.0, 6.8.1)
 * with message address addr (64-bit when the capability is 64-bit capable;
 * else addr must fit in 32 bits) and data, one vector (Multiple Message
 * Enable 0), per-vector mask bits (if any) cleared, then set MSI Enable and
 * the command register's INTx Disable. Returns 0, -ENODEV (no MSI
 * capability), -EINVAL (addr above 4 GiB for a 32-bit capability, or not
 * 4-byte aligned). */
long pci_msi_enable(const struct pci_dev *d, uint64_t addr, uint32_t data);
/* pci_msi_disable: clear MSI Enable (the function falls back to INTx,
 * which stays disabled by the command register). No capability: no-op. */
void pci_msi_disable(const struct pci_dev *d);

/* pci_name: "0000:BB:SS.F" (segment 0) for d into buf (at least 13
 * bytes); returns buf. */
char *pci_name(const struct pci_dev *d, char *buf, size_t cap);
#endif
