/* kcov-style PC collection for the in-kernel fuzzer (fuzz build only;
 * include/nk/kcov.h). GCC's -fsanitize-coverage=trace-pc makes every basic
 * block of the instrumented nk files (vmmu.c, ctl.c) call
 * __sanitizer_cov_trace_pc. It runs inside the gate with CR0.WP=0, so each
 * write it makes must be one nk would make anyway: into the outer kernel's
 * own DATA memory, at a slot nk bounds itself. The buffer's base and size
 * live here (nk memory, read-only to the outer kernel); from the buffer
 * only the count is read, once, and clamped; every write first checks that
 * the outer kernel could make it itself (a DATA frame, writable alias). This file itself is never
 * instrumented. Source: Linux kernel/kcov.c (__sanitizer_cov_trace_pc, area[0] count); spec I2, I6.
 */
#include "nk.h"
#include <nk/kcov.h>

static struct {
	uint64_t base;	/* physical, bytes */
	uint64_t words; /* 64-bit words, 2..NK_KCOV_MAX_WORDS */
	bool on;
} kc;

/* Whether the frame holding physical address pa is a DATA frame. */
static bool is_data(uint64_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	return pfn < nk.nframes && nk.frames[pfn].type == NK_F_DATA;
}

/* Whether the outer kernel could write physical address pa itself right
 * now: a DATA frame whose direct-map alias is writable. Inside
 * nk_declare_ptp the alias turns read-only before nk zeroes the frame and
 * before its type changes, and inside nk_remove_ptp it turns writable only
 * after the type is DATA again; so no PC lands in a frame on its way to
 * or from being a page table. */
static bool outer_writable(uint64_t pa)
{
	return is_data(pa) && pte_writable(nk.dm_ptes[pa >> PAGE_SHIFT]);
}

/* __sanitizer_cov_trace_pc: called by GCC at every basic block of the
 * instrumented nk files (-fsanitize-coverage=trace-pc); appends the
 * caller's PC to the enabled buffer when the bounds above allow, else does
 * nothing. Runs with CR0.WP=0 and IF=0, on nk's stack. Source: GCC manual
 * (-fsanitize-coverage=trace-pc); Linux kernel/kcov.c. */
void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_pc(void)
{
	if (!kc.on)
		return;
	uint64_t pc = (uint64_t)__builtin_return_address(0);
	volatile uint64_t *area = arch_pa_va(pa_init(kc.base));
	uint64_t n = area[0]; /* outer-writable: read once, then bounded */
	if (n >= kc.words - 1)
		return;
	uint64_t slot = kc.base + (n + 1) * sizeof(uint64_t);
	if (!outer_writable(kc.base) || !outer_writable(slot))
		return;
	area[n + 1] = pc;
	area[0] = n + 1;
}

/* nk_kcov_enable_impl, nk_kcov_disable_impl: the bodies of the gates
 * nk_kcov_enable and nk_kcov_disable (nk/gate.asm, NK_FUZZ); contract and
 * errors in include/nk/kcov.h. */
long nk_kcov_enable_impl(paddr_t buf, uint64_t words);
long nk_kcov_enable_impl(paddr_t buf, uint64_t words)
{
	uint64_t pa = pa_addr(buf);
	if (pa & 7)
		return -NK_EALIGN;
	if (words < 2 || words > NK_KCOV_MAX_WORDS || pa + words * 8 < pa)
		return -NK_ERANGE;
	for (uint64_t p = align_down(pa, PAGE_SIZE); p < pa + words * 8; p += PAGE_SIZE) {
		if ((p >> PAGE_SHIFT) >= nk.nframes || nk.frames[p >> PAGE_SHIFT].type == NK_F_HOLE)
			return -NK_ERANGE;
		if (!is_data(p))
			return -NK_ETYPE;
	}
	kc.base = pa;
	kc.words = words;
	kc.on = true;
	return 0;
}

long nk_kcov_disable_impl(void);
long nk_kcov_disable_impl(void)
{
	kc.on = false;
	return 0;
}
