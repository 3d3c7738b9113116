/* /bench/null [SAMPLES]: the null system call (LMBench lat_syscall null):
 * getppid, raw, 1000 per sample. Reports TSC ticks per call. */
#include <sys/syscall.h>
#include "bench.h"

#define PER 1000

int main(int argc, char **argv)
{
	int n = b_samples(argc, argv);
	uint64_t t[BENCH_MAX_SAMPLES];
	SC(SYS_getppid); /* warm up */
	b_count_start();
	for (int s = 0; s < n; s++) {
		uint64_t t0 = b_tsc();
		for (int i = 0; i < PER; i++)
			SC(SYS_getppid);
		t[s] = (b_tsc() - t0) / PER;
	}
	b_report("null_syscall", t, n, PER);
	return 0;
}
