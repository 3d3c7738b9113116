/* /bench/pagefault [SAMPLES]: the first touch of a fresh anonymous page
 * (a write): per sample, map 64 pages, time writing one byte to each, and
 * unmap (not timed). Reports TSC ticks per fault. */
#include <sys/mman.h>
#include <sys/syscall.h>
#include "bench.h"

#define PAGES 64

int main(int argc, char **argv)
{
	int n = b_samples(argc, argv);
	uint64_t t[BENCH_MAX_SAMPLES];
	b_count_start();
	for (int s = 0; s < n; s++) {
		long a = SC(SYS_mmap, 0, PAGES * 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a < 0)
			return b_fail("page_fault", "mmap", a);
		volatile char *p = (volatile char *)a;
		uint64_t t0 = b_tsc();
		for (int i = 0; i < PAGES; i++)
			p[i * 4096] = 1;
		t[s] = (b_tsc() - t0) / PAGES;
		SC(SYS_munmap, a, PAGES * 4096);
	}
	b_report("page_fault", t, n, PAGES);
	return 0;
}
