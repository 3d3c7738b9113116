/* nk on several CPUs, part 2: nk_smp_release, the one-shot release of the
 * APs parked at boot (nk/smp.c) to the outer kernel, and the bounded wait
 * both use. Runs inside nk (a gate, or the native build's call) with
 * interrupts off. Source: issue 17, section 1; include/nk/vmmu.h. */
#include "nk.h"
#include "apic_regs.h"

/* the AP allowed to take its outer entry (nk_smp_release; polled by the
 * park loop, nk/entry.asm nk_ap_park) */
volatile uint32_t nk_smp_turn;

static volatile uint32_t *cpu_state(unsigned cpu)
{
	return &nk_pcpu[cpu].state;
}

/* Wait (bounded) until CPU cpu's state is s; whether it is. */
bool nk_smp_wait_state(unsigned cpu, uint32_t s)
{
	for (uint32_t i = 0; i < NK_SMP_WAIT_POLLS; i++) {
		if (__atomic_load_n(cpu_state(cpu), __ATOMIC_ACQUIRE) == s)
			return true;
		arch_pause();
	}
	return false;
}

/* On an AP, from nk's park loop: its outer entry, once, when its turn
 * came. */
static long ap_take_entry(unsigned cpu)
{
	struct nk_cpu *me = &nk_pcpu[cpu];
	if (me->state != NK_CPU_PARKED || nk_smp_turn != cpu || !me->outer_entry)
		return -NK_EDONE;
	uint64_t e = me->outer_entry;
	me->outer_entry = 0;
	arch_ap_release();
	__atomic_store_n(&me->state, NK_CPU_RUNNING, __ATOMIC_RELEASE);
	return (long)e;
}

long nk_smp_release_impl(void)
{
	unsigned me = arch_cpu_index();
	if (me != 0)
		return nk_count(NK_CALL_SMP_RELEASE, ap_take_entry(me));
	if (nk.smp_released)
		return nk_count(NK_CALL_SMP_RELEASE, -NK_EDONE);
	nk.smp_released = true;
	nk.shoot_on = nk.ncpus > 1;
	long n = 0;
	/* the IPI gate's CPU indices are nk's: cpu_apic_id[0..ncpus_online)
	 * grows over the prefix of released APs (an AP that failed to start
	 * ends it, so that no index names a CPU not running the outer kernel) */
	struct nk_apic_view *av = apic_view();
	bool prefix = av->on;
	for (unsigned c = 1; c < nk.ncpus; c++) {
		if (nk_pcpu[c].state != NK_CPU_PARKED) {
			prefix = false;
			continue;
		}
		nk_pcpu[c].outer_entry = (uint64_t)outer_ap_main;
		if (prefix && c < NK_APIC_CPUS_MAX) {
			av->cpu_apic_id[c] = (uint8_t)nk_pcpu[c].apic_id;
			__atomic_store_n(&av->ncpus_online, c + 1, __ATOMIC_RELEASE);
		}
		__atomic_store_n(&nk_smp_turn, c, __ATOMIC_RELEASE);
		if (nk_smp_wait_state(c, NK_CPU_RUNNING)) {
			n++;
		} else {
			nk_pcpu[c].outer_entry = 0;
			if (prefix)
				av->ncpus_online = c;
			prefix = false;
		}
	}
	__atomic_store_n(&nk_smp_turn, 0, __ATOMIC_RELEASE);
	return nk_count(NK_CALL_SMP_RELEASE, n);
}
