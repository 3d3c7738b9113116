/* nk's boot, shared by its parts (nk-private): nk/boot.c (the sequence,
 * nk_boot), nk/mb2.c (multiboot2), nk/cpufeat.c (CPU features and the
 * protection bits), nk/boot_tables.c (the boot allocator, frame types, the
 * final page tables). Every function here is boot-only code (NK_BOOT),
 * non-executable once the outer kernel runs. Source: spec sections 4, 8, 9. */
#ifndef NK_BOOT_H
#define NK_BOOT_H

#include "nk.h"

/* 1 in the native build (the Makefile defines it; host tests may not) */
#ifndef NK_NATIVE
#define NK_NATIVE 0
#endif

/* multiboot2 (spec 3.6): the loader's magic, the tags nk reads, memory
 * type 1 (available RAM); nk accepts an info block of at most 1 MiB. */
#define MB2_MAGIC 0x36d76289u
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14 /* a copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW 15 /* a copy of the ACPI 2.0+ XSDP */
#define MB2_MEM_AVAILABLE 1
#define MB2_INFO_MAX (1u << 20)
#define MB2_MMAP_ENTRY_MIN 24 /* base, length, type, reserved */

#define TABLE_FLAGS (PTE_P | PTE_W) /* non-leaf: rights come from the leaves */

/* The image layout (linker.ld), read at the start of nk_boot. */
extern struct arch_image boot_img;
/* The boot allocator: the next free byte and the end of the RAM range it
 * takes from (physical, bytes; below 4 GiB: the boot tables map that). */
extern uint64_t boot_alloc_next, boot_alloc_limit;

/* boot_parse_multiboot: the multiboot2 information at physical mbi into
 * nk_view (command line, modules, memory map); sets boot_alloc_next past
 * it. Stops the boot (nk_panic) on an impossible size, a tag running past
 * the end, or no memory map. */
void boot_parse_multiboot(paddr_t mbi);

/* The RSDP the loader copied (multiboot2 tags 14, 15; the newer wins):
 * boot_rsdp_bytes bytes (0: none). */
#define BOOT_RSDP_MAX 64
extern uint8_t boot_rsdp[BOOT_RSDP_MAX];
extern uint32_t boot_rsdp_bytes;

/* boot_start_iommu: the nested build, with the boot tables loaded: find
 * the remapping unit in the ACPI DMAR table (nk/acpi.c) and reserve what
 * nk_iommu_boot needs. Without a usable DMAR table or unit it stops the
 * boot (QEMU status 0x14, a message) unless nk.iommu=off, which it says
 * loudly. Returns whether nk_iommu_boot is to run. */
bool boot_start_iommu(void);

/* boot_finish_iommu: on nk's own tables, after boot_start_iommu returned
 * true: nk_iommu_boot, stopping the boot as boot_start_iommu does when it
 * fails. */
void boot_finish_iommu(void);

/* boot_acpi_map: the accessor nk's ACPI parser reads the tables through
 * at boot (nk_acpi_map_fn, nk/acpi.h): the boot tables identity-map the
 * first 4 GiB, where firmware puts them; NULL above. */
const void *boot_acpi_map(paddr_t pa, uint64_t len, void *ctx);

/* boot_reserve_apic: both builds, with the boot tables loaded: decode the
 * MADT into nk_view->apic.madt (a missing or malformed one is reported:
 * one CPU, no IOAPIC), and map the local APIC page (IA32_APIC_BASE) and
 * each IOAPIC's page into nk's device window: nk-owned device pages. */
void boot_reserve_apic(void);

/* boot_start_apic: on nk's own tables: nk_lapic_cpu_init on the boot CPU
 * (CPU index 0), each IOAPIC's version and entries read, every entry that
 * nk_ioapic_write would refuse masked (vector 0x20, CPU 0). */
void boot_start_apic(void);

/* boot_detect_cpu: CPUID into nk_view's has_* flags and vendor, and
 * nk.phys_limit (1 << MAXPHYADDR bytes; 2^36 when CPUID does not say). */
void boot_detect_cpu(void);

/* boot_require_features: the nested build stops (QEMU status 0x12, a
 * message) on a CPU without NX or SMEP (spec I3). */
void boot_require_features(void);

/* boot_require_no_fwcfg_dma: the nested build stops (QEMU status 0x13, a
 * message) when QEMU's fw_cfg advertises DMA (spec I11). */
void boot_require_no_fwcfg_dma(void);

/* boot_enable_protection: EFER.NXE, CR4 (PAE, SMEP, SMAP, PGE, ...), CR0
 * (WP recorded; clear while nk runs), DR7 = 0, the MSRs nk pins; records
 * what the outer kernel may change in CR4. */
void boot_enable_protection(void);

/* boot_kphys: the physical address of image address va. */
paddr_t boot_kphys(uint64_t va);

/* boot_pages_for: the 4 KiB pages n bytes take. */
uint64_t boot_pages_for(uint64_t n);

/* boot_table: nk's pointer to a table at physical pa while the boot
 * tables are loaded. */
pte_t *boot_table(paddr_t pa);

/* boot_alloc: n zeroed 4 KiB frames from the boot allocator (the first's
 * physical address); stops the boot when RAM below boot_alloc_limit runs
 * out. */
paddr_t boot_alloc(uint64_t n);

/* boot_type_frames: every frame's type (spec section 4): available RAM
 * above 1 MiB DATA, nk's image and allocations since alloc_start NK (DATA
 * in the native build), outer text CODE, outer rodata PROTECTED. */
void boot_type_frames(paddr_t alloc_start);

/* boot_new_ptp: a new nk-owned PTP of level (1..4) with frame flags; its
 * physical address. */
paddr_t boot_new_ptp(unsigned level, uint8_t flags);

/* boot_build_direct_map: the direct map's L3s and L2s under l4 (entries
 * 256.. of the master L4); returns the physical address of the L1 entries
 * indexed by pfn (filled by boot_fill_direct_map). */
paddr_t boot_build_direct_map(pte_t *l4);

/* boot_fill_direct_map: every RAM frame's direct-map entry, writable only
 * for DATA frames, NX. */
void boot_fill_direct_map(void);

/* boot_build_image_map: the image at KERNEL_VMA under l4, 4 KiB entries
 * with per-section rights, and the module area's L2. */
void boot_build_image_map(pte_t *l4);

/* boot_outer_stack: a stack of `pages` DATA frames for the outer kernel,
 * direct-mapped writable; the top's virtual address. */
uint64_t boot_outer_stack(uint64_t pages);

#endif
