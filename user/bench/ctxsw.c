/* /bench/ctxsw [SAMPLES]: two processes pass one byte back and forth
 * through two pipes (LMBench lat_ctx 0-size, 2 processes; lat_pipe).
 * 200 round trips per sample. Reports TSC ticks per switch (half a round
 * trip: one write, one read, one context switch). */
#include <sys/syscall.h>
#include "bench.h"

#define PER 200

int main(int argc, char **argv)
{
	int n = b_samples(argc, argv);
	uint64_t t[BENCH_MAX_SAMPLES];
	int to_child[2], to_parent[2];
	long r = SC(SYS_pipe, to_child);
	if (!r)
		r = SC(SYS_pipe, to_parent);
	if (r)
		return b_fail("ctx_switch", "pipe", r);
	long pid = SC(SYS_fork);
	if (pid < 0)
		return b_fail("ctx_switch", "fork", pid);
	char c = 0;
	if (pid == 0) {
		SC(SYS_close, to_child[1]); /* so the parent's close means EOF */
		SC(SYS_close, to_parent[0]);
		while (SC(SYS_read, to_child[0], &c, 1) == 1)
			if (SC(SYS_write, to_parent[1], &c, 1) != 1)
				break;
		SC(SYS_exit, 0);
	}
	SC(SYS_close, to_child[0]);
	SC(SYS_close, to_parent[1]);
	SC(SYS_write, to_child[1], &c, 1); /* warm up */
	SC(SYS_read, to_parent[0], &c, 1);
	b_count_start();
	for (int s = 0; s < n; s++) {
		uint64_t t0 = b_tsc();
		for (int i = 0; i < PER; i++) {
			SC(SYS_write, to_child[1], &c, 1);
			SC(SYS_read, to_parent[0], &c, 1);
		}
		t[s] = (b_tsc() - t0) / (2 * PER);
	}
	SC(SYS_close, to_child[1]);
	SC(SYS_wait4, pid, 0, 0, 0);
	b_report("ctx_switch", t, n, 2 * PER);
	return 0;
}
