/* Host tests of nk's kcov callback and its enable/disable calls
 * (nk/kcov.c, include/nk/kcov.h) on the booted fake machine
 * (tests/host/machine.h); the fuzz kernel runs the same checks in its
 * KTAP test (`fuzz test`). The buffer is outer-kernel memory: nk must
 * take only the count from it, clamp it, and write only where the outer
 * kernel could write itself.
 * Source: include/nk/kcov.h; Linux kernel/kcov.c; spec I2. */
#include "machine.h"
#include <nk/kcov.h>

void __sanitizer_cov_trace_pc(void);
long nk_kcov_enable_impl(paddr_t buf, uint64_t words);
long nk_kcov_disable_impl(void);

#define BUF 0x400000ull /* DATA frames of the booted machine */

static uint64_t *area(void)
{
	return arch_pa_va(pa_init(BUF));
}

/* An instrumented basic block: records the PC after the call. */
static __attribute__((noinline)) void block(void)
{
	__sanitizer_cov_trace_pc();
}

static int kcov_setup(void **state)
{
	mx_booted(state);
	nk_kcov_disable_impl();
	return 0;
}
#define KC_TEST(name) cmocka_unit_test_setup(name, kcov_setup)

TEST(kcov_records_nothing_once_disabled)
{
	assert_int_equal(nk_kcov_enable_impl(pa_init(BUF), 16), 0);
	assert_int_equal(nk_kcov_disable_impl(), 0);
	block();
	assert_int_equal(area()[0], 0);
	assert_int_equal(area()[1], 0);
}

TEST(kcov_records_pcs_in_order)
{
	assert_int_equal(nk_kcov_enable_impl(pa_init(BUF), 16), 0);
	block();
	block();
	assert_int_equal(area()[0], 2);
	assert_true(area()[1] != 0);
	assert_int_equal(area()[1], area()[2]); /* the same call site */
	/* the outer kernel resets the count; the next PC goes to word 1 */
	area()[0] = 0;
	area()[1] = 0;
	block();
	assert_int_equal(area()[0], 1);
	assert_int_equal(area()[1], area()[2]);
	assert_int_equal(nk_kcov_disable_impl(), 0);
	block();
	assert_int_equal(area()[0], 1);
}

TEST(kcov_stops_at_the_buffers_end)
{
	assert_int_equal(nk_kcov_enable_impl(pa_init(BUF), 512), 0);
	area()[0] = 510; /* one slot left: word 511 */
	block();
	assert_int_equal(area()[0], 511);
	assert_true(area()[511] != 0);
	block();
	assert_int_equal(area()[0], 511);
	assert_int_equal(area()[512], 0); /* the next frame, past the buffer */
}

TEST(kcov_ignores_hostile_counts)
{
	assert_int_equal(nk_kcov_enable_impl(pa_init(BUF + PAGE_SIZE), 512), 0);
	uint64_t *a = arch_pa_va(pa_init(BUF + PAGE_SIZE));
	const uint64_t bad[] = {512, 1ull << 32, 1ull << 63, ~0ull, ~0ull - 511, ~0ull / 8};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a[0] = bad[i];
		block();
		assert_int_equal(a[0], bad[i]);
	}
	/* nothing written around the buffer either */
	for (uint64_t w = 0; w < 512; w++)
		assert_int_equal(area()[w], 0);
	for (uint64_t w = 1; w < 3 * 512; w++)
		assert_int_equal(a[w], 0);
}

TEST(kcov_writes_only_where_the_outer_kernel_could)
{
	/* a buffer over two frames; the second one becomes a page table */
	assert_int_equal(nk_kcov_enable_impl(pa_init(BUF + 2 * PAGE_SIZE), 1024), 0);
	uint64_t *a = arch_pa_va(pa_init(BUF + 2 * PAGE_SIZE));
	paddr_t second = pa_init(BUF + 3 * PAGE_SIZE);
	assert_int_equal(nk_declare_ptp_impl(second, 1), 0);
	a[0] = 600; /* slot 601: in the PTP */
	block();
	assert_int_equal(a[0], 600);
	for (int i = 0; i < 512; i++)
		assert_int_equal(((uint64_t *)arch_pa_va(second))[i], 0);
	a[0] = 5; /* slot 6: still DATA */
	block();
	assert_int_equal(a[0], 6);
	/* the header's frame read-only in the direct map: nothing at all */
	assert_int_equal(nk_declare_ptp_impl(pa_init(BUF + 2 * PAGE_SIZE), 1), 0);
	uint64_t before = a[0];
	block();
	assert_int_equal(a[0], before);
	/* and once both are DATA again, recording resumes */
	assert_int_equal(nk_remove_ptp_impl(second), 0);
	assert_int_equal(nk_remove_ptp_impl(pa_init(BUF + 2 * PAGE_SIZE)), 0);
	a[0] = 0;
	block();
	assert_int_equal(a[0], 1);
}

TEST(kcov_enable_refuses_bad_buffers)
{
	assert_int_equal(nk_kcov_enable_impl(pa_init(BUF + 4), 16), -NK_EALIGN);
	assert_int_equal(nk_kcov_enable_impl(pa_init(BUF), 1), -NK_ERANGE);
	assert_int_equal(nk_kcov_enable_impl(pa_init(BUF), NK_KCOV_MAX_WORDS + 1), -NK_ERANGE);
	assert_int_equal(nk_kcov_enable_impl(pa_init(~0ull - 15), 16), -NK_ERANGE); /* wraps */
	/* past RAM, in a HOLE, running into one */
	assert_int_equal(nk_kcov_enable_impl(pa_init(FAKE_MEM_BYTES), 16), -NK_ERANGE);
	assert_int_equal(nk_kcov_enable_impl(pa_init(0x1000), 16), -NK_ERANGE);
	assert_int_equal(nk_kcov_enable_impl(pa_init(MX_RAM_END - 8), 2), -NK_ERANGE);
	/* not DATA: nk's image, outer text, rodata, a page table */
	assert_int_equal(nk_kcov_enable_impl(pa_init(MX_IMAGE_START - KERNEL_VMA), 16), -NK_ETYPE);
	assert_int_equal(nk_kcov_enable_impl(pa_init(MX_NK_END - KERNEL_VMA), 16), -NK_ETYPE);
	assert_int_equal(nk_kcov_enable_impl(pa_init(MX_TEXT_END - KERNEL_VMA), 16), -NK_ETYPE);
	assert_int_equal(nk_kcov_enable_impl(nk.master_l4, 16), -NK_ETYPE);
	/* a buffer in DATA whose last word reaches nk's image */
	paddr_t below_nk = pa_init(MX_IMAGE_START - KERNEL_VMA - 8);
	assert_int_equal(nk_kcov_enable_impl(below_nk, 2), -NK_ETYPE);
	/* none of these enabled it */
	block();
	assert_int_equal(area()[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    KC_TEST(kcov_records_nothing_once_disabled),
	    KC_TEST(kcov_records_pcs_in_order),
	    KC_TEST(kcov_stops_at_the_buffers_end),
	    KC_TEST(kcov_ignores_hostile_counts),
	    KC_TEST(kcov_writes_only_where_the_outer_kernel_could),
	    KC_TEST(kcov_enable_refuses_bad_buffers),
	};
	return cmocka_run_group_tests_name("kcov: the fuzz kernel's PC buffer", tests, NULL, NULL);
}
