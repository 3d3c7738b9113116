/* The vMMU's CPU-state calls: CR0, CR4, allow-listed MSRs, end of init.
 * Source: spec sections 3 (I3) and 5; SDM Vol. 3A 2.5 (control registers),
 * 2.2.1 (EFER), Vol. 4 (MSR numbers). */
#include "nk.h"

#define CR0_KNOWN                                                              \
	(CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
	 CR0_NW | CR0_CD | CR0_PG)
#define CR0_REQUIRED (CR0_PE | CR0_PG | CR0_WP)

long nk_load_cr0_impl(uint64_t v)
{
	long r = 0;
	if ((v & ~CR0_KNOWN) || (v & CR0_REQUIRED) != CR0_REQUIRED ||
	    ((v & CR0_NW) && !(v & CR0_CD)))
		r = -NK_ECR0;
	else
		arch_set_cr0(v); /* WP clear until the gate's exit loads v */
	return nk_count(NK_CALL_LOAD_CR0, r);
}

long nk_load_cr4_impl(uint64_t v)
{
	long r = 0;
	if ((v & nk.cr4_required) != nk.cr4_required ||
	    (v & ~(nk.cr4_required | nk.cr4_allowed)))
		r = -NK_ECR4;
	else
		arch_set_cr4(v);
	return nk_count(NK_CALL_LOAD_CR4, r);
}

/* Whether v is a canonical 48-bit virtual address (SDM 3.3.7.1). */
static bool canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

long nk_wrmsr_impl(uint32_t msr, uint64_t v)
{
	long r = 0;
	switch (msr) {
	case MSR_EFER:
		if ((v & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) ||
		    !(v & EFER_NXE) || !(v & EFER_LME))
			r = -NK_EMSRVAL;
		/* fall through */
	case MSR_STAR:
	case MSR_SFMASK:
		if (nk.msrs_locked)
			r = -NK_ELOCKED;
		break;
	case MSR_LSTAR:
	case MSR_CSTAR:
		if (nk.msrs_locked)
			r = -NK_ELOCKED;
		else if (!canonical(v))
			r = -NK_EMSRVAL;
		break;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		if (!canonical(v))
			r = -NK_EMSRVAL;
		break;
	default:
		r = -NK_EMSR;
	}
	if (msr == MSR_SFMASK && r == 0 && (v >> 32))
		r = -NK_EMSRVAL;
	if (r == 0)
		r = arch_set_msr(msr, v, !(msr == MSR_FS_BASE || msr == MSR_GS_BASE ||
					   msr == MSR_KERNEL_GS_BASE));
	return nk_count(NK_CALL_WRMSR, r);
}

long nk_null_impl(void)
{
	return nk_count(NK_CALL_NULL, 0);
}

long nk_init_done_impl(void)
{
	long r = nk_regions_init_done();
	nk.msrs_locked = true;
	nk_view_store.init_done = true;
	return nk_count(NK_CALL_INIT_DONE, r);
}
