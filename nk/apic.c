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

static struct nk_apic_view *apic_view(void)
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

static uint64_t ioapic_rte_rd(const struct nk_ioapic_view *io, uint32_t pin)
{
	uint32_t lo = ioapic_rd(io, IOAPIC_REG_RTE + 2 * pin);
	uint32_t hi = ioapic_rd(io, IOAPIC_REG_RTE + 2 * pin + 1);
	return (uint64_t)hi << 32 | lo;
}

/* ---- boot ---- */

/* boot_reserve_apic: with the boot tables loaded: the MADT, the local
 * APIC page (IA32_APIC_BASE) and each IOAPIC page into nk's device window.
 * A missing or malformed MADT is reported and costs the IOAPICs and the
 * other CPUs, never the boot: CPU 0 and its local APIC still work. */
NK_BOOT void boot_reserve_apic(void)
{
	struct nk_apic_view *v = apic_view();
	long r = -NK_ACPI_ENOMADT;
	if (boot_rsdp_bytes)
		r = nk_acpi_find_madt(boot_rsdp, boot_rsdp_bytes, boot_acpi_map, NULL, &v->madt,
				      v->madt_why, sizeof(v->madt_why));
	else
		nk_memcpy(v->madt_why, "no ACPI RSDP from the loader", 29);
	v->madt_ok = r == 0;
	if (r)
		nk_printf("nk: ACPI: MADT refused: %s (%s): one CPU, no IOAPIC\n", v->madt_why,
			  nk_acpi_strerror(r));
	uint64_t base = arch_rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE) || (base & APIC_BASE_EXTD)) {
		nk_printf("nk: IA32_APIC_BASE %lx: the local APIC is %s; no APIC interrupts\n",
			  base, (base & APIC_BASE_EXTD) ? "in x2APIC mode" : "disabled");
		return;
	}
	v->lapic_base = pa_init(base & PTE_ADDR_4K & (nk.phys_limit - 1));
	v->lapic_va = nk_boot_map_device(v->lapic_base);
	if (!v->lapic_va) {
		nk_printf("nk: no room in nk's device window for the local APIC\n");
		return;
	}
	if (v->madt_ok && pa_addr(v->madt.lapic_addr) != pa_addr(v->lapic_base))
		nk_printf("nk: MADT: local APIC address %lx differs from IA32_APIC_BASE's %lx; "
			  "nk uses IA32_APIC_BASE's\n",
			  pa_addr(v->madt.lapic_addr), pa_addr(v->lapic_base));
	for (uint32_t i = 0; v->madt_ok && i < v->madt.nioapic; i++) {
		const struct nk_madt_ioapic *m = &v->madt.ioapic[i];
		struct nk_ioapic_view *io = &v->ioapic[v->nioapic];
		uint64_t off = pa_addr(m->addr) & (PAGE_SIZE - 1);
		uint64_t va = nk_boot_map_device(pa_init(pa_addr(m->addr) - off));
		if (!va) {
			nk_printf("nk: no room in nk's device window for IOAPIC %u at %lx: not "
				  "used\n",
				  m->id, pa_addr(m->addr));
			continue;
		}
		io->id = m->id;
		io->addr = m->addr;
		io->gsi_base = m->gsi_base;
		io->regs_va = va + off;
		v->nioapic++;
	}
}

/* The entry nk leaves an IOAPIC pin with when firmware's is one the gates
 * would refuse: masked, vector 0x20, CPU 0. */
#define RTE_PARKED (NK_RTE_MASKED | 0x20u)

NK_BOOT void boot_start_apic(void)
{
	struct nk_apic_view *v = apic_view();
	if (!v->lapic_va)
		return;
	uint32_t id = nk_lapic_cpu_init();
	v->cpu_apic_id[0] = (uint8_t)id;
	v->ncpus_online = 1;
	v->lapic_version = lapic_rd(LAPIC_VERSION);
	v->on = true;
	uint32_t parked = 0;
	for (uint32_t i = 0; i < v->nioapic; i++) {
		struct nk_ioapic_view *io = &v->ioapic[i];
		uint32_t ver = ioapic_rd(io, IOAPIC_REG_VERSION);
		io->version = (uint8_t)ver;
		io->pins = (uint16_t)(((ver >> 16) & 0xff) + 1);
		if (io->pins > NK_IOAPIC_PINS_MAX) {
			nk_printf("nk: IOAPIC %u has %u pins; nk uses the first %d\n", io->id,
				  io->pins, NK_IOAPIC_PINS_MAX);
			io->pins = NK_IOAPIC_PINS_MAX;
		}
		for (uint32_t p = 0; p < io->pins; p++) {
			uint64_t e = ioapic_rte_rd(io, p);
			if (nk_apic_rte_check(e & ~(NK_RTE_DELIVERY_STATUS | NK_RTE_REMOTE_IRR))) {
				nk_apic_rte_perform(io, p, RTE_PARKED | (uint64_t)id << 56);
				parked++;
			}
			io->rte[p] = ioapic_rte_rd(io, p);
		}
	}
	nk_printf("nk: local APIC at %lx (ID %u, version %x) nk-owned; MADT %s: %u CPU "
		  "entries, %u IOAPICs nk-owned, %u overrides; %u IOAPIC entries nk would refuse rewritten masked\n",
		  pa_addr(v->lapic_base), id, v->lapic_version, v->madt_ok ? "ok" : "refused",
		  v->madt.ncpu, v->nioapic, v->madt.niso, parked);
}

uint32_t nk_lapic_cpu_init(void)
{
	lapic_wr(LAPIC_TPR, 0);
	lapic_wr(LAPIC_SVR, SVR_ENABLE | NK_VECTOR_SPURIOUS);
	lapic_wr(LAPIC_LVT_TIMER, LVT_MASKED);
	return lapic_rd(LAPIC_ID) >> 24;
}

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
		lapic_wr(LAPIC_LVT_TIMER, (vector & 0xff) | (mode == NK_APIC_TIMER_PERIODIC
								 ? LVT_TIMER_PERIODIC
								 : 0));
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
