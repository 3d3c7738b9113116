/* Host tests of the invariant checker nk_check_invariants (nk/check.c): it
 * passes on states built through the vMMU calls, and names the right
 * invariant when state is corrupted behind nk's back (spec section 3). */
#include "fixture.h"

static struct fx_user_as u;
static struct fx_kern_as k;

static void chains(void)
{
	fx_user_as(&u);
	fx_kern_as(&k);
}

/* Run the checker and assert it fails invariant inv and no other. */
static void expect_only(int inv)
{
	assert_int_equal(nk_check_invariants_impl(), -1);
	const struct nk_check_report *r = &nk_view_store.check;
	for (int i = 1; i <= NK_INV_MAX; i++)
		if ((r->failures[i] != 0) != (i == inv))
			fail_msg("I%d: %u failures (want I%d only; first: %s)", i, r->failures[i],
				 inv, r->first_msg);
}

/* forge: write entry i of PTP ptp behind nk's back, its group put in the
 * PTP's group set (nk's bookkeeping made to agree, as a test does with
 * the counters, so only the invariant under test fails). */
static void forge(paddr_t ptp, unsigned i, pte_t e)
{
	fx_entries(ptp)[i] = e;
	nk.ptp_groups[pa_pfn(ptp)] |= nk_ptp_group_bit(i);
}

/* ---- passes ---- */

TEST(check_passes_on_the_fresh_machine)
{
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_CHECK];
	fx_check_ok();
	assert_int_equal(nk_view_store.check.runs, 1);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_CHECK], calls + 1);
}

TEST(check_passes_after_building_address_spaces_through_the_calls)
{
	chains();
	paddr_t x = fx_data(), y = fx_data();
	fx_ok(nk_write_pte_impl(u.l1, 0, pte_make(x, FX_USER_RW)));
	fx_ok(nk_write_pte_impl(u.l1, 1, pte_make(x, PTE_P | PTE_U)));
	fx_ok(nk_write_pte_impl(k.l1, 0, pte_make(y, FX_KERN_RW)));
	fx_ok(nk_write_pte_impl(k.l1, 1, pte_make(fx_pa(FX_CODE_FIRST), PTE_P)));
	fx_ok(nk_write_pte_impl(k.l1, 2, pte_make(u.l1, FX_KERN_RO)));
	fx_ok(nk_write_pte_impl(k.l1, 3, pte_make(pa_init(1ull << 32), FX_KERN_RW)));
	fx_ok(nk_write_pte_impl(k.l2, 1, pte_make(fx_pa(FX_HUGE_FIRST), FX_KERN_RW | PTE_PS)));
	paddr_t l4b = fx_ptp(4);
	fx_ok(nk_write_pte_impl(l4b, 0, pte_make(u.l3, FX_USER_TABLE))); /* shared L3 */
	fx_ok(nk_load_cr3_impl(l4b));
	fx_check_ok();
	struct nk_pte_write w[] = {
	    {u.l1, 0, 0},
	    {u.l1, 2, pte_make(y, FX_USER_RW)},
	    {k.l2, 1, 0},
	};
	fx_ok(nk_write_ptes_impl(w, 3));
	fx_ok(nk_load_cr3_impl(u.l4));
	fx_ok(nk_remove_ptp_impl(l4b));
	fx_ok(nk_write_pte_impl(k.l2, 0, 0));
	fx_ok(nk_remove_ptp_impl(k.l1));
	fx_check_ok();
	assert_int_equal(nk_view_store.check.runs, 2);
}

TEST(check_clears_failures_of_the_previous_run)
{
	chains();
	fx_frame(u.l1)->refs++;
	expect_only(1);
	fx_frame(u.l1)->refs--;
	fx_check_ok();
	for (int i = 0; i <= NK_INV_MAX; i++)
		assert_int_equal(nk_view_store.check.failures[i], 0);
	assert_int_equal(nk_view_store.check.first_msg[0], 0);
	assert_int_equal(nk_view_store.check.runs, 2);
}

/* ---- I1 ---- */

TEST(check_finds_non_leaf_entry_to_a_data_frame)
{
	chains();
	forge(u.l2, 1, pte_make(fx_data(), FX_USER_TABLE));
	expect_only(1);
	assert_int_equal(nk_view_store.check.first_bad_pa, pa_addr(u.l2) + 8);
	assert_memory_equal(nk_view_store.check.first_msg, "I1: ", 4);
}

TEST(check_finds_non_leaf_entry_to_the_wrong_level)
{
	chains();
	forge(u.l4, 1, pte_make(u.l2, FX_USER_TABLE));
	expect_only(1);
}

TEST(check_finds_non_leaf_entry_crossing_halves)
{
	chains();
	paddr_t l1k = fx_ptp(1 | NK_PTP_KERNEL);
	forge(u.l2, 1, pte_make(l1k, FX_USER_TABLE));
	fx_frame(l1k)->refs = 1;
	expect_only(1);
}

TEST(check_finds_u_bit_of_the_wrong_half)
{
	chains();
	paddr_t x = fx_data();
	forge(u.l1, 0, pte_make(x, FX_KERN_RO));
	expect_only(1);
}

TEST(check_finds_writable_count_that_disagrees)
{
	chains();
	paddr_t x = fx_data();
	fx_ok(nk_write_pte_impl(u.l1, 0, pte_make(x, FX_USER_RW)));
	fx_frame(x)->wcount++;
	expect_only(1);
	fx_frame(x)->wcount -= 2;
	expect_only(1);
}

TEST(check_finds_reference_count_that_disagrees)
{
	chains();
	fx_frame(u.l2)->refs = 0;
	expect_only(1);
	assert_int_equal(nk_view_store.check.first_bad_pa, pa_addr(u.l2));
}

TEST(check_finds_cr3_that_is_not_a_declared_l4)
{
	chains();
	nk.cur_cr3[0] = u.l3;
	expect_only(1);
	nk.cur_cr3[0] = fx_data();
	expect_only(1);
}

/* ---- I2 ---- */

TEST(check_finds_writable_mapping_of_a_ptp)
{
	chains();
	forge(u.l1, 0, pte_make(u.l2, FX_USER_RW));
	assert_int_equal(nk_check_invariants_impl(), -1);
	assert_int_not_equal(nk_view_store.check.failures[2], 0);
	/* with the counters made to agree, I2 alone */
	forge(k.l1, 0, pte_make(fx_pa(FX_CODE_FIRST), FX_KERN_RW));
	forge(u.l1, 0, 0);
	fx_frame(fx_pa(FX_CODE_FIRST))->wcount = 1;
	fx_frame(fx_pa(FX_CODE_FIRST))->maps++;
	fx_frame(u.l2)->maps = 0;
	expect_only(2);
}

TEST(check_finds_writable_mapping_of_nk_and_protected_frames)
{
	chains();
	forge(k.l1, 0, pte_make(fx_pa(FX_NK_FIRST), FX_KERN_RW));
	forge(k.l1, 1, pte_make(fx_pa(FX_PROT_FIRST), FX_KERN_RW));
	fx_frame(fx_pa(FX_NK_FIRST))->wcount = 1;
	fx_frame(fx_pa(FX_PROT_FIRST))->wcount = 1;
	fx_frame(fx_pa(FX_NK_FIRST))->maps++;
	fx_frame(fx_pa(FX_PROT_FIRST))->maps++;
	expect_only(2);
	assert_int_equal(nk_view_store.check.failures[2], 2);
}

TEST(check_finds_writable_direct_map_alias_of_a_ptp)
{
	chains();
	nk.dm_ptes[pa_pfn(u.l1)] |= PTE_W;
	expect_only(2);
}

TEST(check_ignores_direct_map_rights_in_the_native_build)
{
	chains();
	nk_view_store.nested = false;
	nk.dm_ptes[pa_pfn(u.l1)] |= PTE_W;
	fx_check_ok();
}

TEST(check_finds_1g_leaf_in_an_outer_table)
{
	chains();
	forge(u.l3, 1, pte_make(pa_init(1ull << 30), FX_USER_RW | PTE_PS));
	expect_only(2);
}

TEST(check_finds_2m_leaf_over_a_non_data_frame)
{
	chains();
	forge(k.l2, 1, pte_make(fx_pa(0), FX_KERN_RO | PTE_PS));
	expect_only(2);
}

TEST(check_finds_a_present_entry_outside_its_ptps_group_set)
{
	chains();
	paddr_t x = fx_data();
	fx_ok(nk_write_pte_impl(u.l1, 100, pte_make(x, PTE_P | PTE_U)));
	fx_check_ok();
	nk.ptp_groups[pa_pfn(u.l1)] &= ~nk_ptp_group_bit(100);
	expect_only(1);
}

/* ---- I4 ---- */

TEST(check_finds_supervisor_exec_of_a_data_frame)
{
	chains();
	paddr_t d = fx_data();
	forge(k.l1, 0, pte_make(d, PTE_P));
	fx_frame(d)->maps = 1;
	expect_only(4);
}

TEST(check_finds_supervisor_exec_of_mmio_and_2m_leaf)
{
	chains();
	forge(k.l1, 0, pte_make(pa_init(1ull << 32), PTE_P));
	forge(k.l2, 1, pte_make(fx_pa(FX_HUGE_FIRST), PTE_P | PTE_PS));
	expect_only(4);
	assert_int_equal(nk_view_store.check.failures[4], 2);
}

TEST(check_finds_executable_direct_map)
{
	nk.dm_ptes[FX_DATA_FIRST] &= ~PTE_NX;
	expect_only(4);
}

/* ---- I9 ---- */

TEST(check_finds_l4_whose_kernel_half_differs_from_the_master)
{
	chains();
	forge(u.l4, 300, pte_make(fx_pa(FX_HEAP_L3), FX_KERN_TABLE));
	expect_only(9);
	assert_int_equal(nk_view_store.check.first_bad_pa, pa_addr(u.l4) + 300 * 8);
	assert_memory_equal(nk_view_store.check.first_msg, "I9: ", 4);
	forge(u.l4, 300, 0);
	fx_entries(u.l4)[pt_index(HEAP_BASE, 4)] = 0;
	expect_only(9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(check_passes_on_the_fresh_machine),
	    FX_TEST(check_passes_after_building_address_spaces_through_the_calls),
	    FX_TEST(check_clears_failures_of_the_previous_run),
	    FX_TEST(check_finds_non_leaf_entry_to_a_data_frame),
	    FX_TEST(check_finds_non_leaf_entry_to_the_wrong_level),
	    FX_TEST(check_finds_non_leaf_entry_crossing_halves),
	    FX_TEST(check_finds_u_bit_of_the_wrong_half),
	    FX_TEST(check_finds_writable_count_that_disagrees),
	    FX_TEST(check_finds_reference_count_that_disagrees),
	    FX_TEST(check_finds_cr3_that_is_not_a_declared_l4),
	    FX_TEST(check_finds_writable_mapping_of_a_ptp),
	    FX_TEST(check_finds_writable_mapping_of_nk_and_protected_frames),
	    FX_TEST(check_finds_writable_direct_map_alias_of_a_ptp),
	    FX_TEST(check_ignores_direct_map_rights_in_the_native_build),
	    FX_TEST(check_finds_1g_leaf_in_an_outer_table),
	    FX_TEST(check_finds_2m_leaf_over_a_non_data_frame),
	    FX_TEST(check_finds_a_present_entry_outside_its_ptps_group_set),
	    FX_TEST(check_finds_supervisor_exec_of_a_data_frame),
	    FX_TEST(check_finds_supervisor_exec_of_mmio_and_2m_leaf),
	    FX_TEST(check_finds_executable_direct_map),
	    FX_TEST(check_finds_l4_whose_kernel_half_differs_from_the_master),
	};
	return cmocka_run_group_tests_name("check: invariants", tests, NULL, NULL);
}
