/* /bench/run-all [quick]: run every workload of /bench in turn (the
 * samples argument: 15, or 1 with `quick`), then the in-kernel vMMU
 * microbenchmarks (console command `bench`, through NKSYS_CONSOLE), and
 * print "bench: done ok=1" when every one exited 0. init runs it when the
 * kernel command line has bench=1 or bench=quick. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ulib.h"

static const char *const workloads[] = {"null",	     "pagefault", "mmap",
					"fork_exit", "fork_exec", "ctxsw"};

int main(int argc, char **argv)
{
	int quick = argc > 1 && !strcmp(argv[1], "quick");
	char *samples = quick ? "1" : "15";
	int ok = 1;
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/bench/%s", workloads[i]);
		char *av[] = {path, samples, NULL};
		char *env[] = {NULL};
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			execve(path, av, env);
			_exit(127);
		}
		int st = -1;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("bench-error: %s failed (status %#x)\n", path, st);
			ok = 0;
		}
	}
	fflush(stdout);
	long r = nksys(NKSYS_CONSOLE, (long)(quick ? "bench quick" : "bench"), 0, 0);
	if (r != 0) {
		printf("bench-error: kernel bench: %ld\n", r);
		ok = 0;
	}
	printf("bench: done ok=%d\n", ok);
	fflush(stdout);
	return ok ? 0 : 1;
}
