/* nk's boot, part 3: the boot allocator, the frame types, and the final
 * page tables: the 4 KiB direct map of RAM and the image with per-section
 * rights (nk's gated page and boot-only code noted for arch_boot_end).
 * Source: spec sections 4, 8; SDM Vol. 3A 4.5. */
#include "nk.h"
#include "cpu.h"
#include "boot.h"

NK_BOOT paddr_t boot_kphys(uint64_t va)
{
	return kimg_to_pa(va_init(va));
}

/* The pages n bytes take. */
NK_BOOT uint64_t boot_pages_for(uint64_t n)
{
	return align_up(n, PAGE_SIZE) / PAGE_SIZE;
}

/* nk's pointer to a table it allocated at physical pa, while the boot
 * tables are loaded. */
NK_BOOT pte_t *boot_table(paddr_t pa)
{
	return arch_boot_pa_va(pa);
}

/* Boot allocation of n zeroed 4 KiB frames (physical address); the boot
 * tables identity-map the first 4 GiB, so nk writes through that. */
NK_BOOT paddr_t boot_alloc(uint64_t n)
{
	paddr_t pa = pa_init(boot_alloc_next);
	if (boot_alloc_next + n * PAGE_SIZE > boot_alloc_limit)
		nk_panic(__FILE__, __LINE__, "boot_alloc: out of memory for nk's tables");
	boot_alloc_next += n * PAGE_SIZE;
	nk_memset(arch_boot_pa_va(pa), 0, n * PAGE_SIZE);
	return pa;
}

/* Type the frames of [start, end) (physical; start page-aligned). */
NK_BOOT static void type_range(paddr_t start, paddr_t end, enum nk_ftype t)
{
	for (uint64_t p = pa_addr(start); p < pa_addr(end); p += PAGE_SIZE)
		nk_set_type(p / PAGE_SIZE, t);
}

/* Type every frame (spec section 4). */
NK_BOOT void boot_type_frames(paddr_t alloc_start)
{
	struct nk_view *v = &nk_view_store;
	for (uint32_t i = 0; i < v->nmmap; i++) {
		if (v->mmap[i].type != MB2_MEM_AVAILABLE)
			continue;
		uint64_t base = pa_addr(v->mmap[i].base);
		uint64_t a = align_up(base, PAGE_SIZE) / PAGE_SIZE;
		uint64_t b = align_down(base + v->mmap[i].len, PAGE_SIZE) / PAGE_SIZE;
		if (a < 256)
			a = 256; /* below 1 MiB: BIOS and legacy areas, left as HOLE */
		for (uint64_t p = a; p < b && p < nk.nframes; p++)
			nk_set_type(p, NK_F_DATA);
	}
	enum nk_ftype data_or_nk = NK_NATIVE ? NK_F_DATA : NK_F_NK;
	type_range(boot_kphys(boot_img.nk_text_start), boot_kphys(boot_img.nk_end), NK_F_NK);
	type_range(boot_kphys(boot_img.text_start), boot_kphys(boot_img.text_end), NK_F_CODE);
	type_range(boot_kphys(boot_img.rodata_start), boot_kphys(boot_img.rodata_end),
		   NK_NATIVE ? NK_F_DATA : NK_F_PROTECTED);
	/* nk's boot allocations so far: frame table, 2 MiB table, scratch,
	 * PTP group sets */
	type_range(alloc_start, pa_init(boot_alloc_next), data_or_nk);
}

/* A new nk-owned PTP (pinned): physical address. */
NK_BOOT paddr_t boot_new_ptp(unsigned level, uint8_t flags)
{
	paddr_t pa = boot_alloc(1);
	nk_set_type(pa_pfn(pa), (enum nk_ftype)(NK_F_PTP1 + level - 1));
	nk.frames[pa_pfn(pa)].flags = flags;
	return pa;
}

/* Direct map of every RAM frame, 4 KiB entries, NX; writable only for DATA
 * (nested). Its L1s are contiguous so nk finds a frame's entry in O(1);
 * returns the physical address of the first. */
NK_BOOT paddr_t boot_build_direct_map(pte_t *l4)
{
	uint64_t n1 = nk.nframes / PTES_PER_PTP, n2 = (n1 + 511) / 512, n3 = (n2 + 511) / 512;
	uint8_t fl = NK_FF_PINNED | NK_FF_KHALF;
	paddr_t l1 = pa_init(boot_alloc_next);
	for (uint64_t i = 0; i < n1; i++)
		boot_new_ptp(1, fl | NK_FF_DMAP);
	nk.dm_ptes = boot_table(l1); /* until nk's tables are loaded */
	paddr_t l2 = pa_init(boot_alloc_next);
	for (uint64_t i = 0; i < n2; i++)
		boot_new_ptp(2, fl);
	paddr_t l3 = pa_init(boot_alloc_next);
	for (uint64_t i = 0; i < n3; i++)
		boot_new_ptp(3, fl);
	pte_t *t2 = boot_table(l2), *t3 = boot_table(l3);
	for (uint64_t i = 0; i < n1; i++)
		t2[i] = pte_make(pa_add(l1, i * PAGE_SIZE), TABLE_FLAGS);
	for (uint64_t i = 0; i < n2; i++)
		t3[i] = pte_make(pa_add(l2, i * PAGE_SIZE), TABLE_FLAGS);
	for (uint64_t i = 0; i < n3; i++)
		l4[pt_index(DIRECT_MAP_BASE, 4) + i] =
		    pte_make(pa_add(l3, i * PAGE_SIZE), TABLE_FLAGS);
	return l1;
}

/* Fill the direct map's leaves from the frame types, once every boot
 * allocation is typed. */
NK_BOOT void boot_fill_direct_map(void)
{
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		uint8_t t = nk.frames[pfn].type;
		if (t == NK_F_HOLE)
			continue;
		bool w = NK_NATIVE || t == NK_F_DATA;
		nk.dm_ptes[pfn] =
		    pte_make(pa_from_pfn(pfn), PTE_P | PTE_NX | PTE_G | (w ? PTE_W : 0));
	}
}

/* Rights of the image page at virtual address va (spec I4, section 8).
 * nk's gated page is a user page in the nested build (nk/priv.asm: ring 0
 * fetches from it only with CR4.SMEP clear, on one CPU at a time). */
NK_BOOT static uint64_t image_rights(uint64_t va)
{
	uint8_t t = nk.frames[pa_pfn(boot_kphys(va))].type;
	if (va == boot_img.priv_start && !NK_NATIVE)
		return PTE_P | PTE_U; /* read-only, executable, user */
	if (va >= boot_img.nk_text_start && va < boot_img.nk_text_end)
		return PTE_P; /* nk text: read-only, executable */
	if (t == NK_F_CODE)
		return PTE_P;
	if (t == NK_F_DATA)
		return PTE_P | PTE_W | PTE_NX;
	return PTE_P | PTE_NX | (NK_NATIVE ? PTE_W : 0);
}

/* The image at KERNEL_VMA, 4 KiB entries with image_rights, and the empty
 * module area's L2 (outer-extendable). */
NK_BOOT void boot_build_image_map(pte_t *l4)
{
	uint64_t start = boot_img.image_start, end = align_up(boot_img.image_end, PAGE_SIZE);
	uint8_t fl = NK_FF_PINNED | NK_FF_KHALF;
	paddr_t l3 = boot_new_ptp(3, fl), l2 = boot_new_ptp(2, fl);
	/* U in every entry on the way to the gated page (image_rights): the
	 * other leaves under them are supervisor pages all the same (SDM Vol.
	 * 3A 4.6.1: a user-mode address needs U at every level) */
	uint64_t priv_u = NK_NATIVE ? 0 : PTE_U;
	nk.priv_pfn = pa_pfn(kimg_to_pa(va_init(boot_img.priv_start)));
	l4[pt_index(KERNEL_VMA, 4)] = pte_make(l3, TABLE_FLAGS | priv_u);
	boot_table(l3)[pt_index(KERNEL_VMA, 3)] = pte_make(l2, TABLE_FLAGS | priv_u);
	/* the module area: the last 1 GiB, an L2 the outer kernel extends */
	paddr_t ml2 = boot_new_ptp(2, NK_FF_KHALF);
	boot_table(l3)[pt_index(MODULE_BASE, 3)] = pte_make(ml2, TABLE_FLAGS);
	nk_view_store.module_l2 = ml2;
	/* nk's device window: an L1 of nk's own, its entries filled by
	 * nk_boot_map_device */
	nk.dev_l1 = boot_new_ptp(1, fl);
	boot_table(l2)[pt_index(NK_DEVICE_BASE, 2)] = pte_make(nk.dev_l1, TABLE_FLAGS);
	nk_view_store.module_base = MODULE_BASE;
	nk_view_store.module_size = 1ull << 30;
	for (uint64_t va = align_down(start, HUGE_2M_SIZE); va < end; va += HUGE_2M_SIZE) {
		paddr_t l1 = boot_new_ptp(1, fl);
		bool priv = align_down(boot_img.priv_start, HUGE_2M_SIZE) == va;
		boot_table(l2)[pt_index(va, 2)] = pte_make(l1, TABLE_FLAGS | (priv ? priv_u : 0));
		for (uint64_t p = va; p < va + HUGE_2M_SIZE && p < end; p += PAGE_SIZE)
			if (p >= start) {
				boot_table(l1)[pt_index(p, 1)] =
				    pte_make(kimg_to_pa(va_init(p)), image_rights(p) | PTE_G);
				arch_boot_image_pte(p, pa_add(l1, pt_index(p, 1) * sizeof(pte_t)));
			}
	}
}

NK_BOOT uint64_t nk_boot_map_device(paddr_t pa)
{
	if (nk.ndev == NK_DEVICE_PAGES)
		return 0;
	uint64_t va = NK_DEVICE_BASE + (uint64_t)nk.ndev * PAGE_SIZE;
	boot_table(nk.dev_l1)[pt_index(va, 1)] =
	    pte_make(pa, PTE_P | PTE_PCD | PTE_PWT | PTE_NX | PTE_G | (NK_NATIVE ? PTE_W : 0));
	nk.dev_pfns[nk.ndev++] = pa_pfn(pa);
	return va;
}

/* Data stack of n pages for the outer kernel: DATA frames, direct-mapped
 * writable. Returns the top's virtual address. */
NK_BOOT uint64_t boot_outer_stack(uint64_t pages)
{
	paddr_t pa = boot_alloc(pages);
	return (uint64_t)pa_to_dm(pa_add(pa, pages * PAGE_SIZE));
}
