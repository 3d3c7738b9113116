/* /bench/macro/run NAME full|quick [SAMPLES]: time the macro workload NAME
 * (issue 18, ../shared/spec/bench.md's macro row) SAMPLES times (default
 * 3, or 1 when quick) and print its bench line (user/bench/bench.h):
 *
 *   bench: name=macro_NAME unit=tsc reps=SAMPLES median=.. min=.. max=..
 *          crossings=.. crwrites=.. iotlb=.. vmmu=.. ptes=.. flushes=.. ms=.. verified=.. size=..
 *
 * with TSC ticks per run (instructions under QEMU -icount shift=0), nk's
 * counters per run, ms= the median wall-clock milliseconds per run
 * (CLOCK_MONOTONIC), verified= the runs that verified their output, and
 * size= the workload's size (build rounds, archive MiB, database rows). Each run is a fresh process
 * tree started with fork + execve, and verifies its own output against the results the build host
 * computed (user/macro/macro.mk), exiting non-zero if they differ: the line
 * is printed only when every run exited 0, so a row in the report means
 * the workload did the right work every time. Exit status 0, or 1 (with a
 * bench-error line) when a run failed or NAME is unknown.
 *
 * Workloads (sizes: user/macro/macro.mk, MC_* passed with -D):
 *   build     busybox ash: a loop of sed, awk, sort, grep, cmp, true
 *   archive   busybox ash: an 8 MiB tree, tar + gzip, extract, sha256sum -c
 *   database  SQLite: insert, index and query 50,000 rows */
#define _GNU_SOURCE
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

#define MC_STR2(x) #x
#define MC_STR(x) MC_STR2(x)

struct workload {
	const char *name;
	const char *argv[4]; /* the command, before its DIR SIZE EXPECT arguments */
	const char *dir;     /* its scratch file or directory, in the tmpfs */
	const char *full, *quick;
	const char *expect; /* printf format of the expected results' path: %s = full|quick */
};

static const struct workload workloads[] = {
    {"build",
     {"/bin/busybox", "sh", "/bench/macro/build.sh", NULL},
     "/tmp/macro-build",
     MC_STR(MC_BUILD_FULL),
     MC_STR(MC_BUILD_QUICK),
     "/bench/macro/build-%s.sha256"},
    {"archive",
     {"/bin/busybox", "sh", "/bench/macro/archive.sh", NULL},
     "/tmp/macro-archive",
     MC_STR(MC_ARCHIVE_FULL),
     MC_STR(MC_ARCHIVE_QUICK),
     "/bench/macro/archive-%s.sha256"},
    {"database",
     {"/bench/macro/db", NULL},
     "/tmp/macro.db",
     MC_STR(MC_DB_FULL),
     MC_STR(MC_DB_QUICK),
     "/bench/macro/db-%s.expect"},
};

/* now_ns - CLOCK_MONOTONIC in nanoseconds. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* run_once - fork + execve argv, wait for it; returns its wait status, or
 * -1 when fork or wait failed. */
static int run_once(char *const argv[])
{
	static char *const envp[] = {"PATH=/bin:/sbin", "HOME=/", NULL};
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execve(argv[0], argv, envp);
		_exit(127);
	}
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

int main(int argc, char **argv)
{
	const struct workload *w = NULL;
	for (size_t i = 0; argc > 2 && i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(argv[1], workloads[i].name))
			w = &workloads[i];
	int quick = argc > 2 && !strcmp(argv[2], "quick");
	if (!w || (!quick && strcmp(argv[2], "full"))) {
		printf("bench-error: usage: run build|archive|database full|quick [SAMPLES]\n");
		return 1;
	}
	int n = argc > 3 ? b_samples(argc - 2, argv + 2) : quick ? 1 : 3;
	char name[32], expect[64], *cargv[8];
	snprintf(name, sizeof(name), "macro_%s", w->name);
	snprintf(expect, sizeof(expect), w->expect, quick ? "quick" : "full");
	int k = 0;
	for (; w->argv[k]; k++)
		cargv[k] = (char *)w->argv[k];
	cargv[k++] = (char *)w->dir;
	cargv[k++] = (char *)(quick ? w->quick : w->full);
	cargv[k++] = expect;
	cargv[k] = NULL;
	uint64_t t[BENCH_MAX_SAMPLES], ns[BENCH_MAX_SAMPLES];
	b_count_start();
	for (int s = 0; s < n; s++) {
		uint64_t n0 = now_ns(), t0 = b_tsc();
		int st = run_once(cargv);
		t[s] = b_tsc() - t0;
		ns[s] = now_ns() - n0;
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("bench-error: name=%s run %d of %d failed (wait status %#x): not "
			       "verified\n",
			       name, s + 1, n, st);
			return 1;
		}
	}
	char extra[64];
	snprintf(extra, sizeof(extra), " ms=%llu verified=%d size=%s",
		 (unsigned long long)(b_median(ns, n) / 1000000), n, cargv[k - 2]);
	b_extra = extra;
	b_report(name, t, n, 1);
	return 0;
}
