/* The outer kernel's common declarations. */
#ifndef OUTER_KERNEL_H
#define OUTER_KERNEL_H

#include <nk/types.h>
#include <stdarg.h>
#include <x86/io.h>

/* The printf-like functions format with lib/fmt.c (its header lists the
 * conversions and flags); the format attribute has the compiler check
 * every call's arguments, tools/fmtcheck.py every format string. */

/* kprintf: printf to the console (drivers/uart.c), at most 511 bytes per
 * call (outer/lib.c); returns the untruncated length. */
int kprintf(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* ksnprintf: snprintf into buf (cap bytes, NUL-terminated when cap > 0);
 * returns the untruncated length (outer/kfmt.c). */
int ksnprintf(char *buf, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
/* panic_at: print "PANIC (file:line): " and the formatted message (at most
 * 255 bytes) on the console and stop QEMU (isa-debug-exit 0x7e); never
 * returns. Only for outer-kernel bugs, never for bad input. */
NK_NORETURN void panic_at(const char *file, int line, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *h, const char *n);

static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* Kernel command line (nk_view->cmdline): value of key=..., or NULL.
 * The value is copied to buf (cap bytes). */
const char *cmdline_get(const char *key, char *buf, size_t cap);

/* __ro_after_init: for data the outer kernel sets once during init and
 * never again. It lands in .data.ro_after_init (whole pages, linker.ld),
 * which nk_init_done declares a sealed no-write region: from then on a
 * store faults (nested build) and nk_write is refused. Spec section 7. */
#define __ro_after_init __attribute__((section(".data.ro_after_init")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* outer_smp_release: when nk brought up APs, release them (nk_smp_release)
 * and wait, bounded, for each to say it is up (outer/smp_ap.c). */
void outer_smp_release(void);

#endif
