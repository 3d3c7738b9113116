/* Host tests of nk's descriptor tables and CPU checks (nk/cpu.c) on the
 * booted fake machine (tests/host/machine.h): the GDT, TSS and IDT nk
 * builds and loads, their write-once regions, and arch_check_cpu's I3, I7
 * and I8 checks, each shown to find the fault it is for.
 * Source: spec I3, I7, I8, section 7; SDM Vol. 3A 3.4.5, 6.14, 7.2.3, 7.7. */
#include <stdio.h>

#include "machine.h"

static struct nk_cpu_tables *tables(void)
{
	return fake_image_va_ptr(MX_CPU_TABLES);
}

#define GDT_VA MX_CPU_TABLES
#define TSS_VA (MX_CPU_TABLES + PAGE_SIZE)
#define IDT_VA (MX_CPU_TABLES + 2 * PAGE_SIZE)

/* Run arch_check_cpu on a fresh report; the report. */
static const struct nk_check_report *check(void)
{
	memset(&nk_view_store.check, 0, sizeof(nk_view_store.check));
	arch_check_cpu();
	return &nk_view_store.check;
}

static void assert_check_ok(void)
{
	const struct nk_check_report *r = check();
	for (int i = 1; i <= NK_INV_MAX; i++)
		if (r->failures[i])
			fail_msg("arch_check_cpu: %s (at %#llx)", r->first_msg,
				 (unsigned long long)r->first_bad_pa);
}

/* arch_check_cpu reports n failures, all of invariant inv, the first with
 * message msg at physical address pa. */
static void assert_check_fails_n(int inv, unsigned n, const char *msg, uint64_t pa)
{
	const struct nk_check_report *r = check();
	char want[96];
	snprintf(want, sizeof(want), "I%d: %s", inv, msg);
	assert_string_equal(r->first_msg, want);
	assert_int_equal(r->first_bad_pa, pa);
	for (int i = 1; i <= NK_INV_MAX; i++)
		assert_int_equal(r->failures[i], i == inv ? n : 0);
}

/* arch_check_cpu reports exactly one failure; as above. */
static void assert_check_fails(int inv, const char *msg, uint64_t pa)
{
	assert_check_fails_n(inv, 1, msg, pa);
}

/* ---- the tables ---- */

TEST(cpu_builds_the_gdt)
{
	const uint64_t *gdt = tables()->gdt;
	assert_int_equal(gdt[0], 0);
	assert_int_equal(gdt[SEL_KCODE / 8], 0x00af9b000000ffffull); /* L=1, DPL 0, code */
	assert_int_equal(gdt[SEL_KDATA / 8], 0x00cf93000000ffffull);
	assert_int_equal(gdt[SEL_UDATA / 8], 0x00cff3000000ffffull); /* DPL 3 */
	assert_int_equal(gdt[SEL_UCODE / 8], 0x00affb000000ffffull);
	/* the TSS descriptor (two slots): base, limit 103, type 9 (available
	 * 64-bit TSS), present */
	uint64_t lo = gdt[SEL_TSS / 8], hi = gdt[SEL_TSS / 8 + 1];
	uint64_t base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) | (hi << 32);
	uint64_t limit = (lo & 0xffff) | (((lo >> 48) & 0xf) << 16);
	assert_int_equal(base, TSS_VA);
	assert_int_equal(limit, sizeof(struct tss64) - 1);
	assert_int_equal((lo >> 40) & 0xff, 0x89);
	for (unsigned i = GDT_ENTRIES; i < PAGE_SIZE / 8; i++)
		assert_int_equal(gdt[i], 0);
}

TEST(cpu_builds_the_tss_with_the_boot_stacks)
{
	const struct tss64 *t = &tables()->tss.t;
	assert_int_equal(t->iomap_base, sizeof(struct tss64)); /* no I/O bitmap */
	/* RSP0 and IST1-5: tops of 4 writable DATA pages each, distinct */
	uint64_t tops[6] = {t->rsp[0], t->ist[0], t->ist[1], t->ist[2], t->ist[3], t->ist[4]};
	for (int i = 0; i < 6; i++) {
		assert_true(tops[i] > DIRECT_MAP_BASE);
		uint64_t pa = tops[i] - DIRECT_MAP_BASE;
		assert_int_equal(pa % PAGE_SIZE, 0);
		for (uint64_t p = pa - 4 * PAGE_SIZE; p < pa; p += PAGE_SIZE) {
			assert_int_equal(nk.frames[p / PAGE_SIZE].type, NK_F_DATA);
			assert_true(pte_writable(nk.dm_ptes[p / PAGE_SIZE]));
		}
		for (int j = 0; j < i; j++)
			assert_true(tops[i] >= tops[j] + 4 * PAGE_SIZE ||
				    tops[j] >= tops[i] + 4 * PAGE_SIZE);
	}
	assert_int_equal(t->rsp[1], 0);
	for (int i = 5; i < 7; i++)
		assert_int_equal(t->ist[i], 0);
}

TEST(cpu_builds_the_idt_through_nk_stubs)
{
	for (int v = 0; v < 256; v++) {
		const struct idt_entry *e = &tables()->idt[v];
		uint64_t h = e->off_lo | ((uint64_t)e->off_mid << 16) | ((uint64_t)e->off_hi << 32);
		assert_int_equal(h, MX_ISR(v));
		assert_int_equal(e->sel, SEL_KCODE);
		assert_int_equal(e->attr, 0x8e); /* present, DPL 0, interrupt gate */
		assert_int_equal(e->zero, 0);
		int ist = v == 8    ? IST_DF
			  : v == 2  ? IST_NMI
			  : v == 18 ? IST_MC
			  : v < 32  ? IST_EXC
				    : IST_IRQ;
		assert_int_equal(e->ist, ist);
	}
}

TEST(cpu_loads_the_tables)
{
	assert_int_equal(fake_cpu.gdtr.base, GDT_VA);
	assert_int_equal(fake_cpu.gdtr.limit, GDT_ENTRIES * 8 - 1);
	assert_int_equal(fake_cpu.idtr.base, IDT_VA);
	assert_int_equal(fake_cpu.idtr.limit, 256 * 16 - 1);
	assert_int_equal(fake_cpu.tr, SEL_TSS);
	assert_int_equal(fake_cpu.cs, SEL_KCODE);
	assert_int_equal(fake_cpu.ds, SEL_KDATA);
}

TEST(cpu_tables_are_write_once_regions_sealed_at_init)
{
	const struct nk_view *v = nk_view;
	int32_t ids[3] = {v->region_gdt, v->region_tss, v->region_idt};
	uint64_t vas[3] = {GDT_VA, TSS_VA, IDT_VA};
	for (int i = 0; i < 3; i++) {
		assert_true(ids[i] >= 0 && (uint32_t)ids[i] < v->nregions);
		const struct nk_region *r = &v->regions[ids[i]];
		assert_int_equal(r->va, vas[i]);
		assert_int_equal(pa_addr(r->pa), vas[i] - KERNEL_VMA);
		assert_int_equal(r->size, PAGE_SIZE);
		assert_int_equal(r->policy, NK_POLICY_WRITE_ONCE);
		assert_true(r->nk_frames && r->seal_at_init);
		assert_false(r->sealed);
		const struct nk_frame *f = &nk.frames[pa_pfn(r->pa)];
		assert_int_equal(f->type, NK_F_NK); /* stays nk's */
		assert_true(f->flags & NK_FF_REGION);
	}
	assert_int_equal(nk_init_done_impl(), 0);
	for (int i = 0; i < 3; i++)
		assert_true(v->regions[ids[i]].sealed);
}

/* ---- arch_check_cpu ---- */

TEST(check_cpu_passes_on_the_booted_machine)
{
	assert_check_ok();
	fake_cpu.cr3 |= 0x18;	  /* PWT and PCD: not part of the L4's address */
	fake_cpu.rec_cr3 |= 0x18; /* (as nk recorded them) */
	assert_check_ok();
	fake_cpu.rec_cr3 &= ~0x18ull; /* CR3 not as nk recorded it */
	assert_check_fails(3, "CR3 is not the L4 nk loaded", fake_cpu.cr3);
}

TEST(check_cpu_finds_cr0_bits_clear)
{
	fake_cpu.cr0 &= ~CR0_PG;
	assert_check_fails(3, "CR0.PG, CR0.PE or the outer kernel's CR0.WP is clear", 0);
	fake_cpu.cr0 |= CR0_PG;
	fake_cpu.cr0 &= ~CR0_PE;
	assert_check_fails(3, "CR0.PG, CR0.PE or the outer kernel's CR0.WP is clear", 0);
	fake_cpu.cr0 |= CR0_PE;
	/* nk's record of the outer kernel's CR0 without WP (nk itself runs so) */
	uint64_t rec = arch_recorded_cr0();
	fake_cpu.rec_cr0 = rec & ~CR0_WP;
	assert_check_fails(3, "CR0.PG, CR0.PE or the outer kernel's CR0.WP is clear", 0);
	fake_cpu.rec_cr0 = rec;
	fake_cpu.cr0 &= ~CR0_WP;
	assert_check_ok(); /* the CPU's own WP: clear while nk runs */
}

TEST(check_cpu_finds_cr4_bits_clear)
{
	const uint64_t bits[] = {CR4_SMEP, CR4_PAE, CR4_SMAP};
	for (unsigned i = 0; i < 3; i++) {
		fake_cpu.cr4 &= ~bits[i];
		assert_check_fails(3, "CR4.SMEP, CR4.SMAP or CR4.PAE is clear", 0);
		fake_cpu.cr4 |= bits[i];
	}
	/* without SMAP on the CPU, CR4.SMAP is not required */
	nk_view_store.has_smap = false;
	fake_cpu.cr4 &= ~CR4_SMAP;
	fake_cpu.rec_cr4 &= ~CR4_SMAP;
	assert_check_ok();
	/* a CR4 bit nk did not record */
	fake_cpu.cr4 |= CR4_FSGSBASE;
	assert_check_fails(3, "CR4 is not the value nk recorded", 0);
}

TEST(check_cpu_finds_efer_nxe_clear)
{
	fake_cpu.efer &= ~EFER_NXE;
	assert_check_fails(3, "EFER.NXE is clear", 0);
}

TEST(check_cpu_finds_a_foreign_cr3)
{
	uint64_t other = fake_cpu.cr3 + PAGE_SIZE;
	fake_cpu.cr3 = other;
	assert_check_fails(3, "CR3 is not the L4 nk loaded", other);
}

TEST(check_cpu_native_build_checks_no_control_bits_or_frames)
{
	/* the native build (NK=0) has no WP/SMEP protection and no NK frames
	 * to check: only CR3 and the tables */
	nk_view_store.nested = false;
	fake_cpu.cr0 &= ~CR0_PG;
	fake_cpu.cr4 &= ~CR4_SMEP;
	fake_cpu.efer &= ~EFER_NXE;
	nk.frames[mx_pfn(GDT_VA)].type = NK_F_DATA;
	assert_check_ok();
	fake_cpu.tr = SEL_KDATA;
	assert_check_fails(7, "GDTR, IDTR or TR does not point to nk's tables", 0);
}

TEST(check_cpu_finds_descriptor_registers_elsewhere)
{
	fake_cpu.gdtr.base += PAGE_SIZE;
	assert_check_fails(7, "GDTR, IDTR or TR does not point to nk's tables", 0);
	fake_cpu.gdtr.base -= PAGE_SIZE;
	fake_cpu.idtr.base = DIRECT_MAP_BASE + 0x200000;
	assert_check_fails(7, "GDTR, IDTR or TR does not point to nk's tables", 0);
	fake_cpu.idtr.base = IDT_VA;
	fake_cpu.tr = 0x30;
	assert_check_fails(7, "GDTR, IDTR or TR does not point to nk's tables", 0);
	fake_cpu.tr = SEL_TSS;
	assert_check_ok();
}

TEST(check_cpu_finds_an_idt_vector_not_entering_nk)
{
	struct idt_entry *idt = tables()->idt;
	for (int v = 0; v < 256; v += 51) {
		struct idt_entry save = idt[v];
		/* each part of the handler's address, and the selector */
		idt[v].off_lo ^= 0x10;
		uint64_t pa = IDT_VA - KERNEL_VMA + 16 * (uint64_t)v;
		assert_check_fails(7, "IDT vector does not enter nk's stub", pa);
		idt[v] = save;
		idt[v].off_mid ^= 1;
		assert_check_fails(7, "IDT vector does not enter nk's stub", pa);
		idt[v] = save;
		idt[v].off_hi = 0;
		assert_check_fails(7, "IDT vector does not enter nk's stub", pa);
		idt[v] = save;
		idt[v].sel = SEL_UCODE;
		assert_check_fails(7, "IDT vector does not enter nk's stub", pa);
		idt[v] = save;
	}
	/* two bad vectors: the first is reported, once */
	idt[14].off_lo++;
	idt[200].off_lo++;
	assert_check_fails(7, "IDT vector does not enter nk's stub", IDT_VA - KERNEL_VMA + 16 * 14);
}

/* Retype frame pfn behind the checker's back (a corrupted frame table),
 * expect n I8 failures, the first msg at the frame, and restore it. */
static void assert_i8_for_frame(uint64_t pfn, unsigned n, const char *msg)
{
	uint8_t t = nk.frames[pfn].type;
	nk.frames[pfn].type = NK_F_DATA;
	assert_check_fails_n(8, n, msg, pfn * PAGE_SIZE);
	nk.frames[pfn].type = t;
	assert_check_ok();
}

TEST(check_cpu_finds_nk_state_outside_nk_frames)
{
	/* the tables are in nk's image: that check fails too */
	assert_i8_for_frame(mx_pfn(GDT_VA), 2, "GDT not in nk frames");
	assert_i8_for_frame(mx_pfn(IDT_VA), 2, "IDT not in nk frames");
	assert_i8_for_frame(mx_pfn(TSS_VA), 2, "TSS not in nk frames");
	assert_i8_for_frame(mx_pfn(MX_IMAGE_START), 1, "nk image not in nk frames");
	assert_i8_for_frame(mx_pfn(MX_NK_END) - 1, 1, "nk image not in nk frames");
	uint64_t ft = pa_pfn(arch_va_pa(nk.frames));
	uint64_t ft_pages = FAKE_NFRAMES * sizeof(struct nk_frame) / PAGE_SIZE;
	assert_i8_for_frame(ft, 1, "frame table not in nk frames");
	assert_i8_for_frame(ft + ft_pages - 1, 1, "frame table not in nk frames");
	uint64_t sc = pa_pfn(arch_va_pa(nk.scratch));
	uint64_t sc_pages = FAKE_NFRAMES * sizeof(*nk.scratch) / PAGE_SIZE;
	assert_i8_for_frame(sc + sc_pages - 1, 1, "checker scratch not in nk frames");
}

TEST(check_cpu_finds_nk_state_outside_ram)
{
	/* the frame table in memory that is no frame at all (host memory
	 * here): I8, at an address past every frame */
	static struct nk_frame elsewhere[FAKE_NFRAMES];
	struct nk_frame *real = nk.frames;
	memcpy(elsewhere, real, sizeof(elsewhere));
	nk.frames = elsewhere;
	const struct nk_check_report *r = check();
	assert_int_equal(r->failures[8], 1);
	assert_string_equal(r->first_msg, "I8: frame table not in nk frames");
	assert_true(r->first_bad_pa >= FAKE_MEM_BYTES);
	nk.frames = real;
	/* nk state in frames past the end of the frame table */
	uint64_t n = nk.nframes;
	nk.nframes = mx_pfn(MX_CPU_TABLES);
	r = check();
	assert_string_equal(r->first_msg, "I8: GDT not in nk frames");
	nk.nframes = n;
	assert_check_ok();
}

TEST(check_invariants_includes_the_cpu_checks)
{
	/* nk_check_invariants (nk/check.c) runs arch_check_cpu */
	assert_int_equal(nk_check_invariants_impl(), 0);
	fake_cpu.efer &= ~EFER_NXE;
	assert_int_equal(nk_check_invariants_impl(), -1);
	assert_string_equal(nk_view_store.check.first_msg, "I3: EFER.NXE is clear");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    MX_TEST(cpu_builds_the_gdt),
	    MX_TEST(cpu_builds_the_tss_with_the_boot_stacks),
	    MX_TEST(cpu_builds_the_idt_through_nk_stubs),
	    MX_TEST(cpu_loads_the_tables),
	    MX_TEST(cpu_tables_are_write_once_regions_sealed_at_init),
	    MX_TEST(check_cpu_passes_on_the_booted_machine),
	    MX_TEST(check_cpu_finds_cr0_bits_clear),
	    MX_TEST(check_cpu_finds_cr4_bits_clear),
	    MX_TEST(check_cpu_finds_efer_nxe_clear),
	    MX_TEST(check_cpu_finds_a_foreign_cr3),
	    MX_TEST(check_cpu_native_build_checks_no_control_bits_or_frames),
	    MX_TEST(check_cpu_finds_descriptor_registers_elsewhere),
	    MX_TEST(check_cpu_finds_an_idt_vector_not_entering_nk),
	    MX_TEST(check_cpu_finds_nk_state_outside_nk_frames),
	    MX_TEST(check_cpu_finds_nk_state_outside_ram),
	    MX_TEST(check_invariants_includes_the_cpu_checks),
	};
	return cmocka_run_group_tests_name("cpu: tables, I3/I7/I8 checks", tests, NULL, NULL);
}
