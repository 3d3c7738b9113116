/* IDT, GDT and TSS: in nk frames (read-only to the outer kernel, I7), every
 * vector entering through an nk stub (nk/gate.asm).
 * Source: spec I7; SDM Vol. 3A 3.4.5 (descriptors), 6.10-6.14 (IDT, 64-bit
 * gates, IST), 7.7 (64-bit TSS). */
#include "nk.h"
#include "cpu.h"
#include <nk/region.h>

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

struct dtr {
	uint16_t limit;
	uint64_t base;
} NK_PACKED;

/* Each table fills whole pages of its own: they are write-once regions
 * (spec section 7), and a region is whole frames. */
static uint64_t gdt[PAGE_SIZE / 8] NK_ALIGNED(4096); /* GDT_ENTRIES used */
static union {
	struct tss64 t;
	uint8_t page[PAGE_SIZE];
} tss_page NK_ALIGNED(4096);
static struct tss64 *const tss = &tss_page.t;
static struct idt_entry idt[256] NK_ALIGNED(4096);

extern const uint64_t nk_isr_table[256]; /* nk/gate.asm */
uint64_t nk_entry_cr0; /* CR0 the outer kernel had at the last gate entry */

/* Load GDTR/IDTR/TR; out of line, on the I5 allow-list. */
__attribute__((noinline)) static void load_tables(const struct dtr *g, const struct dtr *i)
{
	__asm__ volatile("lgdt (%0)\n\t"
			 "lidt (%1)\n\t"
			 "mov %2, %%ax\n\t"
			 "ltr %%ax\n\t"
			 "pushq %3\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %4, %%ax\n\t"
			 "mov %%ax, %%ds\n\t"
			 "mov %%ax, %%es\n\t"
			 "mov %%ax, %%ss\n\t"
			 :
			 : "r"(g), "r"(i), "i"(SEL_TSS), "i"(SEL_KCODE), "i"(SEL_KDATA)
			 : "rax", "memory");
}

void nk_cpu_init(const uint64_t ist_tops[3], uint64_t rsp0)
{
	gdt[0] = 0;
	gdt[SEL_KCODE / 8] = 0x00af9b000000ffffull; /* 64-bit code, DPL0, accessed */
	gdt[SEL_KDATA / 8] = 0x00cf93000000ffffull; /* data, DPL0, accessed */
	gdt[SEL_UDATA / 8] = 0x00cff3000000ffffull; /* data, DPL3 */
	gdt[SEL_UCODE / 8] = 0x00affb000000ffffull; /* 64-bit code, DPL3 */
	uint64_t b = (uint64_t)tss, lim = sizeof(*tss) - 1;
	gdt[SEL_TSS / 8] = (lim & 0xffff) | ((b & 0xffffff) << 16) | (0x89ull << 40) |
			   (((lim >> 16) & 0xf) << 48) | (((b >> 24) & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = b >> 32;

	tss->rsp[0] = rsp0;
	for (int i = 0; i < 3; i++)
		tss->ist[i] = ist_tops[i];
	tss->iomap_base = sizeof(*tss);

	for (int v = 0; v < 256; v++) {
		uint64_t h = nk_isr_table[v];
		idt[v] = (struct idt_entry){
			.off_lo = (uint16_t)h,
			.sel = SEL_KCODE,
			.ist = (uint8_t)(v == 8 ? 1 : v == 2 ? 2 : v == 18 ? 3 : 0),
			.attr = 0x8e, /* present, DPL0, 64-bit interrupt gate */
			.off_mid = (uint16_t)(h >> 16),
			.off_hi = (uint32_t)(h >> 32),
			.zero = 0,
		};
	}
	struct dtr g = { GDT_ENTRIES * 8 - 1, (uint64_t)gdt };
	struct dtr i = { sizeof(idt) - 1, (uint64_t)idt };
	load_tables(&g, &i);

	/* write-once, every byte written (by nk, above), sealed by nk_init_done */
	unsigned wo = NK_POLICY_WRITE_ONCE | NK_REGION_SEAL_AT_INIT;
	nk_view_store.region_gdt = (int32_t)nk_region_declare_nk(gdt, sizeof(gdt), wo, true);
	nk_view_store.region_tss = (int32_t)nk_region_declare_nk(&tss_page, sizeof(tss_page), wo, true);
	nk_view_store.region_idt = (int32_t)nk_region_declare_nk(idt, sizeof(idt), wo, true);
	NK_CHECK(nk_view_store.region_gdt >= 0 && nk_view_store.region_tss >= 0 &&
		 nk_view_store.region_idt >= 0);
}

static paddr_t image_pa(const void *p)
{
	return pa_init((uint64_t)p - KERNEL_VMA);
}

/* The range [a, b) of virtual addresses v must be NK frames (I8). */
static void check_nk_frames(uint64_t a, uint64_t b, bool image, const char *what)
{
	for (uint64_t v = align_down(a, PAGE_SIZE); v < b; v += PAGE_SIZE) {
		uint64_t pa = image ? v - KERNEL_VMA : v - DIRECT_MAP_BASE;
		if (pa / PAGE_SIZE >= nk.nframes || nk.frames[pa / PAGE_SIZE].type != NK_F_NK) {
			nk_check_fail(8, pa, what);
			return;
		}
	}
}

extern char __nk_text_start[], __nk_end[];

void arch_check_cpu(void)
{
	uint64_t cr0 = arch_read_cr0(), cr4 = arch_read_cr4(), efer = arch_rdmsr(MSR_EFER);
	if (nk_view_store.nested) {
		if (!(cr0 & CR0_PG) || !(cr0 & CR0_PE) || !(nk_entry_cr0 & CR0_WP))
			nk_check_fail(3, 0, "CR0.PG, CR0.PE or the outer kernel's CR0.WP is clear");
		if (!(cr4 & CR4_SMEP) || !(cr4 & CR4_PAE) ||
		    (nk_view_store.has_smap && !(cr4 & CR4_SMAP)))
			nk_check_fail(3, 0, "CR4.SMEP, CR4.SMAP or CR4.PAE is clear");
		if (!(efer & EFER_NXE))
			nk_check_fail(3, 0, "EFER.NXE is clear");
	}
	if ((arch_read_cr3() & PTE_ADDR_4K) != pa_addr(nk.cur_cr3[0]))
		nk_check_fail(3, arch_read_cr3(), "CR3 is not the L4 nk loaded");

	struct dtr g, i;
	uint16_t tr;
	__asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(g), "=m"(i), "=r"(tr));
	if (g.base != (uint64_t)gdt || i.base != (uint64_t)idt || tr != SEL_TSS)
		nk_check_fail(7, 0, "GDTR, IDTR or TR does not point to nk's tables");
	for (int v = 0; v < 256; v++) {
		uint64_t h = idt[v].off_lo | ((uint64_t)idt[v].off_mid << 16) |
			     ((uint64_t)idt[v].off_hi << 32);
		if (h != nk_isr_table[v] || idt[v].sel != SEL_KCODE) {
			nk_check_fail(7, pa_addr(image_pa(&idt[v])), "IDT vector does not enter nk's stub");
			break;
		}
	}
	if (nk_view_store.nested) {
		check_nk_frames((uint64_t)gdt, (uint64_t)(gdt + GDT_ENTRIES), true, "GDT not in nk frames");
		check_nk_frames((uint64_t)idt, (uint64_t)(idt + 256), true, "IDT not in nk frames");
		check_nk_frames((uint64_t)tss, (uint64_t)(tss + 1), true, "TSS not in nk frames");
		check_nk_frames((uint64_t)__nk_text_start, (uint64_t)__nk_end, true,
				"nk image not in nk frames");
		check_nk_frames((uint64_t)nk.frames, (uint64_t)(nk.frames + nk.nframes), false,
				"frame table not in nk frames");
		check_nk_frames((uint64_t)nk.scratch, (uint64_t)(nk.scratch + nk.nframes), false,
				"checker scratch not in nk frames");
	}
}
