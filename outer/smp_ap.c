/* The outer kernel's side of nk's AP bring-up (issue 17, section 1):
 * outer_smp_release asks nk to release the APs it parked at boot, and each
 * enters outer_ap_main (outer/smp.c). And the console command `cpus`:
 * nk's record of each CPU (nk_view cpus). */
#include <outer/kernel.h>
#include <outer/console.h>
#include <nk/vmmu.h>
#include <outer/smp.h>

void outer_smp_release(void)
{
	if (nk_view->ncpus <= 1)
		return;
	long n = nk_smp_release();
	if (n < 0) {
		kprintf("outer: nk_smp_release: %s\n", nk_strerror(n));
		return;
	}
	/* each AP enters outer_ap_main (outer/smp.c), which says so once it
	 * holds the big kernel lock: this CPU holds it now */
	kprintf("outer: %ld AP%s released\n", n, n == 1 ? "" : "s");
}

static const char *const state_names[] = {"offline", "booting", "parked", "running"};

int cmd_cpus(int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct nk_view *v = nk_view;
	kprintf("cpus: %u online\n", v->ncpus);
	for (unsigned c = 0; c < v->ncpus && c < NK_VIEW_CPUS; c++) {
		const struct nk_cpu *p = &v->cpus[c];
		kprintf("cpu %u: APIC ID %u, %s, CR3 %lx, in gate %s, gate entries %lu, shootdowns "
			"%lu\n",
			c, p->apic_id, p->state < 4 ? state_names[p->state] : "?", p->cr3,
			(p->gate_state & 1) ? "yes" : "no", nk_cpu_gate_entries(p), p->shoots);
	}
	for (unsigned c = 0; c < NK_MAX_CPUS; c++) {
		const struct cpu_local *l = &cpu_locals[c];
		if (!l->online)
			continue;
		kprintf("cpu %u outer: syscalls %lu, traps %lu, switches %lu, halts %lu, "
			"resched IPIs %lu, LAPIC ticks %lu, calls %lu, BKL spins %lu\n",
			c, l->syscalls, l->traps, l->switches, l->halts, l->resched_ipis,
			l->apic_ticks, l->calls, l->bkl_spins);
	}
	return 0;
}
CONSOLE_COMMAND(cpus, "nk's CPUs: APIC ID, state, CR3, in-gate flag, gate entries", cmd_cpus,
		false);
