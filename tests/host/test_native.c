/* Host tests of the native vMMU backend (nk/native.c, NK=0): the same API
 * with plain stores and no checks, keeping only the effects the outer
 * kernel relies on (a declared PTP is zeroed, an L4 gets the master's
 * kernel half, a removed right is flushed). native.c defines the public
 * nk_* names, which no other host source does, so it is included here
 * rather than linked into every host test. Spec section 5 (native backend). */
#include "fixture.h"
#include "../../nk/native.c"

TEST(native_declare_zeroes_and_copies_the_kernel_half)
{
	paddr_t l4 = fx_data(), l1 = fx_data();
	memset(fx_entries(l4), 0xab, PAGE_SIZE);
	memset(fx_entries(l1), 0xcd, PAGE_SIZE);
	fx_ok(nk_declare_ptp(l4, 4));
	fx_ok(nk_declare_ptp(l1, 1 | NK_PTP_KERNEL));
	const pte_t *m = fx_entries(nk.master_l4), *t4 = fx_entries(l4), *t1 = fx_entries(l1);
	for (unsigned i = 0; i < PTES_PER_PTP; i++) {
		assert_int_equal(t4[i], i >= 256 ? m[i] : 0);
		assert_int_equal(t1[i], 0);
	}
	/* no frame accounting: still DATA */
	assert_int_equal(fx_frame(l4)->type, NK_F_DATA);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_DECLARE_PTP], 2);
}

TEST(native_write_pte_stores_and_flushes_only_removed_rights)
{
	paddr_t t = fx_data(), pg = fx_data();
	fx_ok(nk_write_pte(t, 3, pte_make(pg, FX_KERN_RW)));
	assert_int_equal(fx_entries(t)[3], pte_make(pg, FX_KERN_RW));
	assert_int_equal(fake_cpu.flush_tlb_calls, 0); /* new mapping: no flush */
	fx_ok(nk_write_pte(t, 3, pte_make(pg, FX_KERN_RO)));
	assert_int_equal(fake_cpu.flush_tlb_calls, 1); /* W removed */
	/* no checks at all: a writable, executable, global entry is stored */
	fx_ok(nk_write_pte(t, 4, pte_make(fx_pa(FX_MASTER_L4), PTE_P | PTE_W | PTE_G)));
	assert_int_equal(fx_entries(t)[4], pte_make(fx_pa(FX_MASTER_L4), PTE_P | PTE_W | PTE_G));
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_WRITE_PTE], 3);
}

TEST(native_write_ptes_stores_all_with_one_flush)
{
	paddr_t t = fx_data(), a = fx_data(), b = fx_data();
	struct nk_pte_write w[3] = {
	    {t, 0, pte_make(a, FX_KERN_RW)},
	    {t, 1, pte_make(b, FX_KERN_RW)},
	    {t, 2, pte_make(b, FX_KERN_RO)},
	};
	fx_ok(nk_write_ptes(w, 3));
	assert_int_equal(fake_cpu.flush_tlb_calls, 0);
	w[0].pte = 0;
	w[1].pte = pte_make(b, FX_KERN_RO);
	fx_ok(nk_write_ptes(w, 2));
	assert_int_equal(fake_cpu.flush_tlb_calls, 1);
	assert_int_equal(fx_entries(t)[0], 0);
	assert_int_equal(fx_entries(t)[1], pte_make(b, FX_KERN_RO));
	assert_int_equal(fx_entries(t)[2], pte_make(b, FX_KERN_RO));
}

TEST(native_cpu_state_is_written_unchecked)
{
	paddr_t l4 = fx_data();
	fx_ok(nk_remove_ptp(l4)); /* nothing to undo */
	fx_ok(nk_load_cr3(l4));
	assert_int_equal(fake_cpu.cr3, pa_addr(l4));
	assert_int_equal(pa_addr(nk.cur_cr3[0]), pa_addr(l4));
	fx_ok(nk_load_cr0(CR0_PE | CR0_PG)); /* WP clear: nothing stops it */
	assert_int_equal(fake_cpu.cr0, CR0_PE | CR0_PG);
	fx_ok(nk_load_cr4(CR4_PAE));
	assert_int_equal(fake_cpu.cr4, CR4_PAE);
	fx_ok(nk_wrmsr(MSR_LSTAR, 0x1234));
	assert_int_equal(fake_cpu.lstar, 0x1234);
	fx_ok(nk_null());
	fx_ok(nk_init_done());
	assert_true(nk_view_store.init_done);
	fx_ok(nk_wrmsr(MSR_LSTAR, 0x5678)); /* never locked */
	assert_int_equal(fake_cpu.lstar, 0x5678);
	fx_ok(nk_check_invariants()); /* nothing protected, nothing checked */
	const struct nk_stats *s = &nk_view_store.stats;
	assert_int_equal(s->calls[NK_CALL_REMOVE_PTP] + s->calls[NK_CALL_LOAD_CR3] +
			     s->calls[NK_CALL_LOAD_CR0] + s->calls[NK_CALL_LOAD_CR4] +
			     s->calls[NK_CALL_WRMSR] + s->calls[NK_CALL_NULL] +
			     s->calls[NK_CALL_INIT_DONE] + s->calls[NK_CALL_CHECK],
			 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(native_declare_zeroes_and_copies_the_kernel_half),
	    FX_TEST(native_write_pte_stores_and_flushes_only_removed_rights),
	    FX_TEST(native_write_ptes_stores_all_with_one_flush),
	    FX_TEST(native_cpu_state_is_written_unchecked),
	};
	return cmocka_run_group_tests_name("native: the NK=0 backend", tests, NULL, NULL);
}
