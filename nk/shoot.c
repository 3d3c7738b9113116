/* nk on several CPUs, part 3: nk's lock and the TLB shootdown (spec I10
 * with SMP; issue 17, sections 2 and 3).
 *
 * Lock order. There is one nk lock (nk_lock_next, nk_lock_serving: a
 * ticket lock in nk memory, written only inside nk):
 *   1. the outer kernel's locks (its big kernel lock): nk never takes them;
 *   2. the nk lock: taken by the gate itself (nk/gate.asm NK_LOCK) for
 *      every call that reads or writes the frame table, the region table,
 *      the logs, the IOMMU's tables or the CPU records, and held from its
 *      decode to the end of its perform, so every decision and what it
 *      decided happen under one hold. Not taken by nk_null, nk_smp_poll,
 *      nk_smp_release, nk_apic_eoi, nk_apic_timer and nk_apic_ipi, which
 *      touch only this CPU's local APIC, this CPU's record or the AP
 *      release handshake.
 * nk takes no other lock and runs no outer code while holding it.
 *
 * A CPU spinning for the lock has interrupts off, so it cannot take a
 * shootdown IPI. It polls its own mailbox instead (nk_smp_poll_impl from
 * nk_lock_wait), so the holder's wait for acknowledgements never waits on
 * a CPU that waits on it. The outer kernel's spinners do the same through
 * the gate nk_smp_poll.
 *
 * Shootdown. A call that removes a right flushes this CPU's TLB and then,
 * before it returns and before any type change relies on the revocation,
 * nk_shoot: writes a new generation into the mailbox (struct nk_cpu
 * shoot_req) of every CPU that may cache the old translation, sends each
 * the fixed IPI NK_VECTOR_SHOOTDOWN, and waits until each has acknowledged
 * that generation (shoot_ack), all in nk memory. A target flushes its
 * whole TLB (a CR3 reload) in nk's stub for that vector, through the gate
 * nk_smp_poll, or while it spins in nk. The targets: every other running
 * CPU for a kernel-half entry (every L4 shares the kernel half, I9) or a
 * PTP nk_ptp_root cannot pin to one L4; for a user-half PTP of one L4,
 * only the CPUs whose recorded CR3 is that L4. No PCID and no global user
 * pages (nk refuses G in outer entries) make "loaded now" enough: a CPU
 * that switched away flushed every user translation with its CR3 write,
 * and nk_load_cr3 records the new L4 under the lock. A batch or multicall
 * shoots down once, after its last update.
 * Source: SDM Vol. 3A 4.10.4 (TLB invalidation), 4.10.5 (propagation of
 * paging-structure changes to multiple processors), 8.2 (memory ordering),
 * 11.6 (IPIs); spec I10. */
#include "nk.h"
#include <nk/apic.h>

/* The nk lock (nk/gate.asm NK_LOCK reads and writes these). */
volatile uint32_t nk_lock_next, nk_lock_serving;

long nk_smp_poll_impl(void)
{
	struct nk_cpu *me = &nk_pcpu[arch_cpu_index()];
	uint64_t req = __atomic_load_n(&me->shoot_req, __ATOMIC_ACQUIRE);
	if (req == me->shoot_ack)
		return 0;
	uint64_t t0 = arch_rdtsc(); /* the bench's receiver figure (stats.shoot_ack_tsc) */
	arch_flush_tlb();
	me->shoots++;
	__atomic_store_n(&me->shoot_ack, req, __ATOMIC_RELEASE);
	/* receivers run without the nk lock: an atomic add */
	__atomic_fetch_add(&nk_view_store.stats.shoot_ack_tsc, arch_rdtsc() - t0, __ATOMIC_RELAXED);
	return 1;
}

/* Merge two nk_ptp_root answers: the address space either names. */
static uint64_t root_merge(uint64_t a, uint64_t b)
{
	if (a == NK_ROOT_NONE)
		return b;
	if (b == NK_ROOT_NONE || a == b)
		return a;
	return NK_ROOT_ALL;
}

void nk_shoot_note(uint64_t ptp_pfn)
{
	if (nk.shoot_on)
		nk.shoot_root = root_merge(nk.shoot_root, nk_ptp_root(ptp_pfn));
}

void nk_shoot(uint64_t root)
{
	root = root_merge(nk.shoot_root, root);
	nk.shoot_root = NK_ROOT_NONE;
	if (!nk.shoot_on || root == NK_ROOT_NONE)
		return;
	unsigned me = arch_cpu_index();
	uint64_t gen = ++nk.shoot_gen, targets = 0;
	for (unsigned c = 0; c < nk.ncpus; c++) {
		struct nk_cpu *p = &nk_pcpu[c];
		if (c == me || __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != NK_CPU_RUNNING)
			continue;
		if (root != NK_ROOT_ALL && pa_pfn(nk.cur_cr3[c]) != root)
			continue;
		__atomic_store_n(&p->shoot_req, gen, __ATOMIC_RELEASE);
		targets |= 1ull << c;
	}
	if (!targets)
		return;
	/* the requests are visible before any IPI (SDM 8.2.2: stores are not
	 * reordered with later stores; the ICR write is a store) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned c = 0; c < nk.ncpus; c++)
		if (targets & (1ull << c)) {
			nk_lapic_send_fixed(nk_pcpu[c].apic_id, NK_VECTOR_SHOOTDOWN);
			nk_view_store.stats.shoot_ipis++;
		}
	uint64_t t0 = arch_rdtsc(); /* the bench's wait figure (stats.shoot_wait_tsc) */
	for (unsigned c = 0; c < nk.ncpus; c++)
		while ((targets & (1ull << c)) &&
		       __atomic_load_n(&nk_pcpu[c].shoot_ack, __ATOMIC_ACQUIRE) < gen)
			arch_pause();
	nk_view_store.stats.shoot_wait_tsc += arch_rdtsc() - t0;
	nk_view_store.stats.shootdowns++;
}
