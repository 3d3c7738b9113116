/* The host test machine; see fixture.h. nk/boot.c (which defines nk's
 * globals on hardware) is not compiled for the host, so they live here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "vtd.h"

struct nk_state nk;
struct nk_view nk_view_store;
const struct nk_view *const nk_view = &nk_view_store;

static struct nk_frame frames[FAKE_NFRAMES];
static struct nk_frame2m f2m[FAKE_NFRAMES / PTES_PER_PTP];
static pte_t dm_ptes[FAKE_NFRAMES];
static uint32_t scratch[FAKE_NFRAMES];
static uint64_t ptp_groups[FAKE_NFRAMES];
static uint32_t ptp_parent[FAKE_NFRAMES];
static uint64_t next_data;

/* The state fx_snap remembers. */
static struct {
	struct nk_frame frames[FAKE_NFRAMES];
	struct nk_frame2m f2m[FAKE_NFRAMES / PTES_PER_PTP];
	pte_t dm_ptes[FAKE_NFRAMES];
	uint64_t ptp_groups[FAKE_NFRAMES];
	uint32_t ptp_parent[FAKE_NFRAMES];
	struct nk_state nk;
	struct nk_view view;
	struct fake_cpu cpu;
	struct nk_region regions[NK_REGIONS_MAX];
	uint8_t *mem;
} snap;

paddr_t fx_pa(uint64_t pfn)
{
	return pa_from_pfn(pfn);
}

pte_t *fx_entries(paddr_t pa)
{
	return arch_pa_va(pa);
}

struct nk_frame *fx_frame(paddr_t pa)
{
	return &nk.frames[pa_pfn(pa)];
}

paddr_t fx_data(void)
{
	if (next_data >= FX_HUGE_FIRST)
		fail_msg("fx_data: out of test frames");
	return fx_pa(next_data++);
}

paddr_t fx_ptp(unsigned level)
{
	paddr_t p = fx_data();
	long r = nk_declare_ptp_impl(p, level);
	if (r)
		fail_msg("fx_ptp(%#x): %s", level, nk_strerror(r));
	return p;
}

void fx_user_as(struct fx_user_as *as)
{
	as->l4 = fx_ptp(4);
	as->l3 = fx_ptp(3);
	as->l2 = fx_ptp(2);
	as->l1 = fx_ptp(1);
	fx_ok(nk_write_pte_impl(as->l4, 0, pte_make(as->l3, FX_USER_TABLE)));
	fx_ok(nk_write_pte_impl(as->l3, 0, pte_make(as->l2, FX_USER_TABLE)));
	fx_ok(nk_write_pte_impl(as->l2, 0, pte_make(as->l1, FX_USER_TABLE)));
}

void fx_kern_as(struct fx_kern_as *as)
{
	as->l2 = fx_ptp(2 | NK_PTP_KERNEL);
	as->l1 = fx_ptp(1 | NK_PTP_KERNEL);
	fx_ok(nk_write_pte_impl(fx_pa(FX_HEAP_L3), 0, pte_make(as->l2, FX_KERN_TABLE)));
	fx_ok(nk_write_pte_impl(as->l2, 0, pte_make(as->l1, FX_KERN_TABLE)));
}

/* An nk-owned PTP made the way nk/boot.c's new_ptp makes one. */
static void boot_ptp(uint64_t pfn, unsigned level, uint8_t flags)
{
	nk_set_type(pfn, (enum nk_ftype)(NK_F_PTP1 + level - 1));
	nk.frames[pfn].flags = flags;
}

static void type_range(uint64_t first, uint64_t end, enum nk_ftype t)
{
	for (uint64_t pfn = first; pfn < end; pfn++)
		nk_set_type(pfn, t);
}

int fx_setup(void **state)
{
	(void)state;
	fake_arch_reset();
	memset(&nk, 0, sizeof(nk));
	memset(&vtd, 0, sizeof(vtd)); /* nk's IOMMU driver: no unit on */
	memset(&nk_view_store, 0, sizeof(nk_view_store));
	memset(dm_ptes, 0, sizeof(dm_ptes));
	next_data = FX_DATA_FIRST;

	struct nk_view *v = &nk_view_store;
	v->nested = true;
	v->has_nx = v->has_smep = v->has_smap = v->has_pge = true;
	v->has_fsgsbase = v->has_umip = true;

	/* frame table */
	nk_frames_init(frames, f2m, ptp_groups, ptp_parent, FAKE_NFRAMES);
	type_range(FX_NK_FIRST, FX_CODE_FIRST, NK_F_NK);
	type_range(FX_CODE_FIRST, FX_PROT_FIRST, NK_F_CODE);
	type_range(FX_PROT_FIRST, FX_MIXED_DATA, NK_F_PROTECTED);
	type_range(FX_MIXED_DATA, FAKE_NFRAMES, NK_F_DATA);
	nk.scratch = scratch;
	nk.phys_limit = FX_PHYS_LIMIT;

	/* nk's tables: master L4, the image map, the heap L3 */
	const uint8_t kfl = NK_FF_PINNED | NK_FF_KHALF;
	boot_ptp(FX_MASTER_L4, 4, NK_FF_PINNED);
	boot_ptp(FX_KERN_L3, 3, kfl);
	boot_ptp(FX_KERN_L2, 2, kfl);
	boot_ptp(FX_KERN_L1, 1, kfl);
	boot_ptp(FX_HEAP_L3, 3, NK_FF_KHALF);
	nk.master_l4 = fx_pa(FX_MASTER_L4);
	pte_t *l4 = fx_entries(nk.master_l4);
	l4[pt_index(KERNEL_VMA, 4)] = pte_make(fx_pa(FX_KERN_L3), FX_KERN_TABLE);
	l4[pt_index(HEAP_BASE, 4)] = pte_make(fx_pa(FX_HEAP_L3), FX_KERN_TABLE);
	fx_entries(fx_pa(FX_KERN_L3))[pt_index(KERNEL_VMA, 3)] =
	    pte_make(fx_pa(FX_KERN_L2), FX_KERN_TABLE);
	fx_entries(fx_pa(FX_KERN_L2))[pt_index(KERNEL_VMA, 2)] =
	    pte_make(fx_pa(FX_KERN_L1), FX_KERN_TABLE);
	pte_t *img = fx_entries(fx_pa(FX_KERN_L1));
	for (unsigned i = 0; i < FX_PROT_FIRST - FX_CODE_FIRST; i++) /* text: RX */
		img[i] = pte_make(fx_pa(FX_CODE_FIRST + i), PTE_P | PTE_G);
	for (unsigned i = 0; i < 16; i++) /* nk data: RO */
		img[128 + i] = pte_make(fx_pa(FX_NK_FIRST + i), PTE_P | PTE_NX | PTE_G);

	/* direct map: NX, writable exactly for DATA (nk/boot.c fill_direct_map) */
	nk.dm_ptes = dm_ptes;
	for (uint64_t pfn = 0; pfn < FAKE_NFRAMES; pfn++) {
		uint8_t t = nk.frames[pfn].type;
		if (t != NK_F_HOLE)
			dm_ptes[pfn] = pte_make(fx_pa(pfn), PTE_P | PTE_NX | PTE_G |
								(t == NK_F_DATA ? PTE_W : 0));
	}
	nk_adopt_counts();
	v->audit = true;
	nk_regions_init();

	/* CPU state after nk/boot.c enable_protection and the handoff */
	nk.cr4_required = CR4_PAE | CR4_SMEP | CR4_SMAP;
	nk.cr4_allowed = CR4_TSD | CR4_DE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT |
			 CR4_FSGSBASE | CR4_UMIP;
	fake_cpu.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
	fake_cpu.cr4 = nk.cr4_required | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PGE;
	fake_cpu.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	fake_cpu.cr3 = pa_addr(nk.master_l4);
	nk.cur_cr3[0] = nk.master_l4;
	v->master_l4 = nk.master_l4;
	v->direct_map_base = DIRECT_MAP_BASE;
	v->heap_l3 = fx_pa(FX_HEAP_L3);
	return 0;
}

int fx_teardown(void **state)
{
	(void)state;
	return 0;
}

void fx_check_ok(void)
{
	long r = nk_check_invariants_impl();
	if (r != 0)
		fail_msg("invariants fail: %s (at %#llx)", nk_view_store.check.first_msg,
			 (unsigned long long)nk_view_store.check.first_bad_pa);
}

void fx_snap(void)
{
	if (!snap.mem && !(snap.mem = malloc(FAKE_MEM_BYTES)))
		fail_msg("fx_snap: out of host memory");
	memcpy(snap.frames, frames, sizeof(frames));
	memcpy(snap.f2m, f2m, sizeof(f2m));
	memcpy(snap.dm_ptes, dm_ptes, sizeof(dm_ptes));
	memcpy(snap.ptp_groups, ptp_groups, sizeof(ptp_groups));
	memcpy(snap.ptp_parent, ptp_parent, sizeof(ptp_parent));
	memcpy(snap.mem, fake_mem(), FAKE_MEM_BYTES);
	snap.nk = nk;
	snap.view = nk_view_store;
	snap.cpu = fake_cpu;
	memcpy(snap.regions, nk_view_store.regions, sizeof(snap.regions));
}

/* Report the first differing 4 KiB frame of fake memory, if any. */
static void assert_mem_unchanged(void)
{
	const uint8_t *m = fake_mem();
	for (uint64_t pfn = 0; pfn < FAKE_NFRAMES; pfn++)
		if (memcmp(m + pfn * PAGE_SIZE, snap.mem + pfn * PAGE_SIZE, PAGE_SIZE))
			fail_msg("refused call changed fake memory in frame %llu",
				 (unsigned long long)pfn);
}

#define SAME(what, a, b)                                                                           \
	do {                                                                                       \
		if ((a) != (b))                                                                    \
			fail_msg("refused call changed %s", what);                                 \
	} while (0)

void fx_assert_unchanged(enum nk_err err)
{
	for (uint64_t pfn = 0; pfn < FAKE_NFRAMES; pfn++)
		if (memcmp(&frames[pfn], &snap.frames[pfn], sizeof(frames[pfn])))
			fail_msg("refused call changed frame %llu's descriptor",
				 (unsigned long long)pfn);
	if (memcmp(f2m, snap.f2m, sizeof(f2m)))
		fail_msg("refused call changed the per-2 MiB counts");
	if (memcmp(dm_ptes, snap.dm_ptes, sizeof(dm_ptes)))
		fail_msg("refused call changed the direct map");
	if (memcmp(ptp_groups, snap.ptp_groups, sizeof(ptp_groups)))
		fail_msg("refused call changed the PTP group sets");
	if (memcmp(ptp_parent, snap.ptp_parent, sizeof(ptp_parent)))
		fail_msg("refused call changed the PTP parents");
	assert_mem_unchanged();

	/* nk's state (the batch copy-in buffer may change) */
	SAME("nk.frames", nk.frames, snap.nk.frames);
	SAME("nk.nframes", nk.nframes, snap.nk.nframes);
	SAME("nk.f2m", nk.f2m, snap.nk.f2m);
	SAME("nk.dm_ptes", nk.dm_ptes, snap.nk.dm_ptes);
	SAME("nk.master_l4", pa_addr(nk.master_l4), pa_addr(snap.nk.master_l4));
	for (int c = 0; c < NK_CPUS; c++)
		SAME("nk.cur_cr3", pa_addr(nk.cur_cr3[c]), pa_addr(snap.nk.cur_cr3[c]));
	SAME("nk.phys_limit", nk.phys_limit, snap.nk.phys_limit);
	SAME("nk.cr4_allowed", nk.cr4_allowed, snap.nk.cr4_allowed);
	SAME("nk.cr4_required", nk.cr4_required, snap.nk.cr4_required);
	SAME("nk.scratch", nk.scratch, snap.nk.scratch);
	SAME("nk.ptp_groups", nk.ptp_groups, snap.nk.ptp_groups);
	SAME("nk.ptp_parent", nk.ptp_parent, snap.nk.ptp_parent);
	SAME("nk.msrs_locked", nk.msrs_locked, snap.nk.msrs_locked);

	/* the view: only calls[] and refusals[err] move */
	const struct nk_view *v = &nk_view_store, *o = &snap.view;
	if (memcmp(v->type_count, o->type_count, sizeof(v->type_count)))
		fail_msg("refused call changed the per-type counts");
	SAME("init_done", v->init_done, o->init_done);
	SAME("stats.ptes_written", v->stats.ptes_written, o->stats.ptes_written);
	SAME("stats.tlb_flushes", v->stats.tlb_flushes, o->stats.tlb_flushes);
	SAME("stats.wp_violations", v->stats.wp_violations, o->stats.wp_violations);
	uint64_t calls = 0, ocalls = 0;
	for (int c = 0; c < NK_CALL_MAX; c++) {
		calls += v->stats.calls[c];
		ocalls += o->stats.calls[c];
	}
	SAME("the number of calls counted (want one more)", calls, ocalls + 1);
	for (int e = 0; e < NK_EMAX; e++)
		if (v->stats.refusals[e] != o->stats.refusals[e] + (e == (int)err))
			fail_msg("stats.refusals[%s] is %llu, was %llu", nk_strerror(e),
				 (unsigned long long)v->stats.refusals[e],
				 (unsigned long long)o->stats.refusals[e]);
	if (memcmp(&v->check, &o->check, sizeof(v->check)))
		fail_msg("refused call changed the check report");

	/* regions: only a refused write's count may move */
	SAME("nregions", v->nregions, o->nregions);
	SAME("log_records", v->log_records, o->log_records);
	for (unsigned i = 0; i < NK_REGIONS_MAX; i++) {
		struct nk_region a = v->regions[i], b = snap.regions[i];
		a.refused = b.refused = 0;
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("refused call changed region %u", i);
	}

	/* the fake CPU */
	const struct fake_cpu *c = &fake_cpu, *p = &snap.cpu;
	SAME("CR0", c->cr0, p->cr0);
	SAME("CR3", c->cr3, p->cr3);
	SAME("CR4", c->cr4, p->cr4);
	SAME("EFER", c->efer, p->efer);
	SAME("STAR", c->star, p->star);
	SAME("LSTAR", c->lstar, p->lstar);
	SAME("CSTAR", c->cstar, p->cstar);
	SAME("SFMASK", c->sfmask, p->sfmask);
	SAME("FS_BASE", c->fs_base, p->fs_base);
	SAME("GS_BASE", c->gs_base, p->gs_base);
	SAME("KERNEL_GS_BASE", c->kernel_gs_base, p->kernel_gs_base);
	SAME("the TLB (flush)", c->flush_tlb_calls, p->flush_tlb_calls);
	/* a scan refusal (NK_EI5) took the frames' direct-map alias away
	 * before its scan and gave it back (nk/code.c cpu_access): the TLB
	 * entries were flushed, the state is what it was */
	if (err != NK_EI5)
		SAME("the TLB (invlpg)", c->invlpg_calls, p->invlpg_calls);
	SAME("the number of register writes",
	     c->cr0_writes + c->cr3_writes + c->cr4_writes + c->msr_writes,
	     p->cr0_writes + p->cr3_writes + p->cr4_writes + p->msr_writes);
}

long fx_mc1(struct nk_op op, enum nk_call single, uint64_t rip)
{
	long r = nk_multicall_impl(&op, 1, rip);
	nk_view_store.stats.calls[NK_CALL_MULTICALL]--;
	nk_view_store.stats.calls[single]++;
	if (r == 0)
		return 0;
	assert_int_equal(nk_mc_index(r), 0);
	return -nk_mc_error(r);
}
