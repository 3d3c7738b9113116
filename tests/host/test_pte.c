/* Host tests of nk_write_pte and nk_write_ptes (nk/vmmu.c): every
 * precondition accepted and refused, the counters an accepted write keeps,
 * the TLB flush rule (I10) and batch all-or-nothing.
 * Spec sections 3 (I1, I2, I4, I9, I10), 4, 5; include/nk/vmmu.h. */
#include "fixture.h"

/* A user chain and a kernel chain, built in every test that needs them. */
static struct fx_user_as u;
static struct fx_kern_as k;

static void chains(void)
{
	fx_user_as(&u);
	fx_kern_as(&k);
}

/* A 2 MiB leaf at pa (flags without PS). */
static pte_t huge(paddr_t pa, uint64_t flags)
{
	return pte_make(pa, flags | PTE_PS);
}

/* A physical address beyond RAM but below MAXPHYADDR: MMIO. */
static paddr_t mmio(void)
{
	return pa_init(1ull << 32);
}

/* ---- accepted writes and their counters ---- */

TEST(write_pte_stores_the_entry)
{
	chains();
	paddr_t x = fx_data();
	uint64_t written = nk_view_store.stats.ptes_written;
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_WRITE_PTE];
	pte_t e = pte_make(x, FX_USER_RW | PTE_A | PTE_D);
	fx_ok(nk_write_pte_impl(u.l1, 511, e));
	assert_int_equal(fx_entries(u.l1)[511], e);
	assert_int_equal(nk_view_store.stats.ptes_written, written + 1);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_WRITE_PTE], calls + 1);
	fx_check_ok();
}

TEST(write_pte_counts_writable_leaves_only)
{
	chains();
	paddr_t x = fx_data();
	fx_ok(nk_write_pte_impl(u.l1, 0, pte_make(x, PTE_P | PTE_U)));
	assert_int_equal(fx_frame(x)->wcount, 0);
	fx_ok(nk_write_pte_impl(u.l1, 1, pte_make(x, FX_USER_RW)));
	fx_ok(nk_write_pte_impl(k.l1, 1, pte_make(x, FX_KERN_RW)));
	assert_int_equal(fx_frame(x)->wcount, 2);
	fx_check_ok();
	fx_ok(nk_write_pte_impl(u.l1, 1, pte_make(x, PTE_P | PTE_U))); /* downgrade */
	assert_int_equal(fx_frame(x)->wcount, 1);
	fx_ok(nk_write_pte_impl(k.l1, 1, 0)); /* unmap */
	assert_int_equal(fx_frame(x)->wcount, 0);
	fx_check_ok();
}

TEST(write_pte_moves_writable_count_when_the_frame_changes)
{
	chains();
	paddr_t x = fx_data(), y = fx_data();
	fx_ok(nk_write_pte_impl(u.l1, 9, pte_make(x, FX_USER_RW)));
	fx_ok(nk_write_pte_impl(u.l1, 9, pte_make(y, FX_USER_RW)));
	assert_int_equal(fx_frame(x)->wcount, 0);
	assert_int_equal(fx_frame(y)->wcount, 1);
	fx_check_ok();
}

TEST(write_pte_counts_references_to_ptps)
{
	chains();
	paddr_t l1b = fx_ptp(1);
	assert_int_equal(fx_frame(u.l1)->refs, 1);
	fx_ok(nk_write_pte_impl(u.l2, 1, pte_make(u.l1, FX_USER_TABLE))); /* shared */
	assert_int_equal(fx_frame(u.l1)->refs, 2);
	fx_ok(nk_write_pte_impl(u.l2, 1, pte_make(l1b, FX_USER_TABLE)));
	assert_int_equal(fx_frame(u.l1)->refs, 1);
	assert_int_equal(fx_frame(l1b)->refs, 1);
	fx_ok(nk_write_pte_impl(u.l2, 1, 0));
	assert_int_equal(fx_frame(l1b)->refs, 0);
	fx_check_ok();
}

/* nk_ptp_root follows the recorded parents: one L4 while each PTP on the
 * way has one parent, ALL once one is linked twice or for the kernel
 * half, NONE once unlinked; the checker agrees at each step. */
TEST(ptp_root_follows_the_one_parent_chain)
{
	chains();
	uint64_t l4 = pa_pfn(u.l4);
	assert_int_equal(nk_ptp_root(pa_pfn(u.l1)), l4);
	assert_int_equal(nk_ptp_root(pa_pfn(u.l2)), l4);
	assert_int_equal(nk_ptp_root(pa_pfn(u.l3)), l4);
	assert_int_equal(nk_ptp_root(l4), l4);
	assert_true(nk_ptp_root(pa_pfn(k.l1)) == NK_ROOT_ALL);
	/* the same L2 linking the L1 twice: still one parent */
	fx_ok(nk_write_pte_impl(u.l2, 1, pte_make(u.l1, FX_USER_TABLE)));
	assert_int_equal(nk_ptp_root(pa_pfn(u.l1)), l4);
	fx_check_ok();
	/* a second L4 shares the L3: everything below reaches two roots */
	paddr_t l4b = fx_ptp(4);
	fx_ok(nk_write_pte_impl(l4b, 0, pte_make(u.l3, FX_USER_TABLE)));
	assert_true(nk_ptp_root(pa_pfn(u.l1)) == NK_ROOT_ALL);
	assert_true(nk_ptp_root(pa_pfn(u.l3)) == NK_ROOT_ALL);
	fx_check_ok();
	/* unlinked everywhere: no root, and a fresh link has one again */
	fx_ok(nk_write_pte_impl(l4b, 0, 0));
	unsigned i3 = 0;
	while (!pte_present(fx_entries(u.l4)[i3]))
		i3++;
	fx_ok(nk_write_pte_impl(u.l4, i3, 0));
	assert_true(nk_ptp_root(pa_pfn(u.l3)) == NK_ROOT_NONE);
	assert_true(nk_ptp_root(pa_pfn(u.l1)) == NK_ROOT_NONE);
	fx_check_ok();
	fx_ok(nk_write_pte_impl(l4b, 3, pte_make(u.l3, FX_USER_TABLE)));
	assert_int_equal(nk_ptp_root(pa_pfn(u.l3)), pa_pfn(l4b));
	assert_int_equal(nk_ptp_root(pa_pfn(u.l1)), pa_pfn(l4b));
	fx_check_ok();
}

/* The checker notices a recorded parent that is not the linking PTP. */
TEST(check_catches_a_wrong_recorded_parent)
{
	chains();
	nk.ptp_parent[pa_pfn(u.l1)] = (uint32_t)pa_pfn(u.l3) + 1;
	assert_int_equal(nk_check_invariants_impl(), -1);
	assert_true(nk_view_store.check.failures[1] > 0);
	nk.ptp_parent[pa_pfn(u.l1)] = (uint32_t)pa_pfn(u.l2) + 1;
	nk.ptp_parent[pa_pfn(fx_data())] = 5;
	assert_int_equal(nk_check_invariants_impl(), -1);
}

TEST(write_pte_accepts_not_present_entry_with_any_other_bits)
{
	chains();
	fx_ok(nk_write_pte_impl(u.l1, 2, ~PTE_P));
	fx_ok(nk_write_pte_impl(u.l4, 2, 0xdeadbeef0ull));
	assert_int_equal(fx_entries(u.l1)[2], ~PTE_P);
	fx_check_ok();
}

TEST(write_pte_accepts_readonly_supervisor_exec_of_code)
{
	chains();
	fx_ok(nk_write_pte_impl(k.l1, 0, pte_make(fx_pa(FX_CODE_FIRST), PTE_P)));
	fx_ok(nk_write_pte_impl(k.l1, 1, pte_make(fx_pa(FX_CODE_FIRST + 5), PTE_P | PTE_A)));
	fx_check_ok();
}

TEST(write_pte_accepts_user_exec_of_data)
{
	chains();
	fx_ok(nk_write_pte_impl(u.l1, 0, pte_make(fx_data(), PTE_P | PTE_U | PTE_W)));
	fx_check_ok();
}

TEST(write_pte_accepts_readonly_nx_mapping_of_any_ram)
{
	chains();
	paddr_t f[] = {u.l1,
		       u.l4,
		       nk.master_l4,
		       fx_pa(FX_NK_FIRST),
		       fx_pa(FX_CODE_FIRST),
		       fx_pa(FX_PROT_FIRST)};
	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		fx_ok(nk_write_pte_impl(k.l1, i, pte_make(f[i], FX_KERN_RO)));
		fx_ok(nk_write_pte_impl(u.l1, i, pte_make(f[i], PTE_P | PTE_U | PTE_NX)));
	}
	fx_check_ok();
}

TEST(write_pte_accepts_nx_mapping_of_mmio)
{
	chains();
	fx_ok(nk_write_pte_impl(k.l1, 0, pte_make(mmio(), FX_KERN_RW | PTE_PCD | PTE_PWT)));
	fx_ok(nk_write_pte_impl(k.l1, 1, pte_make(fx_pa(FAKE_NFRAMES), FX_KERN_RW)));
	/* below 1 MiB: the BIOS area, nk's (spec section 4) */
	ASSERT_REFUSED(NK_EDEVICE,
		       nk_write_pte_impl(k.l1, 2, pte_make(fx_pa(FX_HOLE), FX_KERN_RW)));
	fx_ok(nk_write_pte_impl(u.l1, 0, pte_make(mmio(), FX_USER_RW)));
	fx_ok(nk_write_pte_impl(u.l1, 1, pte_make(mmio(), PTE_P | PTE_U))); /* user exec */
	fx_check_ok();
}

TEST(write_pte_accepts_2m_leaf_over_all_data)
{
	chains();
	paddr_t base = fx_pa(FX_HUGE_FIRST);
	fx_ok(nk_write_pte_impl(k.l2, 1, huge(base, FX_KERN_RW)));
	assert_int_equal(nk.f2m[FX_HUGE_FIRST / PTES_PER_PTP].huge_maps, 1);
	fx_ok(nk_write_pte_impl(u.l2, 1, huge(base, PTE_P | PTE_U | PTE_W))); /* user, exec */
	assert_int_equal(nk.f2m[FX_HUGE_FIRST / PTES_PER_PTP].huge_maps, 2);
	fx_ok(nk_write_pte_impl(k.l2, 2, huge(base, FX_KERN_RO | (1ull << 12)))); /* PAT */
	fx_ok(nk_write_pte_impl(k.l2, 1, 0));
	assert_int_equal(nk.f2m[FX_HUGE_FIRST / PTES_PER_PTP].huge_maps, 2);
	fx_check_ok();
}

TEST(write_pte_accepts_nx_2m_leaf_over_mmio)
{
	chains();
	fx_ok(nk_write_pte_impl(k.l2, 1, huge(mmio(), FX_KERN_RW | PTE_PCD)));
	fx_check_ok();
}

/* ---- refused: which PTP, which index ---- */

TEST(write_pte_refuses_unaligned_ptp)
{
	chains();
	ASSERT_REFUSED(NK_EALIGN, nk_write_pte_impl(pa_init(pa_addr(u.l1) + 8), 0, 0));
	ASSERT_REFUSED(NK_EALIGN, nk_write_pte_impl(pa_init(pa_addr(u.l1) | 1), 0, 0));
}

TEST(write_pte_refuses_ptp_beyond_ram_or_hole)
{
	ASSERT_REFUSED(NK_ERANGE, nk_write_pte_impl(fx_pa(FAKE_NFRAMES), 0, 0));
	ASSERT_REFUSED(NK_ERANGE, nk_write_pte_impl(mmio(), 0, 0));
	ASSERT_REFUSED(NK_ERANGE, nk_write_pte_impl(fx_pa(FX_HOLE), 0, 0));
}

TEST(write_pte_refuses_frame_that_is_not_a_ptp)
{
	paddr_t x = fx_data();
	ASSERT_REFUSED(NK_ETYPE, nk_write_pte_impl(x, 0, 0));
	ASSERT_REFUSED(NK_ETYPE, nk_write_pte_impl(fx_pa(FX_CODE_FIRST), 0, 0));
	ASSERT_REFUSED(NK_ETYPE, nk_write_pte_impl(fx_pa(FX_NK_FIRST), 0, 0));
	ASSERT_REFUSED(NK_ETYPE, nk_write_pte_impl(fx_pa(FX_PROT_FIRST), 0, 0));
}

TEST(write_pte_refuses_index_out_of_range)
{
	chains();
	ASSERT_REFUSED(NK_EINDEX, nk_write_pte_impl(u.l1, 512, 0));
	ASSERT_REFUSED(NK_EINDEX, nk_write_pte_impl(u.l4, 4096, 0));
	ASSERT_REFUSED(NK_EINDEX, nk_write_pte_impl(k.l2, ~0u, 0));
}

TEST(write_pte_refuses_pinned_ptp)
{
	ASSERT_REFUSED(NK_EPINNED, nk_write_pte_impl(nk.master_l4, 0, 0));
	ASSERT_REFUSED(NK_EPINNED, nk_write_pte_impl(fx_pa(FX_KERN_L3), 0, 0));
	ASSERT_REFUSED(NK_EPINNED, nk_write_pte_impl(fx_pa(FX_KERN_L2), 3, 0));
	ASSERT_REFUSED(NK_EPINNED,
		       nk_write_pte_impl(fx_pa(FX_KERN_L1), 200, pte_make(fx_data(), FX_KERN_RW)));
}

TEST(write_pte_refuses_kernel_half_of_an_l4)
{
	chains();
	paddr_t l3k = fx_ptp(3 | NK_PTP_KERNEL);
	ASSERT_REFUSED(NK_EKERNHALF, nk_write_pte_impl(u.l4, 256, 0));
	ASSERT_REFUSED(NK_EKERNHALF, nk_write_pte_impl(u.l4, 384, 0));
	ASSERT_REFUSED(NK_EKERNHALF, nk_write_pte_impl(u.l4, 511, pte_make(l3k, FX_KERN_TABLE)));
	fx_ok(nk_write_pte_impl(u.l4, 255, 0));
}

/* ---- refused: the entry ---- */

TEST(write_pte_refuses_reserved_bits)
{
	chains();
	paddr_t x = fx_data();
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(u.l1, 0, pte_make(x, FX_USER_RW) | (1ull << 52)));
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(u.l1, 0, pte_make(x, FX_USER_RW) | (1ull << 59)));
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(k.l1, 0, pte_make(x, FX_KERN_RW) | (1ull << 62)));
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(u.l2, 1, pte_make(u.l1, FX_USER_TABLE) | (1ull << 55)));
}

TEST(write_pte_refuses_address_beyond_maxphyaddr)
{
	chains();
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(k.l1, 0, pte_make(pa_init(FX_PHYS_LIMIT), FX_KERN_RW)));
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(k.l1, 0, pte_make(pa_init(1ull << 51), FX_KERN_RW)));
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(k.l2, 1, huge(pa_init(FX_PHYS_LIMIT), FX_KERN_RW)));
	fx_ok(nk_write_pte_impl(k.l1, 0, pte_make(pa_init(FX_PHYS_LIMIT - PAGE_SIZE), FX_KERN_RW)));
}

TEST(write_pte_refuses_ps_in_an_l4_entry)
{
	chains();
	paddr_t l3 = fx_ptp(3);
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(u.l4, 1, pte_make(l3, FX_USER_TABLE | PTE_PS)));
}

TEST(write_pte_refuses_reserved_bits_of_a_2m_leaf)
{
	chains();
	paddr_t base = fx_pa(FX_HUGE_FIRST);
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(k.l2, 1, huge(base, FX_KERN_RW) | (1ull << 13)));
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(k.l2, 1, huge(base, FX_KERN_RW) | (1ull << 20)));
	/* a 2 MiB leaf at a 4 KiB (not 2 MiB) aligned address */
	ASSERT_REFUSED(NK_ERESERVED,
		       nk_write_pte_impl(k.l2, 1, huge(fx_pa(FX_HUGE_FIRST + 2), FX_KERN_RW)));
}

TEST(write_pte_refuses_global_bit)
{
	chains();
	ASSERT_REFUSED(NK_EGLOBAL,
		       nk_write_pte_impl(k.l1, 0, pte_make(fx_data(), FX_KERN_RW | PTE_G)));
	ASSERT_REFUSED(NK_EGLOBAL,
		       nk_write_pte_impl(u.l1, 0, pte_make(fx_data(), FX_USER_RW | PTE_G)));
	ASSERT_REFUSED(NK_EGLOBAL,
		       nk_write_pte_impl(k.l1, 0, pte_make(fx_pa(FX_CODE_FIRST), PTE_P | PTE_G)));
	ASSERT_REFUSED(NK_EGLOBAL,
		       nk_write_pte_impl(k.l2, 1, huge(fx_pa(FX_HUGE_FIRST), FX_KERN_RW | PTE_G)));
	paddr_t l1 = fx_ptp(1);
	ASSERT_REFUSED(NK_EGLOBAL, nk_write_pte_impl(u.l2, 1, pte_make(l1, FX_USER_TABLE | PTE_G)));
}

TEST(write_pte_refuses_u_bit_of_the_wrong_half)
{
	chains();
	paddr_t x = fx_data(), l1u = fx_ptp(1), l1k = fx_ptp(1 | NK_PTP_KERNEL);
	ASSERT_REFUSED(NK_EHALF,
		       nk_write_pte_impl(u.l1, 0, pte_make(x, FX_KERN_RW))); /* U=0 in user */
	ASSERT_REFUSED(NK_EHALF,
		       nk_write_pte_impl(k.l1, 0, pte_make(x, FX_USER_RW))); /* U=1 in kernel */
	ASSERT_REFUSED(NK_EHALF, nk_write_pte_impl(u.l2, 1, pte_make(l1u, FX_KERN_TABLE)));
	ASSERT_REFUSED(NK_EHALF, nk_write_pte_impl(k.l2, 1, pte_make(l1k, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EHALF,
		       nk_write_pte_impl(k.l2, 1, huge(fx_pa(FX_HUGE_FIRST), FX_USER_RW)));
}

TEST(write_pte_refuses_ptp_of_the_wrong_half)
{
	chains();
	paddr_t l3k = fx_ptp(3 | NK_PTP_KERNEL), l2u = fx_ptp(2), l1u = fx_ptp(1);
	ASSERT_REFUSED(NK_EHALF, nk_write_pte_impl(u.l4, 1, pte_make(l3k, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EHALF,
		       nk_write_pte_impl(fx_pa(FX_HEAP_L3), 1, pte_make(l2u, FX_KERN_TABLE)));
	ASSERT_REFUSED(NK_EHALF, nk_write_pte_impl(k.l2, 1, pte_make(l1u, FX_KERN_TABLE)));
	ASSERT_REFUSED(NK_EHALF, nk_write_pte_impl(u.l2, 1, pte_make(k.l1, FX_USER_TABLE)));
}

TEST(write_pte_refuses_non_leaf_to_a_frame_that_is_not_a_ptp)
{
	chains();
	paddr_t x = fx_data();
	ASSERT_REFUSED(NK_ENOTPTP, nk_write_pte_impl(u.l4, 1, pte_make(x, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_ENOTPTP, nk_write_pte_impl(u.l3, 1, pte_make(x, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_ENOTPTP, nk_write_pte_impl(u.l2, 1, pte_make(x, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_ENOTPTP,
		       nk_write_pte_impl(k.l2, 1, pte_make(fx_pa(FX_CODE_FIRST), FX_KERN_TABLE)));
	ASSERT_REFUSED(NK_ENOTPTP,
		       nk_write_pte_impl(k.l2, 1, pte_make(fx_pa(FX_NK_FIRST), FX_KERN_TABLE)));
	ASSERT_REFUSED(NK_ENOTPTP,
		       nk_write_pte_impl(k.l2, 1, pte_make(fx_pa(FX_PROT_FIRST), FX_KERN_TABLE)));
	ASSERT_REFUSED(NK_ENOTPTP,
		       nk_write_pte_impl(k.l2, 1, pte_make(fx_pa(FX_HOLE), FX_KERN_TABLE)));
	ASSERT_REFUSED(NK_ENOTPTP, nk_write_pte_impl(k.l2, 1, pte_make(mmio(), FX_KERN_TABLE)));
}

TEST(write_pte_refuses_non_leaf_to_a_ptp_of_the_wrong_level)
{
	chains();
	paddr_t l4 = fx_ptp(4), l3 = fx_ptp(3), l2 = fx_ptp(2), l1 = fx_ptp(1);
	ASSERT_REFUSED(NK_EWRONGLEVEL, nk_write_pte_impl(u.l4, 1, pte_make(l4, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EWRONGLEVEL, nk_write_pte_impl(u.l4, 1, pte_make(u.l4, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EWRONGLEVEL, nk_write_pte_impl(u.l4, 1, pte_make(l2, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EWRONGLEVEL, nk_write_pte_impl(u.l4, 1, pte_make(l1, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EWRONGLEVEL, nk_write_pte_impl(u.l3, 1, pte_make(l3, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EWRONGLEVEL, nk_write_pte_impl(u.l3, 1, pte_make(l1, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EWRONGLEVEL, nk_write_pte_impl(u.l2, 1, pte_make(l2, FX_USER_TABLE)));
	ASSERT_REFUSED(NK_EWRONGLEVEL, nk_write_pte_impl(u.l2, 1, pte_make(l4, FX_USER_TABLE)));
}

TEST(write_pte_refuses_1g_leaf)
{
	chains();
	ASSERT_REFUSED(NK_EHUGE, nk_write_pte_impl(
				     u.l3, 1, pte_make(pa_init(1ull << 30), FX_USER_RW | PTE_PS)));
	ASSERT_REFUSED(NK_EHUGE,
		       nk_write_pte_impl(u.l3, 1, pte_make(pa_init(0), PTE_P | PTE_U | PTE_PS)));
	ASSERT_REFUSED(NK_EHUGE,
		       nk_write_pte_impl(fx_pa(FX_HEAP_L3), 1,
					 pte_make(pa_init(1ull << 30), FX_KERN_RO | PTE_PS)));
}

TEST(write_pte_refuses_2m_leaf_over_a_non_data_frame)
{
	chains();
	/* region 0: HOLE, NK, CODE, PROTECTED; region 1: the PTPs just declared */
	ASSERT_REFUSED(NK_EHUGE, nk_write_pte_impl(k.l2, 1, huge(fx_pa(0), FX_KERN_RW)));
	ASSERT_REFUSED(NK_EHUGE, nk_write_pte_impl(k.l2, 1, huge(fx_pa(0), FX_KERN_RO)));
	ASSERT_REFUSED(NK_EHUGE,
		       nk_write_pte_impl(u.l2, 1, huge(fx_pa(FX_DATA_FIRST), FX_USER_RW)));
	/* one CODE frame in an otherwise all-DATA region */
	nk_set_type(FX_HUGE_FIRST + 511, NK_F_CODE);
	ASSERT_REFUSED(NK_EHUGE,
		       nk_write_pte_impl(k.l2, 1, huge(fx_pa(FX_HUGE_FIRST), FX_KERN_RO)));
	nk_set_type(FX_HUGE_FIRST + 511, NK_F_DATA);
	fx_ok(nk_write_pte_impl(k.l2, 1, huge(fx_pa(FX_HUGE_FIRST), FX_KERN_RO)));
}

TEST(write_pte_refuses_writable_mapping_of_ptp_nk_code_protected)
{
	chains();
	paddr_t l2k = fx_ptp(2 | NK_PTP_KERNEL);
	paddr_t f[] = {u.l1,
		       u.l2,
		       u.l3,
		       u.l4,
		       k.l1,
		       l2k,
		       nk.master_l4,
		       fx_pa(FX_KERN_L1),
		       fx_pa(FX_NK_FIRST),
		       fx_pa(FX_CODE_FIRST),
		       fx_pa(FX_PROT_FIRST)};
	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		ASSERT_REFUSED(NK_EPROT, nk_write_pte_impl(k.l1, i, pte_make(f[i], FX_KERN_RW)));
		ASSERT_REFUSED(NK_EPROT, nk_write_pte_impl(u.l1, i, pte_make(f[i], FX_USER_RW)));
	}
	/* writable and executable CODE: the write right is refused first */
	ASSERT_REFUSED(NK_EPROT,
		       nk_write_pte_impl(k.l1, 0, pte_make(fx_pa(FX_CODE_FIRST), PTE_P | PTE_W)));
}

TEST(write_pte_refuses_supervisor_exec_of_non_code)
{
	chains();
	paddr_t x = fx_data();
	paddr_t f[] = {x, u.l1, fx_pa(FX_NK_FIRST), fx_pa(FX_PROT_FIRST), nk.master_l4};
	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		ASSERT_REFUSED(NK_EEXEC, nk_write_pte_impl(k.l1, i, pte_make(f[i], PTE_P)));
	ASSERT_REFUSED(NK_EEXEC, nk_write_pte_impl(k.l1, 0, pte_make(x, PTE_P | PTE_W)));
}

TEST(write_pte_refuses_supervisor_exec_of_mmio)
{
	chains();
	ASSERT_REFUSED(NK_EEXEC, nk_write_pte_impl(k.l1, 0, pte_make(mmio(), PTE_P | PTE_W)));
	ASSERT_REFUSED(NK_EDEVICE, nk_write_pte_impl(k.l1, 0, pte_make(fx_pa(FX_HOLE), PTE_P)));
	ASSERT_REFUSED(NK_EEXEC, nk_write_pte_impl(k.l2, 1, huge(mmio(), PTE_P)));
}

TEST(write_pte_refuses_supervisor_exec_2m_leaf)
{
	chains();
	ASSERT_REFUSED(NK_EEXEC, nk_write_pte_impl(k.l2, 1, huge(fx_pa(FX_HUGE_FIRST), PTE_P)));
	ASSERT_REFUSED(NK_EEXEC,
		       nk_write_pte_impl(k.l2, 1, huge(fx_pa(FX_HUGE_FIRST), PTE_P | PTE_W)));
}

/* The decision for a 4 KiB leaf, as spec sections 3-5 state it, written
 * out independently of nk/vmmu.c: the oracle for its fast path
 * (leaf_fast_ok), which may only ever accept what this accepts. */
static long l1_rule(pte_t e, bool khalf, int type, paddr_t pa) /* type -1: not RAM */
{
	if (!(e & PTE_P))
		return 0;
	if (e & PTE_G)
		return -NK_EGLOBAL;
	if (!!(e & PTE_U) == khalf)
		return -NK_EHALF;
	bool sup_exec = !(e & PTE_U) && !(e & PTE_NX);
	if (type < 0 && pa_addr(pa) < 0x100000)
		return -NK_EDEVICE; /* the first MiB is nk's (spec section 4) */
	if (type < 0)
		return sup_exec ? -NK_EEXEC : 0;
	if ((e & PTE_W) && type != NK_F_DATA)
		return -NK_EPROT;
	if (sup_exec && type != NK_F_CODE)
		return -NK_EEXEC;
	return 0;
}

/* Every combination of P W U NX G (and A, D), in both halves, over a frame
 * of every kind: nk_write_pte and a one-update nk_write_ptes both give the
 * rule's answer, and an accepted entry reads back. */
TEST(write_pte_l1_decision_table)
{
	chains();
	const struct {
		paddr_t pa;
		int type;
	} fr[] = {
	    {fx_data(), NK_F_DATA},	   {fx_pa(FX_CODE_FIRST), NK_F_CODE},
	    {fx_pa(FX_NK_FIRST), NK_F_NK}, {fx_pa(FX_PROT_FIRST), NK_F_PROTECTED},
	    {fx_ptp(1), NK_F_PTP1},	   {fx_pa(FX_HOLE), -1},
	    {fx_pa(FAKE_NFRAMES + 8), -1},
	};
	const uint64_t bits[] = {PTE_P, PTE_W, PTE_U, PTE_NX, PTE_G, PTE_A | PTE_D};
	int accepted = 0, refused = 0;
	for (int half = 0; half < 2; half++) {
		paddr_t l1 = half ? k.l1 : u.l1;
		for (size_t f = 0; f < sizeof(fr) / sizeof(fr[0]); f++)
			for (unsigned m = 0; m < 64; m++) {
				pte_t e = pte_make(fr[f].pa, 0);
				for (unsigned b = 0; b < 6; b++)
					if (m & (1u << b))
						e |= bits[b];
				long want = l1_rule(e, half, fr[f].type, fr[f].pa);
				fx_ok(nk_write_pte_impl(l1, 7, 0));
				assert_int_equal(nk_write_pte_impl(l1, 7, e), want);
				struct nk_pte_write w = {.ptp = l1, .index = 7, .pte = e};
				fx_ok(nk_write_pte_impl(l1, 7, 0));
				assert_int_equal(nk_write_ptes_impl(&w, 1), want);
				assert_true(fx_entries(l1)[7] == (want ? 0 : e));
				want ? refused++ : accepted++;
			}
		fx_ok(nk_write_pte_impl(l1, 7, 0));
	}
	assert_int_equal(nk_check_invariants_impl(), 0);
	assert_true(accepted > 50 && refused > 200); /* both outcomes exercised */
}

/* nk's pinned tables (direct map, image) are linked only by nk: an outer
 * kernel L2 may not point at nk's image L1. */
TEST(write_pte_refuses_link_to_pinned_ptp)
{
	chains();
	ASSERT_REFUSED(NK_EPINNED,
		       nk_write_pte_impl(k.l2, 2, pte_make(fx_pa(FX_KERN_L1), PTE_P | PTE_W)));
}

/* ---- TLB flushes (I10) ---- */

/* Write e to u.l1[0] (which holds old) and return how many flushes it took. */
static uint64_t flushes_for(pte_t old, pte_t e)
{
	fx_ok(nk_write_pte_impl(u.l1, 0, old));
	uint64_t f = fake_cpu.flush_tlb_calls, s = nk_view_store.stats.tlb_flushes;
	fx_ok(nk_write_pte_impl(u.l1, 0, e));
	assert_int_equal(nk_view_store.stats.tlb_flushes - s, fake_cpu.flush_tlb_calls - f);
	return fake_cpu.flush_tlb_calls - f;
}

TEST(write_pte_flushes_the_tlb_when_a_right_is_removed)
{
	chains();
	paddr_t x = fx_data(), y = fx_data();
	const pte_t rw = pte_make(x, FX_USER_RW);
	assert_int_equal(flushes_for(rw, pte_make(x, PTE_P | PTE_U | PTE_NX)), 1); /* W */
	assert_int_equal(flushes_for(rw, 0), 1);				   /* P */
	assert_int_equal(flushes_for(rw, rw & ~PTE_P), 1);	       /* P, bits kept */
	assert_int_equal(flushes_for(rw, pte_make(y, FX_USER_RW)), 1); /* frame */
	assert_int_equal(
	    flushes_for(pte_make(x, PTE_P | PTE_U), pte_make(x, PTE_P | PTE_U | PTE_NX)),
	    1);						    /* X */
	assert_int_equal(flushes_for(rw, rw | PTE_PCD), 1); /* caching */
	/* a non-leaf entry replaced */
	paddr_t l1b = fx_ptp(1);
	uint64_t f = fake_cpu.flush_tlb_calls;
	fx_ok(nk_write_pte_impl(u.l2, 0, pte_make(l1b, FX_USER_TABLE)));
	assert_int_equal(fake_cpu.flush_tlb_calls, f + 1);
}

TEST(write_pte_does_not_flush_when_no_right_is_removed)
{
	chains();
	paddr_t x = fx_data();
	const pte_t ro = pte_make(x, PTE_P | PTE_U | PTE_NX), rw = pte_make(x, FX_USER_RW);
	assert_int_equal(flushes_for(0, rw), 0);		  /* new mapping */
	assert_int_equal(flushes_for(0xabc000ull, rw), 0);	  /* over a not-present entry */
	assert_int_equal(flushes_for(ro, rw), 0);		  /* add W */
	assert_int_equal(flushes_for(rw, rw & ~PTE_NX), 0);	  /* add X */
	assert_int_equal(flushes_for(ro, rw & ~PTE_NX), 0);	  /* add W and X */
	assert_int_equal(flushes_for(rw, rw), 0);		  /* same */
	assert_int_equal(flushes_for(rw, rw | PTE_A | PTE_D), 0); /* A/D only */
	assert_int_equal(flushes_for(rw | PTE_A | PTE_D, rw), 0);
}

/* ---- nk_write_ptes ---- */

TEST(write_ptes_refuses_null_empty_or_oversized_batch)
{
	chains();
	static struct nk_pte_write w[NK_BATCH_MAX + 1];
	for (unsigned i = 0; i <= NK_BATCH_MAX; i++)
		w[i] = (struct nk_pte_write){u.l1, i % 512, 0};
	ASSERT_REFUSED(NK_EBATCH, nk_write_ptes_impl(NULL, 1));
	ASSERT_REFUSED(NK_EBATCH, nk_write_ptes_impl(NULL, 0));
	ASSERT_REFUSED(NK_EBATCH, nk_write_ptes_impl(w, 0));
	ASSERT_REFUSED(NK_EBATCH, nk_write_ptes_impl(w, NK_BATCH_MAX + 1));
	ASSERT_REFUSED(NK_EBATCH, nk_write_ptes_impl(w, SIZE_MAX));
	ASSERT_REFUSED(NK_EBATCH, nk_write_ptes_impl(w, SIZE_MAX / sizeof(w[0]) + 2)); /* wraps */
}

TEST(write_ptes_refuses_unreadable_batch)
{
	chains();
	struct nk_pte_write w[1] = {{u.l1, 0, pte_make(fx_data(), FX_USER_RW)}};
	fake_cpu.unreadable = true;
	ASSERT_REFUSED(NK_EFAULT, nk_write_ptes_impl(w, 1));
	fake_cpu.unreadable = false;
	fx_ok(nk_write_ptes_impl(w, 1));
}

TEST(write_ptes_mixing_valid_and_invalid_applies_nothing)
{
	chains();
	paddr_t x = fx_data(), l1b = fx_ptp(1);
	fx_ok(nk_write_pte_impl(u.l1, 5, pte_make(x, FX_USER_RW))); /* so one update downgrades */
	struct nk_pte_write w[] = {
	    {u.l1, 4, pte_make(x, FX_USER_RW)},
	    {u.l1, 5, 0},
	    {u.l2, 1, pte_make(l1b, FX_USER_TABLE)},
	    {u.l1, 6, pte_make(u.l2, FX_USER_RW)}, /* EPROT */
	    {u.l1, 7, pte_make(x, FX_USER_RW)},
	};
	ASSERT_REFUSED(NK_EPROT, nk_write_ptes_impl(w, 5));
	/* the last update bad */
	w[3].pte = 0;
	w[4].index = 512;
	ASSERT_REFUSED(NK_EINDEX, nk_write_ptes_impl(w, 5));
	/* the first update bad */
	w[4].index = 7;
	w[0].pte |= PTE_G;
	ASSERT_REFUSED(NK_EGLOBAL, nk_write_ptes_impl(w, 5));
}

TEST(write_ptes_returns_the_first_bad_updates_error)
{
	chains();
	struct nk_pte_write w[] = {
	    {u.l1, 0, 0},
	    {k.l1, 0, pte_make(fx_pa(FX_CODE_FIRST), FX_KERN_RW)}, /* EPROT */
	    {u.l1, 600, 0},					   /* EINDEX */
	    {nk.master_l4, 0, 0},				   /* EPINNED */
	};
	ASSERT_REFUSED(NK_EPROT, nk_write_ptes_impl(w, 4));
	ASSERT_REFUSED(NK_EINDEX, nk_write_ptes_impl(&w[2], 2));
	ASSERT_REFUSED(NK_EPINNED, nk_write_ptes_impl(&w[3], 1));
}

TEST(write_ptes_does_not_truncate_the_index)
{
	chains();
	struct nk_pte_write w[] = {{u.l1, (1ull << 32) | 3, pte_make(fx_data(), FX_USER_RW)}};
	ASSERT_REFUSED(NK_EINDEX, nk_write_ptes_impl(w, 1));
	w[0].index = 1ull << 63;
	ASSERT_REFUSED(NK_EINDEX, nk_write_ptes_impl(w, 1));
}

TEST(write_ptes_applies_every_update_with_one_flush)
{
	chains();
	paddr_t x = fx_data(), y = fx_data(), l1b = fx_ptp(1);
	fx_ok(nk_write_pte_impl(u.l1, 1, pte_make(x, FX_USER_RW)));
	fx_ok(nk_write_pte_impl(u.l1, 2, pte_make(x, FX_USER_RW)));
	fx_ok(nk_write_pte_impl(u.l1, 3, pte_make(x, FX_USER_RW)));
	uint64_t f = fake_cpu.flush_tlb_calls, s = nk_view_store.stats.tlb_flushes;
	uint64_t written = nk_view_store.stats.ptes_written;
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_WRITE_PTES];
	struct nk_pte_write w[] = {
	    {u.l1, 1, 0},				    /* downgrade */
	    {u.l1, 2, pte_make(x, PTE_P | PTE_U | PTE_NX)}, /* downgrade */
	    {u.l1, 3, pte_make(y, FX_USER_RW)},		    /* downgrade */
	    {u.l1, 4, pte_make(y, FX_USER_RW)},		    /* new */
	    {u.l2, 1, pte_make(l1b, FX_USER_TABLE)},	    /* new */
	    {l1b, 0, pte_make(x, FX_USER_RW)},
	};
	fx_ok(nk_write_ptes_impl(w, 6));
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(fx_entries(w[i].ptp)[w[i].index], w[i].pte);
	assert_int_equal(fake_cpu.flush_tlb_calls, f + 1);
	assert_int_equal(nk_view_store.stats.tlb_flushes, s + 1);
	assert_int_equal(nk_view_store.stats.ptes_written, written + 6);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_WRITE_PTES], calls + 1);
	assert_int_equal(fx_frame(x)->wcount, 1);
	assert_int_equal(fx_frame(y)->wcount, 2);
	assert_int_equal(fx_frame(l1b)->refs, 1);
	fx_check_ok();
}

TEST(write_ptes_of_upgrades_only_does_not_flush)
{
	chains();
	paddr_t x = fx_data();
	fx_ok(nk_write_pte_impl(u.l1, 1, pte_make(x, PTE_P | PTE_U | PTE_NX)));
	uint64_t f = fake_cpu.flush_tlb_calls;
	struct nk_pte_write w[] = {
	    {u.l1, 1, pte_make(x, FX_USER_RW)},
	    {u.l1, 2, pte_make(x, FX_USER_RW)},
	};
	fx_ok(nk_write_ptes_impl(w, 2));
	assert_int_equal(fake_cpu.flush_tlb_calls, f);
	fx_check_ok();
}

TEST(write_ptes_accepts_a_full_batch)
{
	chains();
	static struct nk_pte_write w[NK_BATCH_MAX];
	paddr_t x = fx_data();
	for (unsigned i = 0; i < NK_BATCH_MAX; i++)
		w[i] = (struct nk_pte_write){u.l1, i, pte_make(x, FX_USER_RW)};
	fx_ok(nk_write_ptes_impl(w, NK_BATCH_MAX));
	assert_int_equal(fx_frame(x)->wcount, NK_BATCH_MAX);
	fx_check_ok();
}

TEST(write_ptes_same_slot_twice_keeps_counters_exact)
{
	chains();
	paddr_t x = fx_data(), y = fx_data();
	struct nk_pte_write w[] = {
	    {u.l1, 0, pte_make(x, FX_USER_RW)},
	    {u.l1, 0, pte_make(y, FX_USER_RW)},
	};
	fx_ok(nk_write_ptes_impl(w, 2));
	assert_int_equal(fx_entries(u.l1)[0], pte_make(y, FX_USER_RW));
	assert_int_equal(fx_frame(x)->wcount, 0);
	assert_int_equal(fx_frame(y)->wcount, 1);
	fx_check_ok();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(write_pte_stores_the_entry),
	    FX_TEST(write_pte_counts_writable_leaves_only),
	    FX_TEST(write_pte_moves_writable_count_when_the_frame_changes),
	    FX_TEST(write_pte_counts_references_to_ptps),
	    FX_TEST(write_pte_accepts_not_present_entry_with_any_other_bits),
	    FX_TEST(write_pte_accepts_readonly_supervisor_exec_of_code),
	    FX_TEST(write_pte_accepts_user_exec_of_data),
	    FX_TEST(write_pte_accepts_readonly_nx_mapping_of_any_ram),
	    FX_TEST(write_pte_accepts_nx_mapping_of_mmio),
	    FX_TEST(write_pte_accepts_2m_leaf_over_all_data),
	    FX_TEST(write_pte_accepts_nx_2m_leaf_over_mmio),
	    FX_TEST(write_pte_refuses_unaligned_ptp),
	    FX_TEST(write_pte_refuses_ptp_beyond_ram_or_hole),
	    FX_TEST(write_pte_refuses_frame_that_is_not_a_ptp),
	    FX_TEST(write_pte_refuses_index_out_of_range),
	    FX_TEST(write_pte_refuses_pinned_ptp),
	    FX_TEST(write_pte_refuses_kernel_half_of_an_l4),
	    FX_TEST(write_pte_refuses_reserved_bits),
	    FX_TEST(write_pte_refuses_address_beyond_maxphyaddr),
	    FX_TEST(write_pte_refuses_ps_in_an_l4_entry),
	    FX_TEST(write_pte_refuses_reserved_bits_of_a_2m_leaf),
	    FX_TEST(write_pte_refuses_global_bit),
	    FX_TEST(write_pte_refuses_u_bit_of_the_wrong_half),
	    FX_TEST(write_pte_refuses_ptp_of_the_wrong_half),
	    FX_TEST(write_pte_refuses_non_leaf_to_a_frame_that_is_not_a_ptp),
	    FX_TEST(write_pte_refuses_non_leaf_to_a_ptp_of_the_wrong_level),
	    FX_TEST(write_pte_refuses_1g_leaf),
	    FX_TEST(write_pte_refuses_2m_leaf_over_a_non_data_frame),
	    FX_TEST(write_pte_refuses_writable_mapping_of_ptp_nk_code_protected),
	    FX_TEST(write_pte_refuses_supervisor_exec_of_non_code),
	    FX_TEST(write_pte_refuses_supervisor_exec_of_mmio),
	    FX_TEST(write_pte_refuses_supervisor_exec_2m_leaf),
	    FX_TEST(write_pte_l1_decision_table),
	    FX_TEST(write_pte_refuses_link_to_pinned_ptp),
	    FX_TEST(write_pte_flushes_the_tlb_when_a_right_is_removed),
	    FX_TEST(write_pte_does_not_flush_when_no_right_is_removed),
	    FX_TEST(write_ptes_refuses_null_empty_or_oversized_batch),
	    FX_TEST(write_ptes_refuses_unreadable_batch),
	    FX_TEST(write_ptes_mixing_valid_and_invalid_applies_nothing),
	    FX_TEST(write_ptes_returns_the_first_bad_updates_error),
	    FX_TEST(write_ptes_does_not_truncate_the_index),
	    FX_TEST(write_ptes_applies_every_update_with_one_flush),
	    FX_TEST(write_ptes_of_upgrades_only_does_not_flush),
	    FX_TEST(write_ptes_accepts_a_full_batch),
	    FX_TEST(write_ptes_same_slot_twice_keeps_counters_exact),
	    FX_TEST(ptp_root_follows_the_one_parent_chain),
	    FX_TEST(check_catches_a_wrong_recorded_parent),
	};
	return cmocka_run_group_tests_name("vmmu: write_pte, write_ptes", tests, NULL, NULL);
}
