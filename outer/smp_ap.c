/* The outer kernel's side of nk's AP bring-up (issue 17, section 1),
 * minimal until the outer kernel is SMP-safe (outer/smp.c will replace
 * it): outer_smp_release asks nk to release the APs it parked at boot;
 * each AP says it is up, once, and halts. And the console command `cpus`:
 * nk's record of each CPU (nk_view cpus). */
#include <outer/kernel.h>
#include <outer/console.h>
#include <nk/vmmu.h>

/* APs that printed their line (outer memory; each AP adds 1 once) */
static volatile uint32_t ap_up;
/* one AP prints at a time: the console is not SMP-safe */
static volatile uint32_t ap_print_lock;

NK_NORETURN void outer_ap_main(unsigned cpu)
{
	while (__atomic_exchange_n(&ap_print_lock, 1, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	kprintf("outer: cpu %u (APIC ID %u) up\n", cpu, nk_view->cpus[cpu].apic_id);
	__atomic_store_n(&ap_print_lock, 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&ap_up, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void outer_smp_release(void)
{
	if (nk_view->ncpus <= 1)
		return;
	long n = nk_smp_release();
	if (n < 0) {
		kprintf("outer: nk_smp_release: %s\n", nk_strerror(n));
		return;
	}
	/* wait (bounded) for the APs' lines, so that they do not interleave with ours */
	for (uint64_t i = 0; i < 100000000ull && __atomic_load_n(&ap_up, __ATOMIC_ACQUIRE) < n; i++)
		__asm__ volatile("pause");
	kprintf("outer: %ld AP%s released, %u up\n", n, n == 1 ? "" : "s", ap_up);
}

static const char *const state_names[] = {"offline", "booting", "parked", "running"};

int cmd_cpus(int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct nk_view *v = nk_view;
	kprintf("cpus: %u online\n", v->ncpus);
	for (unsigned c = 0; c < v->ncpus && c < NK_VIEW_CPUS; c++) {
		const struct nk_cpu *p = &v->cpus[c];
		kprintf("cpu %u: APIC ID %u, %s, CR3 %lx, in gate %s, gate entries %lu\n", c,
			p->apic_id, p->state < 4 ? state_names[p->state] : "?", p->cr3,
			(p->gate_state & 1) ? "yes" : "no", nk_cpu_gate_entries(p));
	}
	return 0;
}
CONSOLE_COMMAND(cpus, "nk's CPUs: APIC ID, state, CR3, in-gate flag, gate entries", cmd_cpus,
		false);
