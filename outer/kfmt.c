/* ksnprintf (include/outer/kernel.h): the outer kernel's snprintf, on the
 * shared formatter (lib/fmt.c). Its own file so the host tests and fuzzers
 * of outer code (tests/host/, tests/fuzz/) format with exactly the
 * kernel's code, not the C library's. */
#include <outer/kernel.h>
#include "../lib/fmt.h"

int ksnprintf(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_vsnprintf(buf, cap, f, ap);
	va_end(ap);
	return (int)n;
}
