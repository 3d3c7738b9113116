/* nk's interface to the CPU. nk/arch_x86.c implements it on hardware;
 * tests/host/fake_arch.c implements it over fake physical memory so the
 * vMMU's validation logic runs in host unit tests (as Hafnium's fake arch).
 * nk-private: only nk/ and policies/ include it. */
#ifndef NK_ARCH_H
#define NK_ARCH_H

#include <nk/types.h>

/* arch_pa_va: nk's pointer to physical address pa (direct map on x86). */
void *arch_pa_va(paddr_t pa);

/* arch_flush_tlb: flush every non-global TLB entry of this CPU (CR3 reload,
 * SDM 4.10.4.1). */
void arch_flush_tlb(void);

/* arch_invlpg: flush the TLB entries for virtual address va (SDM 4.10.4.1). */
void arch_invlpg(uint64_t va);

/* Control registers and MSRs (SDM 2.5, 2.2.1). The writers hold the I5
 * encodings and are on the scanner's allow-list (tools/i5-allow.txt). */
uint64_t arch_read_cr0(void);
uint64_t arch_read_cr3(void);
uint64_t arch_read_cr4(void);
void arch_write_cr0(uint64_t v);
void arch_write_cr3(uint64_t v);
void arch_write_cr4(uint64_t v);
uint64_t arch_rdmsr(uint32_t msr);
void arch_wrmsr(uint32_t msr, uint64_t v);

/* arch_ro_after_init: the outer kernel's .data.ro_after_init section:
 * virtual base (kernel image address) and size in bytes, both page-aligned
 * (linker.ld); size 0 if empty. */
void arch_ro_after_init(uint64_t *va, uint64_t *size_bytes);

/* arch_rdtsc: the time-stamp counter (SDM Vol. 3B 18.17). */
uint64_t arch_rdtsc(void);

/* arch_kernel_readable: whether [p, p+len) is mapped, readable kernel-half
 * memory in the current address space (walks the page tables). */
bool arch_kernel_readable(const void *p, size_t len);

/* arch_check_cpu: the invariants that need CPU state: I3 (control
 * registers), I7 (IDT/GDT/TSS), I8 (nk state in nk frames); failures go to
 * nk_check_fail. Source: spec section 3. */
void arch_check_cpu(void);

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR4_TSD (1ull << 2)
#define CR4_DE (1ull << 3)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_PCE (1ull << 8)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#endif
