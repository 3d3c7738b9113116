/* nk's boot of the Intel VT-d remapping unit (nk/iommu.c has the rest):
 * find it in the ACPI DMAR table (nk/acpi.c), take NK frames for its
 * tables, check what it can do, build the tables and turn DMA and
 * interrupt remapping on before the outer kernel first runs. Boot-only.
 * Source: spec I11; VT-d spec rev. 3.x 3.4.3, 5.1, 6.5.2, 9, 10.4. */
#include "vtd.h"
#include "boot.h"
#include "acpi.h"

/* Global command: keep the enabled features, add `bit`, and wait for
 * `status` in GSTS (10.4.4: GCMD is written whole). Returns whether the
 * unit answered within the bound. */
NK_BOOT static bool command(uint32_t bit, uint32_t status)
{
	vtd_wr32(VTD_GCMD, (vtd_rd32(VTD_GSTS) & VTD_KEPT) | bit);
	for (uint32_t i = 0; i < 1000000; i++)
		if (vtd_rd32(VTD_GSTS) & status)
			return true;
	return false;
}

/* Boot: n zeroed NK frames for the unit's tables (physical address). */
NK_BOOT static paddr_t table_frames(uint64_t n)
{
	paddr_t pa = boot_alloc(n);
	for (uint64_t i = 0; i < n; i++)
		nk_set_type(pa_pfn(pa) + i, NK_F_NK);
	return pa;
}

NK_BOOT long nk_iommu_reserve(paddr_t reg_base, uint64_t reg_pages)
{
	struct nk_iommu_view *v = vtd_view();
	v->present = true;
	v->reg_base = reg_base;
	if (reg_pages == 0 || reg_pages > NK_DEVICE_PAGES - nk.ndev) {
		nk_printf("nk: IOMMU at %lx: %lu register pages do not fit nk's device window\n",
			  pa_addr(reg_base), reg_pages);
		return -NK_ENOIOMMU;
	}
	/* every page of the register set, at consecutive addresses */
	vtd.regs = nk_boot_map_device(reg_base);
	for (uint64_t i = 1; i < reg_pages; i++)
		nk_boot_map_device(pa_add(reg_base, i * PAGE_SIZE));
	vtd.reg_bytes = reg_pages * PAGE_SIZE;
	uint64_t n = nk.nframes;
	for (unsigned level = 1; level <= 4; level++) {
		n = (n + PTES_PER_PTP - 1) / PTES_PER_PTP;
		vtd.nsl[level] = n;
		vtd.sl[level] = table_frames(n);
	}
	vtd.ctx_pa = table_frames(1);
	vtd.root_pa = table_frames(1);
	vtd.irt_pa = table_frames(NK_IRQ_MAX * 16 / PAGE_SIZE);
	vtd.queue_pa = table_frames(1);
	vtd.status_pa = table_frames(1);
	return 0;
}

/* Boot: the second-level tables for `levels` levels (3 or 4): a leaf for
 * every DATA frame, the upper levels complete. Returns the top table. */
NK_BOOT static paddr_t build_tables(unsigned levels)
{
	vtd.io_ptes = arch_pa_va(vtd.sl[1]);
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++)
		if (nk.frames[pfn].type == NK_F_DATA) {
			vtd.io_ptes[pfn] = vtd_leaf(pfn, true);
			vtd_view()->mapped_frames++;
		}
	for (unsigned level = 2; level <= levels; level++) {
		pte_t *e = arch_pa_va(vtd.sl[level]);
		for (uint64_t i = 0; i < vtd.nsl[level - 1]; i++)
			e[i] = vtd_sl_entry(pa_add(vtd.sl[level - 1], i * PAGE_SIZE));
	}
	NK_CHECK(vtd.nsl[levels] == 1);
	return vtd.sl[levels];
}

/* Boot: why unit `cap`/`ecap` cannot be used, or NULL. */
NK_BOOT static const char *unusable(uint64_t cap, uint64_t ecap, unsigned *levels)
{
	uint64_t ram_bits = 64 - (uint64_t)__builtin_clzll(nk.nframes * PAGE_SIZE - 1);
	if (cap == ~0ull && ecap == ~0ull)
		return "its registers read all ones: nothing answers at the DMAR's address";
	if (CAP_SAGAW(cap) & 2)
		*levels = 3; /* 39-bit guest addresses */
	else if (CAP_SAGAW(cap) & 4)
		*levels = 4; /* 48-bit */
	else
		return "it supports neither 3- nor 4-level second-level tables (CAP.SAGAW)";
	if (ram_bits > (*levels == 3 ? 39 : 48) || ram_bits > CAP_MGAW(cap))
		return "its guest address width does not cover RAM (CAP.MGAW)";
	if (CAP_FRO(cap) + CAP_NFR(cap) * 16 > vtd.reg_bytes)
		return "its fault-recording registers lie past its register set (CAP.FRO)";
	if (cap & CAP_RWBF)
		return "it needs write-buffer flushing (CAP.RWBF), which nk does not do";
	if (!(ecap & ECAP_QI))
		return "it has no queued invalidation (ECAP.QI)";
	if (!(ecap & ECAP_IR))
		return "it has no interrupt remapping (ECAP.IR)";
	return NULL;
}

/* Boot: write back a table the unit reads, when it does not snoop. */
NK_BOOT static void publish_page(paddr_t pa)
{
	if (!(vtd.ecap & ECAP_C))
		for (uint64_t off = 0; off < PAGE_SIZE; off += 64)
			arch_clflush((const uint8_t *)arch_pa_va(pa) + off);
}

NK_BOOT long nk_iommu_boot(void)
{
	struct nk_iommu_view *v = vtd_view();
	paddr_t reg_base = v->reg_base;
	vtd.cap = v->cap = vtd_rd64(VTD_CAP);
	vtd.ecap = v->ecap = vtd_rd64(VTD_ECAP);
	unsigned levels = 0;
	const char *why = unusable(vtd.cap, vtd.ecap, &levels);
	if (why) {
		nk_printf("nk: IOMMU at %lx (CAP %lx, ECAP %lx) is unusable: %s\n",
			  pa_addr(reg_base), vtd.cap, vtd.ecap, why);
		return -NK_ENOIOMMU;
	}
	v->levels = levels;
	if (vtd_rd32(VTD_GSTS) & (VTD_TE | VTD_IRE | VTD_QIE)) {
		nk_printf("nk: IOMMU at %lx was left enabled by firmware: refused\n",
			  pa_addr(reg_base));
		return -NK_ENOIOMMU;
	}

	/* the tables: second level, one context table for every bus, the
	 * root table, the interrupt-remapping table, the queue */
	paddr_t top = build_tables(levels);
	uint64_t(*c)[2] = arch_pa_va(vtd.ctx_pa), (*r)[2] = arch_pa_va(vtd.root_pa);
	for (unsigned i = 0; i < 256; i++) {
		c[i][0] = pa_addr(top) | 1; /* P; TT 0: translated */
		c[i][1] = vtd_ctx_hi(levels);
		r[i][0] = pa_addr(vtd.ctx_pa) | 1;
	}
	vtd.irt = arch_pa_va(vtd.irt_pa);
	vtd.queue = arch_pa_va(vtd.queue_pa);
	vtd.status = arch_pa_va(vtd.status_pa);
	for (unsigned level = 1; level <= levels; level++)
		for (uint64_t i = 0; i < vtd.nsl[level]; i++)
			publish_page(pa_add(vtd.sl[level], i * PAGE_SIZE));
	publish_page(vtd.ctx_pa);
	publish_page(vtd.root_pa);
	publish_page(vtd.irt_pa); /* all zero: no entry present */

	/* program it: root table, queue, caches flushed, interrupt
	 * remapping (compatibility-format interrupts blocked: CFI clear),
	 * fault interrupts masked (nk polls), translation */
	vtd_wr64(VTD_RTADDR, pa_addr(vtd.root_pa));
	bool ok = command(VTD_SRTP, VTD_SRTP);
	vtd_wr64(VTD_IQT, 0);
	vtd_wr64(VTD_IQA, pa_addr(vtd.queue_pa)); /* 128-bit descriptors, one page */
	ok = ok && command(VTD_QIE, VTD_QIE);
	if (ok) {
		const struct vtd_desc d[] = {{QI_CC_GLOBAL, 0}, {QI_IOTLB_GLOBAL, 0}};
		vtd_qi_submit(d, 2);
	}
	vtd_wr64(VTD_IRTA, pa_addr(vtd.irt_pa) | IRT_SIZE_FIELD);
	ok = ok && command(VTD_SIRTP, VTD_SIRTP);
	if (ok) {
		const struct vtd_desc d = {QI_IEC_GLOBAL, 0};
		vtd_qi_submit(&d, 1);
	}
	vtd_wr32(VTD_FECTL, 1u << 31);
	ok = ok && command(VTD_IRE, VTD_IRE) && command(VTD_TE, VTD_TE);
	if (!ok || (vtd_rd32(VTD_GSTS) & VTD_CFI)) {
		nk_printf("nk: IOMMU at %lx did not take nk's commands (GSTS %x)\n",
			  pa_addr(reg_base), vtd_rd32(VTD_GSTS));
		return -NK_ENOIOMMU;
	}
	vtd.stale = false;
	v->regs_va = vtd.regs;
	v->root_table = vtd.root_pa;
	v->on = true;
	nk_printf("nk: IOMMU at %lx: DMA remapping on, %u-level tables, %lu DATA frames "
		  "mapped for devices, %lu not; interrupt remapping on (%u entries, "
		  "compatibility format blocked)\n",
		  pa_addr(reg_base), levels, v->mapped_frames, nk.nframes - v->mapped_frames,
		  NK_IRQ_MAX);
	return 0;
}

/* boot_acpi_map (nk/boot.h): nk_acpi_find_dmar's and nk_acpi_find_madt's
 * accessor. */
NK_BOOT const void *boot_acpi_map(paddr_t pa, uint64_t len, void *ctx)
{
	(void)ctx;
	if (pa_addr(pa) >= (1ull << 32) || len > (1ull << 32) - pa_addr(pa))
		return NULL;
	return arch_boot_pa_va(pa);
}

/* Boot: stop, or go on without DMA protection when nk.iommu=off. */
NK_BOOT static bool no_iommu(const char *what)
{
	if (!nk_cmdline_flag("nk.iommu", true)) {
		nk_view_store.iommu.off_by_cmdline = true;
		nk_printf("nk: WARNING: nk.iommu=off: %s; DMA IS NOT PROTECTED: any device a "
			  "driver programs can write any frame, nk's included (spec I11)\n",
			  what);
		return false;
	}
	nk_printf("nk: FATAL: %s: without an IOMMU any device can write nk's memory (spec "
		  "I11). Run QEMU with -device intel-iommu,intremap=on, or boot with "
		  "nk.iommu=off to go on unprotected. Refusing to boot.\n",
		  what);
	nk_exit_qemu(0x14); /* QEMU status 41 */
}

static struct nk_dmar dmar; /* about 7 KiB: not on the boot stack */

NK_BOOT bool boot_start_iommu(void)
{
	if (!nk_cmdline_flag("nk.iommu", true))
		return no_iommu("the IOMMU is not used");
	if (!boot_rsdp_bytes)
		return no_iommu("the loader passed no ACPI RSDP (multiboot2 tag 14 or 15)");
	char why[160];
	long r = nk_acpi_find_dmar(boot_rsdp, boot_rsdp_bytes, boot_acpi_map, NULL, &dmar, why,
				   sizeof(why));
	if (r) {
		nk_printf("nk: ACPI: %s (%s)\n", why, nk_acpi_strerror(r));
		return no_iommu(r == -NK_ACPI_ENODMAR ? "no DMAR table: no IOMMU"
						      : "the DMAR table is malformed");
	}
	/* one unit, segment 0: nk gives every bus and function of the segment
	 * the same context entry, so devices the unit's scope lists one by
	 * one (QEMU 7.2 lists each device on bus 0) and any others all go
	 * through nk's tables. A second unit would cover devices this one
	 * never sees. */
	if (dmar.ndrhd != 1 || dmar.drhd[0].segment != 0)
		return no_iommu("nk drives exactly one remapping unit, for PCI segment 0, and "
				"the DMAR table lists another layout");
	if (!(dmar.flags & NK_DMAR_F_INTR_REMAP))
		return no_iommu("the DMAR table does not offer interrupt remapping");
	if (dmar.nrmrr)
		nk_printf("nk: DMAR: %u reserved memory regions (RMRR) are not mapped for "
			  "devices: a device that needs one fails its DMA\n",
			  dmar.nrmrr);
	if (nk_iommu_reserve(dmar.drhd[0].reg_base, dmar.drhd[0].reg_pages))
		return no_iommu("the remapping unit cannot be mapped");
	return true;
}

NK_BOOT void boot_finish_iommu(void)
{
	if (nk_iommu_boot())
		no_iommu("the remapping unit cannot be used");
}
