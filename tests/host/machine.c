/* The machine tests' fake machine; see machine.h. Also the symbols nk's C
 * takes from assembly and the loader (nk/entry.asm, nk/gate.asm,
 * boot/boot.asm): boot_magic, boot_mbi, nk_isr_table, nk_handoff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "vtd.h"
#include "boot.h"

uint32_t boot_magic, boot_mbi;
const uint64_t nk_isr_table[256] = {
#define ISR4(v) MX_ISR(v), MX_ISR(v + 1), MX_ISR(v + 2), MX_ISR(v + 3)
#define ISR16(v) ISR4(v), ISR4(v + 4), ISR4(v + 8), ISR4(v + 12)
#define ISR64(v) ISR16(v), ISR16(v + 16), ISR16(v + 32), ISR16(v + 48)
    ISR64(0),
    ISR64(64),
    ISR64(128),
    ISR64(192),
};
uint64_t mx_handoff_stack, mx_handoff_cr0;

/* nk_handoff (nk/entry.asm): switch to the outer stack, load the recorded
 * CR0 (WP set), jump to outer_main; here: record the stack, load the
 * record, back to mx_run. */
NK_NORETURN void nk_handoff(uint64_t stack_top);
void nk_handoff(uint64_t stack_top)
{
	mx_handoff_stack = stack_top;
	mx_handoff_cr0 = arch_read_cr0();
	fake_cpu.cr0 = arch_recorded_cr0();
	if (!fake_stop) {
		fprintf(stderr, "machine: nk_handoff outside mx_run\n");
		abort();
	}
	longjmp(*fake_stop, MX_HANDOFF);
}

/* arch_boot_end (nk/arch.h): nothing to close on the fake; the hand-off. */
void arch_boot_end(uint64_t outer_stack_top)
{
	nk_handoff(outer_stack_top);
}

const struct mx_range mx_default_mmap[] = {
    {0, 0x9fc00, 1},	      {0x9fc00, 0x400, 2},
    {0xf0000, 0x10000, 2},    {0x100000, MX_RAM_END - 0x100000, 1},
    {MX_RAM_END, 0x10000, 3}, {MX_RAM_END + 0x10000, 0x1000000 - MX_RAM_END - 0x10000, 2},
    {0xfffc0000, 0x40000, 2},
};
const unsigned mx_default_mmap_n = sizeof(mx_default_mmap) / sizeof(mx_default_mmap[0]);

static uint32_t mb2_len; /* bytes of the info built so far */

static uint8_t *mb2(void)
{
	return arch_pa_va(pa_init(boot_mbi));
}

void mx_cpu(unsigned f)
{
	memset(fake_cpu.cpuid, 0, sizeof(fake_cpu.cpuid));
	struct fake_cpuid *c = fake_cpu.cpuid;
	/* leaf 0: max leaf, vendor in EBX, EDX, ECX */
	c[0] = (struct fake_cpuid){0, {(f & MX_LEAF7) ? 0xd : 0x6, 0, 0, 0}};
	memcpy(&c[0].r[1], "Nest", 4);
	memcpy(&c[0].r[3], "edKe", 4);
	memcpy(&c[0].r[2], "rnel", 4);
	uint32_t c1 = (f & MX_PCID) ? 1u << 17 : 0, d1 = (f & MX_PGE) ? 1u << 13 : 0;
	c[1] = (struct fake_cpuid){1, {0, 0, c1, d1}};
	uint32_t b7 = ((f & MX_SMEP) ? 1u << 7 : 0) | ((f & MX_SMAP) ? 1u << 20 : 0) |
		      ((f & MX_FSGSBASE) ? 1u : 0);
	/* leaf 7 answers even when leaf 0 says it is past the maximum: nk must
	 * not read it then */
	c[2] = (struct fake_cpuid){7, {0, b7, (f & MX_UMIP) ? 1u << 2 : 0, 0}};
	uint32_t max_ext = (f & MX_ADDR8) ? 0x80000008 : 0x80000004;
	c[3] = (struct fake_cpuid){0x80000000, {max_ext, 0, 0, 0}};
	c[4] = (struct fake_cpuid){0x80000001, {0, 0, 0, (f & MX_NX) ? 1u << 20 : 0}};
	c[5] = (struct fake_cpuid){0x80000008, {0x3000 | MX_PHYS_BITS, 0, 0, 0}};
}

void mx_reset(void)
{
	fake_arch_reset();
	memset(&nk, 0, sizeof(nk));
	memset(&vtd, 0, sizeof(vtd));		 /* nk's IOMMU driver: no unit on */
	memset(boot_rsdp, 0, sizeof(boot_rsdp)); /* nk/mb2.c: no RSDP from an earlier boot */
	boot_rsdp_bytes = 0;
	memset(&nk_view_store, 0, sizeof(nk_view_store));
	mx_handoff_stack = mx_handoff_cr0 = 0;
	mx_cpu(MX_ALL);
	/* as boot/boot.asm leaves the CPU: long mode on the boot tables */
	fake_cpu.cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_TS | CR0_EM;
	fake_cpu.cr4 = CR4_PAE;
	fake_cpu.efer = EFER_LME | EFER_LMA;
	fake_cpu.cr3 = 0x1000;
	fake_cpu.dr7 = 0x400;
	fake_cpu.image = (struct arch_image){
	    .image_start = MX_IMAGE_START,
	    .image_end = MX_IMAGE_END,
	    .nk_text_start = MX_IMAGE_START,
	    .nk_text_end = MX_NK_TEXT_END,
	    .priv_start = MX_NK_TEXT_END - 0x1000,
	    .nk_end = MX_NK_END,
	    .text_start = MX_NK_END,
	    .text_end = MX_TEXT_END,
	    .rodata_start = MX_TEXT_END,
	    .rodata_end = MX_RODATA_END,
	};
	fake_cpu.cpu_tables_va = MX_CPU_TABLES;
	fake_cpu.fwcfg_ncpus = 1; /* QEMU -smp 1: nk starts no AP */
	nk_smp_checkin = 0;
	memset(nk_pcpu, 0, sizeof(struct nk_cpu) * NK_MAX_CPUS);
	fake_cpu.roai_va = MX_ROAI;
	fake_cpu.roai_size = PAGE_SIZE;
	boot_magic = 0x36d76289;
	boot_mbi = (uint32_t)MX_MBI;
	mb2_len = 8;
}

int mx_fresh(void **state)
{
	(void)state;
	mx_reset();
	return 0;
}

void mx_mb2_tag(uint32_t type, const void *payload, uint32_t len)
{
	uint8_t *b = mb2();
	uint32_t size = 8 + len;
	memcpy(b + mb2_len, &type, 4);
	memcpy(b + mb2_len + 4, &size, 4);
	if (len)
		memcpy(b + mb2_len + 8, payload, len);
	mb2_len += (size + 7) & ~7u;
}

void mx_mb2_cmdline(const char *s)
{
	mx_mb2_tag(1, s, (uint32_t)strlen(s) + 1);
}

void mx_mb2_module(uint32_t start, uint32_t end, const char *name)
{
	uint8_t p[8 + 128];
	size_t n = strlen(name) + 1;
	if (n > sizeof(p) - 8)
		fail_msg("mx_mb2_module: name too long");
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, name, n);
	mx_mb2_tag(3, p, (uint32_t)(8 + n));
}

void mx_mb2_mmap(const struct mx_range *r, unsigned n)
{
	static uint8_t p[8 + 24 * 256];
	if (n > 256)
		fail_msg("mx_mb2_mmap: too many entries");
	uint32_t esz = 24, ver = 0;
	memcpy(p, &esz, 4);
	memcpy(p + 4, &ver, 4);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = p + 8 + 24 * i;
		memset(e, 0, 24);
		memcpy(e, &r[i].base, 8);
		memcpy(e + 8, &r[i].len, 8);
		memcpy(e + 16, &r[i].type, 4);
	}
	mx_mb2_tag(6, p, 8 + 24 * n);
}

void mx_mb2_end(void)
{
	mx_mb2_tag(0, NULL, 0);
	uint32_t zero = 0;
	memcpy(mb2(), &mb2_len, 4);
	memcpy(mb2() + 4, &zero, 4);
}

uint32_t mx_mb2_next(void)
{
	return mb2_len;
}

void mx_mb2_poke32(uint32_t off, uint32_t v)
{
	memcpy(mb2() + off, &v, 4);
}

/* The byte that makes the n bytes at p sum to 0 (ACPI 5.2.6). */
static uint8_t acpi_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return (uint8_t)-s;
}

/* An ACPI table header of `sig`, len bytes, at p. */
static void acpi_header(uint8_t *p, const char *sig, uint32_t len)
{
	memcpy(p, sig, 4);
	memcpy(p + 4, &len, 4);
	p[8] = 1;
	memcpy(p + 10, "NKTEST", 6);
}

void mx_drhd(uint8_t *p, uint64_t reg_base, uint16_t segment, uint8_t flags)
{
	uint16_t type = 0, len = MX_DRHD_BYTES;
	memset(p, 0, MX_DRHD_BYTES);
	memcpy(p, &type, 2);
	memcpy(p + 2, &len, 2);
	p[4] = flags;
	memcpy(p + 6, &segment, 2);
	memcpy(p + 8, &reg_base, 8);
}

void mx_acpi(const void *remap, uint32_t remap_bytes, uint8_t dmar_flags)
{
	uint8_t *xsdp = fake_mem() + MX_ACPI, *xsdt = xsdp + 0x100, *dmar = fake_mem() + MX_DMAR;
	uint64_t xsdt_pa = MX_ACPI + 0x100, dmar_pa = MX_DMAR;
	if (remap_bytes > MX_ACPI_END - MX_DMAR - 48)
		fail_msg("mx_acpi: %u bytes of remapping structures do not fit", remap_bytes);
	/* the DMAR: host address width 39 bits, the flags, the structures
	 * (VT-d 8.1) */
	uint32_t dlen = 48 + remap_bytes;
	memset(dmar, 0, dlen);
	acpi_header(dmar, "DMAR", dlen);
	dmar[36] = 38;
	dmar[37] = dmar_flags;
	if (remap_bytes)
		memcpy(dmar + 48, remap, remap_bytes);
	dmar[9] = acpi_sum(dmar, dlen);
	/* the XSDT lists it (ACPI 5.2.8) */
	acpi_header(xsdt, "XSDT", 36 + 8);
	memcpy(xsdt + 36, &dmar_pa, 8);
	xsdt[9] = acpi_sum(xsdt, 44);
	/* the XSDP (5.2.5): checksum over 20 bytes, extended over 36 */
	memcpy(xsdp, "RSD PTR ", 8);
	memcpy(xsdp + 9, "NKTEST", 6);
	xsdp[15] = 2;
	uint32_t len = 36;
	memcpy(xsdp + 20, &len, 4);
	memcpy(xsdp + 24, &xsdt_pa, 8);
	xsdp[8] = acpi_sum(xsdp, 20);
	xsdp[32] = acpi_sum(xsdp, 36);
	mx_mb2_tag(15, xsdp, 36);
	fake_vtd_reset();
}

void mx_acpi_default(void)
{
	/* one DRHD for every device of segment 0 at FAKE_VTD_BASE (VT-d 8.3),
	 * interrupt remapping */
	uint8_t d[MX_DRHD_BYTES];
	mx_drhd(d, FAKE_VTD_BASE, 0, 1 /* INCLUDE_PCI_ALL */);
	mx_acpi(d, sizeof(d), 1 /* INTR_REMAP */);
}

void mx_mb2_plain(const char *cmdline)
{
	mx_mb2_cmdline(cmdline);
	mx_mb2_module(MX_MOD_START, MX_MOD_END, "initramfs");
	mx_mb2_mmap(mx_default_mmap, mx_default_mmap_n);
}

void mx_mb2_default(const char *cmdline)
{
	mx_mb2_plain(cmdline);
	mx_acpi_default();
	mx_mb2_end();
}

void mx_fwcfg(const char *name, const char *text)
{
	if (fake_cpu.fwcfg_nfiles == FAKE_FWCFG_MAX ||
	    strlen(name) >= sizeof(fake_cpu.fwcfg_files[0].name))
		fail_msg("mx_fwcfg: too many files or name too long");
	struct fake_fwcfg_file *f = &fake_cpu.fwcfg_files[fake_cpu.fwcfg_nfiles++];
	memset(f->name, 0, sizeof(f->name));
	memcpy(f->name, name, strlen(name));
	f->data = text;
	f->size_bytes = (uint32_t)strlen(text);
}

enum mx_end mx_run(void (*fn)(void *), void *arg)
{
	jmp_buf jb;
	enum mx_end end = MX_RETURNED;
	fake_stop = &jb;
	switch (setjmp(jb)) {
	case 0:
		fn(arg);
		break;
	case MX_HALTED:
		end = MX_HALTED;
		break;
	default:
		end = MX_HANDOFF;
		break;
	}
	fake_stop = NULL;
	return end;
}

static void boot_fn(void *arg)
{
	(void)arg;
	nk_boot();
}

enum mx_end mx_boot(void)
{
	return mx_run(boot_fn, NULL);
}

int mx_booted(void **state)
{
	(void)state;
	mx_reset();
	mx_mb2_default("");
	enum mx_end e = mx_boot();
	if (e != MX_HANDOFF)
		fail_msg("nk did not boot (%d); it printed:\n%s", e, fake_serial);
	return 0;
}

pte_t mx_leaf(paddr_t l4, uint64_t va, unsigned *level)
{
	paddr_t t = l4;
	for (unsigned lv = 4; lv >= 1; lv--) {
		pte_t e = ((const pte_t *)arch_pa_va(t))[pt_index(va, lv)];
		*level = lv;
		if (!(e & PTE_P))
			return 0;
		if (lv == 1 || (e & PTE_PS))
			return e;
		t = pa_init(e & PTE_ADDR_4K);
	}
	return 0;
}

bool mx_serial_has(const char *s)
{
	/* nk sends "\r\n" for "\n" (nk/log.c); compare with plain newlines */
	static char plain[FAKE_SERIAL_MAX];
	size_t n = 0;
	for (const char *p = fake_serial; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			plain[n++] = *p;
	plain[n] = 0;
	return strstr(plain, s) != NULL;
}
