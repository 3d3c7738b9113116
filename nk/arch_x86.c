/* nk's CPU accessors on x86-64: each function is one privileged
 * instruction (or hands out linker symbols) and holds no logic, so that
 * everything deciding something runs in host unit tests against
 * tests/host/fake_arch.c instead. The writers of CR0/CR3/CR4, DR7, MSRs and
 * the descriptor-table registers are out-of-line functions so that the I5
 * encodings stand only in them; their names are on the scanner's
 * allow-list (tools/i5-allow.txt). This file is not measured by
 * `make coverage` (docs/coverage.md).
 * Source: SDM Vol. 3A 2.4 (descriptor-table registers), 2.5 (control
 * registers), 4.10.4 (TLB invalidation); Vol. 2A CPUID; Vol. 1 ch. 19 (I/O). */
#include "nk.h"
#include "cpu.h"
#include <x86/io.h>

paddr_t arch_va_pa(const void *p)
{
	return pa_init((uint64_t)p - DIRECT_MAP_BASE); /* user half or image: wraps past all RAM */
}

void *arch_boot_pa_va(paddr_t pa)
{
	return (void *)pa_addr(pa);
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

__attribute__((noinline)) void arch_write_dr7(uint64_t v)
{
	__asm__ volatile("mov %0, %%dr7" ::"r"(v));
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

void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

uint8_t arch_inb(uint16_t port)
{
	return inb(port);
}

void arch_outb(uint16_t port, uint8_t v)
{
	outb(port, v);
}

void arch_outw(uint16_t port, uint16_t v)
{
	outw(port, v);
}

NK_NORETURN void arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Load GDTR/IDTR/TR and reload the segment registers (far return for CS). */
__attribute__((noinline)) void arch_load_tables(const struct arch_dtr *gdtr,
						const struct arch_dtr *idtr, uint16_t tss_sel,
						uint16_t code_sel, uint16_t data_sel)
{
	__asm__ volatile("lgdt (%0)\n\t"
			 "lidt (%1)\n\t"
			 "ltr %w2\n\t"
			 "pushq %q3\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %w4, %%ds\n\t"
			 "mov %w4, %%es\n\t"
			 "mov %w4, %%ss\n\t"
			 :
			 : "r"(gdtr), "r"(idtr), "r"(tss_sel), "r"((uint64_t)code_sel),
			   "r"(data_sel)
			 : "rax", "memory");
}

void arch_store_tables(struct arch_dtr *gdtr, struct arch_dtr *idtr, uint16_t *tr)
{
	__asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(*gdtr), "=m"(*idtr), "=r"(*tr));
}

extern char __image_start[], __image_end[], __nk_text_start[], __nk_text_end[], __nk_end[];
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __ro_after_init_start[], __ro_after_init_end[];

void arch_image_layout(struct arch_image *img)
{
	*img = (struct arch_image){
		.image_start = (uint64_t)__image_start,
		.image_end = (uint64_t)__image_end,
		.nk_text_start = (uint64_t)__nk_text_start,
		.nk_text_end = (uint64_t)__nk_text_end,
		.nk_end = (uint64_t)__nk_end,
		.text_start = (uint64_t)__text_start,
		.text_end = (uint64_t)__text_end,
		.rodata_start = (uint64_t)__rodata_start,
		.rodata_end = (uint64_t)__rodata_end,
	};
}

void arch_ro_after_init(uint64_t *va, uint64_t *size_bytes)
{
	*va = (uint64_t)__ro_after_init_start;
	*size_bytes = (uint64_t)__ro_after_init_end - (uint64_t)__ro_after_init_start;
}

/* The descriptor tables: nk's .bss (NK frames, read-only to the outer
 * kernel everywhere). */
static struct nk_cpu_tables cpu_tables NK_ALIGNED(4096);

struct nk_cpu_tables *arch_cpu_tables(uint64_t *va)
{
	*va = (uint64_t)&cpu_tables;
	return &cpu_tables;
}
