/* Host tests of arch_kernel_readable (nk/walk.c), the page walk nk runs
 * before it reads a buffer the outer kernel passed, on the booted fake
 * machine's tables (tests/host/machine.h): every level's not-present
 * entry, 4 KiB and 2 MiB leaves, ranges across pages, the user half,
 * wrap-around, and the walk following CR3.
 * Source: SDM Vol. 3A 4.5 (4-level paging). */
#include "machine.h"

static bool readable(uint64_t va, size_t len)
{
	return arch_kernel_readable((const void *)va, len);
}

static uint64_t dm(uint64_t pa)
{
	return DIRECT_MAP_BASE + pa;
}

TEST(walk_reads_ram_through_the_direct_map)
{
	assert_true(readable(dm(0x100000), 8));
	assert_true(readable(dm(MX_RAM_END - 8), 8));
	assert_true(readable(dm(0x200000), 64 * PAGE_SIZE));
	/* a page nk keeps read-only is still readable */
	assert_true(readable(dm(pa_addr(nk.master_l4)), PAGE_SIZE));
}

TEST(walk_refuses_holes_and_ranges_reaching_into_them)
{
	assert_false(readable(dm(0x1000), 1));		  /* below 1 MiB: HOLE */
	assert_false(readable(dm(MX_RAM_END), 1));	  /* ACPI: HOLE */
	assert_false(readable(dm(MX_RAM_END - 8), 16));	  /* RAM, then a HOLE */
	assert_false(readable(dm(0x100000 - 8), 16));	  /* a HOLE, then RAM */
	assert_false(readable(dm(0x100000), MX_RAM_END)); /* runs into the top */
	assert_true(readable(dm(MX_RAM_END - PAGE_SIZE), PAGE_SIZE));
}

TEST(walk_stops_at_each_level)
{
	/* L1: a HOLE frame's entry; L2: the module area (empty L2); L3: the
	 * heap (empty L3); L4: past the direct map's first 512 GiB */
	assert_false(readable(dm(0), 8));
	assert_false(readable(MODULE_BASE, 8));
	assert_false(readable(HEAP_BASE, 8));
	assert_false(readable(DIRECT_MAP_BASE + (1ull << 39), 8));
}

TEST(walk_reads_the_image)
{
	assert_true(readable(MX_IMAGE_START, MX_IMAGE_END - MX_IMAGE_START));
	assert_false(readable(MX_IMAGE_START - 1, 2)); /* the page below is not mapped */
	assert_false(readable(MX_IMAGE_END - 1, 2));
}

TEST(walk_refuses_the_user_half_and_wrapping_ranges)
{
	assert_false(readable(0, 8));
	assert_false(readable(0x400000, 8));
	assert_false(readable(DIRECT_MAP_BASE - 8, 16)); /* starts in the user half */
	assert_false(readable(~0ull - 7, 16));		 /* wraps past 2^64 */
	assert_false(readable(dm(0x100000), ~0ull));
}

TEST(walk_follows_2mib_leaves)
{
	/* the outer kernel maps 2 MiB of DATA at the heap through nk */
	paddr_t l2 = pa_init(0x300000);
	assert_int_equal(nk_declare_ptp_impl(l2, 2 | NK_PTP_KERNEL), 0);
	pte_t table = pte_make(l2, PTE_P | PTE_W);
	pte_t huge = pte_make(pa_init(0x400000), PTE_P | PTE_PS | PTE_NX);
	assert_int_equal(nk_write_pte_impl(nk_view_store.heap_l3, 0, table), 0);
	assert_int_equal(nk_write_pte_impl(l2, 1, huge), 0);
	assert_true(readable(HEAP_BASE + 0x200000, 0x200000));
	assert_false(readable(HEAP_BASE + 0x200000, 0x200001));
	assert_false(readable(HEAP_BASE, 8)); /* entry 0 of the L2 */
}

TEST(walk_uses_the_tables_cr3_points_to)
{
	/* a new L4 (nk copies the kernel half) and then one with nothing */
	paddr_t l4 = pa_init(0x300000);
	assert_int_equal(nk_declare_ptp_impl(l4, 4), 0);
	fake_cpu.cr3 = pa_addr(l4) | 0x18; /* PWT, PCD: not part of the address */
	assert_true(readable(dm(0x100000), 8));
	assert_true(readable(MX_IMAGE_START, 8));
	fake_cpu.cr3 = 0x301000; /* a zeroed frame as L4 */
	assert_false(readable(dm(0x100000), 8));
	assert_false(readable(MX_IMAGE_START, 8));
}

TEST(walk_guards_the_vmmu_batch_and_code_calls)
{
	/* nk refuses an outer-kernel buffer the walk cannot read, with
	 * -NK_EFAULT, before reading it */
	const struct nk_pte_write *unmapped = (const void *)HEAP_BASE;
	assert_int_equal(nk_write_ptes_impl(unmapped, 1), -NK_EFAULT);
	const paddr_t *frames = (const void *)(DIRECT_MAP_BASE + 0x1000);
	assert_int_equal(nk_promote_code_impl(frames, 1), -NK_EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    MX_TEST(walk_reads_ram_through_the_direct_map),
	    MX_TEST(walk_refuses_holes_and_ranges_reaching_into_them),
	    MX_TEST(walk_stops_at_each_level),
	    MX_TEST(walk_reads_the_image),
	    MX_TEST(walk_refuses_the_user_half_and_wrapping_ranges),
	    MX_TEST(walk_follows_2mib_leaves),
	    MX_TEST(walk_uses_the_tables_cr3_points_to),
	    MX_TEST(walk_guards_the_vmmu_batch_and_code_calls),
	};
	return cmocka_run_group_tests_name("walk: arch_kernel_readable", tests, NULL, NULL);
}
