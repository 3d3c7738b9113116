/* nk's CPU accessors on x86-64: each function is one privileged
 * instruction (or hands out linker symbols) and holds no logic, so that
 * everything deciding something runs in host unit tests against
 * tests/host/fake_arch.c instead. It holds no privileged write itself: CR0
 * writes are in nk/entry.asm and nk/gate.asm, CR3, CR4 and MSR writes in
 * the gated page (nk/priv.asm), the descriptor tables and DR7 in boot-only
 * code; this file keeps nk's record of the CPU state they check against
 * (spec I6). This file is not measured by `make coverage`
 * (docs/coverage.md).
 * Source: SDM Vol. 3A 2.4 (descriptor-table registers), 2.5 (control
 * registers), 4.10.4 (TLB invalidation); Vol. 2A CPUID; Vol. 1 ch. 19 (I/O). */
#include "nk.h"
#include "cpu.h"
#include <x86/io.h>

paddr_t arch_va_pa(const void *p)
{
	return dm_to_pa(p); /* user half or image: wraps past all RAM */
}

void *arch_boot_pa_va(paddr_t pa)
{
	return (void *)pa_addr(pa);
}

/* ---- nk's record of the CPU state (spec I6, the no-gadget rule) ----
 * Read by the checks after every privileged write (nk/cr0.inc), the gates
 * and the interrupt stubs; all in nk's data (I8). */
uint64_t nk_cr0, nk_cr3, nk_cr4;
/* NK_GS_* (nk/cr0.inc): boot runs inside nk */
uint32_t nk_gate_state = 1;
struct nk_msr_rec {
	uint32_t msr;
	uint32_t pinned;
	uint64_t value;
};
struct nk_msr_rec nk_msr_table[NK_MSR_MAX];
uint32_t nk_msr_count;

/* The L1 slot of the gated page (nk/priv.asm); NULL until boot maps it. */
pte_t *nk_priv_pte;
static paddr_t priv_pte_pa, boot_pte_pa[64];
static unsigned boot_ptes;

/* The privileged writes (spec I6, the no-gadget rule), each checked by
 * reading the register back (SDM Vol. 3A 2.5, 9.4 WRMSR); the CR3, CR4 and
 * WRMSR ones sit in the gated page, which must be open (priv_open).
 * nk_cr0_sync: CR0 := nk_cr0, WP clear while this CPU is in nk (CR0_SYNC,
 *   nk/entry.asm). nk_priv_cr3, nk_priv_cr4: CR3 := nk_cr3 (flushing the
 *   TLB's non-global entries), CR4 := nk_cr4 (nk/priv.asm). nk_priv_wrmsr:
 *   MSR msr := nk's record of it; halts when nk holds none (nk_msr_unknown).
 * nk_handoff: leave nk for good at the end of boot, on the outer kernel's
 *   stack (virtual address of its top, 16-byte aligned), with CR0 := nk_cr0
 *   (WP set), into outer_main; does not return (nk/entry.asm). */
void nk_cr0_sync(void);
void nk_priv_cr3(void);
void nk_priv_cr4(void);
void nk_priv_wrmsr(uint32_t msr);
NK_NORETURN void nk_handoff(uint64_t outer_stack_top);
extern char __nk_priv_start[], __nk_boot_start[], __nk_boot_end[];

/* Open and close the gated page around one use: its PTE executable, then
 * non-executable again, each followed by INVLPG (a stale executable TLB
 * entry would let outer code in; I10). The native build leaves it open. */
static void priv_open(void)
{
	if (!NK_NATIVE && nk_priv_pte) {
		*nk_priv_pte &= ~PTE_NX;
		arch_invlpg((uint64_t)__nk_priv_start);
	}
}

static void priv_close(void)
{
	if (!NK_NATIVE && nk_priv_pte) {
		*nk_priv_pte |= PTE_NX;
		arch_invlpg((uint64_t)__nk_priv_start);
	}
}

void arch_set_cr0(uint64_t v)
{
	nk_view_store.stats.cr_writes++;
	nk_cr0 = v;
	nk_cr0_sync();
}

void arch_set_cr3(uint64_t v)
{
	nk_view_store.stats.cr_writes++;
	nk_cr3 = v;
	priv_open();
	nk_priv_cr3();
	priv_close();
}

void arch_set_cr4(uint64_t v)
{
	nk_view_store.stats.cr_writes++;
	nk_cr4 = v;
	priv_open();
	nk_priv_cr4();
	priv_close();
}

/* The record of msr, added (value 0, not pinned) when new; NULL when the
 * record is full. */
static struct nk_msr_rec *msr_rec(uint32_t msr)
{
	for (uint32_t i = 0; i < nk_msr_count; i++)
		if (nk_msr_table[i].msr == msr)
			return &nk_msr_table[i];
	if (nk_msr_count == NK_MSR_MAX)
		return NULL;
	struct nk_msr_rec *r = &nk_msr_table[nk_msr_count++];
	*r = (struct nk_msr_rec){.msr = msr};
	return r;
}

long arch_set_msr(uint32_t msr, uint64_t v, bool pinned)
{
	struct nk_msr_rec *r = msr_rec(msr);
	if (!r)
		return -NK_ENOMEM;
	if (msr == MSR_EFER)
		v |= EFER_LMA; /* read-only, set in long mode: what EFER reads back */
	r->value = v;
	r->pinned = pinned;
	nk_view_store.stats.cr_writes++;
	priv_open();
	nk_priv_wrmsr(msr);
	priv_close();
	return 0;
}

long arch_pin_msr(uint32_t msr)
{
	struct nk_msr_rec *r = msr_rec(msr);
	if (!r)
		return -NK_ENOMEM;
	r->value = arch_rdmsr(msr);
	r->pinned = 1;
	return 0;
}

uint64_t arch_recorded_cr0(void)
{
	return nk_cr0;
}

uint64_t arch_recorded_cr3(void)
{
	return nk_cr3;
}

uint64_t arch_recorded_cr4(void)
{
	return nk_cr4;
}

/* nk_msr_unknown: a WRMSR site found an MSR nk holds no record of (only a
 * jump into the gated page could get there): say so and halt. */
NK_NORETURN void nk_msr_unknown(uint32_t msr);
NK_NORETURN void nk_msr_unknown(uint32_t msr)
{
	nk_stopping = 1; /* faults when outer code called this directly */
	nk_printf("nk: WRMSR of MSR %#x, which nk holds no record of: halting (spec I6)\n", msr);
	arch_halt();
}

/* nk_trap_check_pinned: the interrupt stubs' slow path (nk/entry.asm), after
 * CR0 was restored: CR3, CR4 and every pinned MSR must hold nk's record
 * (their writes are all in the gated page, so a mismatch means nk is
 * broken): halt with a message if not. */
void nk_trap_check_pinned(void);
void nk_trap_check_pinned(void)
{
	const char *what = NULL;
	uint64_t have = 0, want = 0;
	if (arch_read_cr3() != nk_cr3)
		what = "CR3", have = arch_read_cr3(), want = nk_cr3;
	else if (arch_read_cr4() != nk_cr4)
		what = "CR4", have = arch_read_cr4(), want = nk_cr4;
	for (uint32_t i = 0; !what && i < nk_msr_count; i++)
		if (nk_msr_table[i].pinned &&
		    arch_rdmsr(nk_msr_table[i].msr) != nk_msr_table[i].value)
			what = "a pinned MSR", have = arch_rdmsr(nk_msr_table[i].msr),
			want = nk_msr_table[i].value;
	if (!what)
		return;
	nk_stopping = 1;
	nk_printf("nk: %s is %lx, not nk's record %lx, on an interrupt: halting (spec I6)\n", what,
		  have, want);
	arch_halt();
}

void arch_boot_image_pte(uint64_t va, paddr_t pa)
{
	if (va == (uint64_t)__nk_priv_start)
		priv_pte_pa = pa;
	else if (va >= (uint64_t)__nk_boot_start && va < (uint64_t)__nk_boot_end) {
		NK_CHECK(boot_ptes < sizeof(boot_pte_pa) / sizeof(boot_pte_pa[0]));
		boot_pte_pa[boot_ptes++] = pa;
	}
}

NK_NORETURN void arch_boot_end(uint64_t outer_stack_top)
{
	NK_CHECK(pa_addr(priv_pte_pa) != 0);
	nk_priv_pte = arch_pa_va(priv_pte_pa);
	for (unsigned i = 0; i < boot_ptes; i++) {
		pte_t *e = arch_pa_va(boot_pte_pa[i]);
		*e |= PTE_NX;
		arch_invlpg((uint64_t)__nk_boot_start + (uint64_t)i * PAGE_SIZE);
	}
	priv_close();
	nk_handoff(outer_stack_top);
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
	arch_set_cr3(nk_cr3);
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

NK_BOOT void arch_boot_write_dr7(uint64_t v)
{
	__asm__ volatile("mov %0, %%dr7" ::"r"(v));
}

/* Load GDTR/IDTR/TR and reload the segment registers (far return for CS). */
NK_BOOT void arch_boot_load_tables(const struct arch_dtr *gdtr, const struct arch_dtr *idtr,
				   uint16_t tss_sel, uint16_t code_sel, uint16_t data_sel)
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
