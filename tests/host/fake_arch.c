/* Host implementation of nk/arch.h (the accessors nk/arch_x86.c has on
 * hardware) over fake physical memory, a fake CPU and fake devices; see
 * fake_arch.h. arch_kernel_readable and arch_check_cpu are nk's logic
 * (nk/walk.c, nk/cpu.c): tests/host/machine.c's tests link them, the
 * fixture's tests link the stand-ins in fake_nk.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_arch.h"
#include "fake_vtd.h"
#include <x86/selectors.h>

struct fake_cpu fake_cpu;
jmp_buf *fake_stop;
char fake_serial[FAKE_SERIAL_MAX];
size_t fake_serial_len;
static uint8_t *mem;

/* An nk bug on the host (a call the hardware would fault on): say what and
 * abort the test binary. */
NK_NORETURN static void fake_bug(const char *what, uint64_t v)
{
	fprintf(stderr, "fake_arch: %s %#llx\n", what, (unsigned long long)v);
	abort();
}

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
	memset(&fake_vtd, 0, sizeof(fake_vtd)); /* no unit unless a test adds one */
	memset(fake_serial, 0, sizeof(fake_serial));
	fake_serial_len = 0;
	fake_stop = NULL;
}

/* fake_mem: see fake_arch.h. */
uint8_t *fake_mem(void)
{
	return mem;
}

/* arch_pa_va: buf + pa; a pa outside the fake memory is an nk bug. */
void *arch_pa_va(paddr_t pa)
{
	if (pa_addr(pa) >= FAKE_MEM_BYTES)
		fake_bug("arch_pa_va outside fake memory:", pa_addr(pa));
	return mem + pa_addr(pa);
}

/* arch_va_pa: p - mem for a pointer into fake memory, else an address past
 * every frame. */
paddr_t arch_va_pa(const void *p)
{
	const uint8_t *b = p;
	if (b < mem || b >= mem + FAKE_MEM_BYTES)
		return pa_init(~0ull << PAGE_SHIFT);
	return pa_init((uint64_t)(b - mem));
}

/* arch_boot_pa_va: as arch_pa_va (the fake has one view of memory). */
void *arch_boot_pa_va(paddr_t pa)
{
	return arch_pa_va(pa);
}

/* fake_image_va_ptr: see fake_arch.h. */
void *fake_image_va_ptr(uint64_t va)
{
	if (va < KERNEL_VMA)
		fake_bug("image address below KERNEL_VMA:", va);
	return arch_pa_va(pa_init(va - KERNEL_VMA));
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

/* arch_read_crN: the fake registers in fake_cpu. */
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

/* arch_set_crN: record v (fake_cpu.rec_crN) and load it, counted. nk's
 * host tests run as nk does, inside nk, so CR0 gets v without WP (the
 * gate's exit would load v). */
void arch_set_cr0(uint64_t v)
{
	fake_cpu.rec_cr0 = v;
	fake_cpu.cr0 = v & ~CR0_WP;
	fake_cpu.cr0_writes++;
}

void arch_set_cr3(uint64_t v)
{
	fake_cpu.rec_cr3 = v;
	fake_cpu.cr3 = v;
	fake_cpu.cr3_writes++;
}

void arch_set_cr4(uint64_t v)
{
	fake_cpu.rec_cr4 = v;
	fake_cpu.cr4 = v;
	fake_cpu.cr4_writes++;
}

/* arch_recorded_crN: the record; a test that set the fake registers itself
 * and recorded nothing (0) gets the register, as if nk had recorded it. */
uint64_t arch_recorded_cr0(void)
{
	return fake_cpu.rec_cr0 ? fake_cpu.rec_cr0 : fake_cpu.cr0 | CR0_WP;
}

uint64_t arch_recorded_cr3(void)
{
	return fake_cpu.rec_cr3 ? fake_cpu.rec_cr3 : fake_cpu.cr3;
}

uint64_t arch_recorded_cr4(void)
{
	return fake_cpu.rec_cr4 ? fake_cpu.rec_cr4 : fake_cpu.cr4;
}

/* IA32_APIC_BASE of the fake machine: 0, its local APIC globally
 * disabled, so nk's boot maps no APIC page (nk/apic_boot.c). */
static uint64_t fake_apic_base;

/* fake_msr_slot: see fake_arch.h. */
uint64_t *fake_msr_slot(uint32_t msr)
{
	switch (msr) {
	case MSR_APIC_BASE:
		return &fake_apic_base;
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
	if (!s)
		fake_bug("rdmsr of unknown MSR", msr);
	return *s;
}

/* arch_set_msr: set the fake register (its value is the record); an
 * unknown MSR is an nk bug. */
long arch_set_msr(uint32_t msr, uint64_t v, bool pinned)
{
	uint64_t *s = fake_msr_slot(msr);
	if (!s)
		fake_bug("wrmsr of unknown MSR", msr);
	*s = v;
	fake_cpu.msr_writes++;
	fake_cpu.msr_pinned += pinned;
	return 0;
}

/* arch_pin_msr: counted (fake_cpu.msr_pins); the fake has no such MSRs. */
long arch_pin_msr(uint32_t msr)
{
	(void)msr;
	fake_cpu.msr_pins++;
	return 0;
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

/* arch_boot_write_dr7: the fake DR7, counted. */
void arch_boot_write_dr7(uint64_t v)
{
	fake_cpu.dr7 = v;
	fake_cpu.dr7_writes++;
}

/* arch_cpuid: the configured leaf (fake_cpu.cpuid), zeros for any other. */
void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)sub;
	memset(r, 0, 4 * sizeof(*r));
	for (int i = 0; i < FAKE_CPUID_MAX; i++)
		if (fake_cpu.cpuid[i].leaf == leaf) {
			memcpy(r, fake_cpu.cpuid[i].r, 4 * sizeof(*r));
			return;
		}
}

/* arch_boot_load_tables: the fake descriptor-table registers and selectors. */
void arch_boot_load_tables(const struct arch_dtr *gdtr, const struct arch_dtr *idtr,
			   uint16_t tss_sel, uint16_t code_sel, uint16_t data_sel)
{
	fake_cpu.gdtr = *gdtr;
	fake_cpu.idtr = *idtr;
	fake_cpu.tr = tss_sel;
	fake_cpu.cs = code_sel;
	fake_cpu.ds = data_sel;
	fake_cpu.table_loads++;
}

/* arch_store_tables: what arch_boot_load_tables (or a test) left. */

/* arch_boot_image_pte: counted (fake_cpu.image_ptes). */
void arch_boot_image_pte(uint64_t va, paddr_t pa)
{
	(void)va;
	(void)pa;
	fake_cpu.image_ptes++;
}
/* arch_boot_end: tests/host/machine.c (the hand-off back to the test). */
void arch_store_tables(struct arch_dtr *gdtr, struct arch_dtr *idtr, uint16_t *tr)
{
	*gdtr = fake_cpu.gdtr;
	*idtr = fake_cpu.idtr;
	*tr = fake_cpu.tr;
}

/* arch_image_layout: fake_cpu.image. */
void arch_image_layout(struct arch_image *img)
{
	*img = fake_cpu.image;
}

/* arch_cpu_tables: the tables at image address fake_cpu.cpu_tables_va. */
struct nk_cpu_tables *arch_cpu_tables(uint64_t *va)
{
	*va = fake_cpu.cpu_tables_va;
	return fake_image_va_ptr(fake_cpu.cpu_tables_va);
}

/* The fake devices on nk's ports. */
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define FWCFG_SEL 0x510
#define FWCFG_DATA 0x511
#define FWCFG_FILE_SEL0 0x120 /* the first file's selector (a high byte: the order matters) */

/* Byte pos of fw_cfg item sel: the signature, the ID (le32), the file directory (be32
 * count, then per file be32 size, be16 select, be16 reserved, name[56]), or
 * a file's contents; 0 past the end. */
static uint8_t fwcfg_byte(uint16_t sel, uint64_t pos)
{
	if (sel == 0x0000) {
		const char *sig = fake_cpu.fwcfg_signature ? fake_cpu.fwcfg_signature : "QEMU";
		return fake_cpu.fwcfg_absent ? 0xff : pos < 4 ? (uint8_t)sig[pos] : 0;
	}
	if (sel == 0x0001)
		return fake_cpu.fwcfg_absent ? 0xff
		       : pos < 4	     ? (uint8_t)(fake_cpu.fwcfg_id >> (8 * pos))
					     : 0;
	if (sel == 0x0005)
		return fake_cpu.fwcfg_absent ? 0xff
		       : pos < 2	     ? (uint8_t)(fake_cpu.fwcfg_ncpus >> (8 * pos))
					     : 0;
	if (sel == 0x0019) {
		uint32_t n = fake_cpu.fwcfg_nfiles;
		if (fake_cpu.fwcfg_dir_count)
			n = fake_cpu.fwcfg_dir_count;
		if (pos < 4)
			return (uint8_t)(n >> (24 - 8 * pos));
		uint64_t i = (pos - 4) / 64, o = (pos - 4) % 64;
		if (i >= fake_cpu.fwcfg_nfiles)
			return 0; /* a directory claiming more files than it has: empty entries */
		const struct fake_fwcfg_file *f = &fake_cpu.fwcfg_files[i];
		if (o < 4)
			return (uint8_t)(f->size_bytes >> (24 - 8 * o));
		if (o < 6)
			return (uint8_t)((FWCFG_FILE_SEL0 + i) >> (o == 4 ? 8 : 0));
		if (o < 8)
			return 0;
		return (uint8_t)f->name[o - 8];
	}
	uint64_t i = (uint64_t)sel - FWCFG_FILE_SEL0;
	if (sel < FWCFG_FILE_SEL0 || i >= fake_cpu.fwcfg_nfiles ||
	    pos >= fake_cpu.fwcfg_files[i].size_bytes)
		return 0;
	return ((const uint8_t *)fake_cpu.fwcfg_files[i].data)[pos];
}

/* arch_inb: COM1's LSR (THR empty after uart_busy_polls "full" reads) and
 * fw_cfg's data port; any other port is an nk bug. */
uint8_t arch_inb(uint16_t port)
{
	if (port == COM1 + 5) {
		fake_cpu.lsr_reads++;
		if (fake_cpu.uart_busy_polls) {
			fake_cpu.uart_busy_polls--;
			return 0x00;
		}
		return 0x60; /* THR and transmitter empty */
	}
	if (port == FWCFG_DATA) {
		fake_cpu.fwcfg_reads++;
		return fwcfg_byte(fake_cpu.fwcfg_sel, fake_cpu.fwcfg_pos++);
	}
	fake_bug("inb from unknown port", port);
	return 0;
}

/* arch_outb: a byte to COM1 (kept in fake_serial) or isa-debug-exit. */
void arch_outb(uint16_t port, uint8_t v)
{
	if (port == COM1) {
		if (fake_serial_len < FAKE_SERIAL_MAX - 1)
			fake_serial[fake_serial_len] = (char)v;
		fake_serial_len++;
		return;
	}
	if (port == DEBUG_EXIT) {
		fake_cpu.exited = true;
		fake_cpu.exit_code = v;
		return;
	}
	fake_bug("outb to unknown port", port);
}

/* arch_outw: fw_cfg's selector (the read position restarts at 0). */
void arch_outw(uint16_t port, uint16_t v)
{
	if (port != FWCFG_SEL)
		fake_bug("outw to unknown port", port);
	fake_cpu.fwcfg_sel = v;
	fake_cpu.fwcfg_pos = 0;
}

/* arch_halt: back to the test through fake_stop, else abort. */
void arch_halt(void)
{
	fake_cpu.halts++;
	if (!fake_stop) {
		fprintf(stderr, "fake_arch: nk halted; serial output:\n%s\n", fake_serial);
		abort();
	}
	longjmp(*fake_stop, 1);
}

/* Device registers: nk's device window page i maps nk.dev_pfns[i]; the fake
 * VT-d unit (tests/host/fake_vtd.c) answers at FAKE_VTD_BASE, nothing
 * else does (reads give all ones, writes are dropped). */
static bool vtd_at(uint64_t va, uint32_t *off)
{
	uint64_t i = (va - NK_DEVICE_BASE) >> PAGE_SHIFT;
	if (va < NK_DEVICE_BASE || i >= nk.ndev || !fake_vtd.present ||
	    nk.dev_pfns[i] != FAKE_VTD_BASE >> PAGE_SHIFT)
		return false;
	*off = (uint32_t)(va & (PAGE_SIZE - 1));
	return true;
}

uint32_t arch_mmio_read32(uint64_t va)
{
	uint32_t off;
	return vtd_at(va, &off) ? (uint32_t)fake_vtd_read(off, 4) : ~0u;
}

uint64_t arch_mmio_read64(uint64_t va)
{
	uint32_t off;
	return vtd_at(va, &off) ? fake_vtd_read(off, 8) : ~0ull;
}

void arch_mmio_write32(uint64_t va, uint32_t v)
{
	uint32_t off;
	if (vtd_at(va, &off))
		fake_vtd_write(off, v, 4);
}

void arch_mmio_write64(uint64_t va, uint64_t v)
{
	uint32_t off;
	if (vtd_at(va, &off))
		fake_vtd_write(off, v, 8);
}

/* arch_clflush: the line goes back to memory, where a unit that does not
 * snoop sees it (tests/host/fake_vtd.c). */
void arch_clflush(const void *p)
{
	fake_vtd_clflush(p);
}

/* ---- SMP (nk/arch.h): one CPU, whose index comes from the fake TR ---- */
struct nk_cpu nk_pcpu[NK_MAX_CPUS];
volatile uint32_t nk_smp_checkin; /* nk/smp_boot.asm: no AP checks in on the fake */

unsigned arch_cpu_index(void)
{
	return fake_cpu.tr < SEL_TSS ? 0 : (unsigned)(fake_cpu.tr - SEL_TSS) / 16;
}

/* arch_cpu_record_init: index and state only (the fake has no nk stacks). */
void arch_cpu_record_init(unsigned cpu)
{
	nk_pcpu[cpu].index = cpu;
	nk_pcpu[cpu].gate_state = 1;
}

void arch_pause(void)
{
	if (fake_cpu.on_pause)
		fake_cpu.on_pause();
}

/* arch_boot_start_aps: counted, the page recorded; nothing starts. */
void arch_boot_start_aps(paddr_t tramp)
{
	fake_cpu.ap_starts++;
	fake_cpu.ap_tramp_pa = pa_addr(tramp);
}

/* The AP side never runs on the fake (no AP checks in): reaching it is a
 * bug of the test or of nk/smp.c. */
static NK_NORETURN void no_ap(const char *what)
{
	fprintf(stderr, "fake_arch: %s: no AP runs on the fake\n", what);
	abort();
}

struct nk_ap_tables *arch_ap_tables(unsigned cpu, uint64_t *va)
{
	(void)cpu, (void)va;
	no_ap("arch_ap_tables");
}

void arch_ap_boot_msrs(void)
{
	no_ap("arch_ap_boot_msrs");
}

void arch_ap_release(void)
{
	no_ap("arch_ap_release");
}

void arch_ap_park(uint64_t outer_stack_top, unsigned cpu)
{
	(void)outer_stack_top, (void)cpu;
	no_ap("arch_ap_park");
}

void outer_ap_main(unsigned cpu)
{
	(void)cpu;
	no_ap("outer_ap_main");
}
