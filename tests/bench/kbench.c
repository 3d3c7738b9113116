/* In-kernel microbenchmarks of the vMMU (bench.md "vMMU micro"): console
 * command `bench [quick]`, also reachable from user space as `nk bench`
 * (NKSYS_CONSOLE) and run by /bench/run-all. Each figure is TSC ticks per
 * operation (instructions under QEMU -icount shift=0), printed as
 *
 *   bench: name=NAME unit=tsc reps=N median=M min=A max=B
 *
 * over `samples` samples of `per` operations each. The same code runs on
 * the nested build (every call through the gate) and the native build
 * (plain functions, nk/native.c), so the two are comparable. The scratch
 * page-table page is a user-half L1 linked into no address space, so the
 * writes change no translation anyone uses. */
#include <outer/kernel.h>
#include <outer/console.h>
#include <outer/mm.h>
#include <nk/vmmu.h>

#define SAMPLES 15
#define PER 64
#define MAX_SAMPLES 32

static struct nk_pte_write kb_batch[NK_BATCH_MAX];

/* nk's IOTLB invalidations when the timed loop began (kb_report). */
static uint64_t kb_inv0;

/* Sort t[0..n) and print the bench line for it, with the IOTLB
 * invalidations per operation since kb_inv0, then extra (" key=value"
 * fields, or ""). */
static void kb_report(const char *name, uint64_t *t, int n, int per, const char *extra)
{
	uint64_t inv100 = (nk_view->iommu.invalidations - kb_inv0) * 100 / (uint64_t)(n * per);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	uint64_t med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	kprintf("bench: name=%s unit=tsc reps=%d median=%lu min=%lu max=%lu iotlb=%lu.%02lu%s\n",
		name, n * per, med, t[0], t[n - 1], inv100 / 100, inv100 % 100, extra);
	kb_inv0 = nk_view->iommu.invalidations;
}

/* Fill kb_batch with entries [0, n) of l1 set to pte; returns n. */
static size_t kb_fill(paddr_t l1, size_t n, pte_t pte)
{
	for (size_t i = 0; i < n; i++)
		kb_batch[i] = (struct nk_pte_write){.ptp = l1, .index = i, .pte = pte};
	return n;
}

/* Time each microbenchmark; returns 0, or 1 when nk refused a call. */
static int kb_run(int samples, paddr_t l1, paddr_t spare, paddr_t data)
{
	uint64_t t[MAX_SAMPLES];
	const pte_t leaf = pte_make(data, PTE_P | PTE_U | PTE_W | PTE_NX);
	const paddr_t cr3 = pa_init(read_cr3() & PTE_ADDR_4K);
	long bad = 0;

	kb_inv0 = nk_view->iommu.invalidations;
	for (int s = 0; s < samples; s++) { /* gate round trip */
		uint64_t t0 = rdtsc();
		for (int i = 0; i < PER; i++)
			bad |= nk_null();
		t[s] = (rdtsc() - t0) / PER;
	}
	kb_report("vmmu_null", t, samples, PER, "");

	for (int s = 0; s < samples; s++) { /* one validated PTE write: empty -> mapped */
		uint64_t t0 = rdtsc();
		for (unsigned i = 0; i < PER; i++)
			bad |= nk_write_pte(l1, i, leaf);
		t[s] = (rdtsc() - t0) / PER;
		bad |= nk_write_ptes(kb_batch, kb_fill(l1, PER, 0));
	}
	kb_report("vmmu_write_pte", t, samples, PER, "");

	uint64_t tc[MAX_SAMPLES];
	for (int s = 0; s < samples; s++) { /* a batch of 512, set then cleared */
		size_t n = kb_fill(l1, NK_BATCH_MAX, leaf);
		uint64_t t0 = rdtsc();
		bad |= nk_write_ptes(kb_batch, n);
		uint64_t t1 = rdtsc();
		n = kb_fill(l1, NK_BATCH_MAX, 0);
		uint64_t t2 = rdtsc();
		bad |= nk_write_ptes(kb_batch, n);
		uint64_t t3 = rdtsc();
		t[s] = (t1 - t0) / NK_BATCH_MAX;
		tc[s] = (t3 - t2) / NK_BATCH_MAX;
	}
	kb_report("vmmu_batch512_per_pte", t, samples, NK_BATCH_MAX, "");
	kb_report("vmmu_batch512_clear_per_pte", tc, samples, NK_BATCH_MAX, "");

	for (int s = 0; s < samples; s++) { /* declare + remove one PTP */
		uint64_t t0 = rdtsc();
		for (int i = 0; i < PER / 8; i++) {
			bad |= nk_declare_ptp(spare, 1);
			bad |= nk_remove_ptp(spare);
		}
		t[s] = (rdtsc() - t0) / (PER / 8);
	}
	kb_report("vmmu_declare_remove_ptp", t, samples, PER / 8, "");

	memset(pa_to_dm(spare), 0, PAGE_SIZE); /* text without an I5 encoding */
	for (int s = 0; s < samples; s++) {    /* promote + demote one frame of (empty) text */
		uint64_t t0 = rdtsc();
		for (int i = 0; i < PER / 8; i++) {
			bad |= nk_promote_code(&spare, 1);
			bad |= nk_demote_code(&spare, 1);
		}
		t[s] = (rdtsc() - t0) / (PER / 8);
	}
	kb_report("vmmu_promote_demote", t, samples, PER / 8, "");

	for (int s = 0; s < samples; s++) { /* reload the current address space */
		uint64_t t0 = rdtsc();
		for (int i = 0; i < PER; i++)
			bad |= nk_load_cr3(cr3);
		t[s] = (rdtsc() - t0) / PER;
	}
	kb_report("vmmu_load_cr3", t, samples, PER, "");

	if (bad)
		kprintf("bench: nk refused a call (error bits %lx)\n", (unsigned long)-bad);
	return bad ? 1 : 0;
}

/* Shootdown acknowledgements made so far, over every CPU (nk_cpu shoots). */
static uint64_t kb_acks(void)
{
	uint64_t n = 0;
	for (unsigned c = 0; c < nk_view->ncpus && c < NK_VIEW_CPUS; c++)
		n += nk_view->cpus[c].shoots;
	return n;
}

/* kb_shoot: the shootdown's cost (issue 17, bench.md "Several CPUs"):
 * `samples` samples of PER revoking writes of one kernel-half leaf (a page
 * of the MMIO window mapped to the first physical address past nk's frame
 * table, never accessed), each timed alone, the leaf mapped again untimed
 * after it. Every CPU may cache a kernel-half entry (I9), so on n CPUs
 * each revocation shoots down to the n - 1 others. Prints the bench line
 * of "shoot_khalf_revoke" with, per operation, shoots= (shootdowns) and
 * ipis= (IPIs sent); wait= (TSC ticks per shootdown the initiator waited
 * for the acknowledgements: under -icount QEMU runs the CPUs round-robin,
 * so the receivers' whole run, interrupt entry and exit included, is in
 * it and in the row's median); acks= (acknowledgements per operation) and
 * ack= (TSC ticks per acknowledgement in nk_smp_poll_impl on the
 * receiving CPU: flush and acknowledge; the stub and its two gates are
 * not in it). Returns 0, or 1 when the mapping or a write failed, or when
 * on several CPUs a revocation sent no IPI. */
static int kb_shoot(int samples)
{
	uint64_t t[MAX_SAMPLES];
	volatile void *va;
	paddr_t l1;
	unsigned idx;
	long bad = 0;
	if (mm_map_mmio(pa_from_pfn(nk_view->nframes), PAGE_SIZE, &va) ||
	    !mm_leaf(nk_view->master_l4, (uint64_t)va, &l1, &idx)) {
		kprintf("bench: no kernel-half page for the shootdown row\n");
		return 1;
	}
	const pte_t leaf = ((const pte_t *)pa_to_dm(l1))[idx];
	const struct nk_stats *st = &nk_view->stats;
	uint64_t sd0 = st->shootdowns, ipi0 = st->shoot_ipis, w0 = st->shoot_wait_tsc;
	uint64_t a0 = kb_acks(), at0 = st->shoot_ack_tsc;
	for (int s = 0; s < samples; s++) {
		uint64_t sum = 0;
		for (int i = 0; i < PER; i++) {
			uint64_t t0 = rdtsc();
			bad |= nk_write_pte(l1, idx, 0);
			sum += rdtsc() - t0;
			bad |= nk_write_pte(l1, idx, leaf);
		}
		t[s] = sum / PER;
	}
	const uint64_t ops = (uint64_t)samples * PER;
	uint64_t sd = st->shootdowns - sd0, acks = kb_acks() - a0;
	uint64_t sd100 = sd * 100 / ops, ipi100 = (st->shoot_ipis - ipi0) * 100 / ops;
	uint64_t ack100 = acks * 100 / ops;
	char extra[160];
	ksnprintf(extra, sizeof(extra),
		  " shoots=%lu.%02lu ipis=%lu.%02lu wait=%lu acks=%lu.%02lu ack=%lu", sd100 / 100,
		  sd100 % 100, ipi100 / 100, ipi100 % 100, sd ? (st->shoot_wait_tsc - w0) / sd : 0,
		  ack100 / 100, ack100 % 100, acks ? (st->shoot_ack_tsc - at0) / acks : 0);
	kb_report("shoot_khalf_revoke", t, samples, PER, extra);
	int r = 0;
	if (bad) {
		kprintf("bench: nk refused a shootdown row write (error bits %lx)\n",
			(unsigned long)-bad);
		r = 1;
	}
	if (mm_unmap_mmio(va, PAGE_SIZE)) {
		kprintf("bench: the shootdown row's page did not unmap\n");
		r = 1;
	}
	/* every other running CPU may cache a kernel-half entry: on several
	 * CPUs each revocation must have shot down to them (no silent zero) */
	if (nk_view->ncpus > 1 && ipi100 < 100) {
		kprintf("bench: shoot_khalf_revoke: %lu.%02lu IPIs per revocation on %u CPUs\n",
			ipi100 / 100, ipi100 % 100, nk_view->ncpus);
		r = 1;
	}
	return r;
}

/* cmd_bench: `bench [quick]`: the vMMU microbenchmarks: gate round trip,
 * one nk_write_pte, a batch of 512 (per PTE), declare+remove PTP,
 * promote+demote one text frame, CR3 load, a revoking kernel-half write (its
 * shootdown: kb_shoot); one "bench:" line each, in TSC ticks per operation
 * (instructions under QEMU -icount shift=0). 15 samples, 1 with `quick`. Returns 0, or 1 if memory
 * ran out or nk refused a call. */
static int cmd_bench(int argc, char **argv)
{
	int samples = argc > 1 && !strcmp(argv[1], "quick") ? 1 : SAMPLES;
	paddr_t l1 = frame_alloc(), spare = frame_alloc(), data = frame_alloc();
	int r = 1;
	if (!pa_addr(l1) || !pa_addr(spare) || !pa_addr(data)) {
		kprintf("bench: out of memory\n");
		goto out;
	}
	if (nk_declare_ptp(l1, 1)) {
		kprintf("bench: nk refused the scratch L1\n");
		goto out;
	}
	kprintf("bench: vMMU micro (%s build), %d samples, %lu MiB RAM\n",
		nk_view->nested ? "nested" : "native", samples, nk_view->nframes >> 8);
	r = kb_run(samples, l1, spare, data);
	r |= kb_shoot(samples);
	if (nk_remove_ptp(l1))
		r = 1;
out:
	if (pa_addr(l1))
		frame_free(l1);
	if (pa_addr(spare))
		frame_free(spare);
	if (pa_addr(data))
		frame_free(data);
	return r;
}

CONSOLE_COMMAND(bench, "bench [quick]: vMMU microbenchmarks (tests/bench/kbench.c)", cmd_bench,
		true);
