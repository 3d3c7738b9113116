/* Host tests of nk_load_cr0, nk_load_cr4, nk_wrmsr, nk_null and
 * nk_init_done (nk/ctl.c). Spec I3 and section 5; SDM Vol. 3A 2.5, 2.2.1;
 * include/nk/vmmu.h. */
#include "fixture.h"

/* CR0 as the outer kernel finds it (WP is set by the exit gate). */
#define CR0_BASE (CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG)
/* CR4 as nk/boot.c leaves it on a CPU with SMEP, SMAP, PGE. */
#define CR4_BASE (CR4_PAE | CR4_SMEP | CR4_SMAP | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PGE)
#define EFER_BASE (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define NONCANONICAL 0x0000800000000000ull

/* ---- CR0 ---- */

TEST(cr0_accepts_value_keeping_pe_pg_wp)
{
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_LOAD_CR0];
	fx_ok(nk_load_cr0_impl(CR0_BASE));
	/* nk runs with WP clear; the exit gate sets it again */
	assert_int_equal(fake_cpu.cr0, CR0_BASE & ~CR0_WP);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_LOAD_CR0], calls + 1);
	fx_ok(nk_load_cr0_impl(CR0_BASE | CR0_TS));
	assert_int_equal(fake_cpu.cr0, (CR0_BASE | CR0_TS) & ~CR0_WP);
	fx_ok(nk_load_cr0_impl(CR0_BASE | CR0_EM));
	fx_ok(nk_load_cr0_impl(CR0_BASE | CR0_CD));
	fx_ok(nk_load_cr0_impl(CR0_BASE | CR0_CD | CR0_NW));
	fx_ok(nk_load_cr0_impl(CR0_PE | CR0_PG | CR0_WP));
}

TEST(cr0_refuses_clearing_wp_pg_or_pe)
{
	ASSERT_REFUSED(NK_ECR0, nk_load_cr0_impl(CR0_BASE & ~CR0_WP));
	ASSERT_REFUSED(NK_ECR0, nk_load_cr0_impl(CR0_BASE & ~CR0_PG));
	ASSERT_REFUSED(NK_ECR0, nk_load_cr0_impl(CR0_BASE & ~CR0_PE));
	ASSERT_REFUSED(NK_ECR0, nk_load_cr0_impl(0));
}

TEST(cr0_refuses_unknown_bits)
{
	static const unsigned bits[] = {6, 15, 17, 19, 28, 32, 63};
	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		ASSERT_REFUSED(NK_ECR0, nk_load_cr0_impl(CR0_BASE | (1ull << bits[i])));
}

TEST(cr0_refuses_nw_without_cd)
{
	ASSERT_REFUSED(NK_ECR0, nk_load_cr0_impl(CR0_BASE | CR0_NW));
}

/* ---- CR4 ---- */

TEST(cr4_accepts_allowed_changes)
{
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_LOAD_CR4];
	fx_ok(nk_load_cr4_impl(CR4_BASE));
	assert_int_equal(fake_cpu.cr4, CR4_BASE);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_LOAD_CR4], calls + 1);
	static const uint64_t ok[] = {CR4_TSD, CR4_DE, CR4_PCE, CR4_FSGSBASE, CR4_UMIP};
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		fx_ok(nk_load_cr4_impl(CR4_BASE | ok[i]));
		assert_int_equal(fake_cpu.cr4, CR4_BASE | ok[i]);
	}
	fx_ok(nk_load_cr4_impl(CR4_BASE & ~CR4_PGE));
	fx_ok(nk_load_cr4_impl(CR4_BASE & ~(CR4_OSFXSR | CR4_OSXMMEXCPT)));
	fx_ok(nk_load_cr4_impl(CR4_PAE | CR4_SMEP | CR4_SMAP));
}

TEST(cr4_refuses_clearing_smep_smap_or_pae)
{
	ASSERT_REFUSED(NK_ECR4, nk_load_cr4_impl(CR4_BASE & ~CR4_SMEP));
	ASSERT_REFUSED(NK_ECR4, nk_load_cr4_impl(CR4_BASE & ~CR4_SMAP));
	ASSERT_REFUSED(NK_ECR4, nk_load_cr4_impl(CR4_BASE & ~CR4_PAE));
	ASSERT_REFUSED(NK_ECR4, nk_load_cr4_impl(0));
}

TEST(cr4_refuses_pcide)
{
	ASSERT_REFUSED(NK_ECR4, nk_load_cr4_impl(CR4_BASE | CR4_PCIDE));
}

TEST(cr4_refuses_unknown_bits)
{
	/* VME PVI PSE MCE (0 1 4 6), LA57 (12), VMXE SMXE (13 14), PKE (22),
	 * CET (23), PKS (24), and beyond */
	static const unsigned bits[] = {0, 1, 4, 6, 12, 13, 14, 22, 23, 24, 32, 63};
	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		ASSERT_REFUSED(NK_ECR4, nk_load_cr4_impl(CR4_BASE | (1ull << bits[i])));
}

TEST(cr4_requires_smap_only_when_present)
{
	nk.cr4_required = CR4_PAE | CR4_SMEP; /* as nk/boot.c on a CPU without SMAP */
	fx_ok(nk_load_cr4_impl(CR4_BASE & ~CR4_SMAP));
	ASSERT_REFUSED(NK_ECR4, nk_load_cr4_impl(CR4_BASE)); /* SMAP is then unknown */
}

/* ---- MSRs ---- */

TEST(wrmsr_accepts_allow_listed_msrs)
{
	const struct {
		uint32_t msr;
		uint64_t v;
	} ok[] = {
	    {MSR_EFER, EFER_BASE},
	    {MSR_EFER, EFER_LME | EFER_NXE},
	    {MSR_STAR, 0x0023001000000000ull},
	    {MSR_LSTAR, 0xffffffff80001000ull},
	    {MSR_CSTAR, 0x00007fffffffffffull},
	    {MSR_SFMASK, 0x47700},
	    {MSR_FS_BASE, 0x00007f0000001000ull},
	    {MSR_GS_BASE, 0xffff800000000000ull},
	    {MSR_KERNEL_GS_BASE, 0},
	};
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t calls = nk_view_store.stats.calls[NK_CALL_WRMSR];
		fx_ok(nk_wrmsr_impl(ok[i].msr, ok[i].v));
		assert_int_equal(*fake_msr_slot(ok[i].msr), ok[i].v);
		assert_int_equal(nk_view_store.stats.calls[NK_CALL_WRMSR], calls + 1);
	}
}

TEST(wrmsr_refuses_msr_not_on_the_allow_list)
{
	static const uint32_t bad[] = {
	    0x10,	/* TSC */
	    0x1b,	/* APIC_BASE */
	    0x174,	/* SYSENTER_CS */
	    0x176,	/* SYSENTER_EIP */
	    0x1d9,	/* DEBUGCTL */
	    0x277,	/* PAT */
	    0x6a2,	/* S_CET */
	    0xc0000085, /* after SFMASK */
	    0xc0000103, /* TSC_AUX */
	    0xc0000104, /* after KERNEL_GS_BASE */
	    0xc0010117, /* VM_HSAVE_PA */
	    0xffffffff,
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_REFUSED(NK_EMSR, nk_wrmsr_impl(bad[i], 0));
}

TEST(wrmsr_refuses_efer_without_nxe_or_lme_or_with_unknown_bits)
{
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_EFER, EFER_BASE & ~EFER_NXE));
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_EFER, EFER_BASE & ~EFER_LME));
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_EFER, 0));
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_EFER, EFER_BASE | (1ull << 12))); /* SVME */
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_EFER, EFER_BASE | (1ull << 14))); /* FFXSR */
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_EFER, EFER_BASE | (1ull << 63)));
}

TEST(wrmsr_refuses_non_canonical_addresses)
{
	static const uint32_t msrs[] = {MSR_LSTAR, MSR_CSTAR, MSR_FS_BASE, MSR_GS_BASE,
					MSR_KERNEL_GS_BASE};
	static const uint64_t bad[] = {NONCANONICAL, 0xffff7fffffffffffull, 1ull << 63,
				       0x0001000000000000ull};
	for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		for (unsigned j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
			ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(msrs[i], bad[j]));
}

TEST(wrmsr_refuses_sfmask_high_bits)
{
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_SFMASK, 1ull << 32));
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_SFMASK, ~0ull));
}

TEST(wrmsr_locks_syscall_msrs_and_efer_after_init_done)
{
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_INIT_DONE];
	fx_ok(nk_init_done_impl());
	assert_true(nk.msrs_locked);
	assert_true(nk_view_store.init_done);
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_INIT_DONE], calls + 1);

	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_STAR, 0));
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_LSTAR, 0xffffffff80001000ull));
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_CSTAR, 0xffffffff80001000ull));
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_SFMASK, 0x47700));
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_EFER, EFER_BASE));
	/* locked wins over a bad value */
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_EFER, 0));
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_LSTAR, NONCANONICAL));
	/* an unknown MSR is still unknown */
	ASSERT_REFUSED(NK_EMSR, nk_wrmsr_impl(0x1b, 0));
}

/* The shared MSRs are one record for all CPUs, written on the APs when
 * nk releases them: after the release, before nk_init_done, a write would
 * reach one CPU's register only, so nk refuses it; the bases stay per CPU. */
TEST(wrmsr_locks_syscall_msrs_and_efer_after_smp_release)
{
	fx_ok(nk_wrmsr_impl(MSR_SFMASK, 0x47700)); /* before: allowed */
	assert_false(nk.msrs_locked);
	assert_int_equal(nk_smp_release_impl(), 0);
	assert_false(nk.msrs_locked);
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_SFMASK, 0x47700));
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_STAR, 0));
	ASSERT_REFUSED(NK_ELOCKED, nk_wrmsr_impl(MSR_EFER, EFER_BASE));
	fx_ok(nk_wrmsr_impl(MSR_FS_BASE, 0x00007f0000002000ull));
}

TEST(wrmsr_segment_bases_stay_writable_after_init_done)
{
	fx_ok(nk_init_done_impl());
	fx_ok(nk_wrmsr_impl(MSR_FS_BASE, 0x00007f0000002000ull));
	assert_int_equal(fake_cpu.fs_base, 0x00007f0000002000ull);
	fx_ok(nk_wrmsr_impl(MSR_GS_BASE, 0xffff800000001000ull));
	fx_ok(nk_wrmsr_impl(MSR_KERNEL_GS_BASE, 0x1000));
	ASSERT_REFUSED(NK_EMSRVAL, nk_wrmsr_impl(MSR_FS_BASE, NONCANONICAL));
}

/* ---- nk_null, nk_init_done ---- */

TEST(null_does_nothing_but_count)
{
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_NULL];
	fx_ok(nk_null_impl());
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_NULL], calls + 1);
	assert_int_equal(fake_cpu.flush_tlb_calls, 0);
	assert_int_equal(fake_cpu.cr0_writes + fake_cpu.cr3_writes + fake_cpu.cr4_writes +
			     fake_cpu.msr_writes,
			 0);
	fx_check_ok();
}

TEST(init_done_twice_is_harmless)
{
	fx_ok(nk_init_done_impl());
	fx_ok(nk_init_done_impl());
	assert_true(nk.msrs_locked);
	assert_int_equal(fake_cpu.msr_writes, 0);
}

/* ---- nk_strerror ---- */

TEST(strerror_names_every_code)
{
	assert_string_equal(nk_strerror(0), "OK");
	assert_string_equal(nk_strerror(-NK_EPROT), "NK_EPROT");
	assert_string_equal(nk_strerror(NK_EPROT), "NK_EPROT");
	assert_string_equal(nk_strerror(-NK_EGATE), "NK_EGATE");
	for (long e = 1; e < NK_EMAX; e++)
		assert_memory_equal(nk_strerror(-e), "NK_E", 4);
	assert_string_equal(nk_strerror(-NK_EMAX), "NK_E?");
	assert_string_equal(nk_strerror(-1000000), "NK_E?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(cr0_accepts_value_keeping_pe_pg_wp),
	    FX_TEST(cr0_refuses_clearing_wp_pg_or_pe),
	    FX_TEST(cr0_refuses_unknown_bits),
	    FX_TEST(cr0_refuses_nw_without_cd),
	    FX_TEST(cr4_accepts_allowed_changes),
	    FX_TEST(cr4_refuses_clearing_smep_smap_or_pae),
	    FX_TEST(cr4_refuses_pcide),
	    FX_TEST(cr4_refuses_unknown_bits),
	    FX_TEST(cr4_requires_smap_only_when_present),
	    FX_TEST(wrmsr_accepts_allow_listed_msrs),
	    FX_TEST(wrmsr_refuses_msr_not_on_the_allow_list),
	    FX_TEST(wrmsr_refuses_efer_without_nxe_or_lme_or_with_unknown_bits),
	    FX_TEST(wrmsr_refuses_non_canonical_addresses),
	    FX_TEST(wrmsr_refuses_sfmask_high_bits),
	    FX_TEST(wrmsr_locks_syscall_msrs_and_efer_after_init_done),
	    FX_TEST(wrmsr_locks_syscall_msrs_and_efer_after_smp_release),
	    FX_TEST(wrmsr_segment_bases_stay_writable_after_init_done),
	    FX_TEST(null_does_nothing_but_count),
	    FX_TEST(init_done_twice_is_harmless),
	    FX_TEST(strerror_names_every_code),
	};
	return cmocka_run_group_tests_name("ctl: CR0, CR4, MSRs", tests, NULL, NULL);
}
