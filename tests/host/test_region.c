/* Host tests of region declaration, nk_write's checks that come before any
 * policy, sealing, nk_init_done's part in it, and the region part of the
 * invariant checker (nk/region.c, nk/check.c). The policies themselves are
 * in test_policy.c. Spec sections 3 (I2), 7; include/nk/region.h. */
#include "fixture.h"

#define WO NK_POLICY_WRITE_ONCE
#define WL NK_POLICY_WRITE_LOG

/* n fresh, physically contiguous DATA frames; the first's direct-map
 * address. */
static uint8_t *fresh(unsigned n)
{
	paddr_t first = fx_data();
	for (unsigned i = 1; i < n; i++)
		assert_int_equal(pa_addr(fx_data()), pa_addr(first) + i * PAGE_SIZE);
	return pa_to_dm(first);
}

/* The physical address behind a direct-map address. */
static paddr_t dm_pa(const void *p)
{
	return pa_init((uint64_t)p - DIRECT_MAP_BASE);
}

/* Fake memory behind a direct-map address (what nk writes). */
static uint8_t *mem(const void *p)
{
	return arch_pa_va(dm_pa(p));
}

/* An image page (index i of nk's pinned image L1) mapping frame f writable,
 * as nk/boot.c maps the outer kernel's .data and .bss; returns its address. */
static uint8_t *image_page(unsigned i, paddr_t f)
{
	fx_entries(fx_pa(FX_KERN_L1))[i] = pte_make(f, PTE_P | PTE_W | PTE_NX | PTE_G);
	fx_frame(f)->wcount++;
	fx_frame(f)->maps++;
	return (uint8_t *)(KERNEL_VMA + (uint64_t)i * PAGE_SIZE);
}

/* ---- declaration: accepted ---- */

TEST(declare_returns_ids_in_order_and_protects_every_frame)
{
	uint8_t *a = fresh(3), *b = fresh(1);
	uint64_t prot = nk_view_store.type_count[NK_F_PROTECTED];
	uint64_t inv = fake_cpu.invlpg_calls;

	assert_int_equal(nk_region_declare_impl(a, 3 * PAGE_SIZE, WO), 0);
	assert_int_equal(nk_region_declare_impl(b, PAGE_SIZE, WL), 1);
	assert_int_equal(nk_view_store.nregions, 2);
	for (unsigned i = 0; i < 3; i++) {
		paddr_t f = dm_pa(a + i * PAGE_SIZE);
		assert_int_equal(fx_frame(f)->type, NK_F_PROTECTED);
		assert_true(fx_frame(f)->flags & NK_FF_REGION);
		assert_false(pte_writable(nk.dm_ptes[pa_pfn(f)]));
	}
	assert_int_equal(nk_view_store.type_count[NK_F_PROTECTED], prot + 4);
	assert_int_equal(fake_cpu.invlpg_calls, inv + 4); /* every alias flushed (I10) */
	const struct nk_region *r = &nk_view_store.regions[0];
	assert_int_equal(r->va, (uint64_t)a);
	assert_int_equal(pa_addr(r->pa), pa_addr(dm_pa(a)));
	assert_int_equal(r->size, 3 * PAGE_SIZE);
	assert_int_equal(r->policy, WO);
	assert_false(r->sealed);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_REGION_DECLARE], 2);
	fx_check_ok();
}

TEST(declare_keeps_the_contents)
{
	uint8_t *a = fresh(1);
	memset(mem(a), 0x5a, PAGE_SIZE);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO), 0);
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(mem(a)[i], 0x5a);
}

TEST(declare_image_address_revokes_nk_image_mapping)
{
	paddr_t f = fx_data();
	uint8_t *va = image_page(200, f);
	fx_check_ok();
	assert_int_equal(nk_region_declare_impl(va, PAGE_SIZE, WO), 0);
	assert_false(pte_writable(fx_entries(fx_pa(FX_KERN_L1))[200]));
	assert_int_equal(fx_frame(f)->wcount, 0);
	assert_int_equal(fx_frame(f)->type, NK_F_PROTECTED);
	assert_int_equal(fake_cpu.last_invlpg_va, (uint64_t)va);
	assert_int_equal(pa_addr(nk_view_store.regions[0].pa), pa_addr(f));
	fx_check_ok();
}

TEST(declare_accepts_frame_mapped_readonly_elsewhere)
{
	struct fx_kern_as as;
	fx_kern_as(&as);
	uint8_t *a = fresh(1);
	fx_ok(nk_write_pte_impl(as.l1, 7, pte_make(dm_pa(a), FX_KERN_RO)));
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO), 0);
	fx_check_ok();
}

TEST(declare_with_seal_at_init_flag)
{
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO | NK_REGION_SEAL_AT_INIT), 0);
	assert_true(nk_view_store.regions[0].seal_at_init);
	assert_false(nk_view_store.regions[0].sealed);
}

TEST(declare_in_native_mode_protects_no_frame)
{
	nk_view_store.nested = false;
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO), 0);
	assert_int_equal(fx_frame(dm_pa(a))->type, NK_F_DATA);
	assert_true(pte_writable(nk.dm_ptes[pa_pfn(dm_pa(a))]));
	assert_true(fx_frame(dm_pa(a))->flags & NK_FF_REGION); /* still one region per frame */
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), -NK_EOVERLAP);
	fx_check_ok();
}

/* ---- declaration: refused, nothing changes ---- */

TEST(declare_refuses_unknown_policy_or_flag)
{
	uint8_t *a = fresh(1);
	ASSERT_REFUSED(NK_EPOLICY, nk_region_declare_impl(a, PAGE_SIZE, NK_POLICY_MAX));
	ASSERT_REFUSED(NK_EPOLICY, nk_region_declare_impl(a, PAGE_SIZE, 0xff));
	ASSERT_REFUSED(NK_EPOLICY, nk_region_declare_impl(a, PAGE_SIZE, WO | 0x200));
}

TEST(declare_refuses_zero_size)
{
	ASSERT_REFUSED(NK_EZERO, nk_region_declare_impl(fresh(1), 0, WO));
}

TEST(declare_refuses_unaligned_base_or_size)
{
	uint8_t *a = fresh(2);
	ASSERT_REFUSED(NK_EALIGN, nk_region_declare_impl(a + 8, PAGE_SIZE, WO));
	ASSERT_REFUSED(NK_EALIGN, nk_region_declare_impl(a, 100, WO));
	ASSERT_REFUSED(NK_EALIGN, nk_region_declare_impl(a, PAGE_SIZE + 1, WO));
}

TEST(declare_refuses_address_nk_cannot_translate_itself)
{
	struct fx_kern_as as;
	fx_kern_as(&as);
	paddr_t f = fx_data();
	fx_ok(nk_write_pte_impl(as.l1, 0, pte_make(f, FX_KERN_RO))); /* heap VA -> f */
	ASSERT_REFUSED(NK_EVADDR, nk_region_declare_impl((void *)HEAP_BASE, PAGE_SIZE, WO));
	ASSERT_REFUSED(NK_EVADDR, nk_region_declare_impl((void *)0x400000, PAGE_SIZE, WO));
	/* past the end of RAM in the direct map */
	void *past = pa_to_dm(fx_pa(FAKE_NFRAMES));
	ASSERT_REFUSED(NK_EVADDR, nk_region_declare_impl(past, PAGE_SIZE, WO));
	/* runs past the end of RAM */
	void *last = pa_to_dm(fx_pa(FAKE_NFRAMES - 1));
	ASSERT_REFUSED(NK_EVADDR, nk_region_declare_impl(last, 2 * PAGE_SIZE, WO));
	/* an image address that nk's tables do not map */
	ASSERT_REFUSED(NK_EVADDR, nk_region_declare_impl((void *)(KERNEL_VMA + 300 * PAGE_SIZE),
							 PAGE_SIZE, WO));
	/* wrap-around */
	ASSERT_REFUSED(NK_EVADDR,
		       nk_region_declare_impl((void *)(0ull - PAGE_SIZE), 2 * PAGE_SIZE, WO));
}

TEST(declare_refuses_image_range_not_physically_contiguous)
{
	paddr_t f = fx_data();
	fx_data();
	paddr_t g = fx_data(); /* f and g are not adjacent */
	uint8_t *va = image_page(210, f);
	image_page(211, g);
	ASSERT_REFUSED(NK_EVADDR, nk_region_declare_impl(va, 2 * PAGE_SIZE, WO));
	/* each page alone is fine */
	assert_int_equal(nk_region_declare_impl(va, PAGE_SIZE, WO), 0);
	fx_check_ok();
}

TEST(declare_refuses_hole_frame)
{
	ASSERT_REFUSED(NK_ERANGE, nk_region_declare_impl(pa_to_dm(fx_pa(FX_HOLE)), PAGE_SIZE, WO));
}

TEST(declare_refuses_overlap_with_a_region)
{
	uint8_t *a = fresh(3);
	assert_int_equal(nk_region_declare_impl(a + PAGE_SIZE, PAGE_SIZE, WO), 0);
	ASSERT_REFUSED(NK_EOVERLAP, nk_region_declare_impl(a + PAGE_SIZE, PAGE_SIZE, WL));
	ASSERT_REFUSED(NK_EOVERLAP, nk_region_declare_impl(a, 2 * PAGE_SIZE, WL));
	ASSERT_REFUSED(NK_EOVERLAP, nk_region_declare_impl(a, 3 * PAGE_SIZE, WL));
	ASSERT_REFUSED(NK_EOVERLAP, nk_region_declare_impl(a + PAGE_SIZE, 2 * PAGE_SIZE, WL));
	/* the neighbours are still free */
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 1);
	assert_int_equal(nk_region_declare_impl(a + 2 * PAGE_SIZE, PAGE_SIZE, WL), 2);
	fx_check_ok();
}

TEST(declare_refuses_overlap_through_another_alias)
{
	paddr_t f = fx_data();
	uint8_t *va = image_page(220, f);
	assert_int_equal(nk_region_declare_impl(va, PAGE_SIZE, WO), 0);
	ASSERT_REFUSED(NK_EOVERLAP, nk_region_declare_impl(pa_to_dm(f), PAGE_SIZE, WL));
}

TEST(declare_refuses_frames_that_are_not_data)
{
	static const uint64_t pfns[] = {FX_NK_FIRST, FX_MASTER_L4, FX_CODE_FIRST, FX_PROT_FIRST};
	for (unsigned i = 0; i < 4; i++)
		ASSERT_REFUSED(NK_ETYPE,
			       nk_region_declare_impl(pa_to_dm(fx_pa(pfns[i])), PAGE_SIZE, WO));
	paddr_t p = fx_ptp(1);
	ASSERT_REFUSED(NK_ETYPE, nk_region_declare_impl(pa_to_dm(p), PAGE_SIZE, WO));
	/* a DATA frame followed by a PTP */
	uint8_t *a = fresh(1);
	paddr_t q = fx_ptp(1);
	assert_int_equal(pa_addr(q), pa_addr(dm_pa(a)) + PAGE_SIZE);
	ASSERT_REFUSED(NK_ETYPE, nk_region_declare_impl(a, 2 * PAGE_SIZE, WO));
}

TEST(declare_refuses_frame_mapped_writable_by_outer_kernel)
{
	struct fx_kern_as as;
	fx_kern_as(&as);
	uint8_t *a = fresh(1);
	fx_ok(nk_write_pte_impl(as.l1, 7, pte_make(dm_pa(a), FX_KERN_RW)));
	ASSERT_REFUSED(NK_EWRITABLE, nk_region_declare_impl(a, PAGE_SIZE, WO));
	/* and an image data page named through its direct-map alias */
	paddr_t f = fx_data();
	image_page(230, f);
	ASSERT_REFUSED(NK_EWRITABLE, nk_region_declare_impl(pa_to_dm(f), PAGE_SIZE, WO));
	/* once the alias is gone, it is accepted */
	fx_ok(nk_write_pte_impl(as.l1, 7, 0));
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO), 0);
	fx_check_ok();
}

TEST(declare_refuses_frame_under_a_2m_mapping)
{
	struct fx_kern_as as;
	fx_kern_as(&as);
	fx_ok(nk_write_pte_impl(as.l2, 3, pte_make(fx_pa(FX_HUGE_FIRST), PTE_P | PTE_NX | PTE_PS)));
	ASSERT_REFUSED(NK_EHUGE,
		       nk_region_declare_impl(pa_to_dm(fx_pa(FX_HUGE_FIRST + 5)), PAGE_SIZE, WO));
}

TEST(declare_refuses_when_the_table_is_full)
{
	for (unsigned i = 0; i < NK_REGIONS_MAX; i++)
		assert_int_equal(nk_region_declare_impl(fresh(1), PAGE_SIZE, WL), (long)i);
	ASSERT_REFUSED(NK_ENOMEM, nk_region_declare_impl(fresh(1), PAGE_SIZE, WL));
	fx_check_ok();
}

TEST(declare_refuses_when_the_write_once_pool_is_full)
{
	uint64_t pages = NK_WONCE_POOL_BYTES * 8 / PAGE_SIZE; /* the pool's capacity */
	uint8_t *a = fresh((unsigned)pages + 1);
	ASSERT_REFUSED(NK_ENOMEM, nk_region_declare_impl(a, (pages + 1) * PAGE_SIZE, WO));
	assert_int_equal(nk_region_declare_impl(a, pages * PAGE_SIZE, WO), 0);
	ASSERT_REFUSED(NK_ENOMEM, nk_region_declare_impl(a + pages * PAGE_SIZE, PAGE_SIZE, WO));
	/* other policies need no pool */
	assert_int_equal(nk_region_declare_impl(a + pages * PAGE_SIZE, PAGE_SIZE, WL), 1);
}

TEST(declare_checks_preconditions_in_documented_order)
{
	uint8_t *a = fresh(1);
	ASSERT_REFUSED(NK_EPOLICY, nk_region_declare_impl(a + 1, 0, 99));
	ASSERT_REFUSED(NK_EZERO, nk_region_declare_impl(a + 1, 0, WO));
	ASSERT_REFUSED(NK_EALIGN, nk_region_declare_impl((void *)(HEAP_BASE + 1), PAGE_SIZE, WO));
	ASSERT_REFUSED(NK_EVADDR, nk_region_declare_impl((void *)HEAP_BASE, PAGE_SIZE, WO));
	/* frame by frame: the first bad frame decides */
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO), 0);
	ASSERT_REFUSED(NK_EOVERLAP, nk_region_declare_impl(a, 2 * PAGE_SIZE, WO));
}

/* ---- nk_write: what every policy shares ---- */

TEST(write_copies_through_declared_address_and_direct_map_alias)
{
	paddr_t f = fx_data();
	uint8_t *va = image_page(240, f);
	long id = nk_region_declare_impl(va, PAGE_SIZE, WL);
	assert_int_equal(id, 0);
	fx_ok(nk_write_impl(id, va + 10, "abc", 3, 0x1234));
	fx_ok(nk_write_impl(id, (uint8_t *)pa_to_dm(f) + 20, "xyz", 3, 0x1234));
	uint8_t *m = arch_pa_va(f);
	assert_memory_equal(m + 10, "abc", 3);
	assert_memory_equal(m + 20, "xyz", 3);
	assert_int_equal(nk_view_store.regions[0].writes, 2);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_WRITE], 2);
	fx_check_ok();
}

TEST(write_refuses_unknown_region)
{
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 0);
	ASSERT_REFUSED(NK_EREGION, nk_write_impl(-1, a, "x", 1, 0));
	ASSERT_REFUSED(NK_EREGION, nk_write_impl(1, a, "x", 1, 0));
	ASSERT_REFUSED(NK_EREGION, nk_write_impl(NK_REGIONS_MAX, a, "x", 1, 0));
}

TEST(write_refuses_zero_length)
{
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 0);
	ASSERT_REFUSED(NK_EZERO, nk_write_impl(0, a, "x", 0, 0));
	assert_int_equal(nk_view_store.regions[0].refused, 1);
}

TEST(write_refuses_what_is_not_inside_the_region)
{
	uint8_t *a = fresh(2);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 0);
	static const uint8_t buf[64];
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, a - 1, buf, 1, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, a - 1, buf, 2, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, a + PAGE_SIZE, buf, 1, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, a + PAGE_SIZE - 1, buf, 2, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, a + 8, buf, SIZE_MAX, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, (void *)HEAP_BASE, buf, 1, 0));
	/* the last byte and the whole region are inside */
	fx_ok(nk_write_impl(0, a + PAGE_SIZE - 1, buf, 1, 0));
	fx_ok(nk_write_impl(0, a, buf, 64, 0));
	assert_int_equal(nk_view_store.regions[0].refused, 6);
}

TEST(write_refuses_a_write_straddling_two_regions)
{
	uint8_t *a = fresh(2);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 0);
	assert_int_equal(nk_region_declare_impl(a + PAGE_SIZE, PAGE_SIZE, WL), 1);
	memset(mem(a), 0, 2 * PAGE_SIZE);
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, a + PAGE_SIZE - 2, "abcd", 4, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(1, a + PAGE_SIZE - 2, "abcd", 4, 0));
	/* each half through its own region */
	fx_ok(nk_write_impl(0, a + PAGE_SIZE - 2, "ab", 2, 0));
	fx_ok(nk_write_impl(1, a + PAGE_SIZE, "cd", 2, 0));
	assert_memory_equal(mem(a) + PAGE_SIZE - 2, "abcd", 4);
	/* a region's id does not reach another region's bytes */
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, a + PAGE_SIZE, "x", 1, 0));
}

TEST(write_refuses_unreadable_source)
{
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 0);
	ASSERT_REFUSED(NK_EFAULT, nk_write_impl(0, a, NULL, 1, 0));
	fake_cpu.unreadable = true;
	ASSERT_REFUSED(NK_EFAULT, nk_write_impl(0, a, "x", 1, 0));
}

TEST(seal_refuses_every_later_write)
{
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 0);
	fx_ok(nk_write_impl(0, a, "x", 1, 0));
	fx_ok(nk_region_seal_impl(0));
	assert_true(nk_view_store.regions[0].sealed);
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(0, a + 1, "y", 1, 0));
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(0, a, "y", 1, 0));
	fx_ok(nk_region_seal_impl(0)); /* sealing again: no-op */
	assert_int_equal(mem(a)[0], 'x');
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_REGION_SEAL], 2);
}

TEST(seal_refuses_unknown_region)
{
	ASSERT_REFUSED(NK_EREGION, nk_region_seal_impl(0));
	ASSERT_REFUSED(NK_EREGION, nk_region_seal_impl(-5));
}

TEST(write_checks_preconditions_in_documented_order)
{
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO), 0);
	fx_ok(nk_write_impl(0, a, "x", 1, 0));
	fx_ok(nk_region_seal_impl(0));
	ASSERT_REFUSED(NK_EREGION, nk_write_impl(3, a - 1, NULL, 0, 0));
	ASSERT_REFUSED(NK_EZERO, nk_write_impl(0, a - 1, NULL, 0, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(0, a - 1, NULL, 1, 0));
	ASSERT_REFUSED(NK_EFAULT, nk_write_impl(0, a, NULL, 1, 0));
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(0, a, "x", 1, 0)); /* sealed before written */
}

/* ---- end of init ---- */

TEST(init_done_declares_ro_after_init_and_seals_what_asked)
{
	paddr_t f = fx_data();
	uint8_t *va = image_page(250, f);
	fake_cpu.roai_va = (uint64_t)va;
	fake_cpu.roai_size = PAGE_SIZE;
	uint8_t *a = fresh(1), *b = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO | NK_REGION_SEAL_AT_INIT), 0);
	assert_int_equal(nk_region_declare_impl(b, PAGE_SIZE, WL), 1);

	fx_ok(nk_init_done_impl());
	long roai = nk_view_store.region_ro_after_init;
	assert_int_equal(roai, 2);
	const struct nk_region *r = &nk_view_store.regions[roai];
	assert_int_equal(r->policy, NK_POLICY_NO_WRITE);
	assert_true(r->sealed);
	assert_int_equal(fx_frame(f)->type, NK_F_PROTECTED);
	assert_false(pte_writable(fx_entries(fx_pa(FX_KERN_L1))[250]));
	assert_true(nk_view_store.regions[0].sealed);
	assert_false(nk_view_store.regions[1].sealed);
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(roai, va, "x", 1, 0));
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(0, a, "x", 1, 0));
	fx_ok(nk_write_impl(1, b, "x", 1, 0));
	/* a second init_done declares nothing more */
	fx_ok(nk_init_done_impl());
	assert_int_equal(nk_view_store.nregions, 3);
	fx_check_ok();
}

TEST(init_done_is_all_or_nothing_when_ro_after_init_cannot_be_protected)
{
	struct fx_kern_as as;
	fx_kern_as(&as);
	paddr_t f = fx_data();
	uint8_t *va = image_page(251, f);
	fx_ok(nk_write_pte_impl(as.l1, 9, pte_make(f, FX_KERN_RW))); /* an outer writable alias */
	fake_cpu.roai_va = (uint64_t)va;
	fake_cpu.roai_size = PAGE_SIZE;
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WO | NK_REGION_SEAL_AT_INIT), 0);
	assert_int_equal(nk_init_done_impl(), -NK_EWRITABLE);
	assert_int_equal(nk_view_store.region_ro_after_init, -1);
	assert_false(nk_view_store.regions[0].sealed); /* nothing else was done */
	assert_false(nk.msrs_locked);
	assert_false(nk_view_store.init_done);
	/* the alias gone, the same call goes through, whole */
	fx_ok(nk_write_pte_impl(as.l1, 9, 0));
	fx_ok(nk_init_done_impl());
	assert_true(nk_view_store.region_ro_after_init >= 0);
	assert_true(nk_view_store.regions[0].sealed);
	assert_true(nk.msrs_locked);
	assert_true(nk_view_store.init_done);
}

/* ---- the checker's region part (I2) ---- */

TEST(checker_catches_a_region_frame_made_writable)
{
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 0);
	fx_check_ok();
	nk.dm_ptes[pa_pfn(dm_pa(a))] |= PTE_W;
	assert_int_equal(nk_check_invariants_impl(), -1);
	assert_true(nk_view_store.check.failures[2] > 0);
}

TEST(checker_catches_a_region_frame_retyped)
{
	uint8_t *a = fresh(1);
	assert_int_equal(nk_region_declare_impl(a, PAGE_SIZE, WL), 0);
	nk_set_type(pa_pfn(dm_pa(a)), NK_F_DATA);
	nk.dm_ptes[pa_pfn(dm_pa(a))] |= PTE_W; /* as DATA would be */
	assert_int_equal(nk_check_invariants_impl(), -1);
	assert_string_equal(nk_view_store.check.first_msg,
			    "I2: region frame is not PROTECTED (or NK) and marked");
}

TEST(checker_catches_a_stray_region_mark)
{
	paddr_t f = fx_data();
	fx_check_ok();
	fx_frame(f)->flags |= NK_FF_REGION;
	assert_int_equal(nk_check_invariants_impl(), -1);
	assert_string_equal(nk_view_store.check.first_msg,
			    "I2: a frame marked as a region frame is in no region");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(declare_returns_ids_in_order_and_protects_every_frame),
	    FX_TEST(declare_keeps_the_contents),
	    FX_TEST(declare_image_address_revokes_nk_image_mapping),
	    FX_TEST(declare_accepts_frame_mapped_readonly_elsewhere),
	    FX_TEST(declare_with_seal_at_init_flag),
	    FX_TEST(declare_in_native_mode_protects_no_frame),
	    FX_TEST(declare_refuses_unknown_policy_or_flag),
	    FX_TEST(declare_refuses_zero_size),
	    FX_TEST(declare_refuses_unaligned_base_or_size),
	    FX_TEST(declare_refuses_address_nk_cannot_translate_itself),
	    FX_TEST(declare_refuses_image_range_not_physically_contiguous),
	    FX_TEST(declare_refuses_hole_frame),
	    FX_TEST(declare_refuses_overlap_with_a_region),
	    FX_TEST(declare_refuses_overlap_through_another_alias),
	    FX_TEST(declare_refuses_frames_that_are_not_data),
	    FX_TEST(declare_refuses_frame_mapped_writable_by_outer_kernel),
	    FX_TEST(declare_refuses_frame_under_a_2m_mapping),
	    FX_TEST(declare_refuses_when_the_table_is_full),
	    FX_TEST(declare_refuses_when_the_write_once_pool_is_full),
	    FX_TEST(declare_checks_preconditions_in_documented_order),
	    FX_TEST(write_copies_through_declared_address_and_direct_map_alias),
	    FX_TEST(write_refuses_unknown_region),
	    FX_TEST(write_refuses_zero_length),
	    FX_TEST(write_refuses_what_is_not_inside_the_region),
	    FX_TEST(write_refuses_a_write_straddling_two_regions),
	    FX_TEST(write_refuses_unreadable_source),
	    FX_TEST(seal_refuses_every_later_write),
	    FX_TEST(seal_refuses_unknown_region),
	    FX_TEST(write_checks_preconditions_in_documented_order),
	    FX_TEST(init_done_declares_ro_after_init_and_seals_what_asked),
	    FX_TEST(init_done_is_all_or_nothing_when_ro_after_init_cannot_be_protected),
	    FX_TEST(checker_catches_a_region_frame_made_writable),
	    FX_TEST(checker_catches_a_region_frame_retyped),
	    FX_TEST(checker_catches_a_stray_region_mark),
	};
	return cmocka_run_group_tests_name("regions: declare, write, seal, init_done, checker",
					   tests, NULL, NULL);
}
