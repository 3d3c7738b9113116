/* nk's boot, part 2: the CPU's features (CPUID) and the policy on them:
 * the nested build refuses a CPU without NX or SMEP, and fw_cfg with DMA;
 * the protection bits nk sets (EFER.NXE, CR4, CR0, DR7) and the MSRs it
 * pins. Source: spec I3, I6, I11; SDM Vol. 2A CPUID, Vol. 3A 2.5, 2.2.1. */
#include "nk.h"
#include "cpu.h"
#include "boot.h"

NK_BOOT void boot_detect_cpu(void)
{
	struct nk_view *v = &nk_view_store;
	uint32_t r[4];
	arch_cpuid(0, 0, r);
	nk_memcpy(v->cpu_vendor, &r[1], 4);
	nk_memcpy(v->cpu_vendor + 4, &r[3], 4);
	nk_memcpy(v->cpu_vendor + 8, &r[2], 4);
	uint32_t maxleaf = r[0];
	arch_cpuid(1, 0, r);
	v->has_pcid = r[2] & (1u << 17);
	v->has_pge = r[3] & (1u << 13);
	if (maxleaf >= 7) {
		arch_cpuid(7, 0, r);
		v->has_smep = r[1] & (1u << 7);
		v->has_smap = r[1] & (1u << 20);
		v->has_fsgsbase = r[1] & 1u;
		v->has_umip = r[2] & (1u << 2);
	}
	arch_cpuid(0x80000001, 0, r);
	v->has_nx = r[3] & (1u << 20);
	arch_cpuid(0x80000000, 0, r);
	nk.phys_limit = 1ull << 36;
	if (r[0] >= 0x80000008) {
		arch_cpuid(0x80000008, 0, r);
		nk.phys_limit = 1ull << (r[0] & 0xff);
	}
}

/* The MSRs nk never writes but pins (spec I6): their boot values are
 * recorded, so that the check after a WRMSR and the interrupt stubs' slow
 * path repair or catch a write to them. Only MSRs CPUID says exist. SDM
 * Vol. 4 (MSR numbers), Vol. 3A 11.11 (MTRRs), 11.12 (PAT). */
NK_BOOT static void pin_msrs(void)
{
	uint32_t r[4], ext[4];
	arch_cpuid(1, 0, r);
	arch_cpuid(0x80000001, 0, ext);
	bool ok = true;
	if (r[3] & (1u << 9))
		ok &= arch_pin_msr(MSR_APIC_BASE) == 0;
	if (r[3] & (1u << 11))
		for (uint32_t m = MSR_SYSENTER_CS; m <= MSR_SYSENTER_EIP; m++)
			ok &= arch_pin_msr(m) == 0;
	if (r[3] & (1u << 16))
		ok &= arch_pin_msr(MSR_PAT) == 0;
	if (r[3] & (1u << 12)) { /* MTRRs: default type, fixed ranges, variable pairs */
		ok &= arch_pin_msr(MSR_MTRR_DEF_TYPE) == 0;
		uint64_t cap = arch_rdmsr(MSR_MTRRCAP);
		if (cap & (1u << 8)) {
			ok &= arch_pin_msr(MSR_MTRR_FIX64K) == 0;
			ok &= arch_pin_msr(MSR_MTRR_FIX16K_80000) == 0;
			ok &= arch_pin_msr(MSR_MTRR_FIX16K_A0000) == 0;
			for (uint32_t m = MSR_MTRR_FIX4K_C0000; m < MSR_MTRR_FIX4K_C0000 + 8; m++)
				ok &= arch_pin_msr(m) == 0;
		}
		for (uint32_t i = 0; i < (cap & 0xff) && i < 8; i++)
			ok &= arch_pin_msr(MSR_MTRR_PHYSBASE0 + 2 * i) == 0 &&
			      arch_pin_msr(MSR_MTRR_PHYSBASE0 + 2 * i + 1) == 0;
	}
	ok &= arch_pin_msr(MSR_DEBUGCTL) == 0; /* architectural since P6: every x86-64 CPU */
	if (ext[3] & (1u << 27))
		ok &= arch_pin_msr(MSR_TSC_AUX) == 0;
	/* the syscall MSRs as boot left them; the outer kernel sets them
	 * through nk_wrmsr before nk_init_done locks them */
	for (uint32_t m = MSR_STAR; m <= MSR_SFMASK; m++)
		ok &= arch_pin_msr(m) == 0;
	NK_CHECK(ok);
}

NK_BOOT void boot_enable_protection(void)
{
	struct nk_view *v = &nk_view_store;
	NK_CHECK(arch_set_msr(MSR_EFER, arch_rdmsr(MSR_EFER) | EFER_NXE, true) == 0);
	uint64_t cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (v->has_pge ? CR4_PGE : 0);
	cr4 |= v->has_smep ? CR4_SMEP : 0;
	cr4 |= v->has_smap ? CR4_SMAP : 0;
	arch_set_cr4(cr4);
	nk.cr4_required = CR4_PAE | (v->has_smep ? CR4_SMEP : 0) | (v->has_smap ? CR4_SMAP : 0);
	nk.cr4_allowed = CR4_TSD | CR4_DE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT |
			 (v->has_fsgsbase ? CR4_FSGSBASE : 0) | (v->has_umip ? CR4_UMIP : 0);
	uint64_t cr0 = arch_read_cr0();
	cr0 = (cr0 | CR0_NE | CR0_MP) & ~(CR0_EM | CR0_TS | CR0_CD | CR0_NW);
	arch_set_cr0(cr0 | CR0_WP); /* nk runs with WP clear; the handoff sets it */
	arch_boot_write_dr7(0);	    /* no debug breakpoints */
	pin_msrs();
}

/* Stop the nested build on a CPU without NX or SMEP (spec I3). */
NK_BOOT void boot_require_features(void)
{
	struct nk_view *v = &nk_view_store;
	if (NK_NATIVE || (v->has_nx && v->has_smep))
		return;
	nk_printf("nk: FATAL: this CPU lacks %s%s%s; the nested kernel needs both to protect "
		  "page tables and kernel code (spec I3). Refusing to boot.\n",
		  v->has_nx ? "" : "NX (EFER.NXE)", (!v->has_nx && !v->has_smep) ? " and " : "",
		  v->has_smep ? "" : "SMEP (CR4.SMEP)");
	nk_exit_qemu(0x12); /* QEMU status 37 */
}

/* Stop the nested build when fw_cfg offers DMA (spec I11): a DMA engine
 * no IOMMU covers could write page tables, nk and protected frames. The
 * native build protects nothing and boots anyway. */
NK_BOOT void boot_require_no_fwcfg_dma(void)
{
	if (!nk_fwcfg_dma_present())
		return;
	if (NK_NATIVE) {
		nk_printf(
		    "nk: fw_cfg advertises DMA; native build: booting anyway (no protection)\n");
		return;
	}
	nk_printf("nk: FATAL: QEMU's fw_cfg advertises DMA (ID bit 1): its DMA engine (ports "
		  "0x514/0x518) writes any physical address and no IOMMU covers it (spec I11).\n");
	nk_printf("nk: run QEMU with -global fw_cfg_io.dma_enabled=off. Refusing to boot.\n");
	nk_exit_qemu(0x13); /* QEMU status 39 */
}
