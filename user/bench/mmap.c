/* /bench/mmap [SAMPLES]: mmap 1 MiB of anonymous memory, touch every page,
 * munmap (LMBench lat_mmap with touching, as the paper's mmap row). 4 per
 * sample. Reports TSC ticks per map-touch-unmap round. */
#include <sys/mman.h>
#include <sys/syscall.h>
#include "bench.h"

#define LEN (1 << 20)
#define PER 4

int main(int argc, char **argv)
{
	int n = b_samples(argc, argv);
	uint64_t t[BENCH_MAX_SAMPLES];
	b_count_start();
	for (int s = 0; s < n; s++) {
		uint64_t t0 = b_tsc();
		for (int k = 0; k < PER; k++) {
			long a = SC(SYS_mmap, 0, LEN, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (a < 0)
				return b_fail("mmap_1m", "mmap", a);
			for (long off = 0; off < LEN; off += 4096)
				((volatile char *)a)[off] = 1;
			SC(SYS_munmap, a, LEN);
		}
		t[s] = (b_tsc() - t0) / PER;
	}
	b_report("mmap_1m", t, n, PER);
	return 0;
}
