/* PCI configuration space by configuration mechanism #1 (ports 0xCF8 and
 * 0xCFC), the brute-force bus scan, BAR sizing, the command register,
 * capabilities and MSI (include/outer/pci.h). q35 also has an ECAM window
 * (PCIEXBAR); the legacy ports reach the first 256 bytes of every
 * function, all that is needed here.
 * Source: PCI Local Bus Specification 3.0: 3.2.2.3.2 (CONFIG_ADDRESS
 * layout), 6.1 (header), 6.2.2 (command), 6.2.5.1 (BAR sizing), 6.7
 * (capabilities), 6.8.1 (the MSI capability); SDM Vol. 3A 11.11 (the MSI
 * message the local APIC accepts). */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/errno.h>
#include <outer/pci.h>
#include <nk/vmmu.h>

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE (1u << 31)

/* Whether (slot, func, off) can name a configuration register. */
static bool cfg_ok(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	return bus < PCI_BUSES && slot < PCI_SLOTS && func < PCI_FUNCS && off < 256;
}

/* CONFIG_ADDRESS for a dword: enable bit 31, bus 23..16, device 15..11,
 * function 10..8, register 7..2, bits 1..0 zero (PCI 3.0, 3.2.2.3.2). */
static void cfg_select(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	outl(PCI_CONFIG_ADDRESS,
	     PCI_CONFIG_ENABLE | bus << 16 | slot << 11 | func << 8 | (off & 0xfc));
}

uint32_t pci_cfg_read32(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	if (!cfg_ok(bus, slot, func, off))
		return 0xffffffffu;
	cfg_select(bus, slot, func, off);
	return inl(PCI_CONFIG_DATA);
}

uint16_t pci_cfg_read16(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	return (uint16_t)(pci_cfg_read32(bus, slot, func, off) >> ((off & 2) * 8));
}

uint8_t pci_cfg_read8(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	return (uint8_t)(pci_cfg_read32(bus, slot, func, off) >> ((off & 3) * 8));
}

void pci_cfg_write32(unsigned bus, unsigned slot, unsigned func, unsigned off, uint32_t v)
{
	if (!cfg_ok(bus, slot, func, off))
		return;
	cfg_select(bus, slot, func, off);
	outl(PCI_CONFIG_DATA, v);
}

void pci_cfg_write16(unsigned bus, unsigned slot, unsigned func, unsigned off, uint16_t v)
{
	if (!cfg_ok(bus, slot, func, off))
		return;
	cfg_select(bus, slot, func, off);
	outw((uint16_t)(PCI_CONFIG_DATA + (off & 2)), v);
}

/* The device's registers, by struct pci_dev. */
static uint32_t rd32(const struct pci_dev *d, unsigned off)
{
	return pci_cfg_read32(d->bus, d->slot, d->func, off);
}

static uint16_t rd16(const struct pci_dev *d, unsigned off)
{
	return pci_cfg_read16(d->bus, d->slot, d->func, off);
}

static void wr32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	pci_cfg_write32(d->bus, d->slot, d->func, off, v);
}

static void wr16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	pci_cfg_write16(d->bus, d->slot, d->func, off, v);
}

long pci_find(uint16_t vendor, uint16_t device, unsigned index, struct pci_dev *out)
{
	for (unsigned bus = 0; bus < PCI_BUSES; bus++)
		for (unsigned slot = 0; slot < PCI_SLOTS; slot++) {
			if (pci_cfg_read16(bus, slot, 0, PCI_VENDOR_ID) == 0xffff)
				continue; /* no device in this slot */
			bool multi = pci_cfg_read8(bus, slot, 0, PCI_HEADER_TYPE) & 0x80;
			for (unsigned func = 0; func < (multi ? PCI_FUNCS : 1u); func++) {
				uint32_t id = pci_cfg_read32(bus, slot, func, PCI_VENDOR_ID);
				if ((id & 0xffff) != vendor || id >> 16 != device)
					continue;
				if (index--)
					continue;
				*out = (struct pci_dev){
				    .bus = (uint8_t)bus,
				    .slot = (uint8_t)slot,
				    .func = (uint8_t)func,
				    .vendor = vendor,
				    .device = device,
				    .class_rev = pci_cfg_read32(bus, slot, func, PCI_CLASS_REV),
				};
				return 0;
			}
		}
	return -ENODEV;
}

long pci_bar(const struct pci_dev *d, unsigned n, struct pci_bar *out)
{
	if (n >= PCI_BARS)
		return -EINVAL;
	if ((pci_cfg_read8(d->bus, d->slot, d->func, PCI_HEADER_TYPE) & 0x7f) != 0)
		return -ENODEV;
	unsigned off = PCI_BAR0 + 4 * n;
	*out = (struct pci_bar){0};
	uint32_t lo = rd32(d, off);
	bool io = lo & 1;
	bool is64 = !io && ((lo >> 1) & 3) == 2;
	if (is64 && n == PCI_BARS - 1)
		return -EINVAL;
	/* size it with decoding off, so no half-programmed window answers
	 * accesses meant for something else (PCI 3.0, 6.2.5.1) */
	uint16_t cmd = rd16(d, PCI_COMMAND);
	wr16(d, PCI_COMMAND, cmd & (uint16_t) ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	wr32(d, off, 0xffffffffu);
	uint32_t size_lo = rd32(d, off);
	wr32(d, off, lo);
	uint32_t hi = 0, size_hi = 0;
	if (is64) {
		hi = rd32(d, off + 4);
		wr32(d, off + 4, 0xffffffffu);
		size_hi = rd32(d, off + 4);
		wr32(d, off + 4, hi);
	}
	wr16(d, PCI_COMMAND, cmd);
	/* the address bits that stuck, the type bits dropped; the bits a BAR
	 * cannot hold read as ones (an I/O BAR may leave 31..16 zero) */
	uint64_t mask;
	if (io)
		mask = (size_lo & ~3u) | 0xffffffffffff0000ull;
	else if (is64)
		mask = ((uint64_t)size_hi << 32) | (size_lo & ~0xfu);
	else
		mask = (size_lo & ~0xfu) | 0xffffffff00000000ull;
	out->io = io;
	out->is64 = is64;
	out->prefetchable = !io && (lo & 8);
	if ((size_lo & ~0xfu) == 0 && (!is64 || size_hi == 0))
		return 0; /* not implemented: no address bit sticks */
	out->bytes = ~mask + 1;
	uint64_t base = io ? (lo & ~3u) : ((uint64_t)hi << 32) | (lo & ~0xfu);
	out->base = pa_init(base);
	return 0;
}

uint16_t pci_command_set(const struct pci_dev *d, uint16_t set, uint16_t clear)
{
	uint16_t cmd = rd16(d, PCI_COMMAND);
	wr16(d, PCI_COMMAND, (uint16_t)((cmd & ~clear) | set));
	return rd16(d, PCI_COMMAND);
}

unsigned pci_cap_find(const struct pci_dev *d, uint8_t cap)
{
	if (!(rd16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	unsigned off = pci_cfg_read8(d->bus, d->slot, d->func, PCI_CAP_PTR) & 0xfc;
	for (int steps = 0; off >= 0x40 && steps < 48; steps++) {
		uint16_t hdr = rd16(d, off); /* ID 7..0, next pointer 15..8 */
		if ((hdr & 0xff) == cap)
			return off;
		off = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/* The MSI capability's registers (PCI 3.0, 6.8.1, figure 6-9). */
#define MSI_CTRL 2 /* message control, 16 bits */
#define MSI_ADDR_LO 4
#define MSI_ADDR_HI 8 /* 64-bit capable only */
#define MSI_CTRL_ENABLE (1u << 0)
#define MSI_CTRL_MME (7u << 4) /* multiple message enable: 2^n vectors */
#define MSI_CTRL_64BIT (1u << 7)
#define MSI_CTRL_MASKBIT (1u << 8) /* per-vector masking capable */

/* The message address the local APIC decodes (SDM Vol. 3A 11.11.1):
 * 0xFEE in bits 31..20, the destination APIC ID in 19..12, RH bit 3
 * (redirection hint: 0, to the destination only), DM bit 2 (0: physical). */
#define MSI_ADDR_BASE 0xfee00000u
#define MSI_ADDR_DEST_SHIFT 12
/* The message data (SDM Vol. 3A 11.11.2): vector 7..0, delivery mode
 * 10..8 (000: fixed), level bit 14 and trigger mode bit 15 (0: edge). */
#define MSI_DATA_FIXED (0u << 8)
#define MSI_DATA_EDGE (0u << 15)

uint16_t pci_requester_id(const struct pci_dev *d)
{
	return (uint16_t)(d->bus << 8 | d->slot << 3 | d->func);
}

long pci_msi_compose(const struct pci_dev *d, unsigned vector, uint64_t *addr, uint32_t *data)
{
	if (vector < 0x20 || vector > 0xfe)
		return -EINVAL; /* 0..31 are exceptions; 0xff is the spurious vector */
	long r = lapic_init();
	if (r)
		return r;
	if (nk_view->iommu.on) {
		/* remappable format: the entry nk made for this requester and
		 * vector (CPU 0, fixed, edge); nothing else gets through */
		long h = nk_irq_remap(pci_requester_id(d), vector);
		if (h < 0) {
			char name[16];
			kprintf("pci: %s: nk refused an interrupt-remapping entry for vector %#x: "
				"%s\n",
				pci_name(d, name, sizeof(name)), vector, nk_strerror(h));
			return -EIO;
		}
		nk_msi_remappable((uint32_t)h, addr, data);
		return 0;
	}
	*addr = MSI_ADDR_BASE | (uint64_t)(lapic_id() & 0xff) << MSI_ADDR_DEST_SHIFT;
	*data = vector | MSI_DATA_FIXED | MSI_DATA_EDGE;
	return 0;
}

long pci_msi_enable(const struct pci_dev *d, uint64_t addr, uint32_t data)
{
	unsigned cap = pci_cap_find(d, PCI_CAP_MSI);
	if (!cap)
		return -ENODEV;
	uint16_t ctrl = rd16(d, cap + MSI_CTRL);
	bool is64 = ctrl & MSI_CTRL_64BIT;
	if ((addr & 3) || (!is64 && addr >> 32))
		return -EINVAL;
	/* disabled while it is reprogrammed, one vector */
	wr16(d, cap + MSI_CTRL, ctrl & (uint16_t) ~(MSI_CTRL_ENABLE | MSI_CTRL_MME));
	wr32(d, cap + MSI_ADDR_LO, (uint32_t)addr);
	unsigned data_off = cap + (is64 ? 0xc : 8);
	if (is64)
		wr32(d, cap + MSI_ADDR_HI, (uint32_t)(addr >> 32));
	wr16(d, data_off, (uint16_t)data);
	if (ctrl & MSI_CTRL_MASKBIT)
		wr32(d, data_off + 4, 0); /* mask bits (after the data's dword) */
	pci_command_set(d, PCI_CMD_INTX_DISABLE, 0);
	wr16(d, cap + MSI_CTRL,
	     (uint16_t)((ctrl & ~MSI_CTRL_MME) | MSI_CTRL_ENABLE)); /* MME 0: one vector */
	return 0;
}

void pci_msi_disable(const struct pci_dev *d)
{
	unsigned cap = pci_cap_find(d, PCI_CAP_MSI);
	if (cap)
		wr16(d, cap + MSI_CTRL, rd16(d, cap + MSI_CTRL) & (uint16_t)~MSI_CTRL_ENABLE);
}

char *pci_name(const struct pci_dev *d, char *buf, size_t cap)
{
	ksnprintf(buf, cap, "0000:%02x:%02x.%u", d->bus, d->slot, d->func);
	return buf;
}
