/* A small printf formatter shared (as two copies) by nk and the outer kernel. */
#ifndef LIB_FMT_H
#define LIB_FMT_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* fmt_vsnprintf: format f with ap into buf (cap bytes, NUL-terminated when
 * cap > 0; buf may be NULL when cap is 0). Returns the length the full
 * output would have (bytes, without the NUL), as C's vsnprintf does.
 * A conversion is %[flags][width][.precision][length]conv, as in C:
 *   flags      - (left-justify), 0 (zero-pad integers), # (0x/0X before a
 *              non-zero x/X, a leading 0 for o), + and space (sign of d/i)
 *   width      digits or *; precision .digits or .* (minimum digits of an
 *              integer; at most that many bytes of a %s string)
 *   length     hh h l ll z j t, on d i u o x X only
 *   conv       d i u o x X c s p %
 * Every conversion behaves as the C library's, except %p: always "0x" and
 * 16 hex digits (width and - apply), and %s of NULL: "(null)". Anything
 * else (floating point, %n, wide characters) is copied to buf as written
 * and consumes no argument; tools/fmtcheck.py keeps such formats out of
 * the tree. Source: C11 7.21.6.1. */
size_t fmt_vsnprintf(char *buf, size_t cap, const char *f, va_list ap);
#endif
