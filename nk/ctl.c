/* The vMMU's CPU-state calls: CR0, CR4, allow-listed MSRs, end of init.
 * Source: spec sections 3 (I3) and 5; SDM Vol. 3A 2.5 (control registers),
 * 2.2.1 (EFER), Vol. 4 (MSR numbers). */
#include "nk.h"

#define CR0_KNOWN                                                                                  \
	(CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | \
	 CR0_PG)
#define CR0_REQUIRED (CR0_PE | CR0_PG | CR0_WP)

/* decode_cr0: the preconditions of a CR0 value, one test each: only bits
 * the SDM defines; PE, PG and WP stay set; NW only with CD (SDM 2.5, the
 * reserved combination). Returns 0 or -NK_ECR0. Changes nothing. */
static long decode_cr0(uint64_t v)
{
	if (v & ~CR0_KNOWN)
		return -NK_ECR0;
	if ((v & CR0_REQUIRED) != CR0_REQUIRED)
		return -NK_ECR0;
	if ((v & CR0_NW) && !(v & CR0_CD))
		return -NK_ECR0;
	return 0;
}

long nk_load_cr0_impl(uint64_t v)
{
	long r = decode_cr0(v);
	if (r == 0)
		arch_set_cr0(v); /* WP clear until the gate's exit loads v */
	return nk_count(NK_CALL_LOAD_CR0, r);
}

/* decode_cr4: the required bits stay set; no bit outside required and
 * allowed (nk.cr4_required, nk.cr4_allowed: boot, from CPUID). Returns 0 or
 * -NK_ECR4. Changes nothing. */
static long decode_cr4(uint64_t v)
{
	if ((v & nk.cr4_required) != nk.cr4_required)
		return -NK_ECR4;
	if (v & ~(nk.cr4_required | nk.cr4_allowed))
		return -NK_ECR4;
	return 0;
}

long nk_load_cr4_impl(uint64_t v)
{
	long r = decode_cr4(v);
	if (r == 0)
		arch_set_cr4(v);
	return nk_count(NK_CALL_LOAD_CR4, r);
}

/* Whether v is a canonical 48-bit virtual address (SDM 3.3.7.1). */
static bool canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* The segment-base MSRs: not pinned (SWAPGS and WRFSBASE change them). */
static bool seg_base_msr(uint32_t msr)
{
	return msr == MSR_FS_BASE || msr == MSR_GS_BASE || msr == MSR_KERNEL_GS_BASE;
}

/* decode_msr: whether MSR msr may take value v now, one precondition per
 * test: on the allow-list (NK_EMSR); the syscall MSRs and EFER not after
 * nk_init_done or nk_smp_release (NK_ELOCKED: they are one record for
 * every CPU, written on the APs at their release, arch_ap_release; after
 * it a write here would reach this CPU's register alone); EFER only SCE, LME, LMA, NXE, with LME
 * and NXE set; LSTAR, CSTAR and the segment bases canonical; SFMASK in 32 bits (NK_EMSRVAL). SDM
 * Vol. 3A 2.2.1, Vol. 4; spec section 5. Changes nothing. */
static long decode_msr(uint32_t msr, uint64_t v)
{
	bool syscall_msr = msr == MSR_EFER || msr == MSR_STAR || msr == MSR_SFMASK ||
			   msr == MSR_LSTAR || msr == MSR_CSTAR;
	bool base = seg_base_msr(msr);
	if (!syscall_msr && !base)
		return -NK_EMSR;
	if (syscall_msr && (nk.msrs_locked || nk.smp_released))
		return -NK_ELOCKED;
	if (msr == MSR_EFER && (v & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)))
		return -NK_EMSRVAL;
	if (msr == MSR_EFER && !(v & EFER_NXE))
		return -NK_EMSRVAL;
	if (msr == MSR_EFER && !(v & EFER_LME))
		return -NK_EMSRVAL;
	if ((msr == MSR_LSTAR || msr == MSR_CSTAR || base) && !canonical(v))
		return -NK_EMSRVAL;
	if (msr == MSR_SFMASK && (v >> 32))
		return -NK_EMSRVAL;
	return 0;
}

long nk_wrmsr_impl(uint32_t msr, uint64_t v)
{
	long r = decode_msr(msr, v);
	if (r == 0)
		r = arch_set_msr(msr, v, !seg_base_msr(msr));
	return nk_count(NK_CALL_WRMSR, r);
}

long nk_null_impl(void)
{
	return nk_count(NK_CALL_NULL, 0);
}

/* All or nothing: when the .data.ro_after_init region cannot be declared,
 * nothing is sealed, the MSRs stay open and init has not ended. */
long nk_init_done_impl(void)
{
	long r = nk_regions_init_done();
	if (r == 0) {
		nk.msrs_locked = true;
		nk_view_store.init_done = true;
	}
	return nk_count(NK_CALL_INIT_DONE, r);
}
