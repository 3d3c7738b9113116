/* IDT, GDT and TSS: in nk frames (read-only to the outer kernel, I7), every
 * vector entering through an nk stub (nk/gate.asm); and the checks of the
 * CPU state nk relies on (I3, I7, I8). The CPU is reached only through
 * nk/arch.h, so all of this runs in host unit tests too.
 * Source: spec I3, I7, I8; SDM Vol. 3A 3.4.5 (descriptors), 6.10-6.14 (IDT,
 * 64-bit gates, IST), 7.7 (64-bit TSS). */
#include "nk.h"
#include "cpu.h"
#include <nk/region.h>

#define TABLE_VA(base, field) ((base) + offsetof(struct nk_cpu_tables, field))

/* The 64-bit TSS descriptor (two GDT slots) for a TSS at va, lim bytes - 1
 * long. SDM Vol. 3A 7.2.3. */
NK_BOOT static void tss_descriptor(uint64_t d[2], uint64_t va, uint64_t lim)
{
	d[0] = (lim & 0xffff) | ((va & 0xffffff) << 16) | (0x89ull << 40) |
	       (((lim >> 16) & 0xf) << 48) | (((va >> 24) & 0xff) << 56);
	d[1] = va >> 32;
}

/* The IST slot of vector v (nk/cpu.h: every vector has one). */
NK_BOOT static uint8_t vector_ist(int v)
{
	return (uint8_t)(v == 8	   ? IST_DF
			 : v == 2  ? IST_NMI
			 : v == 18 ? IST_MC
			 : v < 32  ? IST_EXC
				   : IST_IRQ);
}

/* Declare the table at va (size_bytes, whole pages) a write-once region
 * of nk's own frames, every byte written (by nk), sealed by nk_init_done.
 * Returns its id or -NK_E*. */
NK_BOOT static int32_t declare_table(uint64_t va, uint64_t size_bytes)
{
	unsigned wo = NK_POLICY_WRITE_ONCE | NK_REGION_SEAL_AT_INIT;
	return (int32_t)nk_region_declare_nk((const void *)va, size_bytes, wo, true);
}

/* CPU cpu's GDT (at gdt_va) and TSS (at tss_va), where nk writes them. */
struct gdt_tss {
	uint64_t *gdt;
	struct tss64 *tss;
	uint64_t gdt_va, tss_va;
};

static struct gdt_tss cpu_gdt_tss(unsigned cpu)
{
	uint64_t va;
	if (cpu == 0) {
		struct nk_cpu_tables *t = arch_cpu_tables(&va);
		return (struct gdt_tss){t->gdt, &t->tss.t, TABLE_VA(va, gdt), TABLE_VA(va, tss)};
	}
	struct nk_ap_tables *a = arch_ap_tables(cpu, &va);
	return (struct gdt_tss){a->gdt, &a->tss.t, va + offsetof(struct nk_ap_tables, gdt),
				va + offsetof(struct nk_ap_tables, tss)};
}

/* Fill CPU cpu's GDT (its TSS descriptor in its slot only) and TSS. */
NK_BOOT static void build_gdt_tss(unsigned cpu, const uint64_t ist_tops[IST_STACKS], uint64_t rsp0)
{
	struct gdt_tss g = cpu_gdt_tss(cpu);
	uint64_t *gdt = g.gdt;
	gdt[0] = 0;
	gdt[SEL_KCODE / 8] = 0x00af9b000000ffffull; /* 64-bit code, DPL0, accessed */
	gdt[SEL_KDATA / 8] = 0x00cf93000000ffffull; /* data, DPL0, accessed */
	gdt[SEL_UDATA / 8] = 0x00cff3000000ffffull; /* data, DPL3 */
	gdt[SEL_UCODE / 8] = 0x00affb000000ffffull; /* 64-bit code, DPL3 */
	tss_descriptor(&gdt[GDT_TSS_SEL(cpu) / 8], g.tss_va, sizeof(*g.tss) - 1);
	g.tss->rsp[0] = rsp0;
	for (int i = 0; i < IST_STACKS; i++)
		g.tss->ist[i] = ist_tops ? ist_tops[i] : 0;
	g.tss->iomap_base = sizeof(*g.tss);
}

/* Load CPU cpu's GDT, the shared IDT and its TSS. */
NK_BOOT static void load_tables(unsigned cpu)
{
	uint64_t va;
	struct nk_cpu_tables *t = arch_cpu_tables(&va);
	struct gdt_tss g = cpu_gdt_tss(cpu);
	struct arch_dtr gd = {GDT_ENTRIES * 8 - 1, g.gdt_va};
	struct arch_dtr i = {sizeof(t->idt) - 1, TABLE_VA(va, idt)};
	arch_boot_load_tables(&gd, &i, (uint16_t)GDT_TSS_SEL(cpu), SEL_KCODE, SEL_KDATA);
}

NK_BOOT static void build_idt(void)
{
	uint64_t va;
	struct nk_cpu_tables *t = arch_cpu_tables(&va);
	for (int v = 0; v < 256; v++) {
		uint64_t h = nk_isr_table[v];
		t->idt[v] = (struct idt_entry){
		    .off_lo = (uint16_t)h,
		    .sel = SEL_KCODE,
		    .ist = vector_ist(v),
		    .attr = 0x8e, /* present, DPL0, 64-bit interrupt gate */
		    .off_mid = (uint16_t)(h >> 16),
		    .off_hi = (uint32_t)(h >> 32),
		    .zero = 0,
		};
	}
}

NK_BOOT void nk_cpu_early(void)
{
	build_gdt_tss(0, NULL, 0);
	build_idt();
	load_tables(0);
}

NK_BOOT void nk_cpu_init(const uint64_t ist_tops[IST_STACKS], uint64_t rsp0)
{
	uint64_t va;
	struct nk_cpu_tables *t = arch_cpu_tables(&va);
	/* the TSS descriptor written anew (available, not busy), so LTR again works */
	build_gdt_tss(0, ist_tops, rsp0);
	build_idt();
	load_tables(0);

	/* write-once, every byte written (by nk, above), sealed by nk_init_done */
	nk_view_store.region_gdt = declare_table(TABLE_VA(va, gdt), sizeof(t->gdt));
	nk_view_store.region_tss = declare_table(TABLE_VA(va, tss), sizeof(t->tss));
	nk_view_store.region_idt = declare_table(TABLE_VA(va, idt), sizeof(t->idt));
	NK_CHECK(nk_view_store.region_gdt >= 0 && nk_view_store.region_tss >= 0 &&
		 nk_view_store.region_idt >= 0);
}

NK_BOOT void nk_cpu_init_ap(unsigned cpu, const uint64_t ist_tops[IST_STACKS], uint64_t rsp0)
{
	build_gdt_tss(cpu, ist_tops, rsp0);
	struct gdt_tss g = cpu_gdt_tss(cpu);
	NK_CHECK(declare_table(g.gdt_va, PAGE_SIZE) >= 0);
	NK_CHECK(declare_table(g.tss_va, PAGE_SIZE) >= 0);
}

NK_BOOT void nk_cpu_load_ap(unsigned cpu)
{
	load_tables(cpu);
}

/* The frames of [pa, pa + size_bytes) must be NK frames (I8); the first
 * one that is not is reported. */
static void check_nk_frames(paddr_t pa, uint64_t size_bytes, const char *what)
{
	uint64_t first = align_down(pa_addr(pa), PAGE_SIZE);
	uint64_t pages = (pa_addr(pa) - first + size_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pfn = first / PAGE_SIZE + i;
		if (pfn >= nk.nframes || nk.frames[pfn].type != NK_F_NK) {
			nk_check_fail(8, pfn << PAGE_SHIFT, what);
			return;
		}
	}
}

/* check_nk_frames for size_bytes at nk's image address va. */
static void check_nk_image(uint64_t va, uint64_t size_bytes, const char *what)
{
	check_nk_frames(kimg_to_pa(va_init(va)), size_bytes, what);
}

void arch_check_cpu(void)
{
	uint64_t cr0 = arch_read_cr0(), cr4 = arch_read_cr4(), efer = arch_rdmsr(MSR_EFER);
	if (nk_view_store.nested) {
		if (!(cr0 & CR0_PG) || !(cr0 & CR0_PE) || !(arch_recorded_cr0() & CR0_WP))
			nk_check_fail(3, 0, "CR0.PG, CR0.PE or the outer kernel's CR0.WP is clear");
		else if ((cr0 | CR0_WP) != arch_recorded_cr0())
			nk_check_fail(3, 0, "CR0 is not the value nk recorded");
		if (!(cr4 & CR4_SMEP) || !(cr4 & CR4_PAE) ||
		    (nk_view_store.has_smap && !(cr4 & CR4_SMAP)))
			nk_check_fail(3, 0, "CR4.SMEP, CR4.SMAP or CR4.PAE is clear");
		else if (cr4 != arch_recorded_cr4())
			nk_check_fail(3, 0, "CR4 is not the value nk recorded");
		if (!(efer & EFER_NXE))
			nk_check_fail(3, 0, "EFER.NXE is clear");
	}
	unsigned me = arch_cpu_index();
	if (pa_addr(cr3_l4(arch_read_cr3())) != pa_addr(nk.cur_cr3[me]) ||
	    arch_read_cr3() != arch_recorded_cr3())
		nk_check_fail(3, arch_read_cr3(), "CR3 is not the L4 nk loaded");

	uint64_t va;
	const struct nk_cpu_tables *t = arch_cpu_tables(&va);
	struct gdt_tss mine = cpu_gdt_tss(me);
	struct arch_dtr g, i;
	uint16_t tr;
	arch_store_tables(&g, &i, &tr);
	if (g.base != mine.gdt_va || i.base != TABLE_VA(va, idt) || tr != GDT_TSS_SEL(me))
		nk_check_fail(7, 0, "GDTR, IDTR or TR does not point to nk's tables");
	for (int v = 0; v < 256; v++) {
		const struct idt_entry *e = &t->idt[v];
		uint64_t h = e->off_lo | ((uint64_t)e->off_mid << 16) | ((uint64_t)e->off_hi << 32);
		if (h != nk_isr_table[v] || e->sel != SEL_KCODE) {
			nk_check_fail(
			    7, pa_addr(kimg_to_pa(va_init(TABLE_VA(va, idt) + v * sizeof(*e)))),
			    "IDT vector does not enter nk's stub");
			break;
		}
	}
	if (nk_view_store.nested) {
		struct arch_image img;
		arch_image_layout(&img);
		for (unsigned c = 0; c < (nk.ncpus ? nk.ncpus : 1) && c < NK_CPUS; c++) {
			struct gdt_tss gt = cpu_gdt_tss(c);
			check_nk_image(gt.gdt_va, GDT_ENTRIES * 8, "GDT not in nk frames");
			check_nk_image(gt.tss_va, sizeof(struct tss64), "TSS not in nk frames");
		}
		check_nk_image(TABLE_VA(va, idt), sizeof(t->idt), "IDT not in nk frames");
		check_nk_image(img.nk_text_start, img.nk_end - img.nk_text_start,
			       "nk image not in nk frames");
		check_nk_frames(arch_va_pa(nk.frames), nk.nframes * sizeof(*nk.frames),
				"frame table not in nk frames");
		check_nk_frames(arch_va_pa(nk.scratch), nk.nframes * sizeof(*nk.scratch),
				"checker scratch not in nk frames");
	}
}
