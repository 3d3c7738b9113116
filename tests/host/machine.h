/* The machine tests' fake machine: 16 MiB of fake physical memory with a
 * kernel image, a multiboot2 information block and a CPU as boot/boot.asm
 * leaves them, on which the tests run nk's own boot (nk_boot) and then
 * nk's CPU-table checks, log, page walk and kcov callback. Unlike
 * tests/host/fixture.c, which builds its machine by hand, everything here
 * is what nk/boot.c built. Used by test_boot, test_cpu, test_log,
 * test_walk, test_kcov and test_iommu (tests/host/host.mk: HOST_MACH_TESTS).
 *
 * Physical layout (the defaults of mx_reset and mx_mb2_default):
 *   0x010000          the multiboot2 information (MX_MBI)
 *   0x100000-0x102000 boot code (below the image; DATA)
 *   0x102000-0x11a000 nk: text to 0x112000, data and bss (the CPU
 *                     tables at 0x116000-0x119000)
 *   0x11a000-0x12a000 outer text; 0x12a000-0x12e000 outer rodata;
 *   0x12e000-0x136000 outer data (ro_after_init at 0x12e000)
 *   0x140000-0x148800 the module "initramfs"
 *   RAM: 0-0x9fc00 and 0x100000-0xfe0000; the top 128 KiB is ACPI data
 *   and reserved. */
#ifndef NK_TESTS_MACHINE_H
#define NK_TESTS_MACHINE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_arch.h"
#include "cpu.h"
#include "fake_vtd.h"

#define MX_MBI 0x10000ull
#define MX_IMAGE_START (KERNEL_VMA + 0x102000)
#define MX_NK_TEXT_END (KERNEL_VMA + 0x112000)
#define MX_CPU_TABLES (KERNEL_VMA + 0x116000)
#define MX_NK_END (KERNEL_VMA + 0x11a000)
#define MX_TEXT_END (KERNEL_VMA + 0x12a000)
#define MX_RODATA_END (KERNEL_VMA + 0x12e000)
#define MX_ROAI (KERNEL_VMA + 0x12e000)
#define MX_IMAGE_END (KERNEL_VMA + 0x136000)
#define MX_ACPI 0xfe0000ull	  /* the XSDP, XSDT and DMAR of mx_acpi_default */
#define MX_DMAR (MX_ACPI + 0x200) /* the DMAR table mx_acpi writes */
#define MX_ACPI_END 0xff0000ull	  /* the end of the ACPI data range */
#define MX_DRHD_BYTES 16	  /* a DRHD without device scope (VT-d 8.3) */
#define MX_MOD_START 0x140000u
#define MX_MOD_END 0x148800u
#define MX_RAM_END 0xfe0000ull
#define MX_ISR(v) (MX_IMAGE_START + 0x1000 + 16 * (uint64_t)(v)) /* nk_isr_table[v] */

/* CPU features for mx_cpu (CPUID bits as nk/boot.c reads them). */
#define MX_NX 0x01u
#define MX_SMEP 0x02u
#define MX_SMAP 0x04u
#define MX_PGE 0x08u
#define MX_PCID 0x10u
#define MX_FSGSBASE 0x20u
#define MX_UMIP 0x40u
#define MX_LEAF7 0x80u	/* CPUID's maximum basic leaf is >= 7 */
#define MX_ADDR8 0x100u /* leaf 0x80000008 (address sizes) exists */
#define MX_ALL 0x1ffu
#define MX_PHYS_BITS 40 /* MAXPHYADDR with MX_ADDR8 */

/* mx_pfn: the frame behind kernel image address va. */
static inline uint64_t mx_pfn(uint64_t va)
{
	return (va - KERNEL_VMA) / PAGE_SIZE;
}

/* What nk did with the machine: mx_boot's and mx_run's result. */
enum mx_end {
	MX_RETURNED = 0, /* the call returned */
	MX_HALTED = 1,	 /* nk halted (panic, refusal: fake_cpu.exit_code) */
	MX_HANDOFF = 2,	 /* nk_handoff: boot done (mx_handoff_stack) */
};

/* boot/boot.asm's record of the loader's EAX (magic) and EBX (the
 * info's physical address), read by nk_boot. */
extern uint32_t boot_magic, boot_mbi;

/* The stack top nk_handoff was given (virtual) and CR0 when nk called it. */
extern uint64_t mx_handoff_stack, mx_handoff_cr0;

/* mx_reset: a fresh machine: fake memory and CPU reset, nk's state
 * zeroed (as in .bss), every CPU feature (MX_ALL), the image layout above,
 * boot_magic right and boot_mbi = MX_MBI, and an empty multiboot2 info. */
void mx_reset(void);

/* mx_cpu: CPUID answers for the features in `features` (MX_*), vendor
 * "NestedKernel". */
void mx_cpu(unsigned features);

/* Building the multiboot2 information at boot_mbi (MX_MBI unless a test
 * moves it before its first tag; multiboot2 spec 3.6):
 * mx_mb2_tag appends a tag (type, then `len` payload bytes, padded to 8),
 * mx_mb2_end the end tag and the total size. */
void mx_mb2_tag(uint32_t type, const void *payload, uint32_t len);
void mx_mb2_cmdline(const char *s);
void mx_mb2_module(uint32_t start, uint32_t end, const char *name);
struct mx_range {
	uint64_t base, len;
	uint32_t type;
};
void mx_mb2_mmap(const struct mx_range *r, unsigned n);
void mx_mb2_end(void);

/* mx_mb2_next: the offset (bytes into the info) of the next tag;
 * mx_mb2_poke32: overwrite the 32-bit word at offset off of the info (to
 * make malformed info). */
uint32_t mx_mb2_next(void);
void mx_mb2_poke32(uint32_t off, uint32_t v);

/* mx_acpi: ACPI tables in the reserved top of RAM (MX_ACPI): an XSDP, an
 * XSDT and a DMAR (at MX_DMAR) with flags byte dmar_flags (bit 0:
 * interrupt remapping) and the remapping structures `remap`
 * (remap_bytes, copied after its 48-byte header); the XSDP as multiboot2
 * tag 15; and a fresh unit (fake_vtd_reset). Checksums correct.
 * mx_drhd writes a DRHD without device scope (MX_DRHD_BYTES) at p: the
 * register page reg_base, PCI segment `segment`, flags (bit 0:
 * INCLUDE_PCI_ALL). Source: ACPI 6.5 5.2.5, 5.2.8; VT-d 8.1, 8.3. */
void mx_acpi(const void *remap, uint32_t remap_bytes, uint8_t dmar_flags);
void mx_drhd(uint8_t *p, uint64_t reg_base, uint16_t segment, uint8_t flags);

/* mx_acpi_default: mx_acpi with one DRHD for every device of segment 0
 * (INCLUDE_PCI_ALL) at FAKE_VTD_BASE, with interrupt remapping. Part of
 * mx_mb2_default. */
void mx_acpi_default(void);

/* mx_mb2_plain: the command line `cmdline`, the module and the memory
 * map described above: mx_mb2_default without ACPI and the end tag. */
void mx_mb2_plain(const char *cmdline);

/* mx_mb2_default: mx_mb2_plain, mx_acpi_default and the end tag. */
void mx_mb2_default(const char *cmdline);
extern const struct mx_range mx_default_mmap[];
extern const unsigned mx_default_mmap_n;

/* mx_fwcfg: add file `name` with the bytes of string `text` (not copied:
 * a literal) to the fake fw_cfg directory. */
void mx_fwcfg(const char *name, const char *text);

/* mx_boot: run nk_boot; how it ended. */
enum mx_end mx_boot(void);

/* mx_run: run fn(arg) (nk code that may halt); how it ended. */
enum mx_end mx_run(void (*fn)(void *), void *arg);

/* mx_booted: cmocka setup: mx_reset, mx_mb2_default(""), mx_boot, and
 * nk's recorded CR0 loaded; fails unless nk handed off.
 * Returns 0. */
int mx_booted(void **state);

/* mx_leaf: the entry that maps va in the tables at l4 (walked by the
 * test, not by nk) and its level in *level; 0 (and the level where the
 * walk stopped) if none. */
pte_t mx_leaf(paddr_t l4, uint64_t va, unsigned *level);

/* mx_serial_has: whether nk's serial output, with its "\r\n" read as
 * "\n", contains s. */
bool mx_serial_has(const char *s);

/* ASSERT_SERIAL: fail, showing the output, unless nk printed s. */
#define ASSERT_SERIAL(s)                                                                           \
	do {                                                                                       \
		if (!mx_serial_has(s))                                                             \
			fail_msg("nk did not print \"%s\"; it printed:\n%s", s, fake_serial);      \
	} while (0)

/* nk_boot (nk/boot.c) and nk_fault_in_nk (nk/log.c): called from
 * assembly (nk/entry.asm), so in no header. */
void nk_boot(void);
NK_NORETURN void nk_fault_in_nk(uint64_t vector, uint64_t rip, uint64_t addr);

#define TEST(name) static void name(void **state NK_UNUSED)
#define MX_TEST(name) cmocka_unit_test_setup(name, mx_booted)
#define MX_FRESH(name) cmocka_unit_test_setup(name, mx_fresh)

/* mx_fresh: cmocka setup: mx_reset. Returns 0. */
int mx_fresh(void **state);

#endif
