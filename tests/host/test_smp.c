/* Host tests of nk's SMP boot and release logic (nk/smp.c,
 * nk/smp_release.c) on the fake machine (tests/host/machine.h), which has
 * one CPU: no AP ever checks in there, so these cover the boot CPU's side:
 * when nk starts APs at all (fw_cfg's CPU count, nk.smp=0, the
 * trampoline's page in RAM), the bounded wait for check-in, the boot CPU's
 * record in nk_view, and nk_smp_release's one-shot rule. The AP side runs
 * under QEMU (tests/qemu/run.py stage smp).
 * Source: issue 17, section 1; SDM Vol. 3A 8.4. */
#include <stdio.h>

#include "machine.h"
#include <x86/selectors.h>

TEST(one_cpu_starts_no_ap)
{
	/* mx_booted: fw_cfg says 1 CPU */
	assert_int_equal(fake_cpu.ap_starts, 0);
	assert_int_equal(nk_view->ncpus, 1);
	assert_ptr_equal(nk_view->cpus, nk_pcpu);
	const struct nk_cpu *c = &nk_view->cpus[0];
	assert_int_equal(c->index, 0);
	assert_int_equal(c->state, NK_CPU_RUNNING);
	assert_int_equal(nk_view->cpus[1].state, NK_CPU_OFFLINE);
	/* TR names CPU 0's TSS slot: arch_cpu_index reads 0 */
	assert_int_equal(fake_cpu.tr, SEL_TSS);
	assert_int_equal(arch_cpu_index(), 0);
}

TEST(apic_id_comes_from_cpuid_leaf_1)
{
	mx_reset();
	for (int i = 0; i < FAKE_CPUID_MAX; i++)
		if (fake_cpu.cpuid[i].leaf == 1)
			fake_cpu.cpuid[i].r[1] =
			    (fake_cpu.cpuid[i].r[1] & 0x00ffffffu) | (5u << 24);
	mx_mb2_default("");
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(nk_view->cpus[0].apic_id, 5);
}

TEST(ap_start_waits_bounded_when_no_ap_checks_in)
{
	mx_reset();
	fake_cpu.fwcfg_ncpus = 2;
	mx_mb2_default("");
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(fake_cpu.ap_starts, 1);
	assert_int_equal(fake_cpu.ap_tramp_pa, 0x8000);
	assert_int_equal(nk_view->ncpus, 1);	   /* the wait ran out: CPU 0 alone */
	assert_true(nk_smp_checkin & 0x80000000u); /* check-in closed: late APs halt */
	ASSERT_SERIAL("nk: 0 of 1 APs checked in");
	ASSERT_SERIAL("nk: 1 CPU online: cpu 0");
}

TEST(nk_smp_0_starts_no_ap)
{
	mx_reset();
	fake_cpu.fwcfg_ncpus = 4;
	mx_mb2_default("nk.smp=0");
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(fake_cpu.ap_starts, 0);
	assert_int_equal(nk_view->ncpus, 1);
	ASSERT_SERIAL("nk.smp=0: the APs are not started");
}

TEST(no_ap_start_when_the_trampoline_page_is_not_ram)
{
	static const struct mx_range mmap[] = {
	    {0, 0x8000, 1}, /* the trampoline's page 0x8000 is not in it */
	    {0x9f000, 0x1000, 1},
	    {0x100000, MX_RAM_END - 0x100000, 1},
	};
	mx_reset();
	fake_cpu.fwcfg_ncpus = 2;
	mx_mb2_cmdline("");
	mx_mb2_module(MX_MOD_START, MX_MOD_END, "initramfs");
	mx_mb2_mmap(mmap, 3);
	mx_acpi_default();
	mx_mb2_end();
	assert_int_equal(mx_boot(), MX_HANDOFF);
	assert_int_equal(fake_cpu.ap_starts, 0);
	ASSERT_SERIAL("is not available RAM: the APs are not started");
}

TEST(smp_release_is_one_shot)
{
	uint64_t calls = nk_view->stats.calls[NK_CALL_SMP_RELEASE];
	assert_int_equal(nk_smp_release_impl(), 0); /* no AP: none released */
	assert_int_equal(nk_smp_release_impl(), -NK_EDONE);
	assert_int_equal(nk_smp_release_impl(), -NK_EDONE);
	assert_int_equal(nk_view->stats.calls[NK_CALL_SMP_RELEASE], calls + 3);
	assert_int_equal(nk_view->stats.refusals[NK_EDONE], 2);
}

TEST(smp_release_on_an_ap_without_its_turn_is_refused)
{
	/* as if AP 1 were parked but the boot CPU gave it no turn: the park
	 * loop's call gets NK_EDONE, and its entry stays */
	nk_pcpu[1].state = NK_CPU_PARKED;
	nk_pcpu[1].outer_entry = 0x1234;
	fake_cpu.tr = SEL_TSS + 16;
	assert_int_equal(arch_cpu_index(), 1);
	assert_int_equal(nk_smp_release_impl(), -NK_EDONE);
	assert_int_equal(nk_pcpu[1].outer_entry, 0x1234);
	assert_int_equal(nk_pcpu[1].state, NK_CPU_PARKED);
	fake_cpu.tr = SEL_TSS;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    MX_TEST(one_cpu_starts_no_ap),
	    MX_FRESH(apic_id_comes_from_cpuid_leaf_1),
	    MX_FRESH(ap_start_waits_bounded_when_no_ap_checks_in),
	    MX_FRESH(nk_smp_0_starts_no_ap),
	    MX_FRESH(no_ap_start_when_the_trampoline_page_is_not_ram),
	    MX_TEST(smp_release_is_one_shot),
	    MX_TEST(smp_release_on_an_ap_without_its_turn_is_refused),
	};
	return cmocka_run_group_tests_name("smp: nk's AP start and release on the fake machine",
					   tests, NULL, NULL);
}
