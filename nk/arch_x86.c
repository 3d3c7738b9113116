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
uint64_t nk_cr0, nk_cr4; /* shared: every CPU runs with the same */
/* An MSR record: flags MSR_PINNED (the stubs' slow path checks it),
 * MSR_PENDING (recorded on another CPU, not yet written on this one:
 * written at nk_smp_release), MSR_READ (a pinned MSR nk never writes: its
 * value is each CPU's own, read at its boot). */
struct nk_msr_rec {
	uint32_t msr;
	uint32_t flags;
	uint64_t value;
};
#define MSR_PINNED 1u
#define MSR_PENDING 2u
#define MSR_READ 4u

/* nk's per-CPU records (struct nk_cpu, include/nk/vmmu.h), found by the
 * assembly from TR (nk/cr0.inc PCPU), and each CPU's MSR records. */
struct nk_cpu nk_pcpu[NK_MAX_CPUS] NK_ALIGNED(128);
static struct nk_msr_rec msr_tables[NK_MAX_CPUS][NK_MSR_MAX];
_Static_assert(sizeof(struct nk_cpu) == 128, "nk/cr0.inc PCPU: 128-byte records (scale 8)");
_Static_assert(offsetof(struct nk_cpu, gate_state) == 0 &&
		   offsetof(struct nk_cpu, stack_top) == 8 && offsetof(struct nk_cpu, cr3) == 16 &&
		   offsetof(struct nk_cpu, msr_table) == 24 &&
		   offsetof(struct nk_cpu, msr_count) == 32 &&
		   offsetof(struct nk_cpu, nmi_save) == 40 &&
		   offsetof(struct nk_cpu, outer_entry) == 48 &&
		   offsetof(struct nk_cpu, outer_stack) == 56 &&
		   offsetof(struct nk_cpu, state) == 64 && offsetof(struct nk_cpu, index) == 68 &&
		   NK_CPU_PARKED == 2,
	       "struct nk_cpu: the offsets nk/cr0.inc names (PCPU_*)");
_Static_assert(SEL_TSS == 0x28, "nk/cr0.inc SEL_TSS_SEL, nk/arch.h arch_cpu_index");
/* nk/entry.asm: each CPU's nk gate stack (16 KiB) and NMI save area (24 words) */
extern char nk_gate_stacks[], nk_nmi_saves[];
#define GATE_STACK_BYTES 16384

void arch_cpu_record_init(unsigned cpu)
{
	struct nk_cpu *c = &nk_pcpu[cpu];
	c->index = cpu;
	c->gate_state = 1; /* NK_GS_IN_GATE: the CPU boots inside nk */
	c->stack_top = (uint64_t)nk_gate_stacks + (uint64_t)(cpu + 1) * GATE_STACK_BYTES - 8;
	c->nmi_save = (uint64_t)nk_nmi_saves + (uint64_t)cpu * 24 * 8;
	c->msr_table = (uint64_t)msr_tables[cpu];
}

/* This CPU's record and MSR table. */
static struct nk_cpu *this_cpu(void)
{
	return &nk_pcpu[arch_cpu_index()];
}

/* The L1 slots of nk's boot-only pages (arch_boot_end closes them). */
static paddr_t boot_pte_pa[64];
static unsigned boot_ptes;

/* The privileged writes (spec I6, the no-gadget rule), each checked by
 * reading the register back (SDM Vol. 3A 2.5, 9.4 WRMSR); the CR3 and
 * WRMSR ones sit in the gated page, which must be open (priv_cr3,
 * priv_wrmsr).
 * nk_cr0_sync: CR0 := nk_cr0, WP clear while this CPU is in nk (CR0_SYNC,
 *   nk/entry.asm). nk_cr4_sync: CR4 := nk_cr4, SMEP clear while this CPU
 *   is in nk with its gated page in use (CR4_SYNC, nk/entry.asm).
 *   nk_priv_cr3: CR3 := this CPU's CR3 record (flushing the TLB's
 *   non-global entries; nk/priv.asm). nk_priv_wrmsr:
 *   MSR msr := nk's record of it; halts when nk holds none (nk_msr_unknown).
 *   nk_gated_cr3, nk_gated_wrmsr: the same, with the gated page opened
 *   for this CPU around the write (nk/entry.asm).
 * nk_handoff: leave nk for good at the end of boot, on the outer kernel's
 *   stack (virtual address of its top, 16-byte aligned), with CR0 := nk_cr0
 *   (WP set), into outer_main; does not return (nk/entry.asm). */
void nk_cr0_sync(void);
void nk_priv_cr3(void);
void nk_cr4_sync(void);
void nk_priv_wrmsr(uint32_t msr);
void nk_gated_cr3(void);
void nk_gated_wrmsr(uint32_t msr);
NK_NORETURN void nk_handoff(uint64_t outer_stack_top);
extern char __nk_priv_start[], __nk_boot_start[], __nk_boot_end[];
extern char nk_trampoline[], nk_trampoline_end[], nk_ap_entry64[]; /* nk/smp_boot.asm */
NK_NORETURN void nk_ap_park(uint64_t outer_stack_top, unsigned cpu);

/* One use of the gated page on this CPU: CR3 := this CPU's record, or MSR
 * msr := this CPU's record of it. The page is a user page, so CR4.SMEP
 * clear lets ring 0 fetch from it; nk_gated_* clear SMEP for this CPU
 * alone around the write (CR4_SYNC, nk/cr0.inc: only while this CPU runs
 * nk with NK_GS_PRIV set; nk/priv.asm). The native build maps the page as
 * kernel text: always open; so is it at boot until nk records its CR4
 * (boot_enable_protection): the boot tables map it as a supervisor page. */
static void priv_cr3(void)
{
	if (!NK_NATIVE && nk_cr4)
		nk_gated_cr3();
	else
		nk_priv_cr3();
}

static void priv_wrmsr(uint32_t msr)
{
	if (!NK_NATIVE && nk_cr4)
		nk_gated_wrmsr(msr);
	else
		nk_priv_wrmsr(msr);
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
	this_cpu()->cr3 = v;
	priv_cr3();
}

void arch_set_cr4(uint64_t v)
{
	nk_view_store.stats.cr_writes++;
	nk_cr4 = v;
	nk_cr4_sync();
}

/* CPU c's record of msr, added (value 0, no flags) when new; NULL when
 * the record is full. */
static struct nk_msr_rec *msr_rec(struct nk_cpu *c, uint32_t msr)
{
	struct nk_msr_rec *t = (struct nk_msr_rec *)c->msr_table;
	for (uint32_t i = 0; i < c->msr_count; i++)
		if (t[i].msr == msr)
			return &t[i];
	if (c->msr_count == NK_MSR_MAX)
		return NULL;
	struct nk_msr_rec *r = &t[c->msr_count++];
	*r = (struct nk_msr_rec){.msr = msr};
	return r;
}

static bool seg_base(uint32_t msr)
{
	return msr == MSR_FS_BASE || msr == MSR_GS_BASE || msr == MSR_KERNEL_GS_BASE;
}

/* Written on this CPU; every other CPU nk brought up gets the record too,
 * marked MSR_PENDING (written there at nk_smp_release), except for the
 * segment bases, which are per CPU. */
long arch_set_msr(uint32_t msr, uint64_t v, bool pinned)
{
	struct nk_cpu *me = this_cpu();
	struct nk_msr_rec *r = msr_rec(me, msr);
	if (!r)
		return -NK_ENOMEM;
	if (msr == MSR_EFER)
		v |= EFER_LMA; /* read-only, set in long mode: what EFER reads back */
	for (unsigned c = 0; !seg_base(msr) && c < NK_MAX_CPUS; c++) {
		struct nk_msr_rec *o;
		if (&nk_pcpu[c] == me || nk_pcpu[c].state == NK_CPU_OFFLINE ||
		    !(o = msr_rec(&nk_pcpu[c], msr)))
			continue;
		o->value = v;
		o->flags = (pinned ? MSR_PINNED : 0) | MSR_PENDING;
	}
	r->value = v;
	r->flags = pinned ? MSR_PINNED : 0;
	nk_view_store.stats.cr_writes++;
	priv_wrmsr(msr);
	return 0;
}

long arch_pin_msr(uint32_t msr)
{
	struct nk_msr_rec *r = msr_rec(this_cpu(), msr);
	if (!r)
		return -NK_ENOMEM;
	r->value = arch_rdmsr(msr);
	r->flags = MSR_PINNED | MSR_READ;
	return 0;
}

NK_BOOT void arch_ap_boot_msrs(void)
{
	struct nk_cpu *me = this_cpu();
	struct nk_msr_rec *t = (struct nk_msr_rec *)me->msr_table;
	nk_memcpy(t, msr_tables[0], sizeof(msr_tables[0]));
	me->msr_count = nk_pcpu[0].msr_count;
	for (uint32_t i = 0; i < me->msr_count; i++) {
		t[i].flags &= ~MSR_PENDING;
		if (t[i].flags & MSR_READ) {
			t[i].value =
			    arch_rdmsr(t[i].msr); /* this CPU's own (APIC_BASE's BSP bit) */
		} else if (!seg_base(t[i].msr)) {
			priv_wrmsr(t[i].msr);
		} else {
			t[i].value = arch_rdmsr(t[i].msr);
		}
	}
}

void arch_ap_release(void)
{
	struct nk_cpu *me = this_cpu();
	struct nk_msr_rec *t = (struct nk_msr_rec *)me->msr_table;
	for (uint32_t i = 0; i < me->msr_count; i++)
		if (t[i].flags & MSR_PENDING) {
			t[i].flags &= ~MSR_PENDING;
			priv_wrmsr(t[i].msr);
		}
	/* this CPU ran boot-only code (global entries) before arch_boot_end
	 * made it non-executable on the boot CPU only */
	for (uint64_t va = (uint64_t)__nk_boot_start; va < (uint64_t)__nk_boot_end; va += PAGE_SIZE)
		arch_invlpg(va);
	arch_invlpg((uint64_t)__nk_priv_start);
	arch_flush_tlb();
}

uint64_t arch_recorded_cr0(void)
{
	return nk_cr0;
}

uint64_t arch_recorded_cr3(void)
{
	return this_cpu()->cr3;
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
 * broken): halt with a message if not. CR4's writes are not (CR4_SYNC,
 * safe at any entry): a CR4 that is not nk's was made by a jump to that
 * write, interrupted before its check ran; it is set again (CR4_SYNC)
 * before any outer code runs. */
void nk_trap_check_pinned(void);
void nk_trap_check_pinned(void)
{
	const char *what = NULL;
	uint64_t have = 0, want = 0;
	struct nk_cpu *me = this_cpu();
	const struct nk_msr_rec *t = (const struct nk_msr_rec *)me->msr_table;
	if (arch_read_cr4() != nk_cr4)
		nk_cr4_sync(); /* outside nk (the stub's caller): CR4 := nk_cr4 */
	if (arch_read_cr3() != me->cr3)
		what = "CR3", have = arch_read_cr3(), want = me->cr3;
	else if (arch_read_cr4() != nk_cr4)
		what = "CR4", have = arch_read_cr4(), want = nk_cr4;
	for (uint32_t i = 0; !what && i < me->msr_count; i++)
		if ((t[i].flags & (MSR_PINNED | MSR_PENDING)) == MSR_PINNED &&
		    arch_rdmsr(t[i].msr) != t[i].value)
			what = "a pinned MSR", have = arch_rdmsr(t[i].msr), want = t[i].value;
	if (!what)
		return;
	nk_stopping = 1;
	nk_printf("nk: %s is %lx, not nk's record %lx, on an interrupt: halting (spec I6)\n", what,
		  have, want);
	arch_halt();
}

void arch_boot_image_pte(uint64_t va, paddr_t pa)
{
	if (va >= (uint64_t)__nk_boot_start && va < (uint64_t)__nk_boot_end) {
		NK_CHECK(boot_ptes < sizeof(boot_pte_pa) / sizeof(boot_pte_pa[0]));
		boot_pte_pa[boot_ptes++] = pa;
	}
}

NK_NORETURN void arch_boot_end(uint64_t outer_stack_top)
{
	for (unsigned i = 0; i < boot_ptes; i++) {
		pte_t *e = arch_pa_va(boot_pte_pa[i]);
		*e |= PTE_NX;
		arch_invlpg((uint64_t)__nk_boot_start + (uint64_t)i * PAGE_SIZE);
	}
	if (!NK_NATIVE && nk_cr4)
		nk_cr4_sync(); /* CR4 := nk_cr4: the gated page shut */
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
	arch_set_cr3(this_cpu()->cr3);
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
	    .priv_start = (uint64_t)__nk_priv_start,
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

/* The APs' GDT and TSS (CPU 1..NK_MAX_CPUS-1): nk's .bss (NK frames). */
static struct nk_ap_tables ap_tables[NK_MAX_CPUS - 1] NK_ALIGNED(4096);

struct nk_ap_tables *arch_ap_tables(unsigned cpu, uint64_t *va)
{
	*va = (uint64_t)&ap_tables[cpu - 1];
	return &ap_tables[cpu - 1];
}

void arch_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* One IPI through the LAPIC's ICR (xAPIC MMIO at apic_base, through the
 * boot tables' identity map): destination field 0, icr_lo as given, then
 * a bounded wait for the delivery status (bit 12) to clear. SDM Vol. 3A
 * 10.6.1. */
NK_BOOT static void lapic_ipi(uint64_t apic_base, uint32_t icr_lo)
{
	volatile uint32_t *icr_hi = (volatile uint32_t *)(apic_base + 0x310);
	volatile uint32_t *icr = (volatile uint32_t *)(apic_base + 0x300);
	*icr_hi = 0;
	*icr = icr_lo;
	for (uint32_t i = 0; i < 1000000 && (*icr & (1u << 12)); i++)
		arch_pause();
}

NK_BOOT static void boot_delay(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		arch_pause();
}

NK_BOOT void arch_boot_start_aps(paddr_t tramp)
{
	uint64_t n = (uint64_t)nk_trampoline_end - (uint64_t)nk_trampoline;
	uint8_t *d = arch_boot_pa_va(tramp);
	nk_memcpy(d, nk_trampoline, n);
	uint64_t patch[2] = {arch_read_cr3(), (uint64_t)nk_ap_entry64};
	nk_memcpy(d + n - sizeof(patch), patch, sizeof(patch));
	uint64_t apic = arch_rdmsr(MSR_APIC_BASE) & 0x000ffffffffff000ull;
	/* INIT, level assert, then two start-ups at page tramp >> 12, each to
	 * all CPUs but this one (SDM Vol. 3A 8.4.4.1, 10.6.1) */
	lapic_ipi(apic, 0x000c4500u);
	boot_delay(100000);
	for (int i = 0; i < 2; i++) {
		lapic_ipi(apic, 0x000c4600u | (uint32_t)(pa_addr(tramp) >> 12));
		boot_delay(20000);
	}
}

NK_NORETURN void arch_ap_park(uint64_t outer_stack_top, unsigned cpu)
{
	nk_ap_park(outer_stack_top, cpu);
}
