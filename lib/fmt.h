/* A small printf formatter shared (as two copies) by nk and the outer kernel. */
#ifndef LIB_FMT_H
#define LIB_FMT_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* fmt_vsnprintf: format f with ap into buf (cap bytes, NUL-terminated when
 * cap > 0). Supports %d %u %x %p %c %s %%, widths, 0-padding, l/z.
 * Returns the length the full output would have (bytes, without NUL). */
size_t fmt_vsnprintf(char *buf, size_t cap, const char *f, va_list ap);
#endif
