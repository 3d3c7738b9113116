/* arch_kernel_readable: a walk of the page tables CR3 points to, over
 * nk/arch.h (arch_read_cr3, arch_pa_va), so it runs in host unit tests.
 * nk uses it to check that a pointer the outer kernel passed (a batch of
 * PTE updates, a module's frame list, a region write's source) can be read
 * before nk reads it inside a gate. Source: SDM Vol. 3A 4.5 (4-level
 * paging). */
#include "nk.h"

/* Walk the loaded tables for va: true if a present leaf maps it (every L1
 * entry is a leaf, so the walk ends by level 1). */
static bool mapped(uint64_t va)
{
	paddr_t t = cr3_l4(arch_read_cr3());
	for (unsigned level = 4;; level--) {
		pte_t e = ((const pte_t *)arch_pa_va(t))[pt_index(va, level)];
		if (!pte_present(e) || pte_is_leaf(e, level))
			return pte_present(e);
		t = pte_frame(e, level);
	}
}

bool arch_kernel_readable(const void *p, size_t len)
{
	uint64_t va = (uint64_t)p;
	if (va < DIRECT_MAP_BASE || va + len < va)
		return false;
	for (uint64_t pg = align_down(va, PAGE_SIZE); pg < va + len; pg += PAGE_SIZE)
		if (!mapped(pg))
			return false;
	return true;
}
