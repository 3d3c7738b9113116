/* GDT selectors, nk's descriptor tables and nk's CPU setup (nk-private).
 * Source: SDM Vol. 3A 3.4.5 (descriptors), 6.14.1 (64-bit IDT gates),
 * 7.7 (64-bit TSS). */
#ifndef NK_CPU_H
#define NK_CPU_H
#include <nk/types.h>

#include <x86/selectors.h>
/* The GDT: null, kernel code and data, user data and code, then a TSS
 * descriptor slot (two entries) per CPU: CPU i's GDT fills only slot i,
 * at SEL_TSS + 16 * i, so that its TR names it (nk/cr0.inc PCPU). */
#define GDT_ENTRIES (SEL_TSS / 8 + 2 * 8)
#define GDT_TSS_SEL(cpu) (SEL_TSS + 16 * (cpu))

/* IST slots (1-based, as in the IDT entry). Every vector has one, so the
 * CPU never pushes a frame through the interrupted RSP: code that jumped to
 * one of nk's CR0 writes with WP clear and RSP aimed at nk memory would
 * otherwise have the frame written there before any check runs (spec I6,
 * I7). The stubs move a frame from kernel mode to the interrupted stack
 * once CR0 is nk's again; NMI, #DF and #MC stay on theirs. */
#define IST_DF 1  /* vector 8, #DF */
#define IST_NMI 2 /* vector 2, NMI */
#define IST_MC 3  /* vector 18, #MC */
#define IST_EXC 4 /* the other exceptions, 0-31 */
#define IST_IRQ 5 /* interrupts, 32-255 */
#define IST_STACKS 5

struct tss64 {
	uint32_t res0;
	uint64_t rsp[3];
	uint64_t res1;
	uint64_t ist[7];
	uint64_t res2;
	uint16_t res3;
	uint16_t iomap_base;
} NK_PACKED;

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} NK_PACKED;

/* The GDT, the TSS and the IDT, each in whole pages of its own: each is a
 * write-once region (spec section 7), and a region is whole frames. Where
 * they live is arch_cpu_tables' answer (nk's image, NK frames). */
struct nk_cpu_tables {
	uint64_t gdt[PAGE_SIZE / 8]; /* GDT_ENTRIES used */
	union {
		struct tss64 t;
		uint8_t page[PAGE_SIZE];
	} tss;
	struct idt_entry idt[256];
};

/* An AP's GDT and TSS, each in whole pages (write-once regions of their
 * own); the IDT is the boot CPU's, shared. */
struct nk_ap_tables {
	uint64_t gdt[PAGE_SIZE / 8];
	union {
		struct tss64 t;
		uint8_t page[PAGE_SIZE];
	} tss;
};

/* arch_ap_tables: AP cpu's (1..NK_MAX_CPUS-1) tables: nk's pointer, and in
 * *va the kernel virtual address the CPU uses. Page-aligned, NK frames. */
struct nk_ap_tables *arch_ap_tables(unsigned cpu, uint64_t *va);

/* nk_isr_table: the address of each vector's nk stub (nk/gate.asm). */
extern const uint64_t nk_isr_table[256];

/* nk_cpu_init: build and load the GDT, TSS (RSP0 = rsp0, IST1-5 =
 * ist_tops: #DF, NMI, #MC, other exceptions, interrupts; virtual addresses) and IDT (every vector
 * to its nk stub), and declare each a write-once region (nk frames, every byte written, sealed at
 * nk_init_done; spec section 7). Boot only, with CR0.WP clear, after nk_regions_init. Source: SDM
 * Vol. 3A 6.14, 7.7. */
void nk_cpu_init(const uint64_t ist_tops[IST_STACKS], uint64_t rsp0);

/* nk_cpu_early: the boot CPU's GDT (its TSS descriptor at GDT_TSS_SEL(0))
 * and IDT loaded at the start of boot, before nk's first checked write,
 * so that TR names CPU 0's record from then on (nk/cr0.inc PCPU); the TSS
 * gets its stacks in nk_cpu_init. Boot only. */
void nk_cpu_early(void);

/* nk_cpu_init_ap: build AP cpu's GDT and TSS (RSP0, IST1-5 as for
 * nk_cpu_init) and declare each a write-once region, on the boot CPU.
 * Boot only, after nk_cpu_init. */
void nk_cpu_init_ap(unsigned cpu, const uint64_t ist_tops[IST_STACKS], uint64_t rsp0);

/* nk_cpu_load_ap: on AP cpu itself: load its GDT, the shared IDT and its
 * TSS (LTR GDT_TSS_SEL(cpu)). Boot only, after nk_cpu_init_ap. */
void nk_cpu_load_ap(unsigned cpu);
#endif
