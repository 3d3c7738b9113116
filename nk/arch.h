/* nk's interface to the CPU. nk/arch_x86.c implements it on hardware with
 * one privileged instruction (or one linker symbol) per function and no
 * logic; tests/host/fake_arch.c implements it over fake physical memory and
 * a fake CPU, so all of nk's logic (the vMMU, boot, the CPU tables and
 * their checks, the log, the page walk) runs in host unit tests (as
 * Hafnium's fake arch). nk-private: only nk/ and policies/ include it. */
#ifndef NK_ARCH_H
#define NK_ARCH_H

#include <nk/types.h>
#include <nk/vmmu.h>
#include <x86/cpu.h>

/* arch_pa_va: nk's pointer to physical address pa (direct map on x86;
 * inline there, since the vMMU calls it on every walk and PTP access). The
 * host builds (NK_HOST_BUILD) define it in tests/host/fake_arch.c over
 * fake memory, with a bounds check. */
#ifdef NK_HOST_BUILD
void *arch_pa_va(paddr_t pa);
#else
static inline void *arch_pa_va(paddr_t pa)
{
	return pa_to_dm(pa);
}
#endif

/* Device registers through nk's uncached mapping of a device page (va: a
 * virtual address in nk's device window, nk_boot_map_device): one 32- or
 * 64-bit load or store. The host builds define them in
 * tests/host/fake_arch.c over a model of the device. */
#ifdef NK_HOST_BUILD
uint32_t arch_mmio_read32(uint64_t va);
uint64_t arch_mmio_read64(uint64_t va);
void arch_mmio_write32(uint64_t va, uint32_t v);
void arch_mmio_write64(uint64_t va, uint64_t v);
void arch_clflush(const void *p);
#else
static inline uint32_t arch_mmio_read32(uint64_t va)
{
	return *(const volatile uint32_t *)va;
}
static inline uint64_t arch_mmio_read64(uint64_t va)
{
	return *(const volatile uint64_t *)va;
}
static inline void arch_mmio_write32(uint64_t va, uint32_t v)
{
	*(volatile uint32_t *)va = v;
}
static inline void arch_mmio_write64(uint64_t va, uint64_t v)
{
	*(volatile uint64_t *)va = v;
}
/* arch_clflush: write the cache line holding p back to memory and order it
 * before later stores (CLFLUSH, SFENCE; SDM Vol. 2A), for a device that
 * does not snoop the caches. */
static inline void arch_clflush(const void *p)
{
	__asm__ volatile("clflush (%0); sfence" ::"r"(p) : "memory");
}
#endif

/* arch_irq_save, arch_irq_restore: interrupts off, returning RFLAGS as it
 * was; RFLAGS put back (PUSHFQ/CLI, POPFQ; SDM Vol. 2B). For the native
 * build, whose nk calls run with the caller's interrupts: between nk's
 * record of CR3, CR4 or an MSR and the CPU's write, an interrupt stub
 * would find them apart. The host builds define them as no-ops. */
#ifdef NK_HOST_BUILD
static inline uint64_t arch_irq_save(void)
{
	return 0;
}
static inline void arch_irq_restore(uint64_t flags)
{
	(void)flags;
}
#else
static inline uint64_t arch_irq_save(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(f)::"memory");
	return f;
}
static inline void arch_irq_restore(uint64_t flags)
{
	__asm__ volatile("push %0; popfq" ::"r"(flags) : "memory", "cc");
}
#endif

/* arch_flush_tlb: flush every non-global TLB entry of this CPU (a CR3
 * reload of the recorded L4, SDM 4.10.4.1). */
void arch_flush_tlb(void);

/* arch_invlpg: flush the TLB entries for virtual address va (SDM 4.10.4.1). */
void arch_invlpg(uint64_t va);

/* Control registers and MSRs (SDM 2.5, 2.2.1). Reads are plain. Writes go
 * through nk's record (spec I6, the no-gadget rule): each setter records
 * the value nk decided in nk memory and then makes the CPU hold it, through
 * a write that is followed inline by a check of the CPU against the record
 * (nk/cr0.inc). The gates, the interrupt stubs and those checks compare the
 * CPU with the record, so no write in nk's text, entered at any byte with
 * any registers, leaves the CPU in a state nk did not record. */
uint64_t arch_read_cr0(void);
uint64_t arch_read_cr3(void);
uint64_t arch_read_cr4(void);
uint64_t arch_rdmsr(uint32_t msr);

/* arch_set_cr0: record v (CR0.WP set) as the CR0 the outer kernel runs
 * with. While nk runs (inside a gate, or at boot) the CPU holds v & ~WP;
 * the gate's exit, and the hand-off to the outer kernel, load v. */
void arch_set_cr0(uint64_t v);

/* arch_set_cr3: record and load CR3 = v (a declared L4's physical address;
 * flushes non-global TLB entries). */
void arch_set_cr3(uint64_t v);

/* arch_set_cr4: record and load CR4 = v. */
void arch_set_cr4(uint64_t v);

/* arch_set_msr: record and load MSR msr = v. pinned: the interrupt stubs'
 * slow path checks it too (not for FS/GS bases, which SWAPGS and WRFSBASE
 * change without nk). Returns 0, or -NK_ENOMEM when nk's MSR record is full
 * (NK_MSR_MAX distinct MSRs; nothing is written then). */
long arch_set_msr(uint32_t msr, uint64_t v, bool pinned);

/* arch_pin_msr: record the MSR's current value, pinned (boot: the MSRs nk
 * never writes but checks, so that a write to them is repaired, not
 * missed: APIC_BASE, PAT, SYSENTER_*, the MTRRs, ...). Returns as
 * arch_set_msr. */
long arch_pin_msr(uint32_t msr);

/* arch_recorded_cr0/cr3/cr4: nk's record (what the outer kernel runs with). */
uint64_t arch_recorded_cr0(void);
uint64_t arch_recorded_cr3(void);
uint64_t arch_recorded_cr4(void);

/* arch_ro_after_init: the outer kernel's .data.ro_after_init section:
 * virtual base (kernel image address) and size in bytes, both page-aligned
 * (linker.ld); size 0 if empty. */
void arch_ro_after_init(uint64_t *va, uint64_t *size_bytes);

/* arch_rdtsc: the time-stamp counter (SDM Vol. 3B 18.17). */
uint64_t arch_rdtsc(void);

/* arch_kernel_readable: whether [p, p+len) (len in bytes) is mapped,
 * readable kernel-half memory in the current address space: a walk of the
 * tables CR3 points to. Logic over arch_read_cr3 and arch_pa_va, so it is
 * nk/walk.c, not nk/arch_x86.c. Source: SDM Vol. 3A 4.5. */
bool arch_kernel_readable(const void *p, size_t len);

/* arch_check_cpu: the invariants that need CPU state: I3 (control
 * registers), I7 (IDT/GDT/TSS), I8 (nk state in nk frames); failures go to
 * nk_check_fail. Logic over the accessors below: nk/cpu.c. Source: spec
 * section 3. */
void arch_check_cpu(void);

/* arch_va_pa: the inverse of arch_pa_va: the physical address behind a
 * pointer arch_pa_va returned. For any other pointer the result lies beyond
 * every RAM frame (so a frame-table lookup of it fails). */
paddr_t arch_va_pa(const void *p);

/* arch_boot_pa_va: nk's pointer to physical address pa during boot, before
 * nk loads its own tables (the boot tables of boot/boot.asm identity-map
 * the first 4 GiB). */
void *arch_boot_pa_va(paddr_t pa);

/* arch_cpuid: CPUID leaf `leaf`, subleaf `sub`; r receives EAX, EBX, ECX,
 * EDX. Source: SDM Vol. 2A, CPUID. */
void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);

/* Port I/O: one byte or word from/to an I/O port (SDM Vol. 1 ch. 19).
 * nk uses COM1 (0x3f8), isa-debug-exit (0xf4) and fw_cfg (0x510/0x511). */
uint8_t arch_inb(uint16_t port);
void arch_outb(uint16_t port, uint8_t v);
void arch_outw(uint16_t port, uint16_t v);

/* arch_halt: disable interrupts and halt, for good. */
NK_NORETURN void arch_halt(void);

/* arch_boot_write_dr7: MOV to DR7, boot-only code (non-executable once
 * the outer kernel runs). nk writes 0 at boot: no debug breakpoints.
 * Source: SDM Vol. 3B 17.2.4. */
void arch_boot_write_dr7(uint64_t v);

/* A descriptor-table register image (SGDT/SIDT/LGDT/LIDT operand): limit in
 * bytes minus one, virtual base. SDM Vol. 3A 2.4. */
struct arch_dtr {
	uint16_t limit;
	uint64_t base;
} NK_PACKED;

/* arch_boot_load_tables: LGDT gdtr, LIDT idtr, LTR tss_sel, then reload CS
 * with code_sel and DS/ES/SS with data_sel (selectors of the new GDT).
 * Boot-only code (non-executable once the outer kernel runs). Source: SDM
 * Vol. 3A 2.4, 3.4.3, 7.2.4. */
void arch_boot_load_tables(const struct arch_dtr *gdtr, const struct arch_dtr *idtr,
			   uint16_t tss_sel, uint16_t code_sel, uint16_t data_sel);

/* arch_store_tables: SGDT, SIDT and STR: the descriptor-table registers
 * and the task register as the CPU holds them. */
void arch_store_tables(struct arch_dtr *gdtr, struct arch_dtr *idtr, uint16_t *tr);

/* The kernel image's layout (linker.ld): virtual addresses, bytes, the
 * ends exclusive; nk's part ([nk_text_start, nk_end): text, rodata, data,
 * bss) and the outer kernel's text and rodata are page-aligned. */
struct arch_image {
	uint64_t image_start, image_end;     /* the whole image above KERNEL_VMA */
	uint64_t nk_text_start, nk_text_end; /* nk's code */
	uint64_t priv_start;		     /* nk's gated page (one page, in nk's code) */
	uint64_t nk_end;		     /* end of nk's data and bss */
	uint64_t text_start, text_end;	     /* outer kernel code */
	uint64_t rodata_start, rodata_end;   /* outer kernel read-only data */
};

/* arch_image_layout: fill *img from the linker's symbols. */
void arch_image_layout(struct arch_image *img);

/* arch_cpu_tables: where nk keeps the CPU's descriptor tables (struct
 * nk_cpu_tables, nk/cpu.h): nk's pointer to them; *va receives the kernel
 * virtual address the CPU uses for them (GDTR, IDTR, the TSS descriptor)
 * and nk's region table declares. Page-aligned, in nk's image (NK frames,
 * I8). */
struct nk_cpu_tables;
struct nk_cpu_tables *arch_cpu_tables(uint64_t *va);

/* NK_BOOT: the attribute of boot-only code (section .nk.boot.text, made
 * non-executable before the outer kernel first runs; spec I6). */
#ifdef NK_HOST_BUILD
#define NK_BOOT
#else
#define NK_BOOT __attribute__((section(".nk.boot.text"), noinline))
#endif

/* arch_boot_image_pte: boot, while nk builds the image map: the L1 slot
 * at physical address pa maps the image page at virtual address va (both
 * bytes, page-aligned va); nk remembers the slots of its gated page and of
 * its boot-only code, so that arch_boot_end can close them (spec I6, the
 * no-gadget rule). At most 64 boot-only pages; more halts the boot. */
void arch_boot_image_pte(uint64_t va, paddr_t pa);

/* arch_boot_end: the end of boot: make nk's boot-only code and its gated
 * page non-executable (and flush them from the TLB), then hand off to the
 * outer kernel on the stack ending at outer_stack_top (nk/entry.asm
 * nk_handoff: CR0 := the recorded CR0, WP set). Never returns. */
NK_NORETURN void arch_boot_end(uint64_t outer_stack_top);

/* ---- SMP (nk/smp.c) ---- */

/* nk_pcpu: nk's record of each CPU (struct nk_cpu), indexed by CPU index. */
extern struct nk_cpu nk_pcpu[];

/* arch_cpu_index: this CPU's index (0: the boot CPU): from TR (STR,
 * GDT_TSS_SEL, nk/cpu.h: CPU i's TSS selector is SEL_TSS + 16 * i), never
 * from GS; 0 before the boot CPU's TR is loaded (nk_cpu_early). Inline on
 * x86 (host builds: tests/host/fake_arch.c). */
#ifdef NK_HOST_BUILD
unsigned arch_cpu_index(void);
#else
static inline unsigned arch_cpu_index(void)
{
	uint16_t tr;
	__asm__ volatile("str %0" : "=r"(tr));
	return tr < 0x28 /* SEL_TSS */ ? 0 : (unsigned)(tr - 0x28) / 16;
}
#endif

/* arch_cpu_record_init: CPU cpu's record (nk_pcpu[cpu]): its index, its
 * nk gate stack, NMI save area and MSR table, and state "inside nk"
 * (NK_GS_IN_GATE). Boot, before the CPU runs nk code. */
void arch_cpu_record_init(unsigned cpu);

/* arch_pause: one PAUSE, in a polling loop (SDM Vol. 2B). */
void arch_pause(void);

/* arch_boot_start_aps: copy the AP trampoline (nk/smp_boot.asm, real
 * mode -> long mode on the boot tables -> nk_ap_entry64) to physical
 * page tramp (below 1 MiB, in RAM; the boot tables identity-map it), and
 * send INIT, then two SIPIs at it, to all CPUs but this one through the
 * LAPIC's ICR. Boot-only, with the boot tables loaded. Source: SDM Vol.
 * 3A 8.4.4 (MP initialization), 10.6 (ICR). */
void arch_boot_start_aps(paddr_t tramp);

/* arch_ap_boot_msrs: on an AP, at its boot, with its TR loaded: its MSR
 * records from the boot CPU's: the MSRs nk writes written here, those nk
 * only pins (and the segment bases) read from this CPU. Boot-only. */
void arch_ap_boot_msrs(void);

/* arch_ap_release: on an AP, inside nk, at nk_smp_release: write every
 * MSR recorded on another CPU since (MSR_PENDING: STAR, LSTAR, ... set by
 * nk_wrmsr), and flush nk's boot-only pages and gated page from this CPU's
 * TLB (they became non-executable on the boot CPU), then reload CR3. */
void arch_ap_release(void);

/* arch_ap_park: leave nk on an AP and wait in nk's park loop (nk/entry.asm
 * nk_ap_park) on the outer stack at outer_stack_top. Never returns. */
NK_NORETURN void arch_ap_park(uint64_t outer_stack_top, unsigned cpu);

/* NK_MSR_MAX: how many distinct MSRs nk records. */
#define NK_MSR_MAX 48

#endif
