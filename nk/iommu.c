/* nk owns the Intel VT-d remapping unit (spec I11; I7 with I11). Devices
 * reach memory only through one set of second-level tables, in NK frames,
 * that identity-map the DATA frames and nothing else: one L1 entry per RAM
 * frame, contiguous and indexed by pfn (as the direct map), so a retype
 * changes one entry. Every bus and device function shares one context
 * entry (domain 1). Every device interrupt goes through nk's
 * interrupt-remapping table; nk hands out entries that deliver one fixed
 * vector, and only to the requester they were made for. Invalidations go
 * through the queued-invalidation interface and nk waits for each.
 * Source: Intel VT-d spec rev. 3.x: 3.4.3 (legacy-mode tables), 5.1
 * (interrupt remapping), 6.5.2 (queued invalidation), 7 (fault recording),
 * 9.1-9.3, 9.8, 9.10 (table formats), 10.4 (registers). */
#include "vtd.h"
#include <nk/iommu.h>

struct vtd_state vtd;

/* The queue never holds more than n + 1 entries at once. */
void vtd_qi_submit(const struct vtd_desc *d, unsigned n)
{
	for (unsigned i = 0; i <= n; i++) {
		struct vtd_desc *slot = &vtd.queue[vtd.tail];
		if (i < n)
			*slot = d[i];
		else {
			*vtd.status = 0;
			slot->lo = QI_WAIT_SW | (uint64_t)1 << 32; /* status data 1 */
			slot->hi = pa_addr(vtd.status_pa);
		}
		vtd_publish(slot);
		vtd.tail = (vtd.tail + 1) % QI_ENTRIES;
	}
	vtd_wr64(VTD_IQT, (uint64_t)vtd.tail << 4);
	for (uint64_t i = 0; *vtd.status != 1; i++) {
		/* a unit whose registers read all ones is not there any more
		 * (a BAR or PCIEXBAR moved over them): nk cannot invalidate,
		 * so it stops rather than go on as if it had */
		if ((i & 0xfffff) == 0xfffff && vtd_rd32(VTD_GSTS) == ~0u)
			nk_panic(__FILE__, __LINE__,
				 "the IOMMU's registers read all ones: it cannot be reached to "
				 "invalidate (was configuration space moved over it?)");
		NK_CHECK(i < 100000000); /* a unit that never completes: nk is stuck */
	}
}

void nk_iommu_set_frame(uint64_t pfn, bool data)
{
	if (!vtd.io_ptes)
		return;
	pte_t e = vtd_leaf(pfn, data);
	if (vtd.io_ptes[pfn] == e)
		return;
	vtd.stale |= !data || (vtd.cap & CAP_CM);
	vtd_view()->mapped_frames += data ? 1 : -1;
	vtd.io_ptes[pfn] = e;
	vtd_publish(&vtd.io_ptes[pfn]);
}

void nk_iommu_sync(void)
{
	if (!vtd.stale)
		return;
	const struct vtd_desc d = {QI_IOTLB_GLOBAL, 0};
	vtd_qi_submit(&d, 1);
	vtd.stale = false;
	vtd_view()->invalidations++;
}

long nk_iommu_poll_impl(void)
{
	struct nk_iommu_view *v = vtd_view();
	if (!v->on)
		return nk_count(NK_CALL_IOMMU_POLL, -NK_ENOIOMMU);
	long n = 0;
	uint32_t fro = CAP_FRO(vtd.cap), nfr = CAP_NFR(vtd.cap);
	for (uint32_t i = 0; i < nfr; i++) {
		uint32_t off = fro + i * 16;
		uint64_t hi = vtd_rd64(off + 8);
		if (hi == ~0ull) {
			nk_printf("nk: IOMMU: its registers read all ones (configuration space or "
				  "a BAR moved over them?): no faults read\n");
			break;
		}
		if (!(hi & FRR_F))
			continue;
		uint64_t lo = vtd_rd64(off);
		struct nk_iommu_fault *f = &v->fault_log[v->faults % NK_IOMMU_FAULTS_KEPT];
		f->sid = (uint16_t)hi;
		f->reason = (uint8_t)(hi >> 32);
		f->write = !(hi & FRR_T);
		f->interrupt = f->reason >= 0x20 && f->reason < 0x30;
		/* an interrupt fault's FI holds the index in bits 63:48 (10.4.14) */
		f->addr = f->interrupt ? (lo >> 48) << PAGE_SHIFT : lo & ~(uint64_t)(PAGE_SIZE - 1);
		nk_printf("nk: IOMMU fault: %s %02x:%02x.%u, %s %lx, reason %#x\n",
			  f->interrupt ? "interrupt from"
			  : f->write   ? "DMA write by"
				       : "DMA read by",
			  f->sid >> 8, (f->sid >> 3) & 0x1f, f->sid & 7,
			  f->interrupt ? "index" : "address",
			  f->interrupt ? f->addr >> 12 : f->addr, f->reason);
		vtd_wr32(off + 12, 1u << 31); /* clear F (RW1C) */
		v->faults++;
		n++;
	}
	vtd_wr32(VTD_FSTS, vtd_rd32(VTD_FSTS) & 0x7d); /* clear PFO, AFO, APF, IQE, ICE, ITE */
	return nk_count(NK_CALL_IOMMU_POLL, n);
}

long nk_irq_remap_impl(uint32_t sid, uint32_t vector)
{
	struct nk_iommu_view *v = vtd_view();
	long r = 0;
	if (!v->on)
		r = -NK_ENOIOMMU;
	else if (vector < 32 || vector > 255)
		r = -NK_EVECTOR;
	else if (nk_vector_reserved(vector))
		r = -NK_ENKVECTOR; /* a device's fake shootdown IPI or spurious interrupt */
	else if (sid > 0xffff)
		r = -NK_EVECTOR;
	if (r)
		return nk_count(NK_CALL_IRQ_REMAP, r);
	uint64_t lo = vtd_irte_lo(vector), hi = vtd_irte_hi(sid);
	for (uint32_t i = 0; i < v->nirqs; i++)
		if (vtd.irt[i][0] == lo && vtd.irt[i][1] == hi)
			return nk_count(NK_CALL_IRQ_REMAP, (long)i);
	if (v->nirqs == NK_IRQ_MAX)
		return nk_count(NK_CALL_IRQ_REMAP, -NK_ENOMEM);
	uint32_t i = v->nirqs++;
	vtd.irt[i][1] = hi;
	vtd.irt[i][0] = lo;
	vtd_publish(vtd.irt[i]);
	const struct vtd_desc d = {QI_IEC_GLOBAL, 0};
	vtd_qi_submit(&d, 1);
	v->iec_invalidations++;
	nk_count(NK_CALL_IRQ_REMAP, 0);
	return (long)i;
}

/* I11's structure: the unit uses nk's root table; every root entry names
 * the one context table; every context entry translates (TT 0, never
 * pass-through) through nk's top table, in domain 1; and each upper
 * second-level table points at the level below exactly as built (VT-d
 * 9.1, 9.3, 9.8). */
static void check_tables(const struct nk_iommu_view *v)
{
	unsigned levels = v->levels;
	paddr_t top = vtd.sl[levels];
	if ((vtd_rd64(VTD_RTADDR) & ~0xfffull) != pa_addr(vtd.root_pa)) {
		nk_check_fail(11, pa_addr(vtd.root_pa), "the unit does not use nk's root table");
		return;
	}
	const uint64_t(*r)[2] = arch_pa_va(vtd.root_pa), (*c)[2] = arch_pa_va(vtd.ctx_pa);
	for (unsigned i = 0; i < 256; i++) {
		if (r[i][0] != (pa_addr(vtd.ctx_pa) | 1) || r[i][1]) {
			nk_check_fail(11, pa_addr(vtd.root_pa) + i * 16,
				      "a root entry is not nk's");
			return;
		}
		if (c[i][0] != (pa_addr(top) | 1) || c[i][1] != vtd_ctx_hi(levels)) {
			nk_check_fail(11, pa_addr(vtd.ctx_pa) + i * 16,
				      "a context entry is not nk's (pass-through or other tables)");
			return;
		}
	}
	for (unsigned level = 2; level <= levels; level++) {
		const pte_t *e = arch_pa_va(vtd.sl[level]);
		for (uint64_t i = 0; i < vtd.nsl[level] * PTES_PER_PTP; i++) {
			pte_t want = i < vtd.nsl[level - 1]
					 ? vtd_sl_entry(pa_add(vtd.sl[level - 1], i * PAGE_SIZE))
					 : 0;
			if (e[i] != want) {
				nk_check_fail(11, pa_addr(vtd.sl[level]) + i * sizeof(pte_t),
					      "an upper device-table entry is not nk's");
				return;
			}
		}
	}
}

void nk_check_iommu(void)
{
	const struct nk_iommu_view *v = vtd_view();
	if (!v->on)
		return;
	uint64_t mapped = 0;
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		/* DATA, but not a frame kept read-only for the PTP pool */
		bool data =
		    nk.frames[pfn].type == NK_F_DATA && !(nk.frames[pfn].flags & NK_FF_DMRO);
		pte_t want = vtd_leaf(pfn, data);
		if (vtd.io_ptes[pfn] != want) {
			nk_check_fail(11, pa_addr(pa_from_pfn(pfn)),
				      data ? "a DATA frame is not mapped for devices"
					   : "a non-DATA frame is mapped for devices");
			return;
		}
		mapped += data;
	}
	if (mapped != v->mapped_frames)
		nk_check_fail(11, 0, "the count of frames mapped for devices is off");
	if (vtd.stale)
		nk_check_fail(11, 0, "a revoked device mapping may still be in the IOTLB");
	uint32_t gsts = vtd_rd32(VTD_GSTS);
	if ((gsts & (VTD_TE | VTD_IRE | VTD_QIE)) != (VTD_TE | VTD_IRE | VTD_QIE) ||
	    (gsts & VTD_CFI))
		nk_check_fail(11, pa_addr(v->reg_base),
			      "remapping or queued invalidation is off, or compatibility "
			      "format allowed");
	for (uint32_t i = 0; i < NK_IRQ_MAX; i++) {
		uint64_t lo = vtd.irt[i][0], hi = vtd.irt[i][1];
		bool used = i < v->nirqs;
		/* nk's entries (vtd_irte_lo/hi): a vector >= 32, one requester */
		uint32_t vector = lo >> 16 & 0xff;
		bool ok = used ? lo == vtd_irte_lo(vector) && vector >= 32 &&
				     hi == vtd_irte_hi(hi & 0xffff)
			       : lo == 0 && hi == 0;
		if (!ok) {
			nk_check_fail(11, i, "an interrupt-remapping entry is not nk's");
			return;
		}
	}
	check_tables(v);
}
