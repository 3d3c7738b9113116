/* The outer kernel's string functions, printf and command-line lookup. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <nk/vmmu.h>
#include "../lib/fmt.h"

/* 8-byte words that may alias anything (memset/memcpy move whole words
 * when the addresses allow: a 4 KiB frame is 512 stores, not 4096). */
typedef uint64_t __attribute__((may_alias)) word_t;

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	if (!(((uintptr_t)p | n) & 7)) {
		word_t w = 0x0101010101010101ull * (uint8_t)c;
		for (word_t *q = (word_t *)p, *end = (word_t *)(p + n); q < end; q++)
			*q = w;
		return d;
	}
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

/* memcpy: forward copy (memmove relies on that for d < s). */
void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	if (!(((uintptr_t)p | (uintptr_t)q) & 7)) {
		for (; n >= 8; n -= 8, p += 8, q += 8)
			*(word_t *)p = *(const word_t *)q;
	}
	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	if (p < q)
		return memcpy(d, s, n);
	while (n--)
		p[n] = q[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (uint8_t)*a - (uint8_t)*b;
	return 0;
}

char *strstr(const char *h, const char *n)
{
	size_t k = strlen(n);
	for (; *h; h++)
		if (!strncmp(h, n, k))
			return (char *)h;
	return k ? NULL : (char *)h;
}

int kprintf(const char *f, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		uart_putc(*p);
	return (int)n;
}

NK_NORETURN void panic_at(const char *file, int line, const char *f, ...)
{
	char buf[256];
	va_list ap;
	irq_disable();
	va_start(ap, f);
	fmt_vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	kprintf("\nPANIC (%s:%d): %s\n", file, line, buf);
	debug_exit(0x7e);
}

const char *cmdline_get(const char *key, char *buf, size_t cap)
{
	const char *c = nk_view->cmdline;
	size_t k = strlen(key);
	while (*c) {
		while (*c == ' ')
			c++;
		if (!strncmp(c, key, k) && c[k] == '=') {
			c += k + 1;
			size_t n = 0;
			while (c[n] && c[n] != ' ' && n + 1 < cap) {
				buf[n] = c[n];
				n++;
			}
			buf[n] = 0;
			return buf;
		}
		while (*c && *c != ' ')
			c++;
	}
	return NULL;
}
