/* /bench/fork_exec [SAMPLES]: fork a child that execs /tests/tiny (a
 * 132-byte static ELF that exits 42); the parent waits (LMBench lat_proc
 * exec). Raw syscalls, 4 per sample. Reports TSC ticks per
 * fork+exec+exit+wait. */
#include <sys/syscall.h>
#include "bench.h"

#define PER 4

int main(int argc, char **argv)
{
	int n = b_samples(argc, argv);
	uint64_t t[BENCH_MAX_SAMPLES];
	static char *const cargv[] = {"tiny", NULL};
	static char *const cenv[] = {NULL};
	b_count_start();
	for (int s = 0; s < n; s++) {
		uint64_t t0 = b_tsc();
		for (int k = 0; k < PER; k++) {
			long pid = SC(SYS_fork);
			if (pid == 0) {
				SC(SYS_execve, "/tests/tiny", cargv, cenv);
				SC(SYS_exit, 127);
			}
			if (pid < 0)
				return b_fail("fork_exec", "fork", pid);
			int st = 0;
			SC(SYS_wait4, pid, &st, 0, 0);
			if (st != 42 << 8)
				return b_fail("fork_exec", "child status", -8 /* ENOEXEC */);
		}
		t[s] = (b_tsc() - t0) / PER;
	}
	b_report("fork_exec", t, n, PER);
	return 0;
}
