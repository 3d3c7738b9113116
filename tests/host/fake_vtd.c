/* The fake VT-d unit (tests/host/fake_vtd.h). */
#include <string.h>

#include "fake_arch.h"
#include "fake_vtd.h"

struct fake_vtd fake_vtd;

void fake_vtd_reset(void)
{
	memset(&fake_vtd, 0, sizeof(fake_vtd));
	fake_vtd.present = true;
	/* CAP: SAGAW 3-level (bit 9), MGAW 39 bits, FRO, one fault register */
	fake_vtd.cap = (2ull << 8) | (38ull << 16) | ((uint64_t)(FAKE_VTD_FRO / 16) << 24);
	fake_vtd.ecap = 0x1 | 0x2 | 0x8; /* C, QI, IR */
}

static uint64_t *mem64(uint64_t pa)
{
	return (uint64_t *)arch_pa_va(pa_init(pa));
}

/* Run the queue from its head to the tail nk wrote (6.5.2). */
static void run_queue(void)
{
	uint64_t base = fake_vtd.iqa & ~0xfffull;
	uint64_t entries = 256ull << (fake_vtd.iqa & 7);
	while (fake_vtd.iqh != fake_vtd.iqt) {
		uint64_t *d = mem64(base + (fake_vtd.iqh >> 4) * 16);
		switch (d[0] & 0xf) {
		case 1:
			fake_vtd.cc_invalidations++;
			break;
		case 2:
			fake_vtd.iotlb_invalidations++;
			for (int i = 0; i < FAKE_VTD_IOTLB; i++)
				fake_vtd.iotlb[i].valid = false;
			break;
		case 4:
			fake_vtd.iec_invalidations++;
			break;
		case 5:
			fake_vtd.waits++;
			if (d[0] & (1u << 5))
				*(uint32_t *)arch_pa_va(pa_init(d[1] & ~3ull)) =
				    (uint32_t)(d[0] >> 32);
			break;
		default:
			fake_vtd.bad_descriptors++;
			fake_vtd.fsts |= 1u << 4; /* IQE */
			return;
		}
		fake_vtd.iqh = ((fake_vtd.iqh >> 4) + 1) % entries << 4;
	}
}

uint64_t fake_vtd_read(uint32_t off, unsigned bytes)
{
	(void)bytes;
	switch (off) {
	case 0x08:
		return fake_vtd.cap;
	case 0x10:
		return fake_vtd.ecap;
	case 0x1c:
		return fake_vtd.gsts;
	case 0x20:
		return fake_vtd.rtaddr;
	case 0x34:
		return fake_vtd.fsts | (fake_vtd.frr[1] >> 63) << 1; /* PPF */
	case 0x38:
		return fake_vtd.fectl;
	case 0x80:
		return fake_vtd.iqh;
	case 0x88:
		return fake_vtd.iqt;
	case 0x90:
		return fake_vtd.iqa;
	case 0xb8:
		return fake_vtd.irta;
	case FAKE_VTD_FRO:
		return fake_vtd.frr[0];
	case FAKE_VTD_FRO + 8:
		return fake_vtd.frr[1];
	default:
		return 0;
	}
}

void fake_vtd_write(uint32_t off, uint64_t v, unsigned bytes)
{
	switch (off) {
	case 0x18: { /* GCMD: the persistent bits as written, one-shots done at once */
		uint32_t keep = (uint32_t)v & (1u << 31 | 1u << 26 | 1u << 25 | 1u << 23);
		fake_vtd.gsts = keep | (fake_vtd.gsts & (1u << 30 | 1u << 24));
		if (v & (1u << 30))
			fake_vtd.gsts |= 1u << 30; /* RTPS */
		if (v & (1u << 24))
			fake_vtd.gsts |= 1u << 24; /* IRTPS */
		break;
	}
	case 0x20:
		fake_vtd.rtaddr = v;
		break;
	case 0x34:
		fake_vtd.fsts &= ~(uint32_t)v; /* RW1C */
		break;
	case 0x38:
		fake_vtd.fectl = (uint32_t)v;
		break;
	case 0x88:
		fake_vtd.iqt = v;
		if (fake_vtd.gsts & (1u << 26))
			run_queue();
		break;
	case 0x90:
		fake_vtd.iqa = v;
		fake_vtd.iqh = 0;
		break;
	case 0xb8:
		fake_vtd.irta = v;
		break;
	case FAKE_VTD_FRO + 12:
		if (bytes == 4 && (v & (1u << 31)))
			fake_vtd.frr[1] &= ~(1ull << 63); /* F is RW1C */
		break;
	default:
		break;
	}
}

static int fault(uint16_t sid, uint64_t addr, bool write, int reason)
{
	if (!(fake_vtd.frr[1] >> 63)) {
		fake_vtd.frr[0] = addr & ~0xfffull;
		fake_vtd.frr[1] =
		    1ull << 63 | (write ? 0 : 1ull << 62) | (uint64_t)reason << 32 | sid;
	}
	return reason;
}

int fake_vtd_dma(uint16_t sid, uint64_t addr, bool write)
{
	if (!(fake_vtd.gsts & (1u << 31)))
		return 0;
	uint64_t page = addr >> 12;
	for (int i = 0; i < FAKE_VTD_IOTLB; i++)
		if (fake_vtd.iotlb[i].valid && fake_vtd.iotlb[i].sid == sid &&
		    fake_vtd.iotlb[i].page == page)
			return !write || fake_vtd.iotlb[i].w ? 0 : fault(sid, addr, write, 5);
	uint64_t root = fake_vtd.rtaddr & ~0xfffull;
	uint64_t re = mem64(root + (sid >> 8) * 16)[0];
	if (!(re & 1))
		return fault(sid, addr, write, 1);
	uint64_t *ce = mem64((re & ~0xfffull) + (sid & 0xff) * 16);
	if (!(ce[0] & 1))
		return fault(sid, addr, write, 2);
	unsigned levels = (ce[1] & 7) == 1 ? 3 : 4;
	uint64_t t = ce[0] & ~0xfffull;
	bool w = true;
	for (unsigned level = levels; level >= 1; level--) {
		if (addr >> (12 + 9 * levels) && level == levels)
			return fault(sid, addr, write, 4); /* beyond the address width */
		uint64_t e = mem64(t)[(addr >> (12 + 9 * (level - 1))) & 511];
		if (!(e & 3))
			return fault(sid, addr, write, write ? 5 : 6);
		w &= (e >> 1) & 1;
		t = e & 0x000ffffffffff000ull;
	}
	for (int i = 0; i < FAKE_VTD_IOTLB; i++)
		if (!fake_vtd.iotlb[i].valid) {
			fake_vtd.iotlb[i].valid = true;
			fake_vtd.iotlb[i].sid = sid;
			fake_vtd.iotlb[i].page = page;
			fake_vtd.iotlb[i].frame = t >> 12;
			fake_vtd.iotlb[i].w = w;
			break;
		}
	return !write || w ? 0 : fault(sid, addr, write, 5);
}
