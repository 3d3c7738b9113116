/* The local APIC (xAPIC) as far as MSIs need it: software-enabled, TPR 0,
 * and the EOI for a fixed interrupt. Timer and UART interrupts still come
 * from the 8259A through LINT0 (ExtINT, as firmware leaves LINT0 on the
 * boot CPU). nk pins IA32_APIC_BASE (it is never written), so the APIC
 * stays where firmware put it and in xAPIC mode. Spec section 4 lists the
 * APIC page among the nk-owned device pages once nk owns interrupts; until
 * then it is outer-mapped like any MMIO.
 * Source: SDM Vol. 3A ch. 11 (APIC): 11.4.1 (the xAPIC register page),
 * 11.4.4 (IA32_APIC_BASE), 11.4.6 (ID), 11.8.3.1 (TPR), 11.8.5 (EOI),
 * 11.9 (SVR). */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/errno.h>
#include <outer/mm.h>
#include <x86/cpu.h>

#define APIC_BASE_ENABLE (1ull << 11) /* IA32_APIC_BASE: APIC global enable */
#define APIC_BASE_EXTD (1ull << 10)   /* IA32_APIC_BASE: x2APIC mode */
/* The page address in bits 12..MAXPHYADDR-1; bits above are reserved
 * zero, so pte.h's 4 KiB frame mask serves (and avoids an immediate that
 * spells an I5 encoding, as that header explains). */
#define APIC_BASE_ADDR PTE_ADDR_4K

/* xAPIC register offsets (SDM Vol. 3A table 11-1). */
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_SVR_ENABLE (1u << 8)

static volatile void *regs;  /* the register page, once mapped */
static long init_result = 1; /* 1: not tried yet */

long lapic_init(void)
{
	if (init_result != 1)
		return init_result;
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE) || (base & APIC_BASE_EXTD)) {
		kprintf("lapic: IA32_APIC_BASE %lx: %s; no MSIs\n", base,
			(base & APIC_BASE_EXTD) ? "x2APIC mode (MSR registers)" : "disabled");
		return init_result = -ENODEV;
	}
	uint64_t page = base & APIC_BASE_ADDR;
	volatile void *r;
	long e = mm_map_mmio(pa_init(page), PAGE_SIZE, &r);
	if (e) {
		kprintf("lapic: cannot map the APIC page at %lx (%ld); no MSIs\n", page, e);
		return init_result = e;
	}
	mmio_write32(r, LAPIC_TPR, 0);
	mmio_write32(r, LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS);
	regs = r;
	kprintf("lapic: xAPIC at %lx, ID %u, software-enabled (SVR %x) for MSIs\n", page,
		lapic_id(), mmio_read32(r, LAPIC_SVR));
	return init_result = 0;
}

uint32_t lapic_id(void)
{
	return regs ? mmio_read32(regs, LAPIC_ID) >> 24 : 0;
}

void lapic_eoi(void)
{
	if (regs)
		mmio_write32(regs, LAPIC_EOI, 0);
}
