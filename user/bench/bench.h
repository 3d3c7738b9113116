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

/* b_report - print the bench line for `n` samples t[] (TSC ticks per
 * operation, sorted here), each the mean of `per` operations, with
 * crossings=X.XX crwrites=Y.YY iotlb=Z.ZZ (IOTLB invalidations) per
 * operation since b_count_start. */
static inline void b_report(const char *name, uint64_t *t, int n, int per)
{
	struct nksys_info c1;
	nksys(NKSYS_INFO, (long)&c1, 0, 0);
	unsigned long ops = (unsigned long)n * (unsigned long)per;
	unsigned long x100 = (c1.gate_crossings - b_c0.gate_crossings) * 100 / ops;
	unsigned long w100 = (c1.cr_writes - b_c0.cr_writes) * 100 / ops;
	unsigned long i100 = (c1.iotlb_invalidations - b_c0.iotlb_invalidations) * 100 / ops;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	uint64_t med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("bench: name=%s unit=tsc reps=%d median=%llu min=%llu max=%llu crossings=%lu.%02lu "
	       "crwrites=%lu.%02lu iotlb=%lu.%02lu\n",
	       name, n * per, (unsigned long long)med, (unsigned long long)t[0],
	       (unsigned long long)t[n - 1], x100 / 100, x100 % 100, w100 / 100, w100 % 100,
	       i100 / 100, i100 % 100);
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
