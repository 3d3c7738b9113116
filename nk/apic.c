/* nk's local APIC and IOAPICs (include/nk/apic.h): their register pages
 * as nk-owned device pages, the boot CPU's software enable, the EOI the
 * interrupt stubs send, and the gates' bodies, each of which decides
 * first (decode, no MMIO written) and performs after (style.md). The
 * performs are shared with the native build (nk/native.c), which calls
 * them without the decisions.
 * Registers are written only by nk with CR0.WP clear (a gate, or boot):
 * nk's mapping of each page is read-only to all (nk_boot_map_device).
 * Sources: SDM Vol. 3A chapter 11 (table 11-1 the xAPIC registers;
 * 11.4.1, 11.4.4 IA32_APIC_BASE, 11.4.6 ID, 11.5.1 LVT, 11.5.4 timer,
 * 11.6.1 ICR, 11.8.3.1 TPR, 11.8.4 ISR, 11.8.5 EOI, 11.9 SVR); Intel
 * 82093AA datasheet 3.1, 3.2; ACPI 6.5 5.2.12 (MADT). */
#include "nk.h"
#include "boot.h"
#include "acpi.h"
#include <x86/cpu.h>

#include "apic_regs.h"

/* ---- decisions ---- */

long nk_apic_rte_check(uint64_t e)
{
	uint64_t mode = e & NK_RTE_DELIVERY_MASK, vector = e & NK_RTE_VECTOR;
	if (mode != 0 && mode != (1ull << 8))
		return -NK_EDELIVERY;
	if (e & NK_RTE_DEST_LOGICAL)
		return -NK_EDESTMODE;
	if (e & ~NK_RTE_WRITABLE)
		return -NK_ERESERVED;
	if (vector < 32)
		return -NK_EVECTOR;
	if (nk_vector_reserved((uint32_t)vector))
		return -NK_ENKVECTOR;
	if (nk_apic_cpu_index((uint32_t)(e >> NK_RTE_DEST_SHIFT)) < 0)
		return -NK_ECPU;
	return 0;
}

long nk_apic_cpu_index(uint32_t apic_id)
{
	const struct nk_apic_view *v = apic_view();
	for (uint32_t i = 0; i < v->ncpus_online && i < NK_APIC_CPUS_MAX; i++)
		if (v->cpu_apic_id[i] == apic_id)
			return i;
	return -1;
}

/* the CPU indices cpu_mask may name: bits 0..ncpus_online-1 */
static uint64_t online_mask(void)
{
	uint32_t n = apic_view()->ncpus_online;
	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

static long ipi_check(uint32_t icr, uint64_t mask)
{
	uint32_t vector = icr & NK_ICR_VECTOR;
	if (!apic_view()->on)
		return -NK_ENOAPIC;
	if (icr & NK_ICR_DELIVERY_MASK)
		return -NK_EDELIVERY;
	if (icr & NK_ICR_SHORTHAND_MASK)
		return -NK_ESHORTHAND;
	if (icr & NK_ICR_DEST_LOGICAL)
		return -NK_EDESTMODE;
	if (icr & ~(NK_ICR_VECTOR | NK_ICR_LEVEL_ASSERT))
		return -NK_ERESERVED;
	if (vector < 32)
		return -NK_EVECTOR;
	if (nk_vector_reserved(vector))
		return -NK_ENKVECTOR;
	if (!mask || (mask & ~online_mask()))
		return -NK_ECPU;
	return 0;
}

static long timer_check(uint32_t vector, uint32_t divide, uint32_t count, uint32_t mode)
{
	if (!apic_view()->on)
		return -NK_ENOAPIC;
	if (mode == NK_APIC_TIMER_STOP)
		return 0;
	if (mode != NK_APIC_TIMER_ONESHOT && mode != NK_APIC_TIMER_PERIODIC)
		return -NK_ETIMER;
	if (!divide || divide > 128 || (divide & (divide - 1)) || !count)
		return -NK_ETIMER;
	if (vector < 32 || vector > 255)
		return -NK_EVECTOR;
	if (nk_vector_reserved(vector))
		return -NK_ENKVECTOR;
	return 0;
}

static long ioapic_check(uint32_t ioapic, uint32_t pin, uint64_t e)
{
	const struct nk_apic_view *v = apic_view();
	if (ioapic >= v->nioapic || pin >= v->ioapic[ioapic].pins)
		return -NK_EIOAPIC;
	return nk_apic_rte_check(e);
}

/* ---- performs (also the native build's calls) ---- */

/* The divide configuration register's encoding of divide (1..128, a power
 * of two): bits 3, 1:0 (SDM table 11-10: 1 -> 1011b, 2 -> 0000b, ...). */
static uint32_t timer_div_bits(uint32_t divide)
{
	uint32_t log = 0;
	while ((1u << log) < divide && log < 7)
		log++;
	uint32_t code = (log + 7) & 7; /* 2 -> 0, 4 -> 1, ..., 128 -> 6, 1 -> 7 */
	return (code & 3) | ((code & 4) << 1);
}

void nk_apic_timer_perform(uint32_t vector, uint32_t divide, uint32_t count, uint32_t mode)
{
	struct nk_apic_view *v = apic_view();
	if (!v->lapic_va)
		return;
	if (mode == NK_APIC_TIMER_STOP) {
		lapic_wr(LAPIC_LVT_TIMER, LVT_MASKED);
		lapic_wr(LAPIC_TIMER_INIT, 0);
	} else {
		lapic_wr(LAPIC_TIMER_DIV, timer_div_bits(divide));
		lapic_wr(LAPIC_LVT_TIMER,
			 (vector & 0xff) |
			     (mode == NK_APIC_TIMER_PERIODIC ? LVT_TIMER_PERIODIC : 0));
		lapic_wr(LAPIC_TIMER_INIT, count);
	}
	v->timer_programs++;
}

void nk_apic_ipi_perform(uint32_t icr, uint64_t mask)
{
	struct nk_apic_view *v = apic_view();
	if (!v->lapic_va)
		return;
	for (uint32_t i = 0; i < v->ncpus_online && i < NK_APIC_CPUS_MAX; i++) {
		if (!(mask & (1ull << i)))
			continue;
		while (lapic_rd(LAPIC_ICR_LO) & ICR_DELIVERY_STATUS)
			__asm__ volatile("pause");
		lapic_wr(LAPIC_ICR_HI, (uint32_t)v->cpu_apic_id[i] << 24);
		lapic_wr(LAPIC_ICR_LO, icr | NK_ICR_LEVEL_ASSERT);
		v->ipis_sent++;
	}
	while (lapic_rd(LAPIC_ICR_LO) & ICR_DELIVERY_STATUS)
		__asm__ volatile("pause");
}

void nk_apic_rte_perform(struct nk_ioapic_view *io, uint32_t pin, uint64_t e)
{
	/* masked while the halves disagree: mask, high word, then low word */
	uint32_t lo = ioapic_rd(io, IOAPIC_REG_RTE + 2 * pin);
	ioapic_wr(io, IOAPIC_REG_RTE + 2 * pin, lo | (uint32_t)NK_RTE_MASKED);
	ioapic_wr(io, IOAPIC_REG_RTE + 2 * pin + 1, (uint32_t)(e >> 32));
	ioapic_wr(io, IOAPIC_REG_RTE + 2 * pin, (uint32_t)e);
	io->rte[pin] = ioapic_rte_rd(io, pin);
}

long nk_apic_eoi_perform(uint64_t vector)
{
	struct nk_apic_view *v = apic_view();
	if (!v->lapic_va)
		return -NK_ENOAPIC;
	if (vector < 32 || vector >= NK_VECTOR_SPURIOUS) {
		v->eoi_skipped++;
		return 0;
	}
	uint32_t isr = lapic_rd(LAPIC_ISR + (uint32_t)(vector / 32) * 16);
	if (!(isr & (1u << (vector % 32)))) {
		v->eoi_skipped++;
		return 0;
	}
	lapic_wr(LAPIC_EOI, 0);
	v->eois++;
	return 1;
}

/* ---- the gates' bodies (nested build) ---- */

long nk_apic_eoi_impl(uint64_t vector)
{
	return nk_count(NK_CALL_APIC_EOI, nk_apic_eoi_perform(vector));
}

long nk_apic_timer_impl(uint32_t vector, uint32_t divide, uint32_t count, uint32_t mode)
{
	long r = timer_check(vector, divide, count, mode);
	if (!r)
		nk_apic_timer_perform(vector, divide, count, mode);
	return nk_count(NK_CALL_APIC_TIMER, r);
}

long nk_apic_ipi_impl(uint32_t icr, uint64_t cpu_mask)
{
	long r = ipi_check(icr, cpu_mask);
	if (!r)
		nk_apic_ipi_perform(icr & NK_ICR_VECTOR, cpu_mask);
	return nk_count(NK_CALL_APIC_IPI, r);
}

long nk_ioapic_write_impl(uint32_t ioapic, uint32_t pin, uint64_t entry)
{
	long r = ioapic_check(ioapic, pin, entry);
	if (!r) {
		nk_apic_rte_perform(&apic_view()->ioapic[ioapic], pin, entry);
		apic_view()->ioapic_writes++;
	}
	return nk_count(NK_CALL_IOAPIC_WRITE, r);
}

long nk_ioapic_read_impl(uint32_t ioapic, uint32_t pin)
{
	struct nk_apic_view *v = apic_view();
	long r = 0;
	if (ioapic >= v->nioapic || pin >= v->ioapic[ioapic].pins)
		r = -NK_EIOAPIC;
	else
		v->ioapic[ioapic].rte[pin] = ioapic_rte_rd(&v->ioapic[ioapic], pin);
	return nk_count(NK_CALL_IOAPIC_READ, r);
}
