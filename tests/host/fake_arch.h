/* The host fake of nk/arch.h: fake physical memory, a fake CPU (control
 * registers, MSRs, CPUID, descriptor-table registers, TLB flush counters)
 * and fake devices on nk's I/O ports (COM1, isa-debug-exit, fw_cfg), so
 * nk's logic runs in host unit tests (as Hafnium's fake arch). Only
 * tests/host/ (and tests/fuzz/) include this. */
#ifndef NK_TESTS_FAKE_ARCH_H
#define NK_TESTS_FAKE_ARCH_H

#include <setjmp.h>

#include "nk.h"
#include <nk/region.h>

/* Size of the fake physical memory: 4096 frames of 4 KiB (16 MiB). */
#define FAKE_NFRAMES 4096ull
#define FAKE_MEM_BYTES (FAKE_NFRAMES * PAGE_SIZE)

/* One CPUID leaf (subleaf 0) the fake CPU answers; other leaves read 0. */
struct fake_cpuid {
	uint32_t leaf;
	uint32_t r[4]; /* EAX, EBX, ECX, EDX */
};
#define FAKE_CPUID_MAX 8

/* A file in the fake fw_cfg device's directory. */
struct fake_fwcfg_file {
	char name[56];
	const void *data;
	uint32_t size_bytes;
};
#define FAKE_FWCFG_MAX 8

/* The fake CPU: everything nk's arch calls read or write. */
struct fake_cpu {
	uint64_t cr0, cr3, cr4;
	uint64_t efer, star, lstar, cstar, sfmask, fs_base, gs_base, kernel_gs_base;
	uint64_t flush_tlb_calls; /* arch_flush_tlb */
	uint64_t invlpg_calls;	  /* arch_invlpg */
	uint64_t last_invlpg_va;  /* virtual, bytes */
	uint64_t cr0_writes, cr3_writes, cr4_writes, msr_writes;
	uint64_t rec_cr0, rec_cr3, rec_cr4; /* nk's record (arch_set_crN) */
	uint64_t msr_pinned, msr_pins, image_ptes;
	bool unreadable; /* the fixture's arch_kernel_readable fails when set */
	/* called by the fixture's arch_kernel_readable, when set (a test's
	 * stand-in for another CPU changing outer memory during a call) */
	void (*on_readable)(const void *p, size_t len);
	/* called by arch_pause, when set (a test's stand-in for another CPU
	 * that acknowledges nk_shoot's requests while nk waits) */
	void (*on_pause)(void);
	uint64_t tsc;		     /* arch_rdtsc returns it, then adds 1 */
	uint64_t roai_va, roai_size; /* arch_ro_after_init's answer (default: none) */

	/* used by nk's boot, CPU-table and log code (tests/host/machine.c) */
	uint64_t dr7, dr7_writes;
	struct fake_cpuid cpuid[FAKE_CPUID_MAX];
	struct arch_dtr gdtr, idtr; /* arch_boot_load_tables / arch_store_tables */
	uint16_t tr, cs, ds;	    /* TR, CS and DS/ES/SS selectors */
	uint64_t table_loads;
	struct arch_image image;  /* arch_image_layout's answer */
	uint64_t cpu_tables_va;	  /* arch_cpu_tables: image address in fake memory */
	uint32_t uart_busy_polls; /* LSR reads that say "THR full" before it empties */
	uint64_t lsr_reads;
	bool exited;		     /* isa-debug-exit was written ... */
	uint8_t exit_code;	     /* ... with this value */
	uint64_t halts;		     /* arch_halt calls */
	bool fwcfg_absent;	     /* the signature reads 0xff */
	const char *fwcfg_signature; /* 4 bytes the signature reads instead of "QEMU" */
	uint32_t fwcfg_id;	     /* the ID item (key 1, le32): bit 1 = DMA; 0 here: port only */
	uint32_t fwcfg_nfiles;	     /* files[0 .. fwcfg_nfiles) in the directory */
	uint32_t fwcfg_dir_count;    /* the count the directory claims (0: fwcfg_nfiles) */
	struct fake_fwcfg_file fwcfg_files[FAKE_FWCFG_MAX];
	uint16_t fwcfg_sel;   /* selected key */
	uint64_t fwcfg_pos;   /* read position in the selected item */
	uint64_t fwcfg_reads; /* data-port reads */
	uint16_t fwcfg_ncpus; /* item FW_CFG_NB_CPUS (key 5, le16): 0 here, as QEMU never says */
	/* SMP (nk/smp.c): arch_boot_start_aps calls and the trampoline page
	 * of the last; no AP ever checks in on the fake */
	uint64_t ap_starts;
	uint64_t ap_tramp_pa;
};

extern struct fake_cpu fake_cpu;

/* nk/smp_boot.asm's check-in count, the fake's (0: no AP checked in) */
extern volatile uint32_t nk_smp_checkin;

/* fake_stop: while set, arch_halt longjmps to it with 1 (and nk_handoff,
 * tests/host/machine.c, with 2); while NULL, arch_halt aborts the test
 * binary (an unexpected stop of nk). */
extern jmp_buf *fake_stop;

/* fake_serial: everything nk wrote to COM1 since fake_arch_reset, NUL
 * terminated (the first FAKE_SERIAL_MAX - 1 bytes); fake_serial_len its
 * length in bytes. */
#define FAKE_SERIAL_MAX 65536
extern char fake_serial[FAKE_SERIAL_MAX];
extern size_t fake_serial_len;

/* fake_arch_reset: allocate (once) and zero the fake physical memory; zero
 * fake_cpu and the serial output. */
void fake_arch_reset(void);

/* fake_mem: the fake physical memory (FAKE_MEM_BYTES, 4 KiB-aligned). */
uint8_t *fake_mem(void);

/* fake_msr_slot: the fake register behind MSR msr, NULL if unknown. */
uint64_t *fake_msr_slot(uint32_t msr);

/* fake_image_va_ptr: the host pointer behind kernel image address va
 * (va - KERNEL_VMA in fake memory). */
void *fake_image_va_ptr(uint64_t va);

#endif
