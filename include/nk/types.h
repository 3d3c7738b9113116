/* Basic types shared by nk and the outer kernel.
 * Physical and virtual addresses are distinct types (style.md rule 2);
 * conversions are named functions, never casts. */
#ifndef NK_TYPES_H
#define NK_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint64_t pte_t;

/* A physical address in bytes. */
typedef struct {
	uint64_t pa;
} paddr_t;

/* pa_init: wrap a raw physical address (bytes). */
static inline paddr_t pa_init(uint64_t pa)
{
	return (paddr_t){pa};
}

/* pa_addr: the raw physical address (bytes) of p. */
static inline uint64_t pa_addr(paddr_t p)
{
	return p.pa;
}

/* pa_pfn: the 4 KiB frame number holding p. */
static inline uint64_t pa_pfn(paddr_t p)
{
	return p.pa >> 12;
}

/* pa_from_pfn: the physical address (bytes) of 4 KiB frame pfn. */
static inline paddr_t pa_from_pfn(uint64_t pfn)
{
	return (paddr_t){pfn << 12};
}

/* pa_add: p plus n bytes. */
static inline paddr_t pa_add(paddr_t p, uint64_t n)
{
	return (paddr_t){p.pa + n};
}

/* A virtual address in bytes, where a number is meant rather than a
 * pointer (page-table walks, region bounds, the layout below). */
typedef struct {
	uint64_t va;
} vaddr_t;

/* va_init: wrap a raw virtual address (bytes). */
static inline vaddr_t va_init(uint64_t va)
{
	return (vaddr_t){va};
}

/* va_addr: the raw virtual address (bytes) of v. */
static inline uint64_t va_addr(vaddr_t v)
{
	return v.va;
}

/* va_of: the virtual address of pointer p. */
static inline vaddr_t va_of(const volatile void *p)
{
	return (vaddr_t){(uint64_t)p};
}

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define HUGE_2M_SIZE (2ull << 20)
#define PTES_PER_PTP 512u

#define NK_UNUSED __attribute__((unused))
#define NK_NORETURN __attribute__((noreturn))
#define NK_PACKED __attribute__((packed))
#define NK_ALIGNED(n) __attribute__((aligned(n)))

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

#endif
