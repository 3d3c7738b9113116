/* Host tests of nk's boot (nk/boot.c), run on the fake machine
 * (tests/host/machine.h): the frame typing, the direct map and the image
 * map nk builds from multiboot2 information, the CPU state it leaves, the
 * view it fills, its refusal of a CPU without NX or SMEP, and its handling
 * of malformed or oversized boot information (a clear message, and nothing
 * dropped without saying so). After a good boot the invariant checker
 * must pass on what nk built.
 * Source: spec sections 3 (I2, I3, I4, I8), 4, 8, 9; multiboot2 spec 3.6;
 * SDM Vol. 3A 2.5, 4.5. */
#include <stdio.h>

#include "machine.h"

#define MB2_MAGIC 0x36d76289u

/* The frames nk's boot allocations start at: past the image, the info and
 * the module, as laid out by mx_mb2_default. */
#define ALLOC_START (align_up(MX_MOD_END, PAGE_SIZE) / PAGE_SIZE)
/* The frame table, the per-2 MiB table, the checker's scratch, the PTP
 * group sets and the PTP parents, in frames, for FAKE_NFRAMES frames. */
#define TABLE_FRAMES                                                                               \
	(align_up(FAKE_NFRAMES * sizeof(struct nk_frame), PAGE_SIZE) / PAGE_SIZE +                 \
	 align_up(FAKE_NFRAMES / 512 * sizeof(struct nk_frame2m), PAGE_SIZE) / PAGE_SIZE +         \
	 align_up(FAKE_NFRAMES * sizeof(uint32_t), PAGE_SIZE) / PAGE_SIZE +                        \
	 align_up(FAKE_NFRAMES * sizeof(uint64_t), PAGE_SIZE) / PAGE_SIZE +                        \
	 align_up(FAKE_NFRAMES * sizeof(uint32_t), PAGE_SIZE) / PAGE_SIZE)

/* The IOMMU's tables for FAKE_NFRAMES frames (nk/iommu_boot.c): the
 * second level for up to 4 levels (8 L1s, one table above each), the
 * context table, the root table, the interrupt-remapping table, the
 * queue and the status word's frame. */
#define IOMMU_FRAMES (FAKE_NFRAMES / 512 + 3 + 5)

static void assert_invariants_hold(void)
{
	if (nk_check_invariants_impl() != 0)
		fail_msg("invariants fail after boot: %s (at %#llx)", nk_view_store.check.first_msg,
			 (unsigned long long)nk_view_store.check.first_bad_pa);
}

/* Boot and expect nk to stop with a panic naming `why`. */
static void assert_boot_panics(const char *why)
{
	assert_int_equal(mx_boot(), MX_HALTED);
	assert_true(fake_cpu.exited);
	assert_int_equal(fake_cpu.exit_code, 0x7f);
	ASSERT_SERIAL("nk: PANIC at ");
	ASSERT_SERIAL(why);
	assert_int_equal(fake_cpu.cr3_writes, 0); /* never got to its own tables */
}

/* ---- a good boot ---- */

TEST(boot_types_every_frame)
{
	uint64_t alloc_end = ALLOC_START + TABLE_FRAMES;
	for (uint64_t pfn = 0; pfn < FAKE_NFRAMES; pfn++) {
		const struct nk_frame *f = &nk.frames[pfn];
		enum nk_ftype want;
		if (pfn < 256 || pfn >= MX_RAM_END / PAGE_SIZE)
			want = NK_F_HOLE; /* legacy area; ACPI and reserved */
		else if (pfn >= mx_pfn(MX_IMAGE_START) && pfn < mx_pfn(MX_NK_END))
			want = NK_F_NK;
		else if (pfn >= mx_pfn(MX_NK_END) && pfn < mx_pfn(MX_TEXT_END))
			want = NK_F_CODE;
		else if (pfn >= mx_pfn(MX_TEXT_END) && pfn < mx_pfn(MX_RODATA_END))
			want = NK_F_PROTECTED;
		else if (pfn >= ALLOC_START && pfn < alloc_end)
			want = NK_F_NK; /* frame table, 2 MiB table, scratch, group sets, parents */
		else if (nk_ptp_level(f->type))
			continue; /* nk's page tables: below */
		else if (pfn >= pa_pfn(nk_view_store.outer_free_start) - IOMMU_FRAMES &&
			 pfn < pa_pfn(nk_view_store.outer_free_start))
			want = NK_F_NK; /* the IOMMU's tables */
		else
			want = NK_F_DATA; /* boot code, outer data, the module, stacks, the rest */
		if (f->type != want)
			fail_msg("frame %#llx is type %u, want %u", (unsigned long long)pfn,
				 f->type, want);
	}
	/* the page tables: right after the tables, each pinned or kernel-half */
	uint64_t ptps = 0;
	for (uint64_t pfn = 0; pfn < FAKE_NFRAMES; pfn++)
		if (nk_ptp_level(nk.frames[pfn].type)) {
			assert_true(pfn >= alloc_end);
			assert_true(nk.frames[pfn].flags & (NK_FF_PINNED | NK_FF_KHALF));
			ptps++;
		}
	/* L4; direct map: 8 L1, L2, L3; image: L3, L2, L1; module L2; nk's
	 * device window L1; heap L3 */
	assert_int_equal(ptps, 1 + FAKE_NFRAMES / 512 + 2 + 3 + 1 + 1 + 1);
	assert_int_equal(nk.frames[pa_pfn(nk.master_l4)].type, NK_F_PTP4);
	assert_int_equal(nk_view_store.type_count[NK_F_PTP1], FAKE_NFRAMES / 512 + 2);
	/* the frame table nk uses is in those NK frames */
	assert_int_equal(pa_pfn(arch_va_pa(nk.frames)), ALLOC_START);
	assert_int_equal(nk.nframes, FAKE_NFRAMES);
}

TEST(boot_direct_map_covers_ram_writable_only_for_data)
{
	for (uint64_t pfn = 0; pfn < FAKE_NFRAMES; pfn++) {
		unsigned level;
		pte_t e = mx_leaf(nk.master_l4, DIRECT_MAP_BASE + pfn * PAGE_SIZE, &level);
		assert_int_equal(e, nk.dm_ptes[pfn]);
		if (nk.frames[pfn].type == NK_F_HOLE) {
			assert_int_equal(e, 0);
			continue;
		}
		assert_int_equal(level, 1);
		assert_int_equal(pa_addr(pte_frame(e, 1)), pfn * PAGE_SIZE);
		assert_true(pte_nx(e));
		assert_true(e & PTE_G);
		assert_false(e & PTE_U);
		if (pte_writable(e) != (nk.frames[pfn].type == NK_F_DATA))
			fail_msg("direct map of frame %#llx (type %u): writable %d",
				 (unsigned long long)pfn, nk.frames[pfn].type, pte_writable(e));
	}
	/* the direct map's tables are flagged so nk finds a frame's entry */
	assert_true(nk.frames[pa_pfn(arch_va_pa(nk.dm_ptes))].flags & NK_FF_DMAP);
}

TEST(boot_maps_the_image_with_each_sections_rights)
{
	unsigned level;
	for (uint64_t va = MX_IMAGE_START; va < MX_IMAGE_END; va += PAGE_SIZE) {
		pte_t e = mx_leaf(nk.master_l4, va, &level);
		assert_int_equal(level, 1);
		assert_int_equal(pa_addr(pte_frame(e, 1)), va - KERNEL_VMA);
		assert_true(e & PTE_G);
		bool w = pte_writable(e), x = !pte_nx(e);
		if (va < MX_NK_TEXT_END || (va >= MX_NK_END && va < MX_TEXT_END))
			assert_true(!w && x); /* nk text, outer text: RX */
		else if (va < MX_RODATA_END)
			assert_true(!w && !x); /* nk data (nk writes it with WP=0), rodata */
		else
			assert_true(w && !x); /* outer data */
	}
	/* nothing around the image: not the boot code below, nothing after */
	assert_int_equal(mx_leaf(nk.master_l4, MX_IMAGE_START - PAGE_SIZE, &level), 0);
	assert_int_equal(mx_leaf(nk.master_l4, MX_IMAGE_END, &level), 0);
	/* the module area: an empty L2 the outer kernel may extend */
	assert_int_equal(mx_leaf(nk.master_l4, MODULE_BASE, &level), 0);
	assert_int_equal(level, 2);
	paddr_t ml2 = nk_view_store.module_l2;
	assert_int_equal(nk.frames[pa_pfn(ml2)].type, NK_F_PTP2);
	assert_int_equal(nk.frames[pa_pfn(ml2)].flags, NK_FF_KHALF);
	assert_int_equal(nk_view_store.module_base, MODULE_BASE);
	assert_int_equal(nk_view_store.module_size, 1ull << 30);
	/* the heap: an empty L3 in the master L4, not pinned */
	pte_t h = ((pte_t *)arch_pa_va(nk.master_l4))[pt_index(HEAP_BASE, 4)];
	assert_int_equal(pa_addr(pte_frame(h, 4)), pa_addr(nk_view_store.heap_l3));
	assert_int_equal(nk.frames[pa_pfn(nk_view_store.heap_l3)].type, NK_F_PTP3);
	assert_int_equal(nk.frames[pa_pfn(nk_view_store.heap_l3)].flags, NK_FF_KHALF);
	assert_int_equal(nk_view_store.heap_base, HEAP_BASE);
	assert_int_equal(nk_view_store.heap_size, 1ull << 39);
	/* nothing in the user half */
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(((pte_t *)arch_pa_va(nk.master_l4))[i], 0);
}

TEST(boot_leaves_the_cpu_protected)
{
	/* CR0: NE, MP set; EM, TS, CD, NW clear; WP clear while nk ran, set by the handoff */
	assert_false(mx_handoff_cr0 & CR0_WP);
	assert_int_equal(fake_cpu.cr0, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG);
	assert_int_equal(fake_cpu.cr4,
			 CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_SMEP | CR4_SMAP);
	assert_int_equal(fake_cpu.efer, EFER_LME | EFER_LMA | EFER_NXE);
	assert_int_equal(fake_cpu.cr3, pa_addr(nk.master_l4));
	assert_int_equal(pa_addr(nk.cur_cr3[0]), pa_addr(nk.master_l4));
	assert_int_equal(fake_cpu.dr7, 0);
	assert_int_equal(nk.cr4_required, CR4_PAE | CR4_SMEP | CR4_SMAP);
	assert_int_equal(nk.cr4_allowed, CR4_TSD | CR4_DE | CR4_PGE | CR4_PCE | CR4_OSFXSR |
					     CR4_OSXMMEXCPT | CR4_FSGSBASE | CR4_UMIP);
	assert_int_equal(nk.phys_limit, 1ull << MX_PHYS_BITS);
	/* nk_cpu_early's load (TR names CPU 0's record from the start), then
	 * nk_cpu_init's with the stacks */
	assert_int_equal(fake_cpu.table_loads, 2);
	assert_int_equal(fake_cpu.tr, SEL_TSS);
	assert_int_equal(fake_cpu.gdtr.limit, GDT_ENTRIES * 8 - 1);
}

TEST(boot_fills_the_view)
{
	const struct nk_view *v = nk_view;
	assert_true(v->nested);
	assert_string_equal(v->cpu_vendor, "NestedKernel");
	assert_true(v->has_nx && v->has_smep && v->has_smap && v->has_pcid && v->has_pge &&
		    v->has_fsgsbase && v->has_umip);
	assert_int_equal(v->nmmap, mx_default_mmap_n);
	for (unsigned i = 0; i < mx_default_mmap_n; i++) {
		assert_int_equal(pa_addr(v->mmap[i].base), mx_default_mmap[i].base);
		assert_int_equal(v->mmap[i].len, mx_default_mmap[i].len);
		assert_int_equal(v->mmap[i].type, mx_default_mmap[i].type);
	}
	assert_int_equal(v->nmodules, 1);
	assert_int_equal(pa_addr(v->modules[0].start), MX_MOD_START);
	assert_int_equal(pa_addr(v->modules[0].end), MX_MOD_END);
	assert_string_equal(v->modules[0].name, "initramfs");
	assert_string_equal(v->cmdline, "");
	assert_true(v->audit);
	assert_ptr_equal(v->frames, nk.frames);
	assert_ptr_equal(v->frames2m, nk.f2m);
	assert_int_equal(v->nframes, FAKE_NFRAMES);
	assert_int_equal(pa_addr(v->master_l4), pa_addr(nk.master_l4));
	assert_int_equal(v->direct_map_base, DIRECT_MAP_BASE);
	assert_int_equal(v->nk_text_start, MX_IMAGE_START);
	assert_int_equal(v->nk_text_end, MX_NK_TEXT_END);
	/* the outer kernel's stack: the top of 8 writable DATA pages; above it
	 * the IOMMU's tables (NK frames), the last of nk's allocations; the
	 * outer kernel's memory starts above them */
	uint64_t top = mx_handoff_stack - DIRECT_MAP_BASE;
	assert_int_equal(top + IOMMU_FRAMES * PAGE_SIZE, pa_addr(v->outer_free_start));
	for (uint64_t pa = top; pa < pa_addr(v->outer_free_start); pa += PAGE_SIZE)
		assert_int_equal(nk.frames[pa / PAGE_SIZE].type, NK_F_NK);
	for (uint64_t pa = top - 8 * PAGE_SIZE; pa < top; pa += PAGE_SIZE) {
		assert_int_equal(nk.frames[pa / PAGE_SIZE].type, NK_F_DATA);
		assert_true(pte_writable(nk.dm_ptes[pa / PAGE_SIZE]));
	}
	/* what nk said */
	ASSERT_SERIAL("nk: nested kernel booting (nested build)\n");
	ASSERT_SERIAL("nk: CPU NestedKernel: NX yes, SMEP yes, SMAP yes, PCID yes (unused), "
		      "PGE yes\n");
	ASSERT_SERIAL("nk:   [0000000000100000-0000000000fe0000) available\n");
	ASSERT_SERIAL("nk:   [0000000000fe0000-0000000000ff0000) ACPI\n");
	ASSERT_SERIAL("nk:   [0000000000ff0000-0000000001000000) reserved\n");
	ASSERT_SERIAL("nk: write-log records and audit log on (nk.audit=1)\n");
	ASSERT_SERIAL("nk: 4096 frames (16 MiB); tables built; NXE on WP on-exit SMEP on "
		      "SMAP on\n");
	assert_false(mx_serial_has("is not used")); /* all RAM is tracked */
}

TEST(boot_builds_tables_the_checker_accepts)
{
	assert_invariants_hold();
	assert_int_equal(nk_view_store.check.runs, 1);
	/* and after the end of init (ro_after_init sealed, the CPU tables sealed) */
	assert_int_equal(nk_init_done_impl(), 0);
	assert_true(nk_view_store.init_done);
	assert_true(nk_view_store.region_ro_after_init >= 0);
	assert_int_equal(nk.frames[mx_pfn(MX_ROAI)].type, NK_F_PROTECTED);
	assert_invariants_hold();
}

TEST(boot_puts_its_tables_past_the_info_image_and_modules)
{
	/* the info above the module: nk's allocations start after the info */
	boot_mbi = 0x150000;
	mx_mb2_default("");
	uint32_t total = mx_mb2_next();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	uint64_t first = align_up(0x150000 + total, PAGE_SIZE) / PAGE_SIZE;
	assert_int_equal(pa_pfn(arch_va_pa(nk.frames)), first);
	assert_int_equal(nk.frames[first - 1].type, NK_F_DATA); /* the info's frame */
	assert_invariants_hold();
}

TEST(boot_module_below_the_image_leaves_tables_past_the_image)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	mx_mb2_cmdline("");
	mx_mb2_module(0x60000, 0x70000, "low");
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(pa_pfn(arch_va_pa(nk.frames)), mx_pfn(MX_IMAGE_END));
	assert_invariants_hold();
}

/* ---- the CPU ---- */

static void boot_without(unsigned missing)
{
	mx_cpu(MX_ALL & ~missing);
	mx_mb2_default("");
}

/* The refusal (spec I3): a message naming what is missing, status 0x12,
 * before nk touched any control register or built a table. */
static void assert_refused(const char *lacks)
{
	assert_int_equal(mx_boot(), MX_HALTED);
	assert_int_equal(fake_cpu.exit_code, 0x12);
	char want[160];
	snprintf(want, sizeof(want), "nk: FATAL: this CPU lacks %s; the nested kernel needs both",
		 lacks);
	ASSERT_SERIAL(want);
	ASSERT_SERIAL("Refusing to boot.\n");
	assert_int_equal(fake_cpu.cr0_writes + fake_cpu.cr3_writes + fake_cpu.cr4_writes +
			     fake_cpu.msr_writes,
			 0);
	assert_int_equal(nk.nframes, 0);
}

TEST(boot_refuses_a_cpu_without_smep)
{
	boot_without(MX_SMEP);
	assert_refused("SMEP (CR4.SMEP)");
}

TEST(boot_refuses_a_cpu_without_nx)
{
	boot_without(MX_NX);
	assert_refused("NX (EFER.NXE)");
}

TEST(boot_refuses_a_cpu_without_nx_and_smep)
{
	boot_without(MX_NX | MX_SMEP);
	assert_refused("NX (EFER.NXE) and SMEP (CR4.SMEP)");
}

TEST(boot_reads_leaf_7_only_when_the_cpu_has_it)
{
	/* leaf 7 would say SMEP, but the maximum leaf is 6: no SMEP */
	boot_without(MX_LEAF7);
	assert_refused("SMEP (CR4.SMEP)");
	const struct nk_view *v = nk_view;
	assert_false(v->has_smap || v->has_fsgsbase || v->has_umip);
}

TEST(boot_without_smap_pge_fsgsbase_umip_pcid)
{
	boot_without(MX_SMAP | MX_PGE | MX_FSGSBASE | MX_UMIP | MX_PCID);
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(fake_cpu.cr4, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_SMEP);
	assert_int_equal(nk.cr4_required, CR4_PAE | CR4_SMEP);
	assert_int_equal(nk.cr4_allowed,
			 CR4_TSD | CR4_DE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT);
	ASSERT_SERIAL("NX yes, SMEP yes, SMAP no, PCID no (unused), PGE no\n");
	ASSERT_SERIAL("SMEP on SMAP off\n");
	assert_invariants_hold(); /* SMAP is not required where there is none */
}

TEST(boot_phys_limit_defaults_to_36_bits)
{
	boot_without(MX_ADDR8);
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(nk.phys_limit, 1ull << 36);
}

/* ---- fw_cfg DMA (spec I11) ---- */

/* The refusal: both lines, status 0x13, after the command line was read
 * but before nk touched a control register or built a table. */
TEST(boot_refuses_fw_cfg_dma)
{
	fake_cpu.fwcfg_id = 0x3;
	mx_fwcfg("opt/nk/cmdline", "utest=1");
	mx_mb2_default("");
	assert_int_equal(mx_boot(), MX_HALTED);
	assert_int_equal(fake_cpu.exit_code, 0x13);
	ASSERT_SERIAL(
	    "nk: FATAL: QEMU's fw_cfg advertises DMA (ID bit 1): its DMA engine (ports "
	    "0x514/0x518) writes any physical address and no IOMMU covers it (spec I11).\n");
	ASSERT_SERIAL("nk: run QEMU with -global fw_cfg_io.dma_enabled=off. Refusing to boot.\n");
	assert_int_equal(fake_cpu.cr0_writes + fake_cpu.cr3_writes + fake_cpu.cr4_writes +
			     fake_cpu.msr_writes,
			 0);
	assert_int_equal(nk.nframes, 0);
	assert_string_equal(nk_view_store.cmdline, " utest=1");
}

TEST(boot_with_fw_cfg_port_interface_only)
{
	fake_cpu.fwcfg_id = 0x1;
	mx_mb2_default("");
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_false(mx_serial_has("fw_cfg advertises DMA"));
}

/* ---- the command line ---- */

TEST(boot_appends_the_fw_cfg_command_line)
{
	mx_fwcfg("opt/nk/other", "nk.audit=1");
	mx_fwcfg("opt/nk/cmdline", "nk.audit=0 utest=1");
	mx_mb2_default("console=ttyS0 nk.audit=1");
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_string_equal(nk_view_store.cmdline, "console=ttyS0 nk.audit=1 nk.audit=0 utest=1");
	assert_false(nk_view_store.audit); /* the last one wins */
	ASSERT_SERIAL("nk: write-log records and audit log off (nk.audit=0)\n");
}

TEST(boot_without_fw_cfg_keeps_the_multiboot_command_line)
{
	fake_cpu.fwcfg_absent = true;
	mx_mb2_default("nk.audit=0");
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_string_equal(nk_view_store.cmdline, "nk.audit=0");
	assert_false(nk_view_store.audit);
}

TEST(boot_truncates_a_long_command_line_and_says_so)
{
	char s[700];
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	mx_mb2_default(s);
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(strlen(nk_view_store.cmdline), NK_CMDLINE_MAX - 1);
	ASSERT_SERIAL("nk: multiboot2 command line longer than 511 bytes: truncated\n");
}

TEST(boot_command_line_of_exactly_the_maximum_is_kept_whole)
{
	char s[NK_CMDLINE_MAX];
	memset(s, 'b', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	mx_mb2_default(s);
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_string_equal(nk_view_store.cmdline, s);
	assert_false(mx_serial_has("truncated"));
}

TEST(boot_says_when_fw_cfg_overflows_the_command_line)
{
	char s[NK_CMDLINE_MAX - 4];
	memset(s, 'c', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	mx_fwcfg("opt/nk/cmdline", "nk.audit=0");
	mx_mb2_default(s);
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(strlen(nk_view_store.cmdline), NK_CMDLINE_MAX - 1);
	assert_memory_equal(nk_view_store.cmdline + sizeof(s) - 1, " nk.", 4);
	ASSERT_SERIAL("nk: command line longer than 511 bytes with fw_cfg's: truncated\n");
	assert_true(nk_view_store.audit); /* "nk." alone is no flag */
}

TEST(boot_says_when_the_command_line_is_full_before_fw_cfg)
{
	char s[NK_CMDLINE_MAX];
	memset(s, 'd', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	mx_fwcfg("opt/nk/cmdline", "x");
	mx_mb2_default(s);
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_string_equal(nk_view_store.cmdline, s);
	ASSERT_SERIAL("with fw_cfg's: truncated\n");
}

static void set_cmdline(const char *s)
{
	memset(nk_view_store.cmdline, 0, sizeof(nk_view_store.cmdline));
	memcpy(nk_view_store.cmdline, s, strlen(s));
}

TEST(cmdline_flag_reads_key_0_or_1)
{
	set_cmdline("");
	assert_true(nk_cmdline_flag("nk.audit", true));
	assert_false(nk_cmdline_flag("nk.audit", false));
	set_cmdline("nk.audit=0");
	assert_false(nk_cmdline_flag("nk.audit", true));
	set_cmdline("  a=1   nk.audit=1  ");
	assert_true(nk_cmdline_flag("nk.audit", false));
	set_cmdline("nk.audit=0 x nk.audit=1 y nk.audit=0");
	assert_false(nk_cmdline_flag("nk.audit", true)); /* the last one wins */
}

TEST(cmdline_flag_ignores_malformed_values_and_other_keys)
{
	const char *ignored[] = {
	    "nk.audit=2",  "nk.audit=", "nk.audit",	"nk.audit=01", "nk.audit=0x",
	    "xnk.audit=0", "nk.audi=0", "nk.audit.x=0", "nk.auditx=0", "nk.audit==0",
	};
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		set_cmdline(ignored[i]);
		if (!nk_cmdline_flag("nk.audit", true) || nk_cmdline_flag("nk.audit", false))
			fail_msg("'%s' was taken as a value", ignored[i]);
	}
	set_cmdline("nk.audit=2 nk.audit=0 nk.audit=7");
	assert_false(nk_cmdline_flag("nk.audit", true)); /* the last well-formed one */
}

/* ---- malformed and oversized boot information ---- */

TEST(boot_panics_without_the_multiboot2_magic)
{
	boot_magic = 0x2badb002; /* multiboot 1 */
	mx_mb2_default("");
	assert_boot_panics("not booted by a multiboot2 loader");
}

TEST(boot_panics_on_an_impossible_info_size)
{
	mx_mb2_default("");
	mx_mb2_poke32(0, 8);
	assert_boot_panics("multiboot2 info has an impossible size");
	mx_reset();
	mx_mb2_default("");
	mx_mb2_poke32(0, (1u << 20) + 8);
	assert_boot_panics("multiboot2 info has an impossible size");
}

TEST(boot_panics_on_a_tag_past_the_info)
{
	mx_mb2_cmdline("x");
	uint32_t mm = mx_mb2_next();
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	/* the memory map tag claims 8 bytes more than the info has */
	uint32_t total = mx_mb2_next();
	mx_mb2_poke32(mm + 4, total - mm + 8);
	assert_boot_panics("multiboot2 tag runs past the info");
}

TEST(boot_panics_on_a_tag_size_that_wraps)
{
	/* a tag whose size makes off + size wrap (32 bits) back to the first
	 * tag: the sum looks inside the info, the tag is nearly 4 GiB long (a
	 * 32-bit bounds check would go round the tags for ever) */
	mx_mb2_cmdline("x");
	uint32_t t = mx_mb2_next();
	uint32_t meminfo[2] = {639, 1024};
	mx_mb2_tag(4, meminfo, sizeof(meminfo));
	mx_mb2_default("");
	mx_mb2_poke32(t + 4, (uint32_t)(0x100000000ull - t + 8));
	assert_boot_panics("multiboot2 tag runs past the info");
}

TEST(boot_panics_on_a_tag_shorter_than_its_header)
{
	uint32_t t = mx_mb2_next();
	mx_mb2_default("");
	mx_mb2_poke32(t + 4, 4);
	assert_boot_panics("multiboot2 tag runs past the info");
}

TEST(boot_panics_on_memory_map_entries_too_small)
{
	mx_mb2_cmdline("");
	uint32_t mm = mx_mb2_next();
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	mx_mb2_poke32(mm + 8, 16); /* entry_size */
	assert_boot_panics("multiboot2 memory map entries too small");
}

TEST(boot_reads_no_entry_of_an_entry_size_that_wraps)
{
	/* entry_size near 2^32: a 32-bit e + entry_size wraps back into the
	 * tag and would read entries from the bytes before it */
	mx_mb2_cmdline("");
	uint32_t mm = mx_mb2_next();
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	mx_mb2_poke32(mm + 8, 0xfffffff8u);
	assert_boot_panics("multiboot2 info has no memory map");
	assert_int_equal(nk_view_store.nmmap, 0);
}

TEST(boot_panics_on_a_memory_map_tag_too_short)
{
	uint32_t esz = 24;
	mx_mb2_tag(6, &esz, 4); /* no entry_version, no entries */
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	assert_boot_panics("multiboot2 memory map tag too short");
}

TEST(boot_panics_without_a_memory_map)
{
	mx_mb2_cmdline("nk.audit=0");
	mx_mb2_module(MX_MOD_START, MX_MOD_END, "initramfs");
	mx_mb2_end();
	assert_boot_panics("multiboot2 info has no memory map");
}

TEST(boot_panics_on_an_empty_memory_map)
{
	mx_mb2_mmap(NULL, 0);
	mx_mb2_end();
	assert_boot_panics("multiboot2 info has no memory map");
}

TEST(boot_panics_on_a_module_tag_too_short)
{
	uint32_t start = MX_MOD_START;
	mx_mb2_tag(3, &start, 4);
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	assert_boot_panics("multiboot2 module tag too short");
}

TEST(boot_panics_on_a_module_that_ends_before_it_starts)
{
	mx_mb2_module(MX_MOD_END, MX_MOD_START, "backwards");
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	assert_boot_panics("multiboot2 module ends before it starts");
}

TEST(boot_skips_unknown_tags_and_stops_at_the_end_tag)
{
	uint32_t meminfo[2] = {639, 15 * 1024};
	mx_mb2_tag(4, meminfo, sizeof(meminfo)); /* basic memory information */
	mx_mb2_tag(2, "GRUB 2.12", 10);		 /* boot loader name */
	mx_mb2_default("after unknown tags");
	/* after the end tag: a module nk must not see */
	mx_mb2_module(0x200000, 0x300000, "ghost");
	mx_mb2_poke32(0, mx_mb2_next());
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_string_equal(nk_view_store.cmdline, "after unknown tags");
	assert_int_equal(nk_view_store.nmodules, 1);
	assert_int_equal(nk_view_store.nmmap, mx_default_mmap_n);
}

TEST(boot_info_without_an_end_tag_is_read_to_its_size)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	mx_mb2_cmdline("no end tag");
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_poke32(0, mx_mb2_next());
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_string_equal(nk_view_store.cmdline, "no end tag");
	assert_int_equal(nk_view_store.nmmap, mx_default_mmap_n);
}

TEST(boot_reads_strings_that_end_with_their_tag)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	/* a command line and a module name without a NUL: the tag's end ends them */
	mx_mb2_tag(1, "nk.audit=0", 10);
	uint8_t mod[8 + 5];
	uint32_t se[2] = {MX_MOD_START, MX_MOD_END};
	memcpy(mod, se, 8);
	memcpy(mod + 8, "rootx", 5);
	mx_mb2_tag(3, mod, sizeof(mod));
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_string_equal(nk_view_store.cmdline, "nk.audit=0");
	assert_false(nk_view_store.audit);
	assert_string_equal(nk_view_store.modules[0].name, "rootx");
	assert_false(mx_serial_has("truncated"));
}

TEST(boot_keeps_eight_modules_and_names_the_ones_it_ignores)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	char name[16];
	for (unsigned i = 0; i < NK_MODULES_MAX + 2; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		mx_mb2_module(0x140000 + i * 0x1000, 0x140800 + i * 0x1000, name);
	}
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(nk_view_store.nmodules, NK_MODULES_MAX);
	for (unsigned i = 0; i < NK_MODULES_MAX; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		assert_string_equal(nk_view_store.modules[i].name, name);
	}
	ASSERT_SERIAL("nk: multiboot2 module at 148000 ignored: more than 8 modules\n");
	ASSERT_SERIAL("nk: multiboot2 module at 149000 ignored: more than 8 modules\n");
}

TEST(boot_cuts_a_long_module_name_to_the_views_size)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	char name[100];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	mx_mb2_module(MX_MOD_START, MX_MOD_END, name);
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	const struct nk_module *m = &nk_view->modules[0];
	assert_int_equal(strlen(m->name), sizeof(m->name) - 1);
}

TEST(boot_keeps_64_memory_ranges_and_counts_the_rest)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	struct mx_range r[NK_MMAP_MAX + 6];
	unsigned n = 0;
	for (; n < 3; n++)
		r[n] = mx_default_mmap[n];
	r[n++] = (struct mx_range){0x100000, MX_RAM_END - 0x100000, 1};
	while (n < NK_MMAP_MAX + 6) { /* small reserved ranges above RAM */
		r[n] = (struct mx_range){0x2000000 + n * 0x1000, 0x1000, 2};
		n++;
	}
	mx_mb2_mmap(r, n);
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(nk_view_store.nmmap, NK_MMAP_MAX);
	assert_int_equal(pa_addr(nk_view_store.mmap[NK_MMAP_MAX - 1].base),
			 r[NK_MMAP_MAX - 1].base);
	ASSERT_SERIAL("nk: multiboot2 memory map: 6 entries past the first 64 ignored "
		      "(not used)\n");
	assert_invariants_hold();
}

TEST(boot_reads_memory_map_entries_of_their_stated_size)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	/* entry_size 32 (a newer loader's larger entries): nk steps by it */
	uint8_t p[8 + 32 * 3];
	memset(p, 0xee, sizeof(p)); /* the 8 unknown bytes of each entry */
	uint32_t esz = 32, ver = 0;
	memcpy(p, &esz, 4);
	memcpy(p + 4, &ver, 4);
	struct mx_range r[3] = {
	    {0, 0x9fc00, 1},
	    {0x100000, MX_RAM_END - 0x100000, 1},
	    {MX_RAM_END, 0x20000, 2},
	};
	for (int i = 0; i < 3; i++) {
		memcpy(p + 8 + 32 * i, &r[i].base, 8);
		memcpy(p + 16 + 32 * i, &r[i].len, 8);
		memcpy(p + 24 + 32 * i, &r[i].type, 4);
	}
	mx_mb2_tag(6, p, sizeof(p));
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(nk_view_store.nmmap, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pa_addr(nk_view_store.mmap[i].base), r[i].base);
		assert_int_equal(nk_view_store.mmap[i].len, r[i].len);
		assert_int_equal(nk_view_store.mmap[i].type, r[i].type);
	}
	assert_invariants_hold();
}

TEST(boot_finds_ram_in_an_unsorted_memory_map)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	/* the high range first: the RAM's end is still the highest end */
	struct mx_range r[] = {
	    {0x800000, MX_RAM_END - 0x800000, 1},
	    {MX_RAM_END, 0x20000, 2},
	    {0x100000, 0x700000, 1},
	    {0, 0x9fc00, 1},
	};
	mx_mb2_mmap(r, 4);
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(nk.nframes, FAKE_NFRAMES);
	assert_int_equal(nk.frames[0x7ff].type, NK_F_DATA);
	assert_int_equal(nk.frames[MX_RAM_END / PAGE_SIZE - 1].type, NK_F_DATA);
	assert_invariants_hold();
}

TEST(boot_panics_when_its_cpu_tables_are_not_nk_frames)
{
	/* nk declares the GDT, TSS and IDT as regions of its own frames; with
	 * the tables in the outer kernel's data that fails, and nk stops */
	fake_cpu.cpu_tables_va = MX_ROAI;
	mx_mb2_default("");
	assert_int_equal(mx_boot(), MX_HALTED);
	assert_int_equal(fake_cpu.exit_code, 0x7f);
	ASSERT_SERIAL("nk_view_store.region_gdt >= 0 && nk_view_store.region_tss >= 0 &&");
	assert_int_equal(nk_view_store.nregions, 0);
}

TEST(boot_types_only_whole_available_frames)
{
	mx_acpi_default(); /* the IOMMU the nested build needs */
	/* RAM from 0x100800 to 0xfdf800: the partial first and last frames
	 * stay HOLE */
	struct mx_range r[] = {
	    {0, 0x9fc00, 1},
	    {0x100800, MX_RAM_END - 0x800 - 0x100800, 1},
	    {MX_RAM_END - 0x800, 0x20800, 2},
	};
	mx_mb2_mmap(r, 3);
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(nk.frames[0x100].type, NK_F_HOLE);
	assert_int_equal(nk.frames[0x101].type, NK_F_DATA);
	assert_int_equal(nk.frames[MX_RAM_END / PAGE_SIZE - 2].type, NK_F_DATA);
	assert_int_equal(nk.frames[MX_RAM_END / PAGE_SIZE - 1].type, NK_F_HOLE);
	assert_invariants_hold();
}

TEST(boot_panics_when_its_tables_do_not_fit)
{
	/* the RAM range holding the allocator's start ends 7 frames later */
	struct mx_range r[] = {
	    {0x100000, align_up(MX_MOD_END, PAGE_SIZE) + 7 * PAGE_SIZE - 0x100000, 1},
	    {0x200000, MX_RAM_END - 0x200000, 1},
	};
	mx_mb2_module(MX_MOD_START, MX_MOD_END, "initramfs");
	mx_mb2_mmap(r, 2);
	mx_mb2_end();
	assert_boot_panics("boot_alloc: out of memory for nk's tables");
}

TEST(boot_says_ram_above_nk_frames_max_is_not_used)
{
	/* 64 GiB more RAM above 16 MiB: nk tracks NK_FRAMES_MAX frames and
	 * says so; their frame table does not fit below the allocator's
	 * limit (the RAM range holding its start), so the boot stops there */
	struct mx_range r[] = {
	    {0, 0x9fc00, 1},
	    {0x100000, MX_RAM_END - 0x100000, 1},
	    {0x1000000, 64ull << 30, 1},
	};
	mx_mb2_module(MX_MOD_START, MX_MOD_END, "initramfs");
	mx_mb2_mmap(r, 3);
	mx_mb2_end();
	char want[80];
	snprintf(want, sizeof(want), "nk: RAM above %llu MiB is not used (NK_FRAMES_MAX)\n",
		 (unsigned long long)(NK_FRAMES_MAX * PAGE_SIZE >> 20));
	assert_boot_panics("boot_alloc: out of memory for nk's tables");
	ASSERT_SERIAL(want);
}

TEST(boot_panics_when_its_tables_would_start_outside_ram)
{
	/* the module ends in a gap between RAM ranges */
	struct mx_range r[] = {
	    {0x100000, 0x40000, 1},
	    {0x200000, MX_RAM_END - 0x200000, 1},
	};
	mx_mb2_module(MX_MOD_START, MX_MOD_END, "initramfs");
	mx_mb2_mmap(r, 2);
	mx_mb2_end();
	assert_boot_panics("boot_alloc: out of memory for nk's tables");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    MX_TEST(boot_types_every_frame),
	    MX_TEST(boot_direct_map_covers_ram_writable_only_for_data),
	    MX_TEST(boot_maps_the_image_with_each_sections_rights),
	    MX_TEST(boot_leaves_the_cpu_protected),
	    MX_TEST(boot_fills_the_view),
	    MX_TEST(boot_builds_tables_the_checker_accepts),
	    MX_FRESH(boot_puts_its_tables_past_the_info_image_and_modules),
	    MX_FRESH(boot_module_below_the_image_leaves_tables_past_the_image),
	    MX_FRESH(boot_refuses_a_cpu_without_smep),
	    MX_FRESH(boot_refuses_a_cpu_without_nx),
	    MX_FRESH(boot_refuses_a_cpu_without_nx_and_smep),
	    MX_FRESH(boot_reads_leaf_7_only_when_the_cpu_has_it),
	    MX_FRESH(boot_without_smap_pge_fsgsbase_umip_pcid),
	    MX_FRESH(boot_phys_limit_defaults_to_36_bits),
	    MX_FRESH(boot_refuses_fw_cfg_dma),
	    MX_FRESH(boot_with_fw_cfg_port_interface_only),
	    MX_FRESH(boot_appends_the_fw_cfg_command_line),
	    MX_FRESH(boot_without_fw_cfg_keeps_the_multiboot_command_line),
	    MX_FRESH(boot_truncates_a_long_command_line_and_says_so),
	    MX_FRESH(boot_command_line_of_exactly_the_maximum_is_kept_whole),
	    MX_FRESH(boot_says_when_fw_cfg_overflows_the_command_line),
	    MX_FRESH(boot_says_when_the_command_line_is_full_before_fw_cfg),
	    MX_FRESH(cmdline_flag_reads_key_0_or_1),
	    MX_FRESH(cmdline_flag_ignores_malformed_values_and_other_keys),
	    MX_FRESH(boot_panics_without_the_multiboot2_magic),
	    MX_FRESH(boot_panics_on_an_impossible_info_size),
	    MX_FRESH(boot_panics_on_a_tag_past_the_info),
	    MX_FRESH(boot_panics_on_a_tag_size_that_wraps),
	    MX_FRESH(boot_panics_on_a_tag_shorter_than_its_header),
	    MX_FRESH(boot_panics_on_memory_map_entries_too_small),
	    MX_FRESH(boot_reads_no_entry_of_an_entry_size_that_wraps),
	    MX_FRESH(boot_panics_on_a_memory_map_tag_too_short),
	    MX_FRESH(boot_panics_without_a_memory_map),
	    MX_FRESH(boot_panics_on_an_empty_memory_map),
	    MX_FRESH(boot_panics_on_a_module_tag_too_short),
	    MX_FRESH(boot_panics_on_a_module_that_ends_before_it_starts),
	    MX_FRESH(boot_skips_unknown_tags_and_stops_at_the_end_tag),
	    MX_FRESH(boot_info_without_an_end_tag_is_read_to_its_size),
	    MX_FRESH(boot_reads_strings_that_end_with_their_tag),
	    MX_FRESH(boot_keeps_eight_modules_and_names_the_ones_it_ignores),
	    MX_FRESH(boot_cuts_a_long_module_name_to_the_views_size),
	    MX_FRESH(boot_keeps_64_memory_ranges_and_counts_the_rest),
	    MX_FRESH(boot_reads_memory_map_entries_of_their_stated_size),
	    MX_FRESH(boot_finds_ram_in_an_unsorted_memory_map),
	    MX_FRESH(boot_panics_when_its_cpu_tables_are_not_nk_frames),
	    MX_FRESH(boot_types_only_whole_available_frames),
	    MX_FRESH(boot_panics_when_its_tables_do_not_fit),
	    MX_FRESH(boot_says_ram_above_nk_frames_max_is_not_used),
	    MX_FRESH(boot_panics_when_its_tables_would_start_outside_ram),
	};
	return cmocka_run_group_tests_name("boot: nk_boot on the fake machine", tests, NULL, NULL);
}
