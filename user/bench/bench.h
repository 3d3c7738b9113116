/* Shared helpers of the benchmark workloads (user/bench/, bench.md).
 *
 * Each workload times `samples` runs of `per` operations with rdtsc and
 * prints one machine-readable line (tools/bench.py parses it):
 *
 *   bench: name=NAME unit=tsc reps=N median=M min=A max=B
 *
 * where N = samples * per and M, A, B are TSC ticks per operation (the
 * median, least and greatest over the samples). Under QEMU -icount shift=0
 * a TSC tick is one guest instruction. Header-only: every workload is one
 * .c file. Argument: the number of samples (default BENCH_SAMPLES). */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "ulib.h"

#define BENCH_SAMPLES 15
#define BENCH_MAX_SAMPLES 256

/* b_tsc - the time-stamp counter (SDM Vol. 2B RDTSC): instructions under
 * -icount shift=0, host TSC ticks under plain TCG. */
static inline uint64_t b_tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* b_samples - the sample count from argv[1] (1..BENCH_MAX_SAMPLES), else
 * BENCH_SAMPLES. */
static inline int b_samples(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : BENCH_SAMPLES;
	if (n < 1)
		n = 1;
	return n > BENCH_MAX_SAMPLES ? BENCH_MAX_SAMPLES : n;
}

/* b_count_start - nk's counters (NKSYS_INFO) before the samples: b_report
 * adds gate crossings and serialising control-register writes per
 * operation (bench.md; the two NKSYS_INFO calls' own audit records add
 * about 2 crossings over all the samples). */
static struct nksys_info b_c0;
static inline void b_count_start(void)
{
	nksys(NKSYS_INFO, (long)&b_c0, 0, 0);
}

/* b_extra - more " key=value" fields for b_report's line ("" if none;
 * the macro workloads' wall-clock ms=, user/macro/run.c). */
static const char *b_extra __attribute__((unused)) = "";

/* b_per_op - "X.XX": counter delta d per operation (ops of them). */
static inline const char *b_per_op(char *buf, size_t size, unsigned long d, unsigned long ops)
{
	unsigned long x100 = d * 100 / ops;
	snprintf(buf, size, "%lu.%02lu", x100 / 100, x100 % 100);
	return buf;
}

/* b_median - sort the n (>= 1) samples t[] in place, ascending; returns
 * their median (the mean of the middle two when n is even). */
static inline uint64_t b_median(uint64_t *t, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* b_report - print the bench line for `n` samples t[] (TSC ticks per
 * operation, sorted here), each the mean of `per` operations, with, per
 * operation since b_count_start, nk's counters (NKSYS_INFO): crossings=
 * (gate crossings) crwrites= (serialising CR/MSR writes) iotlb= (IOTLB
 * invalidations) vmmu= (vMMU calls) ptes= (PTEs written) flushes= (TLB
 * flushes) shoots= (TLB shootdowns that waited for other CPUs) ipis=
 * (the shootdown IPIs sent), each X.XX; then b_extra. */
static inline void b_report(const char *name, uint64_t *t, int n, int per)
{
	struct nksys_info c1;
	nksys(NKSYS_INFO, (long)&c1, 0, 0);
	unsigned long ops = (unsigned long)n * (unsigned long)per;
	char cx[24], cw[24], ci[24], cv[24], cp[24], cf[24], cs[24], cq[24];
	uint64_t med = b_median(t, n);
	printf("bench: name=%s unit=tsc reps=%d median=%llu min=%llu max=%llu crossings=%s "
	       "crwrites=%s iotlb=%s vmmu=%s ptes=%s flushes=%s shoots=%s ipis=%s%s\n",
	       name, n * per, (unsigned long long)med, (unsigned long long)t[0],
	       (unsigned long long)t[n - 1],
	       b_per_op(cx, sizeof(cx), c1.gate_crossings - b_c0.gate_crossings, ops),
	       b_per_op(cw, sizeof(cw), c1.cr_writes - b_c0.cr_writes, ops),
	       b_per_op(ci, sizeof(ci), c1.iotlb_invalidations - b_c0.iotlb_invalidations, ops),
	       b_per_op(cv, sizeof(cv), c1.vmmu_calls - b_c0.vmmu_calls, ops),
	       b_per_op(cp, sizeof(cp), c1.ptes_written - b_c0.ptes_written, ops),
	       b_per_op(cf, sizeof(cf), c1.tlb_flushes - b_c0.tlb_flushes, ops),
	       b_per_op(cs, sizeof(cs), c1.shootdowns - b_c0.shootdowns, ops),
	       b_per_op(cq, sizeof(cq), c1.shoot_ipis - b_c0.shoot_ipis, ops), b_extra);
	fflush(stdout);
}

/* b_fail - report a workload error (the harness sees the name missing). */
static inline int b_fail(const char *name, const char *what, long err)
{
	printf("bench-error: name=%s %s: %s\n", name, what, u_errname((int)-err));
	fflush(stdout);
	return 1;
}

#endif
