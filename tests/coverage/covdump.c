/* Kernel coverage dump. In the coverage build (tools/coverage.mk) the outer
 * kernel's objects are compiled with --coverage -fprofile-info-section: each
 * puts a pointer to its gcov_info in section .gcov_info, which linker.ld
 * collects between __gcov_info_start and __gcov_info_end. At shutdown
 * cov_dump serialises each one with libgcov's __gcov_info_to_gcda (linked
 * from gcc's libgcov.a) and writes the bytes to QEMU's isa-debugcon port.
 *
 * Stream (all integers little-endian u32):
 *   "NKGCOV1\n"
 *   'F' len name[len]      a new .gcda file (absolute path from compile time)
 *   'D' len bytes[len]     bytes of the current file
 *   'E' nfiles             end of stream
 * tools/gcov_stream.py writes the .gcda files back.
 *
 * nk's own code is never instrumented in the kernel: it runs with CR0.WP=0,
 * and a counter write there would be a write nk makes without write
 * protection (docs/coverage.md). Source: GCC manual, "Profiling and Test
 * Coverage in Freestanding Environments" (gcc 12). */
#include <outer/kernel.h>
#include "cov.h"
#include <outer/drivers.h>

#if NK_COVERAGE

#define NOPROF __attribute__((no_profile_instrument_function))
#define DEBUGCON 0xe9

struct gcov_info;
void __gcov_info_to_gcda(const struct gcov_info *info, void (*filename_fn)(const char *, void *),
			 void (*dump_fn)(const void *, unsigned, void *),
			 void *(*allocate_fn)(unsigned, void *), void *arg);
extern const struct gcov_info *const __gcov_info_start[], *const __gcov_info_end[];

/* libgcov's merge functions read .gcda files; the kernel never merges, and
 * __gcov_info_to_gcda only tests the pointer (non-NULL: counters present). */
void __gcov_merge_add(void *counters, unsigned n);
NOPROF void __gcov_merge_add(void *counters, unsigned n)
{
	(void)counters, (void)n;
}

/* Referenced by __gcov_info_to_gcda for value-profile counters, which a
 * --coverage build does not have. */
void abort(void);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
NOPROF void abort(void)
{
	panic("cov_dump: libgcov called abort");
}

NOPROF void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	(void)addr, (void)len, (void)prot, (void)flags, (void)fd, (void)off;
	return (void *)-1; /* MAP_FAILED */
}

NOPROF static void put(const void *p, size_t n)
{
	__asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"((uint16_t)DEBUGCON) : "memory");
}

NOPROF static void put_u32(uint32_t v)
{
	put(&v, 4);
}

NOPROF static void on_filename(const char *name, void *arg)
{
	++*(uint32_t *)arg;
	uint32_t n = (uint32_t)strlen(name);
	put("F", 1);
	put_u32(n);
	put(name, n);
}

NOPROF static void on_data(const void *d, unsigned n, void *arg)
{
	(void)arg;
	put("D", 1);
	put_u32(n);
	put(d, n);
}

NOPROF static void *on_allocate(unsigned n, void *arg)
{
	static uint8_t pool[4096] __attribute__((aligned(16)));
	static size_t used;
	(void)arg;
	n = (n + 15) & ~15u;
	if (used + n > sizeof(pool))
		return NULL;
	used += n;
	return pool + used - n;
}

NOPROF void cov_dump(void)
{
	static bool done;
	irq_disable();
	if (done)
		return;
	done = true;
	uint32_t files = 0;
	put("NKGCOV1\n", 8);
	/* linker symbols bound one array: count it by address */
	size_t n = ((uintptr_t)__gcov_info_end - (uintptr_t)__gcov_info_start) / sizeof(void *);
	for (size_t i = 0; i < n; i++)
		if (__gcov_info_start[i])
			__gcov_info_to_gcda(__gcov_info_start[i], on_filename, on_data, on_allocate,
					    &files);
	put("E", 1);
	put_u32(files);
}

#else

void cov_dump(void)
{
}

#endif

EXIT_HOOK(cov_dump);
