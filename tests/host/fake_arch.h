/* The host fake of nk/arch.h: fake physical memory, fake control registers
 * and MSRs, and counters of TLB flushes, so nk's vMMU logic runs in host unit
 * tests (as Hafnium's fake arch). Only tests/host/ includes this. */
#ifndef NK_TESTS_FAKE_ARCH_H
#define NK_TESTS_FAKE_ARCH_H

#include "nk.h"
#include <nk/region.h>

/* Size of the fake physical memory: 4096 frames of 4 KiB (16 MiB). */
#define FAKE_NFRAMES 4096ull
#define FAKE_MEM_BYTES (FAKE_NFRAMES * PAGE_SIZE)

/* The fake CPU: everything nk's arch calls read or write. */
struct fake_cpu {
	uint64_t cr0, cr3, cr4;
	uint64_t efer, star, lstar, cstar, sfmask, fs_base, gs_base, kernel_gs_base;
	uint64_t flush_tlb_calls;   /* arch_flush_tlb */
	uint64_t invlpg_calls;      /* arch_invlpg */
	uint64_t last_invlpg_va;    /* virtual, bytes */
	uint64_t cr0_writes, cr3_writes, cr4_writes, msr_writes;
	bool unreadable;            /* arch_kernel_readable fails when set */
	uint64_t tsc;               /* arch_rdtsc returns it, then adds 1 */
	uint64_t roai_va, roai_size; /* arch_ro_after_init's answer (default: none) */
};

extern struct fake_cpu fake_cpu;

/* fake_last_log: the last line nk printed (nk_printf), NUL terminated. */
extern char fake_last_log[256];

/* fake_arch_reset: allocate (once) and zero the fake physical memory; zero
 * fake_cpu. */
void fake_arch_reset(void);

/* fake_mem: the fake physical memory (FAKE_MEM_BYTES, 4 KiB-aligned). */
uint8_t *fake_mem(void);

/* fake_msr_slot: the fake register behind MSR msr, NULL if unknown. */
uint64_t *fake_msr_slot(uint32_t msr);

#endif
