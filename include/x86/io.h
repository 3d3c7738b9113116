/* x86 port I/O (SDM Vol. 1 ch. 19) and memory-mapped device registers.
 * Header-only, so nk and the outer kernel share the source without nk
 * calling outer code. */
#ifndef X86_IO_H
#define X86_IO_H
#include <stdint.h>

/* outb/outw/outl, inb/inl: one 1-, 2- or 4-byte I/O-port access (SDM Vol. 1
 * 19.2; the 4-byte ones for PCI configuration mechanism #1). */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* mmio_read32/64, mmio_write32/64: one 4- or 8-byte access to a device
 * register at virtual address base + off bytes (an uncached mapping, so
 * the access reaches the device once, in program order: SDM Vol. 3A
 * 12.3, strong uncacheable). The volatile access is the whole contract:
 * the compiler neither merges, splits nor reorders it with other volatile
 * accesses; the "memory" clobber orders it against ordinary memory (a DMA
 * buffer filled before the register write that starts the transfer). */
static inline uint32_t mmio_read32(volatile void *base, uint64_t off)
{
	uint32_t v = *(volatile uint32_t *)((volatile uint8_t *)base + off);
	__asm__ volatile("" ::: "memory");
	return v;
}

static inline uint64_t mmio_read64(volatile void *base, uint64_t off)
{
	uint64_t v = *(volatile uint64_t *)((volatile uint8_t *)base + off);
	__asm__ volatile("" ::: "memory");
	return v;
}

static inline void mmio_write32(volatile void *base, uint64_t off, uint32_t v)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint32_t *)((volatile uint8_t *)base + off) = v;
}

static inline void mmio_write64(volatile void *base, uint64_t off, uint64_t v)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint64_t *)((volatile uint8_t *)base + off) = v;
}
#endif
