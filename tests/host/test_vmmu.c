/* Host tests of nk_declare_ptp, nk_remove_ptp and nk_load_cr3 (nk/vmmu.c):
 * every precondition accepted and refused, and what an accepted call
 * changes. Spec sections 4-5; include/nk/vmmu.h. */
#include "fixture.h"

static const unsigned K = NK_PTP_KERNEL;

/* ---- nk_declare_ptp: accepted ---- */

TEST(declare_accepts_every_level_and_kernel_flag)
{
	static const unsigned levels[] = {
	    1, 2, 3, 4, 1 | NK_PTP_KERNEL, 2 | NK_PTP_KERNEL, 3 | NK_PTP_KERNEL};
	for (unsigned i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		unsigned lv = levels[i] & 0xff;
		enum nk_ftype t = (enum nk_ftype)(NK_F_PTP1 + lv - 1);
		paddr_t p = fx_data();
		uint64_t ndata = nk_view_store.type_count[NK_F_DATA];
		uint64_t nptp = nk_view_store.type_count[t];
		uint16_t nondata = nk.f2m[pa_pfn(p) / PTES_PER_PTP].nondata;
		uint64_t calls = nk_view_store.stats.calls[NK_CALL_DECLARE_PTP];

		fx_ok(nk_declare_ptp_impl(p, levels[i]));
		assert_int_equal(fx_frame(p)->type, t);
		assert_int_equal(fx_frame(p)->flags, (levels[i] & K) ? NK_FF_KHALF : 0);
		assert_int_equal(fx_frame(p)->refs, 0);
		assert_int_equal(fx_frame(p)->wcount, 0);
		assert_int_equal(nk_view_store.type_count[NK_F_DATA], ndata - 1);
		assert_int_equal(nk_view_store.type_count[t], nptp + 1);
		assert_int_equal(nk.f2m[pa_pfn(p) / PTES_PER_PTP].nondata, nondata + 1);
		assert_int_equal(nk_view_store.stats.calls[NK_CALL_DECLARE_PTP], calls + 1);
	}
	fx_check_ok();
}

TEST(declare_zeroes_the_frame)
{
	for (unsigned lv = 1; lv <= 3; lv++) {
		paddr_t p = fx_data();
		memset(fx_entries(p), 0xa5, PAGE_SIZE);
		fx_ok(nk_declare_ptp_impl(p, lv));
		for (unsigned i = 0; i < PTES_PER_PTP; i++)
			assert_int_equal(fx_entries(p)[i], 0);
	}
}

TEST(declare_l4_copies_kernel_half_from_master_and_zeroes_the_rest)
{
	paddr_t p = fx_data();
	const pte_t *m = fx_entries(nk.master_l4);
	memset(fx_entries(p), 0xa5, PAGE_SIZE);
	fx_ok(nk_declare_ptp_impl(p, 4));
	const pte_t *t = fx_entries(p);
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(t[i], 0);
	for (unsigned i = 256; i < 512; i++)
		assert_int_equal(t[i], m[i]);
	assert_int_not_equal(t[pt_index(KERNEL_VMA, 4)], 0);
	assert_int_not_equal(t[pt_index(HEAP_BASE, 4)], 0);
	/* the kernel half's PTPs are the master's: no new references */
	assert_int_equal(fx_frame(fx_pa(FX_KERN_L3))->refs, 1);
	assert_int_equal(fx_frame(fx_pa(FX_HEAP_L3))->refs, 1);
	fx_check_ok();
}

TEST(declare_makes_direct_map_entry_readonly_and_flushes_it)
{
	paddr_t p = fx_data();
	uint64_t pfn = pa_pfn(p);
	pte_t before = nk.dm_ptes[pfn];
	assert_true(pte_writable(before));
	uint64_t inv = fake_cpu.invlpg_calls;

	fx_ok(nk_declare_ptp_impl(p, 1));
	assert_int_equal(nk.dm_ptes[pfn], before & ~PTE_W);
	assert_int_equal(fake_cpu.invlpg_calls, inv + 1);
	assert_int_equal(fake_cpu.last_invlpg_va, DIRECT_MAP_BASE + pa_addr(p));
}

TEST(declare_accepts_readonly_mapped_frame)
{
	struct fx_user_as as;
	fx_user_as(&as);
	paddr_t x = fx_data();
	fx_ok(nk_write_pte_impl(as.l1, 0, pte_make(x, PTE_P | PTE_U)));
	fx_ok(nk_declare_ptp_impl(x, 1));
	fx_check_ok();
}

TEST(declare_accepts_frame_once_its_writable_mapping_is_gone)
{
	struct fx_user_as as;
	fx_user_as(&as);
	paddr_t x = fx_data();
	fx_ok(nk_write_pte_impl(as.l1, 0, pte_make(x, FX_USER_RW)));
	ASSERT_REFUSED(NK_EWRITABLE, nk_declare_ptp_impl(x, 1));
	fx_ok(nk_write_pte_impl(as.l1, 0, pte_make(x, PTE_P | PTE_U))); /* now read-only */
	fx_ok(nk_declare_ptp_impl(x, 1));
	fx_check_ok();
}

/* ---- nk_declare_ptp: refused ---- */

TEST(declare_refuses_unaligned_frame)
{
	paddr_t p = fx_data();
	ASSERT_REFUSED(NK_EALIGN, nk_declare_ptp_impl(pa_init(pa_addr(p) + 8), 1));
	ASSERT_REFUSED(NK_EALIGN, nk_declare_ptp_impl(pa_init(pa_addr(p) + 0x800), 4));
	ASSERT_REFUSED(NK_EALIGN, nk_declare_ptp_impl(pa_init(pa_addr(p) | 1), 2));
}

TEST(declare_refuses_frame_beyond_ram)
{
	ASSERT_REFUSED(NK_ERANGE, nk_declare_ptp_impl(fx_pa(FAKE_NFRAMES), 1));
	ASSERT_REFUSED(NK_ERANGE, nk_declare_ptp_impl(fx_pa(FAKE_NFRAMES + 12345), 1));
	ASSERT_REFUSED(NK_ERANGE, nk_declare_ptp_impl(pa_init(1ull << 39), 4));
	ASSERT_REFUSED(NK_ERANGE, nk_declare_ptp_impl(pa_init(~0xfffull), 4));
}

TEST(declare_refuses_hole_frame)
{
	ASSERT_REFUSED(NK_ERANGE, nk_declare_ptp_impl(fx_pa(0), 1));
	ASSERT_REFUSED(NK_ERANGE, nk_declare_ptp_impl(fx_pa(FX_HOLE), 3));
	ASSERT_REFUSED(NK_ERANGE, nk_declare_ptp_impl(fx_pa(FX_NK_FIRST - 1), 4));
}

TEST(declare_refuses_unknown_level_or_flags)
{
	paddr_t p = fx_data();
	ASSERT_REFUSED(NK_ELEVEL, nk_declare_ptp_impl(p, 0));
	ASSERT_REFUSED(NK_ELEVEL, nk_declare_ptp_impl(p, 5));
	ASSERT_REFUSED(NK_ELEVEL, nk_declare_ptp_impl(p, 0xff));
	ASSERT_REFUSED(NK_ELEVEL, nk_declare_ptp_impl(p, 0 | K));
	ASSERT_REFUSED(NK_ELEVEL,
		       nk_declare_ptp_impl(p, 4 | K)); /* L4 kernel half is the master's */
	ASSERT_REFUSED(NK_ELEVEL, nk_declare_ptp_impl(p, 1 | 0x200));
	ASSERT_REFUSED(NK_ELEVEL, nk_declare_ptp_impl(p, 2 | 0x80000000u));
	ASSERT_REFUSED(NK_ELEVEL, nk_declare_ptp_impl(p, ~0u));
}

TEST(declare_refuses_frame_that_is_already_a_ptp)
{
	for (unsigned lv = 1; lv <= 4; lv++) {
		paddr_t p = fx_ptp(lv);
		ASSERT_REFUSED(NK_ETYPE, nk_declare_ptp_impl(p, lv));
		ASSERT_REFUSED(NK_ETYPE, nk_declare_ptp_impl(p, lv == 1 ? 2 : 1));
	}
	ASSERT_REFUSED(NK_ETYPE, nk_declare_ptp_impl(nk.master_l4, 4));
	ASSERT_REFUSED(NK_ETYPE, nk_declare_ptp_impl(fx_pa(FX_HEAP_L3), 3 | K));
}

TEST(declare_refuses_code_nk_and_protected_frames)
{
	ASSERT_REFUSED(NK_ETYPE, nk_declare_ptp_impl(fx_pa(FX_CODE_FIRST), 1));
	ASSERT_REFUSED(NK_ETYPE, nk_declare_ptp_impl(fx_pa(FX_NK_FIRST), 1));
	ASSERT_REFUSED(NK_ETYPE, nk_declare_ptp_impl(fx_pa(FX_PROT_FIRST), 1));
}

TEST(declare_refuses_writably_mapped_frame)
{
	struct fx_user_as as;
	struct fx_kern_as ks;
	fx_user_as(&as);
	fx_kern_as(&ks);
	paddr_t x = fx_data(), y = fx_data();
	fx_ok(nk_write_pte_impl(as.l1, 3, pte_make(x, FX_USER_RW)));
	fx_ok(nk_write_pte_impl(ks.l1, 4, pte_make(y, FX_KERN_RW)));
	ASSERT_REFUSED(NK_EWRITABLE, nk_declare_ptp_impl(x, 1));
	ASSERT_REFUSED(NK_EWRITABLE, nk_declare_ptp_impl(y, 2 | K));
}

TEST(declare_refuses_frame_under_a_2m_leaf)
{
	struct fx_kern_as ks;
	fx_kern_as(&ks);
	paddr_t base = fx_pa(FX_HUGE_FIRST);
	paddr_t inside = fx_pa(FX_HUGE_FIRST + 77);
	fx_ok(nk_write_pte_impl(ks.l2, 1, pte_make(base, PTE_P | PTE_PS | PTE_NX))); /* read-only */
	ASSERT_REFUSED(NK_EHUGE, nk_declare_ptp_impl(inside, 1));
	ASSERT_REFUSED(NK_EHUGE, nk_declare_ptp_impl(base, 4));
	fx_ok(nk_write_pte_impl(ks.l2, 1, 0));
	fx_ok(nk_declare_ptp_impl(inside, 1));
	fx_check_ok();
}

TEST(declare_checks_preconditions_in_documented_order)
{
	/* alignment before range, range before level, level before type */
	ASSERT_REFUSED(NK_EALIGN, nk_declare_ptp_impl(pa_init(pa_addr(fx_pa(FX_HOLE)) + 4), 9));
	ASSERT_REFUSED(NK_ERANGE, nk_declare_ptp_impl(fx_pa(FX_HOLE), 9));
	ASSERT_REFUSED(NK_ELEVEL, nk_declare_ptp_impl(fx_pa(FX_CODE_FIRST), 9));
}

/* ---- nk_remove_ptp: accepted ---- */

TEST(remove_returns_ptp_to_data)
{
	for (unsigned lv = 1; lv <= 4; lv++) {
		paddr_t p = fx_ptp(lv == 4 ? 4 : lv | K);
		uint64_t nptp = nk_view_store.type_count[NK_F_PTP1 + lv - 1];
		uint64_t ndata = nk_view_store.type_count[NK_F_DATA];
		uint16_t nondata = nk.f2m[pa_pfn(p) / PTES_PER_PTP].nondata;
		uint64_t calls = nk_view_store.stats.calls[NK_CALL_REMOVE_PTP];

		fx_ok(nk_remove_ptp_impl(p));
		assert_int_equal(fx_frame(p)->type, NK_F_DATA);
		assert_int_equal(fx_frame(p)->flags, 0);
		assert_int_equal(nk_view_store.type_count[NK_F_PTP1 + lv - 1], nptp - 1);
		assert_int_equal(nk_view_store.type_count[NK_F_DATA], ndata + 1);
		assert_int_equal(nk.f2m[pa_pfn(p) / PTES_PER_PTP].nondata, nondata - 1);
		assert_int_equal(nk_view_store.stats.calls[NK_CALL_REMOVE_PTP], calls + 1);
	}
	fx_check_ok();
}

TEST(remove_restores_direct_map_entry_writable_and_flushes_it)
{
	paddr_t p = fx_ptp(2);
	uint64_t pfn = pa_pfn(p);
	assert_false(pte_writable(nk.dm_ptes[pfn]));
	uint64_t inv = fake_cpu.invlpg_calls;
	fx_ok(nk_remove_ptp_impl(p));
	assert_true(pte_writable(nk.dm_ptes[pfn]));
	assert_true(pte_nx(nk.dm_ptes[pfn]));
	assert_int_equal(fake_cpu.invlpg_calls, inv + 1);
	assert_int_equal(fake_cpu.last_invlpg_va, DIRECT_MAP_BASE + pa_addr(p));
	/* and it can be declared again */
	fx_ok(nk_declare_ptp_impl(p, 3));
}

TEST(remove_drops_child_refcounts)
{
	struct fx_user_as as;
	fx_user_as(&as);
	paddr_t l1b = fx_ptp(1);
	fx_ok(nk_write_pte_impl(as.l2, 7, pte_make(l1b, FX_USER_TABLE)));
	assert_int_equal(fx_frame(as.l1)->refs, 1);
	assert_int_equal(fx_frame(l1b)->refs, 1);
	ASSERT_REFUSED(NK_EINUSE, nk_remove_ptp_impl(as.l2)); /* l3 points to it */
	fx_ok(nk_write_pte_impl(as.l3, 0, 0));
	fx_ok(nk_remove_ptp_impl(as.l2));
	assert_int_equal(fx_frame(as.l1)->refs, 0);
	assert_int_equal(fx_frame(l1b)->refs, 0);
	fx_ok(nk_remove_ptp_impl(as.l1));
	fx_ok(nk_remove_ptp_impl(l1b));
	fx_check_ok();
}

TEST(remove_drops_writable_counts_of_mapped_frames)
{
	struct fx_user_as as;
	fx_user_as(&as);
	paddr_t x = fx_data(), y = fx_data();
	fx_ok(nk_write_pte_impl(as.l1, 0, pte_make(x, FX_USER_RW)));
	fx_ok(nk_write_pte_impl(as.l1, 1, pte_make(x, FX_USER_RW)));
	fx_ok(nk_write_pte_impl(as.l1, 2, pte_make(y, PTE_P | PTE_U)));
	assert_int_equal(fx_frame(x)->wcount, 2);
	assert_int_equal(fx_frame(y)->wcount, 0);
	fx_ok(nk_write_pte_impl(as.l2, 0, 0));
	fx_ok(nk_remove_ptp_impl(as.l1));
	assert_int_equal(fx_frame(x)->wcount, 0);
	assert_int_equal(fx_frame(y)->wcount, 0);
	fx_ok(nk_declare_ptp_impl(x, 1));
	fx_check_ok();
}

/* Removal skips empty entries eight at a time: entries at the edges of
 * those groups (first, last, lone ones) are all still unaccounted. */
TEST(remove_drops_counts_of_entries_anywhere_in_the_ptp)
{
	struct fx_user_as as;
	fx_user_as(&as);
	const unsigned idx[] = {0, 7, 8, 15, 16, 300, 504, 511};
	paddr_t x = fx_data();
	for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		fx_ok(nk_write_pte_impl(as.l1, idx[i], pte_make(x, FX_USER_RW)));
	assert_int_equal(fx_frame(x)->maps, 8);
	assert_int_equal(fx_frame(x)->wcount, 8);
	fx_ok(nk_write_pte_impl(as.l2, 0, 0));
	fx_ok(nk_remove_ptp_impl(as.l1));
	assert_int_equal(fx_frame(x)->maps, 0);
	assert_int_equal(fx_frame(x)->wcount, 0);
	fx_check_ok();
}

TEST(remove_drops_huge_map_counts)
{
	paddr_t l2 = fx_ptp(2 | K);
	fx_ok(nk_write_pte_impl(l2, 5,
				pte_make(fx_pa(FX_HUGE_FIRST), PTE_P | PTE_W | PTE_PS | PTE_NX)));
	assert_int_equal(nk.f2m[FX_HUGE_FIRST / PTES_PER_PTP].huge_maps, 1);
	fx_ok(nk_remove_ptp_impl(l2));
	assert_int_equal(nk.f2m[FX_HUGE_FIRST / PTES_PER_PTP].huge_maps, 0);
	fx_ok(nk_declare_ptp_impl(fx_pa(FX_HUGE_FIRST + 1), 1));
	fx_check_ok();
}

TEST(remove_l4_drops_user_half_only)
{
	struct fx_user_as as;
	fx_user_as(&as);
	assert_int_equal(fx_frame(as.l3)->refs, 1);
	fx_ok(nk_remove_ptp_impl(as.l4));
	assert_int_equal(fx_frame(as.l3)->refs, 0);
	assert_int_equal(fx_frame(fx_pa(FX_KERN_L3))->refs, 1);
	assert_int_equal(fx_frame(fx_pa(FX_HEAP_L3))->refs, 1);
	fx_check_ok();
}

/* ---- nk_remove_ptp: refused ---- */

TEST(remove_refuses_unaligned_frame)
{
	paddr_t p = fx_ptp(1);
	ASSERT_REFUSED(NK_EALIGN, nk_remove_ptp_impl(pa_init(pa_addr(p) + 8)));
	ASSERT_REFUSED(NK_EALIGN, nk_remove_ptp_impl(pa_init(pa_addr(nk.master_l4) + 0x100)));
}

TEST(remove_refuses_frame_beyond_ram_or_hole)
{
	ASSERT_REFUSED(NK_ERANGE, nk_remove_ptp_impl(fx_pa(FAKE_NFRAMES)));
	ASSERT_REFUSED(NK_ERANGE, nk_remove_ptp_impl(pa_init(1ull << 45)));
	ASSERT_REFUSED(NK_ERANGE, nk_remove_ptp_impl(fx_pa(FX_HOLE)));
}

TEST(remove_refuses_frame_that_is_not_a_ptp)
{
	paddr_t data = fx_data();
	ASSERT_REFUSED(NK_ETYPE, nk_remove_ptp_impl(data));
	ASSERT_REFUSED(NK_ETYPE, nk_remove_ptp_impl(fx_pa(FX_CODE_FIRST)));
	ASSERT_REFUSED(NK_ETYPE, nk_remove_ptp_impl(fx_pa(FX_NK_FIRST)));
	ASSERT_REFUSED(NK_ETYPE, nk_remove_ptp_impl(fx_pa(FX_PROT_FIRST)));
}

TEST(remove_refuses_pinned_ptp)
{
	ASSERT_REFUSED(NK_EPINNED, nk_remove_ptp_impl(nk.master_l4));
	ASSERT_REFUSED(NK_EPINNED, nk_remove_ptp_impl(fx_pa(FX_KERN_L3)));
	ASSERT_REFUSED(NK_EPINNED, nk_remove_ptp_impl(fx_pa(FX_KERN_L2)));
	ASSERT_REFUSED(NK_EPINNED, nk_remove_ptp_impl(fx_pa(FX_KERN_L1)));
}

TEST(remove_refuses_referenced_ptp)
{
	struct fx_user_as as;
	struct fx_kern_as ks;
	fx_user_as(&as);
	fx_kern_as(&ks);
	ASSERT_REFUSED(NK_EINUSE, nk_remove_ptp_impl(as.l3));
	ASSERT_REFUSED(NK_EINUSE, nk_remove_ptp_impl(as.l2));
	ASSERT_REFUSED(NK_EINUSE, nk_remove_ptp_impl(as.l1));
	ASSERT_REFUSED(NK_EINUSE, nk_remove_ptp_impl(ks.l2));
	ASSERT_REFUSED(NK_EINUSE, nk_remove_ptp_impl(ks.l1));
	ASSERT_REFUSED(NK_EINUSE, nk_remove_ptp_impl(fx_pa(FX_HEAP_L3))); /* the master's */
}

TEST(remove_refuses_loaded_l4)
{
	paddr_t l4 = fx_ptp(4);
	fx_ok(nk_load_cr3_impl(l4));
	ASSERT_REFUSED(NK_ELOADED, nk_remove_ptp_impl(l4));
	fx_ok(nk_load_cr3_impl(nk.master_l4));
	fx_ok(nk_remove_ptp_impl(l4));
	fx_check_ok();
}

/* ---- nk_load_cr3 ---- */

TEST(load_cr3_switches_to_a_declared_l4)
{
	paddr_t l4 = fx_ptp(4);
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_LOAD_CR3];
	fx_ok(nk_load_cr3_impl(l4));
	assert_int_equal(fake_cpu.cr3, pa_addr(l4));
	assert_int_equal(pa_addr(nk.cur_cr3[0]), pa_addr(l4));
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_LOAD_CR3], calls + 1);
	fx_check_ok();
	fx_ok(nk_load_cr3_impl(nk.master_l4));
	assert_int_equal(fake_cpu.cr3, pa_addr(nk.master_l4));
}

TEST(load_cr3_refuses_unaligned_or_non_ram_frame)
{
	paddr_t l4 = fx_ptp(4);
	ASSERT_REFUSED(NK_EALIGN, nk_load_cr3_impl(pa_init(pa_addr(l4) | 0x8))); /* PWT */
	ASSERT_REFUSED(NK_EALIGN, nk_load_cr3_impl(pa_init(pa_addr(l4) | 1)));	 /* a PCID */
	ASSERT_REFUSED(NK_ERANGE, nk_load_cr3_impl(fx_pa(FAKE_NFRAMES)));
	ASSERT_REFUSED(NK_ERANGE, nk_load_cr3_impl(fx_pa(FX_HOLE)));
}

TEST(load_cr3_refuses_frame_that_is_not_an_l4)
{
	paddr_t data = fx_data(), l3 = fx_ptp(3);
	ASSERT_REFUSED(NK_ETYPE, nk_load_cr3_impl(data));
	ASSERT_REFUSED(NK_ETYPE, nk_load_cr3_impl(l3));
	ASSERT_REFUSED(NK_ETYPE, nk_load_cr3_impl(fx_pa(FX_KERN_L3)));
	ASSERT_REFUSED(NK_ETYPE, nk_load_cr3_impl(fx_pa(FX_CODE_FIRST)));
	ASSERT_REFUSED(NK_ETYPE, nk_load_cr3_impl(fx_pa(FX_NK_FIRST)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(declare_accepts_every_level_and_kernel_flag),
	    FX_TEST(declare_zeroes_the_frame),
	    FX_TEST(declare_l4_copies_kernel_half_from_master_and_zeroes_the_rest),
	    FX_TEST(declare_makes_direct_map_entry_readonly_and_flushes_it),
	    FX_TEST(declare_accepts_readonly_mapped_frame),
	    FX_TEST(declare_accepts_frame_once_its_writable_mapping_is_gone),
	    FX_TEST(declare_refuses_unaligned_frame),
	    FX_TEST(declare_refuses_frame_beyond_ram),
	    FX_TEST(declare_refuses_hole_frame),
	    FX_TEST(declare_refuses_unknown_level_or_flags),
	    FX_TEST(declare_refuses_frame_that_is_already_a_ptp),
	    FX_TEST(declare_refuses_code_nk_and_protected_frames),
	    FX_TEST(declare_refuses_writably_mapped_frame),
	    FX_TEST(declare_refuses_frame_under_a_2m_leaf),
	    FX_TEST(declare_checks_preconditions_in_documented_order),
	    FX_TEST(remove_returns_ptp_to_data),
	    FX_TEST(remove_restores_direct_map_entry_writable_and_flushes_it),
	    FX_TEST(remove_drops_child_refcounts),
	    FX_TEST(remove_drops_writable_counts_of_mapped_frames),
	    FX_TEST(remove_drops_counts_of_entries_anywhere_in_the_ptp),
	    FX_TEST(remove_drops_huge_map_counts),
	    FX_TEST(remove_l4_drops_user_half_only),
	    FX_TEST(remove_refuses_unaligned_frame),
	    FX_TEST(remove_refuses_frame_beyond_ram_or_hole),
	    FX_TEST(remove_refuses_frame_that_is_not_a_ptp),
	    FX_TEST(remove_refuses_pinned_ptp),
	    FX_TEST(remove_refuses_referenced_ptp),
	    FX_TEST(remove_refuses_loaded_l4),
	    FX_TEST(load_cr3_switches_to_a_declared_l4),
	    FX_TEST(load_cr3_refuses_unaligned_or_non_ram_frame),
	    FX_TEST(load_cr3_refuses_frame_that_is_not_an_l4),
	};
	return cmocka_run_group_tests_name("vmmu: declare, remove, load_cr3", tests, NULL, NULL);
}
