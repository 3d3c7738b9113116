/* nk's boot: read multiboot2 info, type every frame, build the final page
 * tables (4 KiB direct map of RAM, the image with per-section rights),
 * enable NXE/WP/SMEP/SMAP, load IDT/GDT/TSS, hand off to the outer kernel.
 * The CPU, the image layout and physical memory are reached only through
 * nk/arch.h, so the whole boot runs in host unit tests on a fake machine
 * (tests/host/test_boot.c).
 * Source: spec sections 4, 8, 9; multiboot2 spec 3.6 (boot information);
 * SDM Vol. 3A 4.5 (paging), 2.5 (control registers). */
#include "nk.h"
#include "cpu.h"

#ifndef NK_NATIVE
#define NK_NATIVE 0
#endif


struct nk_state nk;
struct nk_view nk_view_store;
const struct nk_view *const nk_view = &nk_view_store;
uint64_t *const nk_wpv_ptr = &nk_view_store.stats.wp_violations;
/* the counters nk/cr0.inc and nk/entry.asm bump (with WP clear) */
uint64_t *const nk_gate_busy_ptr = &nk_view_store.stats.gate_busy;
uint64_t *const nk_nmi_in_nk_ptr = &nk_view_store.stats.nmi_in_nk;
uint64_t *const nk_nmi_attack_ptr = &nk_view_store.stats.nmi_return_attacks;

extern uint32_t boot_magic, boot_mbi; /* boot/boot.asm: EAX and EBX from the loader */

/* multiboot2 (spec 3.6): the loader's magic, the tags nk reads, memory
 * type 1 (available RAM); nk accepts an info block of at most 1 MiB. */
#define MB2_MAGIC 0x36d76289u
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_MEM_AVAILABLE 1
#define MB2_INFO_MAX (1u << 20)
#define MB2_MMAP_ENTRY_MIN 24 /* base, length, type, reserved */

static struct arch_image img;            /* the image layout (linker.ld) */
static uint64_t alloc_next, alloc_limit; /* boot allocator, physical bytes */

static uint64_t kphys(uint64_t va)
{
	return pa_addr(kimg_to_pa(va_init(va)));
}

/* The pages n bytes take. */
static uint64_t pages_for(uint64_t n)
{
	return align_up(n, PAGE_SIZE) / PAGE_SIZE;
}

/* nk's pointer to a table it allocated at physical pa, while the boot
 * tables are loaded. */
static pte_t *boot_table(uint64_t pa)
{
	return arch_boot_pa_va(pa_init(pa));
}

/* Boot allocation of n zeroed 4 KiB frames (physical address); the boot
 * tables identity-map the first 4 GiB, so nk writes through that. */
NK_BOOT static uint64_t boot_alloc(uint64_t n)
{
	uint64_t pa = alloc_next;
	if (pa + n * PAGE_SIZE > alloc_limit)
		nk_panic(__FILE__, __LINE__, "boot_alloc: out of memory for nk's tables");
	alloc_next += n * PAGE_SIZE;
	nk_memset(arch_boot_pa_va(pa_init(pa)), 0, n * PAGE_SIZE);
	return pa;
}

NK_BOOT static void detect_cpu(void)
{
	struct nk_view *v = &nk_view_store;
	uint32_t r[4];
	arch_cpuid(0, 0, r);
	nk_memcpy(v->cpu_vendor, &r[1], 4);
	nk_memcpy(v->cpu_vendor + 4, &r[3], 4);
	nk_memcpy(v->cpu_vendor + 8, &r[2], 4);
	uint32_t maxleaf = r[0];
	arch_cpuid(1, 0, r);
	v->has_pcid = r[2] & (1u << 17);
	v->has_pge = r[3] & (1u << 13);
	if (maxleaf >= 7) {
		arch_cpuid(7, 0, r);
		v->has_smep = r[1] & (1u << 7);
		v->has_smap = r[1] & (1u << 20);
		v->has_fsgsbase = r[1] & 1u;
		v->has_umip = r[2] & (1u << 2);
	}
	arch_cpuid(0x80000001, 0, r);
	v->has_nx = r[3] & (1u << 20);
	arch_cpuid(0x80000000, 0, r);
	nk.phys_limit = 1ull << 36;
	if (r[0] >= 0x80000008) {
		arch_cpuid(0x80000008, 0, r);
		nk.phys_limit = 1ull << (r[0] & 0xff);
	}
}

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
		if (!key[k] && c[k] == '=' && (c[k + 1] == '0' || c[k + 1] == '1') &&
		    (c[k + 2] == ' ' || c[k + 2] == 0))
			v = c[k + 1] == '1';
		while (*c && *c != ' ')
			c++;
	}
	return v;
}

/* The command line tag: the string, truncated (with a warning) to what
 * nk_view holds. */
NK_BOOT static void mb2_cmdline(const uint8_t *str, uint32_t len)
{
	struct nk_view *v = &nk_view_store;
	nk_memset(v->cmdline, 0, sizeof(v->cmdline));
	uint32_t i = 0;
	for (; i < len && str[i] && i < NK_CMDLINE_MAX - 1; i++)
		v->cmdline[i] = (char)str[i];
	if (i < len && str[i])
		nk_printf("nk: multiboot2 command line longer than %d bytes: truncated\n",
			  NK_CMDLINE_MAX - 1);
}

/* A module tag (size bytes at tag): start, end (physical), name. A module
 * past NK_MODULES_MAX is left out, with a warning. */
NK_BOOT static void mb2_module(const uint32_t *tag, uint32_t size)
{
	struct nk_view *v = &nk_view_store;
	if (size < 16)
		nk_panic(__FILE__, __LINE__, "multiboot2 module tag too short");
	if (tag[3] < tag[2])
		nk_panic(__FILE__, __LINE__, "multiboot2 module ends before it starts");
	if (v->nmodules == NK_MODULES_MAX) {
		nk_printf("nk: multiboot2 module at %x ignored: more than %d modules\n", tag[2],
			  NK_MODULES_MAX);
		return;
	}
	struct nk_module *m = &v->modules[v->nmodules++];
	m->start = tag[2];
	m->end = tag[3];
	const uint8_t *name = (const uint8_t *)&tag[4];
	for (uint32_t i = 0; i < size - 16 && name[i] && i < sizeof(m->name) - 1; i++)
		m->name[i] = (char)name[i];
}

/* The memory map tag (size bytes at tag): entries of tag[2] bytes each.
 * Returns how many entries did not fit in nk_view (NK_MMAP_MAX). */
NK_BOOT static uint32_t mb2_mmap(const uint32_t *tag, uint32_t size)
{
	struct nk_view *v = &nk_view_store;
	if (size < 16)
		nk_panic(__FILE__, __LINE__, "multiboot2 memory map tag too short");
	uint32_t esz = tag[2], dropped = 0;
	if (esz < MB2_MMAP_ENTRY_MIN)
		nk_panic(__FILE__, __LINE__, "multiboot2 memory map entries too small");
	const uint8_t *base = (const uint8_t *)tag;
	for (uint64_t e = 16; e + esz <= size; e += esz) {
		if (v->nmmap == NK_MMAP_MAX) {
			dropped++;
			continue;
		}
		struct nk_mem_range *r = &v->mmap[v->nmmap++];
		nk_memcpy(&r->base, base + e, 8);
		nk_memcpy(&r->len, base + e + 8, 8);
		nk_memcpy(&r->type, base + e + 16, 4);
	}
	return dropped;
}

/* Read the multiboot2 information at physical mbi (bounds-checked: a tag
 * that runs past the info, a too-short module or memory-map tag or no
 * memory map stops the boot with a message naming it). */
NK_BOOT static void parse_multiboot(uint64_t mbi)
{
	struct nk_view *v = &nk_view_store;
	const uint8_t *base = arch_boot_pa_va(pa_init(mbi));
	uint32_t total = *(const uint32_t *)base, dropped = 0;
	if (total < 16 || total > MB2_INFO_MAX)
		nk_panic(__FILE__, __LINE__, "multiboot2 info has an impossible size");
	for (uint32_t off = 8; off + 8 <= total;) {
		const uint32_t *tag = (const uint32_t *)(base + off);
		uint32_t type = tag[0], size = tag[1];
		if (size < 8 || size > total - off)
			nk_panic(__FILE__, __LINE__, "multiboot2 tag runs past the info");
		if (type == MB2_TAG_END)
			break;
		if (type == MB2_TAG_CMDLINE)
			mb2_cmdline(base + off + 8, size - 8);
		else if (type == MB2_TAG_MODULE)
			mb2_module(tag, size);
		else if (type == MB2_TAG_MMAP)
			dropped += mb2_mmap(tag, size);
		off += (size + 7) & ~7u;
	}
	if (!v->nmmap)
		nk_panic(__FILE__, __LINE__, "multiboot2 info has no memory map");
	if (dropped)
		nk_printf("nk: multiboot2 memory map: %u entries past the first %d ignored "
			  "(not used)\n",
			  dropped, NK_MMAP_MAX);
	alloc_next = align_up(mbi + total, PAGE_SIZE);
}

/* Type every frame (spec section 4). */
NK_BOOT static void type_frames(uint64_t alloc_start)
{
	struct nk_view *v = &nk_view_store;
	for (uint32_t i = 0; i < v->nmmap; i++) {
		if (v->mmap[i].type != MB2_MEM_AVAILABLE)
			continue;
		uint64_t a = align_up(v->mmap[i].base, PAGE_SIZE) / PAGE_SIZE;
		uint64_t b = align_down(v->mmap[i].base + v->mmap[i].len, PAGE_SIZE) / PAGE_SIZE;
		if (a < 256)
			a = 256; /* below 1 MiB: BIOS and legacy areas, left as HOLE */
		for (uint64_t p = a; p < b && p < nk.nframes; p++)
			nk_set_type(p, NK_F_DATA);
	}
	enum nk_ftype data_or_nk = NK_NATIVE ? NK_F_DATA : NK_F_NK;
	for (uint64_t p = kphys(img.nk_text_start); p < kphys(img.nk_end); p += PAGE_SIZE)
		nk_set_type(p / PAGE_SIZE, NK_F_NK);
	for (uint64_t p = kphys(img.text_start); p < kphys(img.text_end); p += PAGE_SIZE)
		nk_set_type(p / PAGE_SIZE, NK_F_CODE);
	for (uint64_t p = kphys(img.rodata_start); p < kphys(img.rodata_end); p += PAGE_SIZE)
		nk_set_type(p / PAGE_SIZE, NK_NATIVE ? NK_F_DATA : NK_F_PROTECTED);
	/* nk's boot allocations so far: frame table, 2 MiB table, scratch */
	for (uint64_t p = alloc_start; p < alloc_next; p += PAGE_SIZE)
		nk_set_type(p / PAGE_SIZE, data_or_nk);
}

/* A new nk-owned PTP (pinned): physical address. */
NK_BOOT static uint64_t new_ptp(unsigned level, uint8_t flags)
{
	uint64_t pa = boot_alloc(1);
	nk_set_type(pa / PAGE_SIZE, (enum nk_ftype)(NK_F_PTP1 + level - 1));
	nk.frames[pa / PAGE_SIZE].flags = flags;
	return pa;
}

#define TABLE_FLAGS (PTE_P | PTE_W) /* non-leaf: rights come from the leaves */

/* Direct map of every RAM frame, 4 KiB entries, NX; writable only for DATA
 * (nested). Its L1s are contiguous so nk finds a frame's entry in O(1);
 * returns the physical address of the first. */
NK_BOOT static uint64_t build_direct_map(pte_t *l4)
{
	uint64_t n1 = nk.nframes / PTES_PER_PTP, n2 = (n1 + 511) / 512, n3 = (n2 + 511) / 512;
	uint8_t fl = NK_FF_PINNED | NK_FF_KHALF;
	uint64_t l1 = alloc_next;
	for (uint64_t i = 0; i < n1; i++)
		new_ptp(1, fl | NK_FF_DMAP);
	nk.dm_ptes = boot_table(l1); /* until nk's tables are loaded */
	uint64_t l2 = alloc_next;
	for (uint64_t i = 0; i < n2; i++)
		new_ptp(2, fl);
	uint64_t l3 = alloc_next;
	for (uint64_t i = 0; i < n3; i++)
		new_ptp(3, fl);
	pte_t *t2 = boot_table(l2), *t3 = boot_table(l3);
	for (uint64_t i = 0; i < n1; i++)
		t2[i] = pte_make(pa_init(l1 + i * PAGE_SIZE), TABLE_FLAGS);
	for (uint64_t i = 0; i < n2; i++)
		t3[i] = pte_make(pa_init(l2 + i * PAGE_SIZE), TABLE_FLAGS);
	for (uint64_t i = 0; i < n3; i++)
		l4[pt_index(DIRECT_MAP_BASE, 4) + i] = pte_make(pa_init(l3 + i * PAGE_SIZE), TABLE_FLAGS);
	return l1;
}

/* Fill the direct map's leaves from the frame types, once every boot
 * allocation is typed. */
NK_BOOT static void fill_direct_map(void)
{
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		uint8_t t = nk.frames[pfn].type;
		if (t == NK_F_HOLE)
			continue;
		bool w = NK_NATIVE || t == NK_F_DATA;
		nk.dm_ptes[pfn] = pte_make(pa_from_pfn(pfn), PTE_P | PTE_NX | PTE_G | (w ? PTE_W : 0));
	}
}

/* Rights of the image page at virtual address va (spec I4, section 8). */
NK_BOOT static uint64_t image_rights(uint64_t va)
{
	uint64_t pa = pa_addr(kimg_to_pa(va_init(va)));
	uint8_t t = nk.frames[pa / PAGE_SIZE].type;
	if (va >= img.nk_text_start && va < img.nk_text_end)
		return PTE_P; /* nk text: read-only, executable */
	if (t == NK_F_CODE)
		return PTE_P;
	if (t == NK_F_DATA)
		return PTE_P | PTE_W | PTE_NX;
	return PTE_P | PTE_NX | (NK_NATIVE ? PTE_W : 0);
}

/* The image at KERNEL_VMA, 4 KiB entries with image_rights, and the empty
 * module area's L2 (outer-extendable). */
NK_BOOT static void build_image_map(pte_t *l4)
{
	uint64_t start = img.image_start, end = align_up(img.image_end, PAGE_SIZE);
	uint8_t fl = NK_FF_PINNED | NK_FF_KHALF;
	uint64_t l3 = new_ptp(3, fl), l2 = new_ptp(2, fl);
	l4[pt_index(KERNEL_VMA, 4)] = pte_make(pa_init(l3), TABLE_FLAGS);
	boot_table(l3)[pt_index(KERNEL_VMA, 3)] = pte_make(pa_init(l2), TABLE_FLAGS);
	/* the module area: the last 1 GiB, an L2 the outer kernel extends */
	uint64_t ml2 = new_ptp(2, NK_FF_KHALF);
	boot_table(l3)[pt_index(MODULE_BASE, 3)] = pte_make(pa_init(ml2), TABLE_FLAGS);
	nk_view_store.module_l2 = pa_init(ml2);
	nk_view_store.module_base = MODULE_BASE;
	nk_view_store.module_size = 1ull << 30;
	for (uint64_t va = align_down(start, HUGE_2M_SIZE); va < end; va += HUGE_2M_SIZE) {
		uint64_t l1 = new_ptp(1, fl);
		boot_table(l2)[pt_index(va, 2)] = pte_make(pa_init(l1), TABLE_FLAGS);
		for (uint64_t p = va; p < va + HUGE_2M_SIZE && p < end; p += PAGE_SIZE)
			if (p >= start) {
				boot_table(l1)[pt_index(p, 1)] =
					pte_make(kimg_to_pa(va_init(p)), image_rights(p) | PTE_G);
				arch_boot_image_pte(p, pa_init(l1 + pt_index(p, 1) * sizeof(pte_t)));
			}
	}
}

/* Data stack of n pages for the outer kernel: DATA frames, direct-mapped
 * writable. Returns the top's virtual address. */
NK_BOOT static uint64_t outer_stack(uint64_t pages)
{
	uint64_t pa = boot_alloc(pages);
	return DIRECT_MAP_BASE + pa + pages * PAGE_SIZE;
}

/* The MSRs nk never writes but pins (spec I6): their boot values are
 * recorded, so that the check after a WRMSR and the interrupt stubs' slow
 * path repair or catch a write to them. Only MSRs CPUID says exist. SDM
 * Vol. 4 (MSR numbers), Vol. 3A 11.11 (MTRRs), 11.12 (PAT). */
NK_BOOT static void pin_msrs(void)
{
	uint32_t r[4], ext[4];
	arch_cpuid(1, 0, r);
	arch_cpuid(0x80000001, 0, ext);
	bool ok = true;
	if (r[3] & (1u << 9))
		ok &= arch_pin_msr(MSR_APIC_BASE) == 0;
	if (r[3] & (1u << 11))
		for (uint32_t m = MSR_SYSENTER_CS; m <= MSR_SYSENTER_EIP; m++)
			ok &= arch_pin_msr(m) == 0;
	if (r[3] & (1u << 16))
		ok &= arch_pin_msr(MSR_PAT) == 0;
	if (r[3] & (1u << 12)) { /* MTRRs: default type, fixed ranges, variable pairs */
		ok &= arch_pin_msr(MSR_MTRR_DEF_TYPE) == 0;
		uint64_t cap = arch_rdmsr(MSR_MTRRCAP);
		if (cap & (1u << 8)) {
			ok &= arch_pin_msr(MSR_MTRR_FIX64K) == 0;
			ok &= arch_pin_msr(MSR_MTRR_FIX16K_80000) == 0;
			ok &= arch_pin_msr(MSR_MTRR_FIX16K_A0000) == 0;
			for (uint32_t m = MSR_MTRR_FIX4K_C0000; m < MSR_MTRR_FIX4K_C0000 + 8; m++)
				ok &= arch_pin_msr(m) == 0;
		}
		for (uint32_t i = 0; i < (cap & 0xff) && i < 8; i++)
			ok &= arch_pin_msr(MSR_MTRR_PHYSBASE0 + 2 * i) == 0 &&
			      arch_pin_msr(MSR_MTRR_PHYSBASE0 + 2 * i + 1) == 0;
	}
	ok &= arch_pin_msr(MSR_DEBUGCTL) == 0; /* architectural since P6: every x86-64 CPU */
	if (ext[3] & (1u << 27))
		ok &= arch_pin_msr(MSR_TSC_AUX) == 0;
	/* the syscall MSRs as boot left them; the outer kernel sets them
	 * through nk_wrmsr before nk_init_done locks them */
	for (uint32_t m = MSR_STAR; m <= MSR_SFMASK; m++)
		ok &= arch_pin_msr(m) == 0;
	NK_CHECK(ok);
}

NK_BOOT static void enable_protection(void)
{
	struct nk_view *v = &nk_view_store;
	NK_CHECK(arch_set_msr(MSR_EFER, arch_rdmsr(MSR_EFER) | EFER_NXE, true) == 0);
	uint64_t cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (v->has_pge ? CR4_PGE : 0);
	cr4 |= v->has_smep ? CR4_SMEP : 0;
	cr4 |= v->has_smap ? CR4_SMAP : 0;
	arch_set_cr4(cr4);
	nk.cr4_required = CR4_PAE | (v->has_smep ? CR4_SMEP : 0) | (v->has_smap ? CR4_SMAP : 0);
	nk.cr4_allowed = CR4_TSD | CR4_DE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT |
			 (v->has_fsgsbase ? CR4_FSGSBASE : 0) | (v->has_umip ? CR4_UMIP : 0);
	uint64_t cr0 = arch_read_cr0();
	cr0 = (cr0 | CR0_NE | CR0_MP) & ~(CR0_EM | CR0_TS | CR0_CD | CR0_NW);
	arch_set_cr0(cr0 | CR0_WP); /* nk runs with WP clear; the handoff sets it */
	arch_boot_write_dr7(0); /* no debug breakpoints */
	pin_msrs();
}

NK_BOOT static void print_summary(void)
{
	struct nk_view *v = &nk_view_store;
	nk_printf("nk: CPU %s: NX %s, SMEP %s, SMAP %s, PCID %s (unused), PGE %s\n", v->cpu_vendor,
		  v->has_nx ? "yes" : "no", v->has_smep ? "yes" : "no", v->has_smap ? "yes" : "no",
		  v->has_pcid ? "yes" : "no", v->has_pge ? "yes" : "no");
	nk_printf("nk: memory map (multiboot2):\n");
	for (uint32_t i = 0; i < v->nmmap; i++)
		nk_printf("nk:   [%016lx-%016lx) %s\n", v->mmap[i].base,
			  v->mmap[i].base + v->mmap[i].len,
			  v->mmap[i].type == MB2_MEM_AVAILABLE ? "available" :
			  v->mmap[i].type == 3 ? "ACPI" : "reserved");
	nk_printf("nk: cmdline: '%s'\n", v->cmdline);
	nk_printf("nk: write-log records and audit log %s (nk.audit=%d)\n", v->audit ? "on" : "off",
		  v->audit);
}

/* Stop the nested build on a CPU without NX or SMEP (spec I3). */
NK_BOOT static void require_features(void)
{
	struct nk_view *v = &nk_view_store;
	if (NK_NATIVE || (v->has_nx && v->has_smep))
		return;
	nk_printf("nk: FATAL: this CPU lacks %s%s%s; the nested kernel needs both to protect "
		  "page tables and kernel code (spec I3). Refusing to boot.\n",
		  v->has_nx ? "" : "NX (EFER.NXE)", (!v->has_nx && !v->has_smep) ? " and " : "",
		  v->has_smep ? "" : "SMEP (CR4.SMEP)");
	nk_exit_qemu(0x12); /* QEMU status 37 */
}

/* Stop the nested build when fw_cfg offers DMA (spec I11): a DMA engine
 * no IOMMU covers could write page tables, nk and protected frames. The
 * native build protects nothing and boots anyway. */
static void require_no_fwcfg_dma(void)
{
	if (!nk_fwcfg_dma_present())
		return;
	if (NK_NATIVE) {
		nk_printf("nk: fw_cfg advertises DMA; native build: booting anyway (no protection)\n");
		return;
	}
	nk_printf("nk: FATAL: QEMU's fw_cfg advertises DMA (ID bit 1): its DMA engine (ports "
		  "0x514/0x518) writes any physical address and no IOMMU covers it (spec I11).\n");
	nk_printf("nk: run QEMU with -global fw_cfg_io.dma_enabled=off. Refusing to boot.\n");
	nk_exit_qemu(0x13); /* QEMU status 39 */
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
	nk_printf("\nnk: nested kernel booting (%s build)\n", NK_NATIVE ? "native" : "nested");
	if (boot_magic != MB2_MAGIC)
		nk_panic(__FILE__, __LINE__, "not booted by a multiboot2 loader");
	arch_image_layout(&img);
	detect_cpu();
	parse_multiboot(boot_mbi);
	char extra[256];
	if (nk_fwcfg_read("opt/nk/cmdline", extra, sizeof(extra)) > 0 &&
	    !(str_append(v->cmdline, sizeof(v->cmdline), " ") &&
	      str_append(v->cmdline, sizeof(v->cmdline), extra)))
		nk_printf("nk: command line longer than %d bytes with fw_cfg's: truncated\n",
			  NK_CMDLINE_MAX - 1);
	v->audit = nk_cmdline_flag("nk.audit", true);
	print_summary();
	require_features();
	require_no_fwcfg_dma();

	/* RAM extent and the boot allocator's start: past the image, the
	 * multiboot info and the modules */
	uint64_t ram_end = 0;
	for (uint32_t i = 0; i < v->nmmap; i++)
		if (v->mmap[i].type == MB2_MEM_AVAILABLE &&
		    v->mmap[i].base + v->mmap[i].len > ram_end)
			ram_end = v->mmap[i].base + v->mmap[i].len;
	if (alloc_next < kphys(img.image_end))
		alloc_next = kphys(img.image_end);
	for (uint32_t i = 0; i < v->nmodules; i++)
		if (v->modules[i].end > alloc_next)
			alloc_next = v->modules[i].end;
	alloc_next = align_up(alloc_next, PAGE_SIZE);
	alloc_limit = 0;
	for (uint32_t i = 0; i < v->nmmap; i++)
		if (v->mmap[i].type == MB2_MEM_AVAILABLE && v->mmap[i].base <= alloc_next &&
		    alloc_next < v->mmap[i].base + v->mmap[i].len)
			alloc_limit = v->mmap[i].base + v->mmap[i].len;
	if (alloc_limit > (1ull << 32))
		alloc_limit = 1ull << 32; /* the boot tables map 4 GiB */

	if (ram_end > NK_FRAMES_MAX * PAGE_SIZE) {
		nk_printf("nk: RAM above %lu MiB is not used (NK_FRAMES_MAX)\n",
			  (unsigned long)(NK_FRAMES_MAX * PAGE_SIZE >> 20));
		ram_end = NK_FRAMES_MAX * PAGE_SIZE;
	}
	uint64_t nframes = align_up(ram_end / PAGE_SIZE, PTES_PER_PTP);
	uint64_t alloc_start = alloc_next;
	uint64_t frames = boot_alloc(pages_for(nframes * sizeof(struct nk_frame)));
	uint64_t f2m = boot_alloc(pages_for(nframes / PTES_PER_PTP * sizeof(struct nk_frame2m)));
	uint64_t scratch = boot_alloc(pages_for(nframes * sizeof(*nk.scratch)));
	nk_frames_init(arch_boot_pa_va(pa_init(frames)), arch_boot_pa_va(pa_init(f2m)), nframes);
	type_frames(alloc_start);

	/* final tables */
	uint64_t l4 = new_ptp(4, NK_FF_PINNED);
	nk.master_l4 = pa_init(l4);
	uint64_t dm_ptes = build_direct_map(boot_table(l4));
	build_image_map(boot_table(l4));
	uint64_t heap_l3 = new_ptp(3, NK_FF_KHALF); /* outer-extendable */
	boot_table(l4)[pt_index(HEAP_BASE, 4)] = pte_make(pa_init(heap_l3), TABLE_FLAGS);
	v->heap_l3 = pa_init(heap_l3);
	v->heap_base = HEAP_BASE;
	v->heap_size = 1ull << 39;

	/* stacks the CPU switches to (IST, RSP0) and the outer boot stack:
	 * writable DATA frames, because the CPU pushes frames on them */
	uint64_t ist[IST_STACKS] = { outer_stack(4), outer_stack(4), outer_stack(4), outer_stack(4),
				     outer_stack(4) };
	uint64_t rsp0 = outer_stack(4);
	uint64_t outer_top = outer_stack(8);
	v->outer_free_start = alloc_next;
	fill_direct_map();

	enable_protection();
	nk.cur_cr3[0] = nk.master_l4;
	arch_set_cr3(pa_addr(nk.master_l4));
	/* from here nk reaches physical memory through the direct map */
	nk.frames = arch_pa_va(pa_init(frames));
	nk.f2m = arch_pa_va(pa_init(f2m));
	nk.scratch = arch_pa_va(pa_init(scratch));
	nk.dm_ptes = arch_pa_va(pa_init(dm_ptes));
	v->frames = nk.frames;
	v->frames2m = nk.f2m;
	v->master_l4 = nk.master_l4;
	v->direct_map_base = DIRECT_MAP_BASE;
	v->nk_text_start = img.nk_text_start;
	v->nk_text_end = img.nk_text_end;
	nk_adopt_counts();
	nk_regions_init();
	nk_cpu_init(ist, rsp0);

	nk_printf("nk: %lu frames (%lu MiB); tables built; NXE %s WP on-exit SMEP %s SMAP %s\n",
		  nk.nframes, nk.nframes / 256, "on", v->has_smep ? "on" : "off",
		  v->has_smap ? "on" : "off");
	arch_boot_end(outer_top);
}
