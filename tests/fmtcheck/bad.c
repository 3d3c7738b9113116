/* Input for tests/fmtcheck/run.sh: every kind of format tools/fmtcheck.py
 * must refuse. Not compiled (the compiler would refuse some of it too);
 * each line's expected message is checked by run.sh. */
#include <stdarg.h>
#include <stddef.h>

int kprintf(const char *f, ...) __attribute__((format(printf, 1, 2)));
int ksnprintf(char *buf, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
void panic_at(const char *file, int line, const char *f, ...) __attribute__((format(printf, 3, 4)));
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define FAIL(...) ksnprintf(err, sizeof(err), __VA_ARGS__)
size_t fmt_vsnprintf(char *buf, size_t cap, const char *f, va_list ap);

static char err[64];

/* a printf-like function without the format attribute */
int klog(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_vsnprintf(err, sizeof(err), f, ap);
	va_end(ap);
	return (int)n;
}

void bad(const char *msg, double d, long v)
{
	kprintf("float %f\n", d);		  /* line 28: conversion 'f' */
	kprintf("count %n\n", &v);		  /* line 29: conversion 'n' */
	kprintf("alt %#d\n", 1);		  /* line 30: '#' with d */
	kprintf("wide %lc\n", 65);		  /* line 31: length with c */
	kprintf("zero %08s\n", msg);		  /* line 32: '0' with s */
	kprintf(msg);				  /* line 33: not a literal */
	ksnprintf(err, sizeof(err), "%Lf", 1.0L); /* line 34: length L */
	panic("at %1$lx", v);			  /* line 35: positional */
	FAIL("bad %q here", 1);			  /* line 36: conversion 'q' */
	kprintf("sign %+u\n", 1u);		  /* line 37: '+' with u */
	kprintf("prec %.3p\n", (void *)0);	  /* line 38: precision with p */
	kprintf("dangling %");			  /* line 39: no conversion */
	kprintf("pct %5%\n");			  /* line 40: %% with a width */
	kprintf("split "			  /* line 41: concatenated literals */
		"%'d\n",
		1000);
	kprintf("ok %#lx %-8lu %s\n", v, v, msg); /* line 43: fine */
}
