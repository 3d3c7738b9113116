/* More host tests of the invariant checker (nk/check.c): a writable and
 * supervisor-executable mapping of a DATA frame (I4's W^X, the case that
 * is not also an I2 failure) and the report's message for two-digit
 * invariant numbers. Spec section 3 (I4, I10). */
#include "fixture.h"

TEST(check_finds_writable_and_executable_data_page)
{
	struct fx_kern_as k;
	fx_kern_as(&k);
	paddr_t pg = fx_data();
	/* behind nk's back, with the counters and the PTP's group set made to
	 * agree: only W^X is wrong */
	fx_entries(k.l1)[7] = pte_make(pg, PTE_P | PTE_W);
	nk.ptp_groups[pa_pfn(k.l1)] |= nk_ptp_group_bit(7);
	fx_frame(pg)->wcount = 1;
	fx_frame(pg)->maps = 1;
	assert_int_equal(nk_check_invariants_impl(), -1);
	const struct nk_check_report *r = &nk_view_store.check;
	assert_int_equal(r->failures[4], 2); /* exec of a non-CODE frame, and W+X */
	for (int i = 1; i <= NK_INV_MAX; i++)
		if (i != 4)
			assert_int_equal(r->failures[i], 0);
	assert_int_equal(r->first_bad_pa, pa_addr(k.l1) + 7 * sizeof(pte_t));
}

TEST(check_report_names_two_digit_invariants)
{
	struct nk_check_report *r = &nk_view_store.check;
	memset(r, 0, sizeof(*r));
	nk_check_fail(10, 0x1234, "stale TLB entry");
	assert_string_equal(r->first_msg, "I10: stale TLB entry");
	assert_int_equal(r->first_bad_pa, 0x1234);
	nk_check_fail(3, 0x5678, "later failure"); /* the first message is kept */
	assert_string_equal(r->first_msg, "I10: stale TLB entry");
	assert_int_equal(r->failures[3], 1);
	/* a long message is cut to the report's buffer */
	memset(r, 0, sizeof(*r));
	char msg[300];
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = 0;
	nk_check_fail(1, 0, msg);
	assert_int_equal(strlen(r->first_msg), sizeof(r->first_msg) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(check_finds_writable_and_executable_data_page),
	    FX_TEST(check_report_names_two_digit_invariants),
	};
	return cmocka_run_group_tests_name("check: W^X and the report", tests, NULL, NULL);
}
