/* Stand-ins for nk code the fixture's tests (tests/host/fixture.c) do not
 * link: the fixture builds its machine by hand instead of booting it, so
 * it has no descriptor tables for nk/cpu.c to check, passes host pointers
 * as outer-kernel buffers, and reads nk's log as a string. The real code
 * (nk/log.c, nk/cpu.c, nk/walk.c) runs in the machine tests
 * (tests/host/machine.c): test_boot, test_cpu, test_log, test_walk,
 * test_kcov. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "../../lib/fmt.h"

/* arch_kernel_readable: true for a non-NULL p unless fake_cpu.unreadable
 * (the tests' buffers are host memory, not mapped kernel addresses);
 * calls fake_cpu.on_readable first when set. */
bool arch_kernel_readable(const void *p, size_t len)
{
	if (fake_cpu.on_readable)
		fake_cpu.on_readable(p, len);
	return p != NULL && !fake_cpu.unreadable;
}

/* arch_check_cpu: the fixture has no descriptor tables; I3/I7/I8 are
 * tested on the booted machine (tests/host/test_cpu.c). */
void arch_check_cpu(void)
{
}

/* nk_panic: an nk bug in a fixture test: print and abort. */
void nk_panic(const char *file, int line, const char *why)
{
	fprintf(stderr, "nk panic: %s:%d: %s\n", file, line, why);
	abort();
}

char fake_last_log[256];

/* nk_printf: kept in fake_last_log (the tests read what nk said, e.g. the
 * offset of a refused I5 encoding) and not printed; formatted by nk's own
 * formatter (lib/fmt.c), not the C library's. */
void nk_printf(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	fmt_vsnprintf(fake_last_log, sizeof(fake_last_log), f, ap);
	va_end(ap);
}
