/* forkloop [N]: fork + exec /tests/tiny + wait, N times (default 100); print
 * the time per cycle and, on the nested kernel, free frames before/after.
 * /tests/tiny is the smallest static ELF (one page, exits 42), so the cycle
 * measures fork and exec rather than a program's start-up (busybox's
 * /bin/true is a 2 MiB glibc binary). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ulib.h"

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	if (n <= 0) {
		fprintf(stderr, "usage: forkloop [N]\n");
		return 2;
	}
	struct nksys_info a, b;
	int nk = nksys(NKSYS_INFO, (long)&a, 0, 0) == 0;
	long failed = 0;
	long long t0 = now_us();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char *args[] = {"tiny", NULL};
			char *env[] = {NULL};
			execve("/tests/tiny", args, env);
			_exit(127);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 42)
			failed++;
	}
	long long us = now_us() - t0;
	printf("forkloop: %ld fork+exec+wait cycles in %lld ms (%lld us each), %ld failed\n", n,
	       us / 1000, us / n, failed);
	if (nk && nksys(NKSYS_INFO, (long)&b, 0, 0) == 0)
		printf("forkloop: frames_free %lu -> %lu, ptps %lu -> %lu\n", a.frames_free,
		       b.frames_free, a.ptps, b.ptps);
	return failed ? 1 : 0;
}
