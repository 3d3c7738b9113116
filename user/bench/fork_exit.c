/* /bench/fork_exit [SAMPLES]: fork a child that exits at once; the parent
 * waits (LMBench lat_proc fork). Raw syscalls, 4 per sample. Reports TSC
 * ticks per fork+exit+wait. */
#include <sys/syscall.h>
#include "bench.h"

#define PER 4

int main(int argc, char **argv)
{
	int n = b_samples(argc, argv);
	uint64_t t[BENCH_MAX_SAMPLES];
	b_count_start();
	for (int s = 0; s < n; s++) {
		uint64_t t0 = b_tsc();
		for (int k = 0; k < PER; k++) {
			long pid = SC(SYS_fork);
			if (pid == 0)
				SC(SYS_exit, 0);
			if (pid < 0)
				return b_fail("fork_exit", "fork", pid);
			SC(SYS_wait4, pid, 0, 0, 0);
		}
		t[s] = (b_tsc() - t0) / PER;
	}
	b_report("fork_exit", t, n, PER);
	return 0;
}
