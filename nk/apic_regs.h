/* nk's local APIC and IOAPIC registers (nk-private, for nk/apic.c and
 * nk/apic_boot.c). Sources: SDM Vol. 3A table 11-1 (xAPIC registers),
 * 11.4.4 (IA32_APIC_BASE); Intel 82093AA datasheet 3.1, 3.2. */
#ifndef NK_APIC_REGS_H
#define NK_APIC_REGS_H
#include "nk.h"

/* xAPIC register offsets (SDM Vol. 3A table 11-1). */
#define LAPIC_ID 0x20
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ISR 0x100 /* 8 registers, 16 bytes apart: vectors 32i..32i+31 */
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define ICR_DELIVERY_STATUS (1u << 12) /* 1: send pending */

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)

/* IOAPIC: IOREGSEL at +0, IOWIN at +0x10; registers 1 (version) and
 * 0x10 + 2 pin (low), + 1 (high). */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_RTE 0x10

#define APIC_INLINE static inline __attribute__((always_inline))

static inline struct nk_apic_view *apic_view(void)
{
	return &nk_view_store.apic;
}

APIC_INLINE uint32_t lapic_rd(uint32_t off)
{
	return *(volatile const uint32_t *)(apic_view()->lapic_va + off);
}

/* A store to nk's mapping: nk runs with CR0.WP clear (gate or boot). */
APIC_INLINE void lapic_wr(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(apic_view()->lapic_va + off) = v;
}

APIC_INLINE uint32_t ioapic_rd(const struct nk_ioapic_view *io, uint32_t reg)
{
	*(volatile uint32_t *)(io->regs_va + IOAPIC_REGSEL) = reg;
	return *(volatile const uint32_t *)(io->regs_va + IOAPIC_WIN);
}

APIC_INLINE void ioapic_wr(const struct nk_ioapic_view *io, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(io->regs_va + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(io->regs_va + IOAPIC_WIN) = v;
}

static inline uint64_t ioapic_rte_rd(const struct nk_ioapic_view *io, uint32_t pin)
{
	uint32_t lo = ioapic_rd(io, IOAPIC_REG_RTE + 2 * pin);
	uint32_t hi = ioapic_rd(io, IOAPIC_REG_RTE + 2 * pin + 1);
	return (uint64_t)hi << 32 | lo;
}

#endif
