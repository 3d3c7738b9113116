/* Input for tests/fmtcheck/run.sh: every conversion, flag, width,
 * precision and length modifier lib/fmt.c supports, in the combinations
 * C defines; tools/fmtcheck.py must accept all of it. It compiles with
 * -Wall -Wformat (run.sh checks that too). */
#include <stddef.h>
#include <stdint.h>

int kprintf(const char *f, ...) __attribute__((format(printf, 1, 2)));
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
void panic_at(const char *file, int line, const char *f, ...) __attribute__((format(printf, 3, 4)));

void good(const char *s, int i, unsigned u, long l, unsigned long ul, long long ll, size_t z,
	  intmax_t j, ptrdiff_t t, void *p)
{
	kprintf("%d %i %u %o %x %X %c %s %p %%\n", i, i, u, u, u, u, i, s, p);
	kprintf("%-5d|%+d|% d|%05d|%-+8.3i\n", i, i, i, i, i);
	kprintf("%#o %#x %#X %#08lx %-#10lx\n", u, u, u, ul, ul);
	kprintf("%hhd %hd %ld %lld %zu %jd %td\n", i, i, l, ll, z, j, t);
	kprintf("%hhu %hu %lu %llu %zx %ju\n", u, u, ul, (unsigned long long)ll, z, (uintmax_t)j);
	kprintf("%*d %-*s %.*s %*.*lx\n", i, i, i, s, i, s, i, i, ul);
	kprintf("%5c|%-5c|%10p|%-20p|%.3s|%-8.2s\n", i, i, p, p, s, s);
	kprintf("%.0d %.5u %8.3x %016lx %02x\n", i, u, u, ul, u);
	panic("relocation at %#lx outside its section %s (%#lx bytes)", ul, s, ul);
}
