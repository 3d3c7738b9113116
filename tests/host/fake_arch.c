/* Host implementation of nk/arch.h over fake physical memory (see
 * fake_arch.h), plus the two nk symbols whose real definitions live in files
 * not compiled for the host: nk_panic (nk/log.c) and arch_check_cpu
 * (nk/arch_x86.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_arch.h"

struct fake_cpu fake_cpu;
static uint8_t *mem;

/* fake_arch_reset: see fake_arch.h. */
void fake_arch_reset(void)
{
	if (!mem) {
		mem = aligned_alloc(PAGE_SIZE, FAKE_MEM_BYTES);
		if (!mem) {
			fprintf(stderr, "fake_arch: out of host memory\n");
			abort();
		}
	}
	memset(mem, 0, FAKE_MEM_BYTES);
	memset(&fake_cpu, 0, sizeof(fake_cpu));
}

/* fake_mem: see fake_arch.h. */
uint8_t *fake_mem(void)
{
	return mem;
}

/* arch_pa_va: buf + pa; a pa outside the fake memory is an nk bug. */
void *arch_pa_va(paddr_t pa)
{
	if (pa_addr(pa) >= FAKE_MEM_BYTES) {
		fprintf(stderr, "fake_arch: arch_pa_va(%#llx) outside fake memory\n",
			(unsigned long long)pa_addr(pa));
		abort();
	}
	return mem + pa_addr(pa);
}

/* arch_flush_tlb: count the flush (fake_cpu.flush_tlb_calls). */
void arch_flush_tlb(void)
{
	fake_cpu.flush_tlb_calls++;
}

/* arch_invlpg: count it and remember va (fake_cpu.last_invlpg_va). */
void arch_invlpg(uint64_t va)
{
	fake_cpu.invlpg_calls++;
	fake_cpu.last_invlpg_va = va;
}

/* arch_read_crN, arch_write_crN: the fake registers in fake_cpu; writes
 * are counted. */
uint64_t arch_read_cr0(void)
{
	return fake_cpu.cr0;
}

uint64_t arch_read_cr3(void)
{
	return fake_cpu.cr3;
}

uint64_t arch_read_cr4(void)
{
	return fake_cpu.cr4;
}

void arch_write_cr0(uint64_t v)
{
	fake_cpu.cr0 = v;
	fake_cpu.cr0_writes++;
}

void arch_write_cr3(uint64_t v)
{
	fake_cpu.cr3 = v;
	fake_cpu.cr3_writes++;
}

void arch_write_cr4(uint64_t v)
{
	fake_cpu.cr4 = v;
	fake_cpu.cr4_writes++;
}

/* fake_msr_slot: see fake_arch.h. */
uint64_t *fake_msr_slot(uint32_t msr)
{
	switch (msr) {
	case MSR_EFER:
		return &fake_cpu.efer;
	case MSR_STAR:
		return &fake_cpu.star;
	case MSR_LSTAR:
		return &fake_cpu.lstar;
	case MSR_CSTAR:
		return &fake_cpu.cstar;
	case MSR_SFMASK:
		return &fake_cpu.sfmask;
	case MSR_FS_BASE:
		return &fake_cpu.fs_base;
	case MSR_GS_BASE:
		return &fake_cpu.gs_base;
	case MSR_KERNEL_GS_BASE:
		return &fake_cpu.kernel_gs_base;
	default:
		return NULL;
	}
}

/* arch_rdmsr: the fake register; an unknown MSR is an nk bug (#GP on
 * hardware). */
uint64_t arch_rdmsr(uint32_t msr)
{
	uint64_t *s = fake_msr_slot(msr);
	if (!s) {
		fprintf(stderr, "fake_arch: rdmsr of unknown MSR %#x\n", msr);
		abort();
	}
	return *s;
}

/* arch_wrmsr: set the fake register; an unknown MSR is an nk bug. */
void arch_wrmsr(uint32_t msr, uint64_t v)
{
	uint64_t *s = fake_msr_slot(msr);
	if (!s) {
		fprintf(stderr, "fake_arch: wrmsr of unknown MSR %#x\n", msr);
		abort();
	}
	*s = v;
	fake_cpu.msr_writes++;
}

/* arch_kernel_readable: true for a non-NULL p unless fake_cpu.unreadable. */
bool arch_kernel_readable(const void *p, size_t len)
{
	(void)len;
	return p != NULL && !fake_cpu.unreadable;
}

/* arch_rdtsc: fake_cpu.tsc, counting up by one per read. */
uint64_t arch_rdtsc(void)
{
	return fake_cpu.tsc++;
}

/* arch_ro_after_init: fake_cpu.roai_va and roai_size. */
void arch_ro_after_init(uint64_t *va, uint64_t *size_bytes)
{
	*va = fake_cpu.roai_va;
	*size_bytes = fake_cpu.roai_size;
}

/* arch_check_cpu: I3/I7/I8 need real hardware state; nothing on the host. */
void arch_check_cpu(void);
void arch_check_cpu(void)
{
}

/* nk_panic: an nk bug on the host: print and abort. */
void nk_panic(const char *file, int line, const char *why)
{
	fprintf(stderr, "nk panic: %s:%d: %s\n", file, line, why);
	abort();
}

char fake_last_log[256];

/* nk_printf: nk's log on the host: kept in fake_last_log (the tests read
 * what nk said, e.g. the offset of a refused I5 encoding) and not printed. */
void nk_printf(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(fake_last_log, sizeof(fake_last_log), f, ap);
	va_end(ap);
}
