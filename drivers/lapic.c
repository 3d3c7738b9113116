/* The local APIC, as the outer kernel sees it: nk's (include/nk/apic.h).
 * nk maps the xAPIC page (an nk-owned device page the outer kernel cannot
 * map), software-enables it at boot, and its interrupt stubs send every
 * EOI; this file only reports what nk_view says. Timer and UART interrupts
 * still come from the 8259A through LINT0 (ExtINT), which needs no EOI.
 * The timer, IPIs and IOAPIC entries go through nk's gates
 * (nk_apic_timer, nk_apic_ipi, nk_ioapic_write).
 * Source: SDM Vol. 3A 11.4.6 (APIC ID), CPUID leaf 1 EBX[31:24]. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/errno.h>
#include <x86/cpu.h>
#include <nk/vmmu.h>

static bool reported;

long lapic_init(void)
{
	if (!nk_view->apic.on) {
		if (!reported)
			kprintf("lapic: nk has no usable local APIC; no MSIs\n");
		reported = true;
		return -ENODEV;
	}
	if (!reported)
		kprintf("lapic: nk owns the xAPIC at %lx (ID %u, SVR enabled, spurious %#x); "
			"EOIs are nk's\n",
			pa_addr(nk_view->apic.lapic_base), lapic_id(), NK_VECTOR_SPURIOUS);
	reported = true;
	return 0;
}

uint32_t lapic_id(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	return b >> 24; /* the initial APIC ID: nk pins IA32_APIC_BASE, and ID writes are nk's */
}
