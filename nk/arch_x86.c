/* nk's CPU operations on x86-64. The writers of CR0/CR3/CR4 and MSRs are
 * out-of-line functions so that the I5 encodings stand only in them; their
 * names are on the scanner's allow-list (tools/i5-allow.txt).
 * Source: SDM Vol. 3A 2.5 (control registers), 4.10.4 (TLB invalidation). */
#include "nk.h"

void *arch_pa_va(paddr_t pa)
{
	return pa_to_dm(pa);
}

__attribute__((noinline)) void arch_write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}

__attribute__((noinline)) void arch_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

__attribute__((noinline)) void arch_write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

__attribute__((noinline)) void arch_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

uint64_t arch_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t arch_read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

uint64_t arch_read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

uint64_t arch_read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

extern char __ro_after_init_start[], __ro_after_init_end[];

void arch_ro_after_init(uint64_t *va, uint64_t *size_bytes)
{
	*va = (uint64_t)__ro_after_init_start;
	*size_bytes = (uint64_t)__ro_after_init_end - (uint64_t)__ro_after_init_start;
}

uint64_t arch_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void arch_flush_tlb(void)
{
	arch_write_cr3(arch_read_cr3());
}

void arch_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

/* Walk the loaded tables for va; true if mapped present. */
static bool mapped(uint64_t va)
{
	paddr_t t = pa_init(arch_read_cr3() & PTE_ADDR_4K);
	for (unsigned level = 4; level >= 1; level--) {
		pte_t e = ((const pte_t *)arch_pa_va(t))[pt_index(va, level)];
		if (!pte_present(e))
			return false;
		if (pte_is_leaf(e, level))
			return true;
		t = pte_frame(e, level);
	}
	return true;
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
