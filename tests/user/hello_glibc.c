/* A glibc program (built with `gcc -static`, not musl) the suite runs to
 * check the kernel runs what glibc's static start-up needs (TLS through
 * arch_prctl, set_tid_address, set_robust_list, rseq, prlimit64, brk, the
 * AT_RANDOM aux vector entry, newfstatat with AT_EMPTY_PATH for stdio).
 * Prints one line and exits 7. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long sum = 0;
	for (int round = 0; round < 8; round++) {
		size_t n = (size_t)4096 << round;
		unsigned char *p = malloc(n);
		if (!p)
			return 1;
		memset(p, round + 1, n);
		for (size_t i = 0; i < n; i += 512)
			sum += p[i];
		free(p);
	}
	const char *home = getenv("HOME");
	printf("hello from glibc: argc=%d argv1=%s sum=%ld home=%s\n", argc,
	       argc > 1 ? argv[1] : "-", sum, home ? home : "-");
	return 7;
}
