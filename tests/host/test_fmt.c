/* Host tests of the formatter (lib/fmt.c) that nk and the outer kernel
 * print with. Every conversion, flag, width, precision and length
 * modifier it supports is compared with the C library's snprintf (the
 * behaviour to match) over many values; %p, NULL strings, unsupported
 * conversions, truncation and the formats the tree uses are compared with
 * fixed strings. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <sys/types.h>
#include <cmocka.h>

#include "../../lib/fmt.h"

static unsigned long cases;

static size_t ours(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_vsnprintf(buf, cap, f, ap);
	va_end(ap);
	return n;
}

/* want: ours(f, ...) gives the string w and returns its length. */
#define WANT(w, ...)                                                                               \
	do {                                                                                       \
		char b_[256];                                                                      \
		size_t n_ = ours(b_, sizeof(b_), __VA_ARGS__);                                     \
		if (strcmp(b_, (w)) || n_ != strlen(w))                                            \
			fail_msg("format \"%s\": got \"%s\" (%zu), want \"%s\"", #__VA_ARGS__, b_, \
				 n_, (w));                                                         \
		cases++;                                                                           \
	} while (0)

/* Same output and length as the C library for format f and one argument
 * (passed as the same type to both). */
#define SAME(f, arg)                                                                               \
	do {                                                                                       \
		char a_[512], b_[512];                                                             \
		int na_ = snprintf(a_, sizeof(a_), (f), arg);                                      \
		size_t nb_ = ours(b_, sizeof(b_), (f), arg);                                       \
		if (strcmp(a_, b_) || (size_t)na_ != nb_)                                          \
			fail_msg("format \"%s\" of %s: ours \"%s\" (%zu), libc \"%s\" (%d)", (f),  \
				 #arg, b_, nb_, a_, na_);                                          \
		cases++;                                                                           \
	} while (0)

/* Values every integer conversion is tried with: edges of each width,
 * small numbers around digit changes, and pseudo-random ones. */
static uint64_t values[96];
static unsigned nvalues;

static void values_init(void)
{
	static const uint64_t fixed[] = {
	    0,
	    1,
	    2,
	    7,
	    8,
	    9,
	    10,
	    15,
	    16,
	    17,
	    99,
	    100,
	    127,
	    128,
	    255,
	    256,
	    4095,
	    4096,
	    32767,
	    32768,
	    65535,
	    65536,
	    0x7fffffff,
	    0x80000000,
	    0xffffffff,
	    0x100000000ull,
	    0x7fffffffffffffffull,
	    0x8000000000000000ull,
	    0xffffffffffffffffull,
	    (uint64_t)-1 - 1,
	    (uint64_t)-42,
	    (uint64_t)-4096,
	    0xffffffffc0000000ull,
	    0xffff800000000000ull,
	    1000000007,
	    0x123456789abcdefull,
	};
	nvalues = 0;
	for (unsigned i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		values[nvalues++] = fixed[i];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	while (nvalues < sizeof(values) / sizeof(values[0])) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		values[nvalues++] = x >> (x & 63); /* every magnitude */
	}
}

/* Run format f (one integer conversion with length modifier len) on v,
 * passing v as the type the modifier names. */
static void same_int(const char *f, const char *len, bool is_signed, uint64_t v)
{
	if (!strcmp(len, "") || !strcmp(len, "hh") || !strcmp(len, "h")) {
		if (is_signed)
			SAME(f, (int)v);
		else
			SAME(f, (unsigned)v);
	} else if (!strcmp(len, "l")) {
		if (is_signed)
			SAME(f, (long)v);
		else
			SAME(f, (unsigned long)v);
	} else if (!strcmp(len, "ll")) {
		if (is_signed)
			SAME(f, (long long)v);
		else
			SAME(f, (unsigned long long)v);
	} else if (!strcmp(len, "z")) {
		if (is_signed)
			SAME(f, (ssize_t)v);
		else
			SAME(f, (size_t)v);
	} else if (!strcmp(len, "j")) {
		if (is_signed)
			SAME(f, (intmax_t)v);
		else
			SAME(f, (uintmax_t)v);
	} else if (!strcmp(len, "t")) {
		SAME(f, (ptrdiff_t)v);
	}
}

static const char *const lens[] = {"", "hh", "h", "l", "ll", "z", "j", "t"};
static const char *const widths[] = {"", "1", "2", "5", "17", "24"};
static const char *const precs[] = {"", ".", ".0", ".1", ".3", ".20", ".24"};

/* Every subset of the flags valid for conv (C11 7.21.6.1p6: # only with
 * o x X, + and space only with the signed ones), every width, precision
 * and length modifier, over every value. */
static void integers_match_libc(void **state)
{
	(void)state;
	values_init();
	const char *convs = "diuoxX";
	for (const char *c = convs; *c; c++) {
		bool is_signed = *c == 'd' || *c == 'i';
		const char *allowed = is_signed ? "-+ 0" : *c == 'u' ? "-0" : "-#0";
		size_t na = strlen(allowed);
		for (unsigned mask = 0; mask < (1u << na); mask++) {
			char flags[8];
			size_t nf = 0;
			for (size_t k = 0; k < na; k++)
				if (mask & (1u << k))
					flags[nf++] = allowed[k];
			flags[nf] = 0;
			for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
				for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
					for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]);
					     l++) {
						if (!is_signed && !strcmp(lens[l], "t"))
							continue; /* no unsigned ptrdiff_t type */
						char f[40];
						snprintf(f, sizeof(f), "<%%%s%s%s%s%c>", flags,
							 widths[w], precs[p], lens[l], *c);
						for (unsigned v = 0; v < nvalues; v++)
							same_int(f, lens[l], is_signed, values[v]);
					}
		}
	}
	print_message("integers: %lu formats and values compared with snprintf\n", cases);
}

/* %s and %c with widths, precisions and -. */
static void strings_and_chars_match_libc(void **state)
{
	(void)state;
	static const char *const strs[] = {"",	    "a",	  "ab",
					   ".text", "relocation", "0123456789abcdefghij"};
	for (unsigned left = 0; left < 2; left++)
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
			for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
				char f[32];
				snprintf(f, sizeof(f), "[%%%s%s%ss]", left ? "-" : "", widths[w],
					 precs[p]);
				for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
					SAME(f, strs[s]);
				snprintf(f, sizeof(f), "[%%%s%sc]", left ? "-" : "", widths[w]);
				for (int ch = 1; ch < 256; ch += 7)
					SAME(f, ch);
			}
	WANT("a%b", "a%%b");
	WANT("%", "%%");
	WANT("(null)|", "%s|", (char *)NULL);
	WANT("  (null)", "%8s", (char *)NULL);
}

/* * for the width and the precision, negative ones included. */
static void star_width_and_precision(void **state)
{
	(void)state;
	char a[128], b[128];
	for (int w = -12; w <= 12; w += 3)
		for (int p = -2; p <= 6; p++) {
			int na = snprintf(a, sizeof(a), "%*.*lx|%*.*s|%-*d", w, p, 0xabcul, w, p,
					  "strings", w, -5);
			size_t nb = ours(b, sizeof(b), "%*.*lx|%*.*s|%-*d", w, p, 0xabcul, w, p,
					 "strings", w, -5);
			if (strcmp(a, b) || (size_t)na != nb)
				fail_msg("width %d precision %d: ours \"%s\", libc \"%s\"", w, p, b,
					 a);
		}
}

/* Several conversions in one format read their own arguments in order:
 * the bug this file was written for (%#lx consumed nothing, so the next
 * %s read the offset as a pointer). */
static void arguments_stay_in_step(void **state)
{
	(void)state;
	WANT("relocation at 0x1c outside its section .text (0x20 bytes)",
	     "relocation at %#lx outside its section %s (%#lx bytes)", 0x1cul, ".text", 0x20ul);
	WANT("nk: promote_code: WRMSR at text offset 0x65: refused (I5)",
	     "nk: promote_code: %s at text offset %#lx: refused (I5)", "WRMSR", 0x65ul);
	WANT("x 0 0 0X1F 017 0 y", "x %#x %#lx %#X %#o %#o y", 0u, 0ul, 0x1fu, 15u, 0u);
	char a[128], b[128];
	int na = snprintf(a, sizeof(a), "%#010lx|%-#8x|%#-8o|%+05d|% d|%-+6ld|%05u", 0xbeeful,
			  0x12u, 8u, -42, 7, 3l, 9u);
	size_t nb = ours(b, sizeof(b), "%#010lx|%-#8x|%#-8o|%+05d|% d|%-+6ld|%05u", 0xbeeful, 0x12u,
			 8u, -42, 7, 3l, 9u);
	assert_string_equal(a, b);
	assert_int_equal((size_t)na, nb);
}

/* The formats the tree uses (tools/fmtcheck.py lists them), with the
 * strings the console shows. */
static void formats_the_tree_uses(void **state)
{
	(void)state;
	WANT("  18446744073709551615 append      3     2          -17",
	     "  %-20lu %-6s %6u %5u %12ld", 18446744073709551615ul, "append", 3u, 2u, -17l);
	WANT("   1  ffffc00000001000 4096     write-once  x             1        0 ",
	     "  %2u  %016lx %-8lu %-11s %-6s %8lu %8lu ", 1u, 0xffffc00000001000ul, 4096ul,
	     "write-once", "x", 1ul, 0ul);
	WANT("0a|ff|00", "%02x|%02x|%02x", 10u, 255u, 0u);
	WANT("nk:   [0000000000100000-0000000007fe0000) usable", "nk:   [%016lx-%016lx) %s",
	     0x100000ul, 0x7fe0000ul, "usable");
	WANT("symbol 'x' in an unsupported section 0xfff2",
	     "symbol '%s' in an unsupported section %#x", "x", 0xfff2u);
	WANT("-5 4294967295 ffffffff c -9223372036854775808", "%d %u %x %c %ld", -5, 0xffffffffu,
	     0xffffffffu, 'c', (long)INT64_MIN);
	WANT("z 18446744073709551615 -1", "z %zu %zd", SIZE_MAX, (ssize_t)-1);
}

/* %p: "0x" and 16 digits at any value; width and - pad it. */
static void pointers(void **state)
{
	(void)state;
	WANT("0x0000000000000000", "%p", (void *)0);
	WANT("0xffff800000001000", "%p", (void *)0xffff800000001000ul);
	WANT("  0x0000000000000010|", "%20p|", (void *)16);
	WANT("0x0000000000000010  |", "%-20p|", (void *)16);
}

/* Conversions the formatter does not know are copied as written and take
 * no argument, so the next conversion still reads its own. */
static void unsupported_conversions_are_literal(void **state)
{
	(void)state;
	char b[64];
	/* built at run time: the compiler's format check would refuse them */
	const char *fq = "a %q b %d", *ff = "%5.2f|%s", *fn = "%n%u", *fl = "%lc %ls %d",
		   *end = "tail %-#";
	ours(b, sizeof(b), fq, 7);
	assert_string_equal(b, "a %q b 7");
	ours(b, sizeof(b), ff, "s");
	assert_string_equal(b, "%5.2f|s");
	ours(b, sizeof(b), fn, 3u);
	assert_string_equal(b, "%n3");
	ours(b, sizeof(b), fl, 4);
	assert_string_equal(b, "%lc %ls 4");
	assert_int_equal(ours(b, sizeof(b), end), 8);
	assert_string_equal(b, "tail %-#");
}

/* Output is cut at cap-1 bytes and NUL-terminated; the return value is
 * the full length; cap 0 writes nothing (buf may be NULL). */
static void truncation(void **state)
{
	(void)state;
	char b[16];
	memset(b, 'Z', sizeof(b));
	assert_int_equal(ours(b, 8, "%#lx-%s", 0x123456789ul, "tail"), 16);
	assert_string_equal(b, "0x12345");
	assert_int_equal(b[8], 'Z');
	assert_int_equal(ours(b, 1, "%d", 12345), 5);
	assert_string_equal(b, "");
	assert_int_equal(ours(NULL, 0, "%-30s|", "x"), 31);
	memset(b, 'Z', sizeof(b));
	assert_int_equal(ours(b, 0, "abc"), 3);
	assert_int_equal(b[0], 'Z');
	/* huge widths are clamped, not overflowed */
	assert_int_equal(ours(b, sizeof(b), "%99999999999d", 1), 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(integers_match_libc),
	    cmocka_unit_test(strings_and_chars_match_libc),
	    cmocka_unit_test(star_width_and_precision),
	    cmocka_unit_test(arguments_stay_in_step),
	    cmocka_unit_test(formats_the_tree_uses),
	    cmocka_unit_test(pointers),
	    cmocka_unit_test(unsupported_conversions_are_literal),
	    cmocka_unit_test(truncation),
	};
	return cmocka_run_group_tests_name("fmt: the printf formatter (lib/fmt.c)", tests, NULL,
					   NULL);
}
