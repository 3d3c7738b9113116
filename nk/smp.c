/* nk on several CPUs, part 1: the boot of the application processors and
 * their release to the outer kernel (issue 17, section 1).
 *
 * nk starts the APs itself, before the outer kernel first runs: the boot
 * CPU copies a trampoline to SMP_TRAMPOLINE_PA (a page of the first MiB,
 * an nk-owned device range that no outer leaf of any size may map and no
 * device may reach: nk_device_covered) and sends INIT, SIPI, SIPI to all
 * CPUs but itself (arch_boot_start_aps). Each AP checks in (its index is
 * its place in the check-in order, at most NK_MAX_CPUS - 1 APs; later ones
 * halt), records its APIC ID and waits. Once nk's own tables are loaded,
 * the boot CPU builds each AP's GDT and TSS (write-once regions in NK
 * frames) and lets the APs go one at a time: each loads its GDT, the
 * shared IDT and its TSS, its MSRs, CR4, CR0 and the master L4 as nk
 * recorded them, leaves nk (CR0.WP set) and parks in nk's park loop
 * (nk/entry.asm nk_ap_park). nk_smp_release, on the boot CPU, hands each
 * parked AP its one jump to outer_ap_main.
 *
 * nk finds a CPU's record from TR (arch_cpu_index, nk/cr0.inc PCPU),
 * never from GS. Everything here runs inside nk with interrupts off: at
 * boot and in nk_smp_release only one CPU at a time changes nk state, the
 * others poll. After the release nk's lock and the TLB shootdown take
 * over (nk/shoot.c); each CPU opens the gated page for itself alone
 * (CR4.SMEP, nk/priv.asm). The MSRs other than the segment bases are one
 * record for every CPU, written on each AP at its release
 * (arch_ap_release); nk_wrmsr refuses them from then on (nk/ctl.c
 * decode_msr), so no CPU's register can lag the record.
 *
 * The trampoline stays at SMP_TRAMPOLINE_PA: it jumps to boot-only code,
 * non-executable once the outer kernel runs; an AP that checks in after
 * the boot CPU stopped waiting halts in boot-only code on the boot tables
 * (DATA frames after boot).
 * Source: SDM Vol. 3A 8.4 (MP initialization), 10.6 (ICR); issue 17. */
#include "nk.h"
#include <nk/apic.h>
#include "cpu.h"
#include "boot.h"
#include "apic_regs.h"

/* The trampoline's page (nk/smp_boot.asm TRAMP_PA): below 1 MiB, in RAM. */
#define SMP_TRAMPOLINE_PA 0x8000ull
#define CHECKIN_CLOSED 0x80000000u

extern volatile uint32_t nk_smp_checkin; /* nk/smp_boot.asm */
/* the AP allowed to set itself up (boot) */
static volatile uint32_t smp_go;

/* The stacks boot allocates for each AP (virtual tops; DATA frames). */
static struct {
	uint64_t ist[IST_STACKS], rsp0, outer;
} ap_stacks[NK_MAX_CPUS];

/* This CPU's initial APIC ID (CPUID leaf 1, EBX[31:24]). */
static uint32_t apic_id(void)
{
	uint32_t r[4];
	arch_cpuid(1, 0, r);
	return r[1] >> 24;
}

NK_BOOT void nk_smp_early(void)
{
	arch_cpu_record_init(0);
	nk_pcpu[0].apic_id = apic_id();
	nk_pcpu[0].state = NK_CPU_RUNNING;
	nk.ncpus = 1;
	nk_view_store.ncpus = 1;
	nk_view_store.cpus = nk_pcpu;
}

/* Whether the trampoline's page is available RAM (multiboot2 map). */
NK_BOOT static bool trampoline_page_ok(void)
{
	const struct nk_view *v = &nk_view_store;
	for (uint32_t i = 0; i < v->nmmap; i++)
		if (v->mmap[i].type == MB2_MEM_AVAILABLE &&
		    pa_addr(v->mmap[i].base) <= SMP_TRAMPOLINE_PA &&
		    SMP_TRAMPOLINE_PA + PAGE_SIZE <= pa_addr(v->mmap[i].base) + v->mmap[i].len)
			return true;
	return false;
}

NK_BOOT void nk_smp_boot(void)
{
	if (!nk_cmdline_flag("nk.smp", true)) {
		nk_printf("nk: nk.smp=0: the APs are not started\n");
		return;
	}
	uint32_t want = nk_fwcfg_cpus(); /* 0: unknown */
	if (want == 1)
		return;
	if (!trampoline_page_ok()) {
		nk_printf("nk: page %#llx is not available RAM: the APs are not started\n",
			  SMP_TRAMPOLINE_PA);
		return;
	}
	for (unsigned c = 1; c < NK_MAX_CPUS; c++)
		arch_cpu_record_init(c); /* inside nk, OFFLINE */
	arch_boot_start_aps(pa_init(SMP_TRAMPOLINE_PA));
	for (uint32_t i = 0; i < NK_SMP_WAIT_POLLS; i++) {
		if (want && __atomic_load_n(&nk_smp_checkin, __ATOMIC_ACQUIRE) >= want - 1)
			break;
		arch_pause();
	}
	uint32_t n = __atomic_fetch_or(&nk_smp_checkin, CHECKIN_CLOSED, __ATOMIC_ACQ_REL);
	if (n > NK_MAX_CPUS - 1) {
		nk_printf("nk: %u APs checked in; %u halted (NK_MAX_CPUS %u)\n", n,
			  n - (NK_MAX_CPUS - 1), NK_MAX_CPUS);
		n = NK_MAX_CPUS - 1;
	}
	if (want && n + 1 < want)
		nk_printf("nk: %u of %u APs checked in\n", n, want - 1);
	nk.ncpus = 1 + n;
	nk_view_store.ncpus = nk.ncpus;
}

NK_BOOT void nk_smp_alloc_stacks(void)
{
	for (unsigned c = 1; c < nk.ncpus; c++) {
		for (int i = 0; i < IST_STACKS; i++)
			ap_stacks[c].ist[i] = boot_outer_stack(4);
		ap_stacks[c].rsp0 = boot_outer_stack(4);
		ap_stacks[c].outer = boot_outer_stack(8);
	}
}

NK_BOOT void nk_smp_start_aps(void)
{
	for (unsigned c = 1; c < nk.ncpus; c++) {
		if (!nk_smp_wait_state(c, NK_CPU_BOOTING)) {
			nk_printf("nk: cpu %u checked in but did not report: left offline\n", c);
			continue;
		}
		nk_cpu_init_ap(c, ap_stacks[c].ist, ap_stacks[c].rsp0);
		nk_pcpu[c].outer_stack = ap_stacks[c].outer;
		nk_pcpu[c].cr3 = pa_addr(nk.master_l4);
		nk.cur_cr3[c] = nk.master_l4;
		__atomic_store_n(&smp_go, c, __ATOMIC_RELEASE);
		if (!nk_smp_wait_state(c, NK_CPU_PARKED))
			nk_printf("nk: cpu %u did not finish its boot\n", c);
	}
	nk_printf("nk: %u CPU%s online:", nk.ncpus, nk.ncpus == 1 ? "" : "s");
	for (unsigned c = 0; c < nk.ncpus; c++)
		nk_printf(" cpu %u (APIC ID %u, %s)", c, nk_pcpu[c].apic_id,
			  c == 0			      ? "boot"
			  : nk_pcpu[c].state == NK_CPU_PARKED ? "parked"
							      : "failed");
	nk_printf("\n");
}

/* nk_ap_boot: an AP's C entry (nk/smp_boot.asm), on its boot stack, the
 * boot tables loaded, inside nk (CR0.WP clear). Never returns. */
NK_BOOT NK_NORETURN void nk_ap_boot(unsigned cpu);
NK_BOOT NK_NORETURN void nk_ap_boot(unsigned cpu)
{
	struct nk_cpu *me = &nk_pcpu[cpu];
	me->apic_id = apic_id();
	__atomic_store_n(&me->state, NK_CPU_BOOTING, __ATOMIC_RELEASE);
	while (__atomic_load_n(&smp_go, __ATOMIC_ACQUIRE) != cpu)
		arch_pause();
	nk_cpu_load_ap(cpu); /* TR names this CPU's record from here on */
	arch_ap_boot_msrs();
	arch_set_cr4(arch_recorded_cr4());
	arch_set_cr0(arch_recorded_cr0()); /* WP clear while this CPU runs nk */
	arch_boot_write_dr7(0);
	arch_set_cr3(me->cr3);
	/* software-enable this CPU's local APIC (the boot CPU's is enabled by
	 * boot_start_apic): a disabled one accepts no fixed IPI (SDM Vol. 3A
	 * 11.4.7.2), and its timer is the outer kernel's slice clock */
	if (apic_view()->on)
		me->apic_id = nk_lapic_cpu_init();
	__atomic_store_n(&me->state, NK_CPU_PARKED, __ATOMIC_RELEASE);
	arch_ap_park(me->outer_stack, cpu);
}
