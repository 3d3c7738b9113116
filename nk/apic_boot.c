/* nk's boot of the local APIC and the IOAPICs (nk/apic.c has the rest):
 * the MADT (nk/acpi.c), the register pages as nk-owned device pages, the
 * boot CPU's software enable, every IOAPIC entry read and the ones nk
 * would refuse masked, before the outer kernel first runs. Boot-only.
 * Sources: SDM Vol. 3A 11.4.4 (IA32_APIC_BASE), 11.9 (SVR); 82093AA
 * datasheet 3.2; ACPI 6.5 5.2.12 (MADT). */
#include "apic_regs.h"
#include "boot.h"
#include "acpi.h"
#include <x86/cpu.h>

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
		  "entries, %u IOAPICs nk-owned, %u overrides; %u IOAPIC entries nk would refuse "
		  "rewritten masked\n",
		  pa_addr(v->lapic_base), id, v->lapic_version, v->madt_ok ? "ok" : "refused",
		  v->madt.ncpu, v->nioapic, v->madt.niso, parked);
}

NK_BOOT uint32_t nk_lapic_cpu_init(void)
{
	lapic_wr(LAPIC_TPR, 0);
	lapic_wr(LAPIC_SVR, SVR_ENABLE | NK_VECTOR_SPURIOUS);
	lapic_wr(LAPIC_LVT_TIMER, LVT_MASKED);
	return lapic_rd(LAPIC_ID) >> 24;
}
