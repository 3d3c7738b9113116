/* Host tests of nk_promote_code and nk_demote_code (nk/code.c): module
 * text frames become CODE only when DATA, unaliased and free of I5
 * encodings at every byte offset (also across frame boundaries and at a
 * frame's tail); they return to DATA only when mapped nowhere.
 * Spec 3 (I2, I4, I5), 5; include/nk/vmmu.h. */
#include <stdio.h>

#include "fixture.h"

/* n fresh DATA frames filled with int3 (0xcc), as the loader pads text. */
static void text_frames(paddr_t *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		f[i] = fx_data();
		memset(fx_entries(f[i]), 0xcc, PAGE_SIZE);
	}
}

static uint8_t *bytes(paddr_t f)
{
	return (uint8_t *)fx_entries(f);
}

TEST(promote_makes_code_readonly_in_the_direct_map)
{
	paddr_t f[2];
	text_frames(f, 2);
	uint8_t ok[] = {0x0f, 0x20, 0xc0, 0x0f, 0x31, 0xc3}; /* mov rax,cr0; rdtsc; ret */
	memcpy(bytes(f[0]), ok, sizeof(ok));
	fx_ok(nk_promote_code_impl(f, 2));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fx_frame(f[i])->type, NK_F_CODE);
		assert_int_equal(fx_frame(f[i])->flags, NK_FF_MODTEXT);
		assert_false(pte_writable(nk.dm_ptes[pa_pfn(f[i])]));
	}
	fx_check_ok();
	/* now mappable supervisor-executable, never writable */
	struct fx_kern_as k;
	fx_kern_as(&k);
	fx_ok(nk_write_pte_impl(k.l1, 0, pte_make(f[0], PTE_P)));
	ASSERT_REFUSED(NK_EPROT, nk_write_pte_impl(k.l1, 1, pte_make(f[1], PTE_P | PTE_W)));
	fx_check_ok();
}

/* Every I5 kind, aligned and hidden in another instruction's immediate,
 * at several offsets: refused, nothing changed, the offset named. */
TEST(promote_refuses_every_i5_encoding_and_names_the_offset)
{
	static const uint8_t enc[][3] = {
	    {0x0f, 0x22, 0xc0}, {0x0f, 0x22, 0xd8}, {0x0f, 0x22, 0xe0}, {0x0f, 0x23, 0xf8},
	    {0x0f, 0x30, 0x90}, {0x0f, 0x01, 0x10}, {0x0f, 0x01, 0x18}, {0x0f, 0x00, 0xd0},
	    {0x0f, 0x00, 0xd8}, {0x0f, 0x01, 0xf0},
	};
	static const size_t offs[] = {0, 1, 0x7ff, 0xffd, 0x1000, 0x1ffd};
	for (size_t e = 0; e < sizeof(enc) / sizeof(enc[0]); e++)
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
			paddr_t f[2];
			text_frames(f, 2);
			size_t off = offs[o];
			memcpy(bytes(f[off / PAGE_SIZE]) + off % PAGE_SIZE, enc[e], 3);
			ASSERT_REFUSED(NK_EI5, nk_promote_code_impl(f, 2));
			char want[32];
			snprintf(want, sizeof(want), "offset %#zx", off);
			if (!strstr(fake_last_log, want))
				fail_msg("log '%s' does not name %s", fake_last_log, want);
		}
	/* hidden: mov eax, imm32 whose immediate holds 0F 30 (WRMSR) */
	paddr_t f[1];
	text_frames(f, 1);
	uint8_t hidden[] = {0xb8, 0x0f, 0x30, 0x00, 0x00, 0xc3};
	memcpy(bytes(f[0]) + 100, hidden, sizeof(hidden));
	ASSERT_REFUSED(NK_EI5, nk_promote_code_impl(f, 1));
	assert_non_null(strstr(fake_last_log, "offset 0x65"));
}

TEST(promote_scans_across_frame_boundaries_and_tails)
{
	/* 0F 22 | C0 split over the boundary */
	paddr_t f[2];
	text_frames(f, 2);
	bytes(f[0])[PAGE_SIZE - 2] = 0x0f;
	bytes(f[0])[PAGE_SIZE - 1] = 0x22;
	bytes(f[1])[0] = 0xc0;
	ASSERT_REFUSED(NK_EI5, nk_promote_code_impl(f, 2));
	/* a 0F as a frame's last byte: another frame could complete it */
	paddr_t g[1];
	text_frames(g, 1);
	bytes(g[0])[PAGE_SIZE - 1] = 0x0f;
	ASSERT_REFUSED(NK_EI5, nk_promote_code_impl(g, 1));
	bytes(g[0])[PAGE_SIZE - 1] = 0x01;
	bytes(g[0])[PAGE_SIZE - 2] = 0x0f;
	ASSERT_REFUSED(NK_EI5, nk_promote_code_impl(g, 1));
	/* 0F 1F (a NOP's start) at the tail is harmless */
	bytes(g[0])[PAGE_SIZE - 1] = 0x1f;
	fx_ok(nk_promote_code_impl(g, 1));
}

TEST(promote_refuses_bad_lists_and_frames)
{
	paddr_t f[2];
	text_frames(f, 2);
	ASSERT_REFUSED(NK_EBATCH, nk_promote_code_impl(NULL, 1));
	ASSERT_REFUSED(NK_EBATCH, nk_promote_code_impl(f, 0));
	ASSERT_REFUSED(NK_EBATCH, nk_promote_code_impl(f, NK_CODE_MAX + 1));
	fake_cpu.unreadable = true;
	ASSERT_REFUSED(NK_EFAULT, nk_promote_code_impl(f, 1));
	fake_cpu.unreadable = false;
	paddr_t bad[2] = {f[0], pa_init(pa_addr(f[1]) + 8)};
	ASSERT_REFUSED(NK_EALIGN, nk_promote_code_impl(bad, 2));
	bad[1] = fx_pa(FX_HOLE);
	ASSERT_REFUSED(NK_ERANGE, nk_promote_code_impl(bad, 2));
	bad[1] = f[0];
	ASSERT_REFUSED(NK_EDUP, nk_promote_code_impl(bad, 2));
	bad[1] = fx_pa(FX_PROT_FIRST);
	ASSERT_REFUSED(NK_ETYPE, nk_promote_code_impl(bad, 2));
	bad[1] = fx_pa(FX_CODE_FIRST);
	ASSERT_REFUSED(NK_ETYPE, nk_promote_code_impl(bad, 2));
	paddr_t p = fx_ptp(1);
	bad[1] = p;
	ASSERT_REFUSED(NK_ETYPE, nk_promote_code_impl(bad, 2));
	/* still mapped writable outside the direct map */
	struct fx_kern_as k;
	fx_kern_as(&k);
	fx_ok(nk_write_pte_impl(k.l1, 5, pte_make(f[1], FX_KERN_RW)));
	ASSERT_REFUSED(NK_EWRITABLE, nk_promote_code_impl(f, 2));
	fx_ok(nk_write_pte_impl(k.l1, 5, 0));
	fx_ok(nk_promote_code_impl(f, 2));
	/* twice: no longer DATA */
	ASSERT_REFUSED(NK_ETYPE, nk_promote_code_impl(f, 2));
	fx_check_ok();
}

TEST(demote_needs_module_text_mapped_nowhere)
{
	paddr_t f[2];
	text_frames(f, 2);
	fx_ok(nk_promote_code_impl(f, 2));
	struct fx_kern_as k;
	fx_kern_as(&k);
	fx_ok(nk_write_pte_impl(k.l1, 0, pte_make(f[1], PTE_P)));
	ASSERT_REFUSED(NK_EMAPPED, nk_demote_code_impl(f, 2));
	fx_ok(nk_write_pte_impl(k.l1, 0, pte_make(f[1], PTE_P | PTE_NX)));
	ASSERT_REFUSED(NK_EMAPPED, nk_demote_code_impl(f, 2));
	fx_ok(nk_write_pte_impl(k.l1, 0, 0));
	paddr_t img[1] = {fx_pa(FX_CODE_FIRST)};
	ASSERT_REFUSED(NK_EPINNED, nk_demote_code_impl(img, 1));
	paddr_t d[1] = {fx_data()};
	ASSERT_REFUSED(NK_ETYPE, nk_demote_code_impl(d, 1));
	paddr_t dup[2] = {f[0], f[0]};
	ASSERT_REFUSED(NK_EDUP, nk_demote_code_impl(dup, 2));
	ASSERT_REFUSED(NK_EBATCH, nk_demote_code_impl(f, 0));
	fx_ok(nk_demote_code_impl(f, 2));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fx_frame(f[i])->type, NK_F_DATA);
		assert_int_equal(fx_frame(f[i])->flags, 0);
		assert_true(pte_writable(nk.dm_ptes[pa_pfn(f[i])]));
	}
	/* and a DATA frame again: no longer kernel-executable */
	ASSERT_REFUSED(NK_EEXEC, nk_write_pte_impl(k.l1, 0, pte_make(f[0], PTE_P)));
	fx_check_ok();
}

TEST(maps_counter_follows_every_leaf_mapping)
{
	paddr_t x = fx_data();
	struct fx_kern_as k;
	fx_kern_as(&k);
	fx_ok(nk_write_pte_impl(k.l1, 0, pte_make(x, FX_KERN_RO)));
	fx_ok(nk_write_pte_impl(k.l1, 1, pte_make(x, FX_KERN_RW)));
	assert_int_equal(fx_frame(x)->maps, 2);
	assert_int_equal(fx_frame(x)->wcount, 1);
	fx_check_ok();
	fx_frame(x)->maps = 5;
	assert_int_equal(nk_check_invariants_impl(), -1);
	assert_int_not_equal(nk_view_store.check.failures[1], 0);
	fx_frame(x)->maps = 2;
	fx_ok(nk_write_pte_impl(k.l1, 0, 0));
	fx_ok(nk_write_pte_impl(k.l1, 1, 0));
	assert_int_equal(fx_frame(x)->maps, 0);
	fx_check_ok();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(promote_makes_code_readonly_in_the_direct_map),
	    FX_TEST(promote_refuses_every_i5_encoding_and_names_the_offset),
	    FX_TEST(promote_scans_across_frame_boundaries_and_tails),
	    FX_TEST(promote_refuses_bad_lists_and_frames),
	    FX_TEST(demote_needs_module_text_mapped_nowhere),
	    FX_TEST(maps_counter_follows_every_leaf_mapping),
	};
	return cmocka_run_group_tests_name("code: promote/demote", tests, NULL, NULL);
}
