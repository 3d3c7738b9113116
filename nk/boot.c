/* nk's boot, the sequence (nk_boot): read multiboot2 info (nk/mb2.c),
 * check the CPU (nk/cpufeat.c), type every frame and build the final page
 * tables (nk/boot_tables.c), enable NXE/WP/SMEP/SMAP, load IDT/GDT/TSS,
 * hand off to the outer kernel.
 * The CPU, the image layout and physical memory are reached only through
 * nk/arch.h, so the whole boot runs in host unit tests on a fake machine
 * (tests/host/test_boot.c).
 * Source: spec sections 4, 8, 9; multiboot2 spec 3.6 (boot information);
 * SDM Vol. 3A 4.5 (paging), 2.5 (control registers). */
#include "nk.h"
#include "cpu.h"
#include "boot.h"

struct nk_state nk;
struct nk_view nk_view_store;
const struct nk_view *const nk_view = &nk_view_store;
uint64_t *const nk_wpv_ptr = &nk_view_store.stats.wp_violations;
/* the counters nk/cr0.inc and nk/entry.asm bump (with WP clear) */
uint64_t *const nk_gate_busy_ptr = &nk_view_store.stats.gate_busy;
uint64_t *const nk_nmi_in_nk_ptr = &nk_view_store.stats.nmi_in_nk;
uint64_t *const nk_nmi_attack_ptr = &nk_view_store.stats.nmi_return_attacks;

extern uint32_t boot_magic, boot_mbi; /* boot/boot.asm: EAX and EBX from the loader */

struct arch_image boot_img;
uint64_t boot_alloc_next, boot_alloc_limit;

/* Append string s to string d (cap bytes with the NUL); false if s did not
 * fit whole. */
static bool str_append(char *d, size_t cap, const char *s)
{
	size_t n = 0;
	while (n < cap - 1 && d[n])
		n++;
	while (n < cap - 1 && *s)
		d[n++] = *s++;
	d[n] = 0;
	return !*s;
}

/* Whether the word at w (ending at a space or NUL) is exactly s. */
static bool word_is(const char *w, const char *s)
{
	while (*s && *w == *s)
		w++, s++;
	return !*s && (*w == ' ' || *w == 0);
}

bool nk_cmdline_flag(const char *key, bool dflt)
{
	const char *c = nk_view_store.cmdline;
	bool v = dflt;
	while (*c) {
		while (*c == ' ')
			c++;
		size_t k = 0;
		while (key[k] && c[k] == key[k])
			k++;
		if (!key[k] && c[k] == '=') {
			const char *w = c + k + 1;
			if (word_is(w, "1") || word_is(w, "on"))
				v = true;
			else if (word_is(w, "0") || word_is(w, "off"))
				v = false;
		}
		while (*c && *c != ' ')
			c++;
	}
	return v;
}

NK_BOOT static void print_summary(void)
{
	struct nk_view *v = &nk_view_store;
	nk_printf("nk: CPU %s: NX %s, SMEP %s, SMAP %s, PCID %s (unused), PGE %s\n", v->cpu_vendor,
		  v->has_nx ? "yes" : "no", v->has_smep ? "yes" : "no", v->has_smap ? "yes" : "no",
		  v->has_pcid ? "yes" : "no", v->has_pge ? "yes" : "no");
	nk_printf("nk: memory map (multiboot2):\n");
	for (uint32_t i = 0; i < v->nmmap; i++)
		nk_printf("nk:   [%016lx-%016lx) %s\n", pa_addr(v->mmap[i].base),
			  pa_addr(v->mmap[i].base) + v->mmap[i].len,
			  v->mmap[i].type == MB2_MEM_AVAILABLE ? "available"
			  : v->mmap[i].type == 3	       ? "ACPI"
							       : "reserved");
	nk_printf("nk: cmdline: '%s'\n", v->cmdline);
	nk_printf("nk: write-log records and audit log %s (nk.audit=%d)\n", v->audit ? "on" : "off",
		  v->audit);
}

/* nk_boot: nk's C entry, called once by nk/entry.asm on the boot stack
 * with the boot tables loaded (long mode, identity map of 4 GiB), the
 * loader's magic and information address in boot_magic and boot_mbi. Does
 * not return: it hands off to the outer kernel (arch_boot_end), or stops the
 * machine with a message: nk_panic for impossible boot information (not
 * multiboot2, a malformed tag, no memory map, no room for nk's tables),
 * exit status 0x12 for a CPU without NX or SMEP, 0x13 when QEMU's fw_cfg
 * offers DMA (both nested build only).
 * Source: spec sections 4, 8, 9; multiboot2 spec 3.6. */
NK_BOOT void nk_boot(void)
{
	struct nk_view *v = &nk_view_store;
	v->nested = !NK_NATIVE;
	nk.shoot_root = NK_ROOT_NONE; /* no revocation waits for a shootdown */
	nk_smp_early();
	nk_cpu_early(); /* TR names this CPU's record before nk's first checked write */
	nk_printf("\nnk: nested kernel booting (%s build)\n", NK_NATIVE ? "native" : "nested");
	if (boot_magic != MB2_MAGIC)
		nk_panic(__FILE__, __LINE__, "not booted by a multiboot2 loader");
	arch_image_layout(&boot_img);
	boot_detect_cpu();
	boot_parse_multiboot(pa_init(boot_mbi));
	char extra[256];
	if (nk_fwcfg_read("opt/nk/cmdline", extra, sizeof(extra)) > 0 &&
	    !(str_append(v->cmdline, sizeof(v->cmdline), " ") &&
	      str_append(v->cmdline, sizeof(v->cmdline), extra)))
		nk_printf("nk: command line longer than %d bytes with fw_cfg's: truncated\n",
			  NK_CMDLINE_MAX - 1);
	v->audit = nk_cmdline_flag("nk.audit", true);
	print_summary();
	boot_require_features();
	boot_require_no_fwcfg_dma();
	nk_smp_boot(); /* the APs check in on the boot tables */

	/* RAM extent and the boot allocator's start: past the image, the
	 * multiboot info and the modules */
	uint64_t ram_end = 0;
	for (uint32_t i = 0; i < v->nmmap; i++)
		if (v->mmap[i].type == MB2_MEM_AVAILABLE &&
		    pa_addr(v->mmap[i].base) + v->mmap[i].len > ram_end)
			ram_end = pa_addr(v->mmap[i].base) + v->mmap[i].len;
	if (boot_alloc_next < pa_addr(boot_kphys(boot_img.image_end)))
		boot_alloc_next = pa_addr(boot_kphys(boot_img.image_end));
	for (uint32_t i = 0; i < v->nmodules; i++)
		if (pa_addr(v->modules[i].end) > boot_alloc_next)
			boot_alloc_next = pa_addr(v->modules[i].end);
	boot_alloc_next = align_up(boot_alloc_next, PAGE_SIZE);
	boot_alloc_limit = 0;
	for (uint32_t i = 0; i < v->nmmap; i++) {
		uint64_t base = pa_addr(v->mmap[i].base);
		if (v->mmap[i].type == MB2_MEM_AVAILABLE && base <= boot_alloc_next &&
		    boot_alloc_next < base + v->mmap[i].len)
			boot_alloc_limit = base + v->mmap[i].len;
	}
	if (boot_alloc_limit > (1ull << 32))
		boot_alloc_limit = 1ull << 32; /* the boot tables map 4 GiB */

	if (ram_end > NK_FRAMES_MAX * PAGE_SIZE) {
		nk_printf("nk: RAM above %lu MiB is not used (NK_FRAMES_MAX)\n",
			  (unsigned long)(NK_FRAMES_MAX * PAGE_SIZE >> 20));
		ram_end = NK_FRAMES_MAX * PAGE_SIZE;
	}
	uint64_t nframes = align_up(ram_end / PAGE_SIZE, PTES_PER_PTP);
	paddr_t alloc_start = pa_init(boot_alloc_next);
	paddr_t frames = boot_alloc(boot_pages_for(nframes * sizeof(struct nk_frame)));
	paddr_t f2m =
	    boot_alloc(boot_pages_for(nframes / PTES_PER_PTP * sizeof(struct nk_frame2m)));
	paddr_t scratch = boot_alloc(boot_pages_for(nframes * sizeof(*nk.scratch)));
	paddr_t groups = boot_alloc(boot_pages_for(nframes * sizeof(*nk.ptp_groups)));
	paddr_t parents = boot_alloc(boot_pages_for(nframes * sizeof(*nk.ptp_parent)));
	nk_frames_init(arch_boot_pa_va(frames), arch_boot_pa_va(f2m), arch_boot_pa_va(groups),
		       arch_boot_pa_va(parents), nframes);
	boot_type_frames(alloc_start);

	/* final tables */
	paddr_t l4 = boot_new_ptp(4, NK_FF_PINNED);
	nk.master_l4 = l4;
	paddr_t dm_ptes = boot_build_direct_map(boot_table(l4));
	boot_build_image_map(boot_table(l4));
	paddr_t heap_l3 = boot_new_ptp(3, NK_FF_KHALF); /* outer-extendable */
	boot_table(l4)[pt_index(HEAP_BASE, 4)] = pte_make(heap_l3, TABLE_FLAGS);
	v->heap_l3 = heap_l3;
	v->heap_base = HEAP_BASE;
	v->heap_size = 1ull << 39;

	/* stacks the CPU switches to (IST, RSP0) and the outer boot stack:
	 * writable DATA frames, because the CPU pushes frames on them */
	uint64_t ist[IST_STACKS] = {boot_outer_stack(4), boot_outer_stack(4), boot_outer_stack(4),
				    boot_outer_stack(4), boot_outer_stack(4)};
	uint64_t rsp0 = boot_outer_stack(4);
	uint64_t outer_top = boot_outer_stack(8);
	nk_smp_alloc_stacks();
	bool iommu = !NK_NATIVE && boot_start_iommu(); /* its tables: NK frames */
	boot_reserve_apic();
	v->outer_free_start = pa_init(boot_alloc_next);
	boot_fill_direct_map();

	boot_enable_protection();
	nk.cur_cr3[0] = nk.master_l4;
	arch_set_cr3(pa_addr(nk.master_l4));
	/* from here nk reaches physical memory through the direct map */
	nk.frames = arch_pa_va(frames);
	nk.f2m = arch_pa_va(f2m);
	nk.scratch = arch_pa_va(scratch);
	nk.ptp_groups = arch_pa_va(groups);
	nk.ptp_parent = arch_pa_va(parents);
	nk.dm_ptes = arch_pa_va(dm_ptes);
	v->frames = nk.frames;
	v->frames2m = nk.f2m;
	v->master_l4 = nk.master_l4;
	v->direct_map_base = DIRECT_MAP_BASE;
	v->nk_text_start = boot_img.nk_text_start;
	v->nk_text_end = boot_img.nk_text_end;
	nk_adopt_counts();
	nk_regions_init();
	nk_cpu_init(ist, rsp0);
	boot_start_apic();
	if (iommu)
		boot_finish_iommu();
	nk_smp_start_aps();

	nk_printf("nk: %lu frames (%lu MiB); tables built; NXE %s WP on-exit SMEP %s SMAP %s\n",
		  nk.nframes, nk.nframes / 256, "on", v->has_smep ? "on" : "off",
		  v->has_smap ? "on" : "off");
	arch_boot_end(outer_top);
}
