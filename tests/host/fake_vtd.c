/* The fake VT-d unit (tests/host/fake_vtd.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_arch.h"
#include "fake_vtd.h"

#define FRR_F (1ull << 63)
#define LINE_BYTES 64u

struct fake_vtd fake_vtd;

/* Memory as a unit without ECAP.C sees it (FAKE_MEM_BYTES). */
static uint8_t *seen;

void fake_vtd_reset(void)
{
	memset(&fake_vtd, 0, sizeof(fake_vtd));
	fake_vtd.present = true;
	/* CAP: SAGAW 3-level (bit 9), MGAW 39 bits, FRO, NFR 0 (one register) */
	fake_vtd.cap = (2ull << 8) | (38ull << 16) | ((uint64_t)(FAKE_VTD_FRO / 16) << 24);
	fake_vtd.ecap = 0x1 | 0x2 | 0x8; /* C, QI, IR */
	if (!seen) {
		seen = aligned_alloc(PAGE_SIZE, FAKE_MEM_BYTES);
		if (!seen) {
			fprintf(stderr, "fake_vtd: out of host memory\n");
			abort();
		}
	}
	for (uint64_t off = 0; off < FAKE_MEM_BYTES; off += 16) {
		const uint64_t stale[2] = {FAKE_VTD_STALE_LO, FAKE_VTD_STALE_HI};
		memcpy(seen + off, stale, sizeof(stale));
	}
}

static bool coherent(void)
{
	return fake_vtd.ecap & 1;
}

/* The unit reads the 8 bytes at pa: through the caches when it is
 * coherent, else what was written back; nothing beyond fake memory (0). */
static uint64_t unit_rd64(uint64_t pa)
{
	uint64_t v = 0;
	if (pa <= FAKE_MEM_BYTES - 8)
		memcpy(&v, (coherent() ? fake_mem() : seen) + pa, 8);
	return v;
}

/* The unit writes the 4 bytes at pa (to memory: the CPU sees it too). */
static void unit_wr32(uint64_t pa, uint32_t v)
{
	if (pa > FAKE_MEM_BYTES - 4)
		return;
	memcpy(fake_mem() + pa, &v, 4);
	memcpy(seen + pa, &v, 4);
}

void fake_vtd_clflush(const void *p)
{
	fake_vtd.clflushes++;
	uint64_t pa = pa_addr(arch_va_pa(p));
	if (!seen || pa >= FAKE_MEM_BYTES)
		return;
	pa &= ~(uint64_t)(LINE_BYTES - 1);
	memcpy(seen + pa, fake_mem() + pa, LINE_BYTES);
}

static unsigned nfr(void)
{
	unsigned n = (unsigned)((fake_vtd.cap >> 40) & 0xff) + 1;
	return n < FAKE_VTD_NFR_MAX ? n : FAKE_VTD_NFR_MAX;
}

/* Run the queue from its head to the tail nk wrote (6.5.2). */
static void run_queue(void)
{
	uint64_t base = fake_vtd.iqa & ~0xfffull;
	uint64_t entries = 256ull << (fake_vtd.iqa & 7);
	while (fake_vtd.iqh != fake_vtd.iqt) {
		uint64_t at = base + (fake_vtd.iqh >> 4) * 16;
		uint64_t d0 = unit_rd64(at), d1 = unit_rd64(at + 8);
		switch (d0 & 0xf) {
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
			if (d0 & (1u << 5))
				unit_wr32(d1 & ~3ull, (uint32_t)(d0 >> 32));
			break;
		default:
			fake_vtd.bad_descriptors++;
			fake_vtd.fsts |= FSTS_IQE;
			return;
		}
		fake_vtd.iqh = ((fake_vtd.iqh >> 4) + 1) % entries << 4;
	}
}

/* Which fault-recording register (and which quadword, 0 or 8, and byte
 * offset in it) the register offset off falls in; false for none. */
static bool frr_at(uint32_t off, unsigned *i, uint32_t *in)
{
	if (off < FAKE_VTD_FRO || off >= FAKE_VTD_FRO + 16 * nfr())
		return false;
	*i = (off - FAKE_VTD_FRO) / 16;
	*in = (off - FAKE_VTD_FRO) % 16;
	return true;
}

static bool any_fault_pending(void)
{
	for (unsigned i = 0; i < nfr(); i++)
		if (fake_vtd.frr[i][1] & FRR_F)
			return true;
	return false;
}

uint64_t fake_vtd_read(uint32_t off, unsigned bytes)
{
	unsigned i;
	uint32_t in;
	if (frr_at(off, &i, &in)) {
		uint64_t q = fake_vtd.frr[i][in / 8];
		return bytes == 4 && in % 8 == 4 ? q >> 32 : q;
	}
	switch (off) {
	case 0x08:
		return fake_vtd.cap;
	case 0x10:
		return fake_vtd.ecap;
	case 0x1c:
		return (fake_vtd.gsts | fake_vtd.gsts_always) & ~fake_vtd.gsts_never;
	case 0x20:
		return fake_vtd.rtaddr;
	case 0x34: /* FSTS: PFO, PPF, IQE; FRI */
		return fake_vtd.fsts | (uint32_t)any_fault_pending() << 1 | fake_vtd.fri << 8;
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
	default:
		return 0;
	}
}

void fake_vtd_write(uint32_t off, uint64_t v, unsigned bytes)
{
	unsigned i;
	uint32_t in;
	if (frr_at(off, &i, &in)) {
		/* F (bit 127) is RW1C; the rest reads only */
		if ((in == 12 && bytes == 4 && (v & (1u << 31))) ||
		    (in == 8 && bytes == 8 && (v & FRR_F)))
			fake_vtd.frr[i][1] &= ~FRR_F;
		return;
	}
	switch (off) {
	case 0x18: { /* GCMD: the persistent bits as written, one-shots done at once */
		uint32_t keep = (uint32_t)v & (GSTS_TES | GSTS_QIES | GSTS_IRES | GSTS_CFIS);
		fake_vtd.gsts = keep | (fake_vtd.gsts & (GSTS_RTPS | GSTS_IRTPS));
		if (v & GSTS_RTPS)
			fake_vtd.gsts |= GSTS_RTPS;
		if (v & GSTS_IRTPS)
			fake_vtd.gsts |= GSTS_IRTPS;
		break;
	}
	case 0x20:
		fake_vtd.rtaddr = v;
		break;
	case 0x34:
		fake_vtd.fsts &= ~((uint32_t)v & 0x7d); /* RW1C (PPF and FRI read only) */
		break;
	case 0x38:
		fake_vtd.fectl = (uint32_t)v;
		break;
	case 0x88:
		fake_vtd.iqt = v;
		if (fake_vtd.gsts & GSTS_QIES)
			run_queue();
		break;
	case 0x90:
		fake_vtd.iqa = v;
		fake_vtd.iqh = 0;
		break;
	case 0xb8:
		fake_vtd.irta = v;
		break;
	default:
		break;
	}
}

/* Record a fault in the register FRI names (7.2.1): when that one still
 * holds an unread fault, the new one is lost and FSTS.PFO says so. */
static int record(uint64_t lo, uint64_t hi, int reason)
{
	uint64_t *r = fake_vtd.frr[fake_vtd.fri];
	if (r[1] & FRR_F) {
		fake_vtd.fsts |= FSTS_PFO;
		return reason;
	}
	r[0] = lo;
	r[1] = FRR_F | hi;
	fake_vtd.fri = (fake_vtd.fri + 1) % nfr();
	return reason;
}

static int fault(uint16_t sid, uint64_t addr, bool write, int reason)
{
	return record(addr & ~0xfffull, (write ? 0 : 1ull << 62) | (uint64_t)reason << 32 | sid,
		      reason);
}

/* Cache a translation (or, valid && none, a not-present entry). */
static void iotlb_fill(uint16_t sid, uint64_t page, uint64_t frame, bool w, bool none)
{
	int slot = -1;
	for (int i = 0; i < FAKE_VTD_IOTLB && slot < 0; i++)
		if (!fake_vtd.iotlb[i].valid)
			slot = i;
	if (slot < 0) {
		slot = (int)fake_vtd.iotlb_next;
		fake_vtd.iotlb_next = (fake_vtd.iotlb_next + 1) % FAKE_VTD_IOTLB;
	}
	fake_vtd.iotlb[slot].valid = true;
	fake_vtd.iotlb[slot].none = none;
	fake_vtd.iotlb[slot].sid = sid;
	fake_vtd.iotlb[slot].page = page;
	fake_vtd.iotlb[slot].frame = frame;
	fake_vtd.iotlb[slot].w = w;
}

int fake_vtd_dma(uint16_t sid, uint64_t addr, bool write)
{
	if (!(fake_vtd.gsts & GSTS_TES))
		return 0;
	uint64_t page = addr >> 12;
	for (int i = 0; i < FAKE_VTD_IOTLB; i++)
		if (fake_vtd.iotlb[i].valid && fake_vtd.iotlb[i].sid == sid &&
		    fake_vtd.iotlb[i].page == page) {
			if (fake_vtd.iotlb[i].none)
				return fault(sid, addr, write, write ? 5 : 6);
			return !write || fake_vtd.iotlb[i].w ? 0 : fault(sid, addr, write, 5);
		}
	uint64_t root = fake_vtd.rtaddr & ~0xfffull;
	uint64_t re = unit_rd64(root + (uint64_t)(sid >> 8) * 16);
	if (!(re & 1))
		return fault(sid, addr, write, 1);
	uint64_t ce = (re & ~0xfffull) + (uint64_t)(sid & 0xff) * 16;
	uint64_t ce0 = unit_rd64(ce), ce1 = unit_rd64(ce + 8);
	if (!(ce0 & 1))
		return fault(sid, addr, write, 2);
	unsigned levels = (ce1 & 7) == 1 ? 3 : 4;
	uint64_t t = ce0 & ~0xfffull;
	bool w = true;
	if (addr >> (12 + 9 * levels))
		return fault(sid, addr, write, 4); /* beyond the address width */
	for (unsigned level = levels; level >= 1; level--) {
		uint64_t e = unit_rd64(t + ((addr >> (12 + 9 * (level - 1))) & 511) * 8);
		if (!(e & 3)) {
			if (fake_vtd.cap & (1ull << 7)) /* CM: not-present entries are cached */
				iotlb_fill(sid, page, 0, false, true);
			return fault(sid, addr, write, write ? 5 : 6);
		}
		w &= (e >> 1) & 1;
		t = e & 0x000ffffffffff000ull;
	}
	iotlb_fill(sid, page, t >> 12, w, false);
	return !write || w ? 0 : fault(sid, addr, write, 5);
}

static int ir_fault(uint16_t sid, uint32_t index, int reason)
{
	return record((uint64_t)index << 48, (uint64_t)reason << 32 | sid, reason);
}

int fake_vtd_msi(uint16_t sid, uint64_t addr, uint32_t data, struct fake_irq *out)
{
	if ((addr >> 20) != 0xfee) {
		fprintf(stderr, "fake_vtd_msi: %#llx is not an MSI address\n",
			(unsigned long long)addr);
		abort();
	}
	bool remappable = addr & (1u << 4);
	if (!(fake_vtd.gsts & GSTS_IRES) || (!remappable && (fake_vtd.gsts & GSTS_CFIS))) {
		/* compatibility format, as sent (Intel SDM Vol. 3A 11.11) */
		out->vector = (uint8_t)data;
		out->dlm = (uint8_t)((data >> 8) & 7);
		out->dest = (uint32_t)(addr >> 12) & 0xff;
		return 0;
	}
	if (!remappable)
		return ir_fault(sid, 0, 0x25);
	uint32_t handle = (uint32_t)((addr >> 5) & 0x7fff) | (uint32_t)((addr >> 2) & 1) << 15;
	if (addr & (1u << 3)) /* SHV: the subhandle is the data's low 16 bits */
		handle = (handle + (data & 0xffff)) & 0xffff;
	uint64_t entries = 2ull << (fake_vtd.irta & 0xf);
	if (handle >= entries)
		return ir_fault(sid, handle, 0x21);
	uint64_t irte = (fake_vtd.irta & ~0xfffull) + (uint64_t)handle * 16;
	uint64_t lo = unit_rd64(irte), hi = unit_rd64(irte + 8);
	if (!(lo & 1))
		return ir_fault(sid, handle, 0x22);
	unsigned svt = (unsigned)(hi >> 18) & 3, sq = (unsigned)(hi >> 16) & 3;
	uint16_t want = (uint16_t)hi;
	if (svt == 1) {
		/* SQ 1 ignores bit 2 of the function, 2 bits 2:1, 3 bits 2:0 */
		uint16_t ignore = (uint16_t)(((1u << sq) - 1) << (3 - sq));
		if ((sid & ~ignore) != (want & ~ignore))
			return ir_fault(sid, handle, 0x26);
	} else if (svt == 2) {
		unsigned bus = sid >> 8, first = want >> 8, last = want & 0xff;
		if (bus < first || bus > last)
			return ir_fault(sid, handle, 0x26);
	} else if (svt == 3) {
		return ir_fault(sid, handle, 0x24);
	}
	out->vector = (uint8_t)(lo >> 16);
	out->dlm = (uint8_t)((lo >> 5) & 7);
	out->dest = (uint32_t)(lo >> 32);
	return 0;
}
