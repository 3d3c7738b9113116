/* /bench/run-all [full|quick][:N] | tput[:N]: run every workload of /bench in turn
 * (the samples argument: 15, or 1 with `quick`), then the in-kernel vMMU
 * microbenchmarks (console command `bench`, through NKSYS_CONSOLE), then
 * the macro workloads (/bench/macro/run NAME full|quick N: N runs each, by
 * default 3, or 1 with `quick` (short ones); N = 0 skips them;
 * user/macro/), and print "bench: done ok=1" when every one exited 0.
 * With tput[:N], only /bench/fork_tput N (fork+exit throughput, one worker
 * per CPU; N samples, default 3). init runs it when the kernel command line
 * has bench=1 (full) or bench=MODE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ulib.h"

static const char *const workloads[] = {"null",	     "pagefault", "mmap",
					"fork_exit", "fork_exec", "ctxsw"};
static const char *const macro[] = {"build", "archive", "database"};

/* run - fork + execve av[0] with av; returns 1 if it exited 0, else
 * prints a bench-error line and returns 0. */
static int run(char *const av[])
{
	char *env[] = {NULL};
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execve(av[0], av, env);
		_exit(127);
	}
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("bench-error: %s %s failed (status %#x)\n", av[0], av[1], st);
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "full";
	if (!strncmp(mode, "tput", 4)) { /* tput[:N]: /bench/fork_tput N alone (default 3) */
		char *av[] = {"/bench/fork_tput", mode[4] == ':' ? (char *)mode + 5 : "3", NULL};
		int ok = run(av);
		printf("bench: done ok=%d\n", ok);
		fflush(stdout);
		return ok ? 0 : 1;
	}
	int quick = !strncmp(mode, "quick", 5);
	char *samples = quick ? "1" : "15";
	const char *colon = strchr(mode, ':');
	int runs = colon ? atoi(colon + 1) : quick ? 1 : 3;
	char nruns[12];
	snprintf(nruns, sizeof(nruns), "%d", runs);
	int ok = 1;
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/bench/%s", workloads[i]);
		char *av[] = {path, samples, NULL};
		ok &= run(av);
	}
	fflush(stdout);
	long r = nksys(NKSYS_CONSOLE, (long)(quick ? "bench quick" : "bench"), 0, 0);
	if (r != 0) {
		printf("bench-error: kernel bench: %ld\n", r);
		ok = 0;
	}
	for (size_t i = 0; runs > 0 && i < sizeof(macro) / sizeof(macro[0]); i++) {
		char *av[] = {"/bench/macro/run", (char *)macro[i], quick ? "quick" : "full", nruns,
			      NULL};
		ok &= run(av);
	}
	printf("bench: done ok=%d\n", ok);
	fflush(stdout);
	return ok ? 0 : 1;
}
