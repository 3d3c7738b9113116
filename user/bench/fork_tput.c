/* /bench/fork_tput [SAMPLES [MS]]: fork+exit throughput on several CPUs
 * (issue 17, bench.md "Several CPUs"): per sample, one worker process per
 * CPU the outer kernel runs on (NKSYS_INFO ncpus), each forking a child
 * that exits at once and waiting for it (as /bench/fork_exit), until MS
 * milliseconds (default 1000) of the guest clock (CLOCK_MONOTONIC: the
 * PIT's 10 ms ticks) have passed since the sample began. Each worker
 * sends its count through a pipe. A sample's figure is all the workers'
 * fork+exit+wait operations divided by the guest time from before the
 * first worker's fork to after the last one's exit, per second. SAMPLES
 * default 3 (1..BENCH_MAX_SAMPLES). Meant for plain TCG (MTTCG: the
 * CPUs run in parallel on the host's), where the figure is noisy: under
 * -icount the CPUs run round-robin and time follows instructions.
 *
 * Prints
 *   bench: name=fork_exit_tput unit=per_s reps=SAMPLES median=M min=A max=B
 *          workers=W ms=MS switches=S0,S1,..
 * with M, A, B operations per second over the samples and Si the task
 * switches onto CPU i during all of them (where the work ran). Exit
 * status 0, or 1 with a bench-error line when a fork, pipe or wait
 * failed. */
#include <sys/syscall.h>
#include <string.h>
#include <time.h>
#include "bench.h"

#define CHECK_EVERY 4 /* fork+exit+waits between clock reads */

/* now_ns - CLOCK_MONOTONIC in nanoseconds. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* worker - fork+exit+wait until the guest clock reaches deadline (ns);
 * writes the count (unsigned long) to fd and exits 0, or 1 if a fork
 * failed. Does not return. */
static void worker(int fd, uint64_t deadline)
{
	unsigned long n = 0;
	int st = 0;
	do {
		for (int k = 0; k < CHECK_EVERY; k++) {
			long pid = SC(SYS_fork);
			if (pid == 0)
				SC(SYS_exit, 0);
			if (pid < 0) {
				st = 1;
				break;
			}
			SC(SYS_wait4, pid, 0, 0, 0);
			n++;
		}
	} while (!st && now_ns() < deadline);
	SC(SYS_write, fd, &n, sizeof(n));
	SC(SYS_exit, st);
}

int main(int argc, char **argv)
{
	int n = b_samples(argc, argv);
	if (argc <= 1)
		n = 3;
	long ms = argc > 2 ? atol(argv[2]) : 1000;
	if (ms < 10 || ms > 60000) {
		printf("bench-error: name=fork_exit_tput MS %ld out of 10..60000\n", ms);
		return 1;
	}
	struct nksys_info i0, i1;
	nksys(NKSYS_INFO, (long)&i0, 0, 0);
	int workers = i0.ncpus >= 1 && i0.ncpus <= 8 ? (int)i0.ncpus : 1;
	uint64_t t[BENCH_MAX_SAMPLES];
	for (int s = 0; s < n; s++) {
		int fd[2];
		long r = SC(SYS_pipe, fd);
		if (r < 0)
			return b_fail("fork_exit_tput", "pipe", r);
		uint64_t t0 = now_ns();
		for (int w = 0; w < workers; w++) {
			long pid = SC(SYS_fork);
			if (pid == 0)
				worker(fd[1], t0 + (uint64_t)ms * 1000000ull);
			if (pid < 0)
				return b_fail("fork_exit_tput", "fork", pid);
		}
		SC(SYS_close, fd[1]);
		unsigned long ops = 0, c;
		int got = 0, failed = 0;
		while (SC(SYS_read, fd[0], &c, sizeof(c)) == (long)sizeof(c)) {
			ops += c;
			got++;
		}
		for (int w = 0; w < workers; w++) {
			int st = -1;
			if (SC(SYS_wait4, -1, &st, 0, 0) < 0 || st != 0)
				failed = 1;
		}
		uint64_t el = now_ns() - t0;
		SC(SYS_close, fd[0]);
		if (failed || got != workers || !el) {
			printf("bench-error: name=fork_exit_tput sample %d: %d of %d workers "
			       "reported%s\n",
			       s, got, workers, failed ? ", a worker failed" : "");
			return 1;
		}
		t[s] = (uint64_t)ops * 1000000000ull / el;
	}
	nksys(NKSYS_INFO, (long)&i1, 0, 0);
	char sw[8 * 22] = "", *p = sw;
	for (int c = 0; c < workers; c++)
		p += snprintf(p, sizeof(sw) - (size_t)(p - sw), "%s%lu", c ? "," : "",
			      i1.cpu_switches[c] - i0.cpu_switches[c]);
	/* nk's and the outer kernel's per-CPU counters, for the log (the
	 * console's `cpus`: reschedule IPIs, halts, BKL spins, shootdowns) */
	nksys(NKSYS_CONSOLE, (long)"cpus", 0, 0);
	uint64_t med = b_median(t, n);
	printf("bench: name=fork_exit_tput unit=per_s reps=%d median=%llu min=%llu max=%llu "
	       "workers=%d ms=%ld switches=%s\n",
	       n, (unsigned long long)med, (unsigned long long)t[0], (unsigned long long)t[n - 1],
	       workers, ms, sw);
	fflush(stdout);
	return 0;
}
