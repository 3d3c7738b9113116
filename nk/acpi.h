/* nk's ACPI parser (nk-private): from the RSDP that multiboot2 copies
 * (tag 14: the 20-byte ACPI 1.0 RSDP; tag 15: the 36-byte ACPI 2.0+ XSDP)
 * through the XSDT or RSDT to the DMAR table, decoded into struct nk_dmar
 * for the VT-d driver (spec I11, issue 14). Physical memory is read only
 * through a caller-supplied accessor, so that host tests and the fuzzer
 * (tests/host/test_acpi.c, tests/fuzz/fuzz_acpi.c) give it fake memory.
 * Every length the tables declare is bounded before it is used.
 * Sources: ACPI 6.5 section 5.2 (5.2.5 RSDP, 5.2.6 the table header,
 * 5.2.7 RSDT, 5.2.8 XSDT); Intel VT-d specification rev. 4.1 chapter 8
 * (8.1 DMAR, 8.2 remapping structure types, 8.3 DRHD, 8.3.1 device
 * scope, 8.4 RMRR, 8.5 ATSR, 8.6 RHSA, 8.7 ANDD, 8.8 SATC, 8.9 SIDP). */
#ifndef NK_ACPI_H
#define NK_ACPI_H

#include <nk/types.h>
#include <nk/apic.h>

/* Sizes (bytes) and the parser's bounds. */
#define NK_ACPI_RSDP_V1_BYTES 20     /* ACPI 1.0 RSDP; its checksum covers these */
#define NK_ACPI_RSDP_V2_BYTES 36     /* revision >= 2: Length, XSDT, extended checksum */
#define NK_ACPI_HDR_BYTES 36	     /* the system description table header (5.2.6) */
#define NK_ACPI_ROOT_MAX 256	     /* entries of an RSDT or XSDT the parser accepts */
#define NK_ACPI_DMAR_MAX_BYTES 65536 /* a longer DMAR is refused */
#define NK_ACPI_DMAR_HDR_BYTES 48    /* DMAR: table header, HAW, flags, 10 reserved */
#define NK_ACPI_MADT_MAX_BYTES 65536 /* a longer MADT is refused */
#define NK_ACPI_MADT_HDR_BYTES 44    /* MADT: table header, local APIC address, flags */

/* What struct nk_dmar holds; a table with more is refused (NK_ACPI_ELIMIT),
 * never cut short: a unit or a reserved region left out would leave devices
 * unprotected or break their DMA. */
#define NK_DMAR_DRHD_MAX 8 /* remapping units */
#define NK_DMAR_RMRR_MAX 8 /* reserved memory regions */
/* device scope entries of one DRHD or RMRR (QEMU's unit lists each device
 * on bus 0 by itself) */
#define NK_DMAR_SCOPE_MAX 32
#define NK_DMAR_PATH_MAX 4 /* (device, function) hops of one device scope */

/* DMAR flags (byte 37; VT-d 8.1). */
#define NK_DMAR_F_INTR_REMAP (1u << 0)	    /* interrupt remapping supported */
#define NK_DMAR_F_X2APIC_OPT_OUT (1u << 1)  /* firmware asks the OS not to use x2APIC */
#define NK_DMAR_F_DMA_CTRL_OPT_IN (1u << 2) /* DMA_CTRL_PLATFORM_OPT_IN_FLAG */

/* Remapping structure types (VT-d 8.2); 7 and above are reserved. */
#define NK_DMAR_T_DRHD 0 /* DMA remapping hardware unit definition (8.3) */
#define NK_DMAR_T_RMRR 1 /* reserved memory region reporting (8.4) */
#define NK_DMAR_T_ATSR 2 /* root port ATS capability reporting (8.5) */
#define NK_DMAR_T_RHSA 3 /* remapping hardware static affinity (8.6) */
#define NK_DMAR_T_ANDD 4 /* ACPI name-space device declaration (8.7) */
#define NK_DMAR_T_SATC 5 /* SoC integrated address translation cache (8.8) */
#define NK_DMAR_T_SIDP 6 /* SoC integrated device property reporting (8.9) */

/* DRHD flags (byte 4; VT-d 8.3). INCLUDE_PCI_ALL: the unit covers every
 * device of its segment that no other unit lists. */
#define NK_DRHD_F_INCLUDE_PCI_ALL (1u << 0)

/* Device scope types (VT-d 8.3.1); 0 and 6 and above are reserved. */
#define NK_DMAR_SCOPE_PCI_ENDPOINT 1
#define NK_DMAR_SCOPE_PCI_SUBHIERARCHY 2 /* a bridge and every device below it */
#define NK_DMAR_SCOPE_IOAPIC 3
#define NK_DMAR_SCOPE_HPET 4 /* an MSI-capable HPET */
#define NK_DMAR_SCOPE_ACPI_DEVICE 5

/* One hop of a device scope's path: a PCI device (0-31) and function (0-7)
 * number on the bus the previous hop's bridge leads to (VT-d 8.3.1). */
struct nk_dmar_path {
	uint8_t device, function;
};

/* A device scope entry (VT-d 8.3.1): the device (PCI endpoint, IOAPIC,
 * HPET, ACPI device) or the PCI sub-hierarchy a DRHD or RMRR applies to. */
struct nk_dmar_scope {
	uint8_t type;	   /* NK_DMAR_SCOPE_*; a reserved type is kept as found */
	uint8_t flags;	   /* byte 2 (VT-d 4.0+; 0 in older tables) */
	uint8_t enum_id;   /* IOAPIC id, HPET number or ACPI device number (types 3-5) */
	uint8_t start_bus; /* the bus of the first hop */
	uint8_t npath;	   /* hops in path[], 0..NK_DMAR_PATH_MAX (>= 1 for types 1-5) */
	struct nk_dmar_path path[NK_DMAR_PATH_MAX];
};

/* A DMA remapping hardware unit (DRHD, VT-d 8.3). */
struct nk_dmar_drhd {
	paddr_t reg_base;   /* its register set: physical, 4 KiB aligned, nonzero */
	uint64_t reg_pages; /* the register set's size in 4 KiB pages: 2^(Size & 0xf)
			       (byte 5; 0 in tables older than VT-d 2.5: one page) */
	uint16_t segment;   /* PCI segment (domain) number */
	uint8_t flags;	    /* NK_DRHD_F_* */
	uint8_t nscope;	    /* entries in scope[], 0..NK_DMAR_SCOPE_MAX */
	struct nk_dmar_scope scope[NK_DMAR_SCOPE_MAX];
};

/* A reserved memory region (RMRR, VT-d 8.4): memory the firmware lets the
 * listed devices DMA to; nk must map it for them (identity) or refuse. */
struct nk_dmar_rmrr {
	paddr_t base;	  /* first byte: physical, 4 KiB aligned */
	paddr_t limit;	  /* last byte (inclusive): limit + 1 is 4 KiB aligned, limit > base */
	uint16_t segment; /* PCI segment number */
	uint8_t nscope;	  /* entries in scope[], 0..NK_DMAR_SCOPE_MAX */
	struct nk_dmar_scope scope[NK_DMAR_SCOPE_MAX];
};

/* The DMAR table, decoded (VT-d 8.1). About 7 KiB: keep it in nk's data,
 * not on a boot stack. */
struct nk_dmar {
	paddr_t table_pa;	  /* where the DMAR table is */
	uint32_t table_bytes;	  /* its Length, 48..NK_ACPI_DMAR_MAX_BYTES */
	uint8_t revision;	  /* its header's Revision byte */
	bool via_xsdt;		  /* found through the XSDT (else the RSDT) */
	paddr_t root_pa;	  /* the XSDT or RSDT it was listed in */
	uint8_t haw_bits;	  /* host address width in bits: byte 36 + 1 (1..64) */
	uint8_t flags;		  /* NK_DMAR_F_* (byte 37, reserved bits kept) */
	uint8_t ndrhd;		  /* entries in drhd[], 0..NK_DMAR_DRHD_MAX */
	uint8_t nrmrr;		  /* entries in rmrr[], 0..NK_DMAR_RMRR_MAX */
	uint16_t natsr, nrhsa;	  /* structures length-checked and counted, not kept */
	uint16_t nandd, nsatc;	  /* (ATSR, SATC, SIDP: their device scopes checked too) */
	uint16_t nsidp, nunknown; /* nunknown: reserved types (7..), skipped by length */
	struct nk_dmar_drhd drhd[NK_DMAR_DRHD_MAX]; /* in table order */
	struct nk_dmar_rmrr rmrr[NK_DMAR_RMRR_MAX]; /* in table order */
};

/* The parser's errors, returned negated: X(NAME, value, what it means).
 * They make enum nk_acpi_err and nk_acpi_strerror's names. ENODMAR is the
 * one a well-formed machine without an IOMMU gives; every other code is a
 * malformed or unreadable table. */
#define NK_ACPI_ERRORS(X)                                                                          \
	X(ENODMAR, 1, "no DMAR table in the RSDT/XSDT")                                            \
	X(ERSDP, 2, "RSDP: short copy, bad signature, checksum, length or no root table address")  \
	X(EMAP, 3, "the accessor could not map a range the parser needed, or the range wraps")     \
	X(ESIG, 4, "a table's signature is not the one its pointer promises (RSDT, XSDT)")         \
	X(ELENGTH, 5, "a table's length: below its header, over the bound, or not whole entries")  \
	X(ECHECKSUM, 6, "a table's bytes do not sum to 0 (mod 256)")                               \
	X(EENTRIES, 7, "an RSDT or XSDT with more than NK_ACPI_ROOT_MAX entries")                  \
	X(ESTRUCT, 8,                                                                              \
	  "a DMAR structure or device scope: too short for its header, or past its end")           \
	X(EVALUE, 9, "a DMAR field out of range (alignment, RMRR bounds, HAW, unit order, path)")  \
	X(ELIMIT, 10, "more DRHDs, RMRRs, device scopes or path hops than struct nk_dmar holds")   \
	X(EDUP, 11, "more than one DMAR (or MADT) table")                                          \
	X(ENOMADT, 12, "no MADT (APIC) table in the RSDT/XSDT")

#define NK_ACPI_ERR_ENUM(name, value, why) NK_ACPI_##name = value,
enum nk_acpi_err { NK_ACPI_OK = 0, NK_ACPI_ERRORS(NK_ACPI_ERR_ENUM) NK_ACPI_EMAX };
#undef NK_ACPI_ERR_ENUM

/* nk_acpi_map_fn: the physical-memory accessor. Returns nk's pointer to
 * the len_bytes bytes at physical address pa (len_bytes >= 1), or NULL
 * when [pa, pa + len_bytes) is not readable. The parser reads only the
 * bytes of the range it asked for, and only until its next call of the
 * accessor (a mapper with one window may reuse it); it asks for at most
 * NK_ACPI_DMAR_MAX_BYTES at once and never for a range that wraps. */
typedef const void *(*nk_acpi_map_fn)(paddr_t pa, uint64_t len_bytes, void *ctx);

/* nk_acpi_find_dmar: find and decode the DMAR table.
 *   rsdp, rsdp_bytes: nk's copy of the RSDP (the multiboot2 tag's payload:
 *     20 bytes for tag 14, the RSDP's Length, normally 36, for tag 15).
 *     Checked: at least 20 bytes, signature "RSD PTR ", the first 20 bytes
 *     sum to 0; when Revision >= 2 and the copy holds 36 bytes, also
 *     36 <= Length <= rsdp_bytes and the extended checksum over Length
 *     bytes. The XSDT is used when those hold and its address is nonzero,
 *     else the RSDT (a Revision >= 2 RSDP copied in 20 bytes uses the RSDT).
 *   map, ctx: the accessor (above) for every other byte.
 *   out: filled on success; zeroed on any error.
 *   why, why_cap: a NUL-terminated reason (nk's formatter), naming the
 *     table, field, offset and values, e.g. "DMAR: DRHD at offset 0x30 has
 *     length 4, less than its 16-byte header"; "" on success. why may be
 *     NULL when why_cap is 0.
 * The root table: signature, header length, checksum, whole entries, at
 * most NK_ACPI_ROOT_MAX; a zero entry is skipped; of every other entry
 * only the 4-byte signature is read, so a root table that lists itself
 * or a table nothing can read is not followed. The DMAR: header length,
 * checksum, 48 <= Length <= NK_ACPI_DMAR_MAX_BYTES, HAW + 1 <= 64, then
 * each remapping structure (type, length >= 4 and >= its type's header,
 * inside the table; reserved types skipped by length and counted) and
 * each device scope (length >= 6, 6 + 2 * hops, inside its structure,
 * types 1-5 with 1..NK_DMAR_PATH_MAX hops of device <= 31, function
 * <= 7). DRHD: register base 4 KiB aligned,
 * nonzero, base + size does not wrap; no DRHD of a segment after that
 * segment's INCLUDE_PCI_ALL unit (VT-d 8.3: it comes last, and once).
 * RMRR: base 4 KiB aligned, limit > base, limit + 1 4 KiB aligned.
 * Returns 0, -NK_ACPI_ENODMAR when the root table is well formed but
 * lists no DMAR (the nested build then refuses to boot unless
 * nk.iommu=off), or another -NK_ACPI_E* (malformed or unreadable).
 * Boot-only (NK_BOOT: non-executable once the outer kernel runs).
 * Source: ACPI 6.5 5.2.5-5.2.8; VT-d 4.1 chapter 8. */
long nk_acpi_find_dmar(const void *rsdp, uint64_t rsdp_bytes, nk_acpi_map_fn map, void *ctx,
		       struct nk_dmar *out, char *why, size_t why_cap);

/* nk_acpi_find_madt: find and decode the MADT (signature "APIC"; ACPI
 * 6.5 5.2.12), through the RSDP, root table and accessor exactly as
 * nk_acpi_find_dmar (the same checks of those). The MADT: header length,
 * checksum, 44 <= Length <= NK_ACPI_MADT_MAX_BYTES, then each interrupt
 * controller structure: type and length (>= 2, >= its type's size, inside
 * the table). Kept: processor local APIC entries (8 bytes; at most
 * NK_MADT_CPU_MAX, no APIC ID twice among the enabled or online-capable
 * ones), IOAPIC entries (12 bytes; address nonzero, its 0x20 bytes of
 * registers inside one 4 KiB page, below 4 GiB; at most
 * NK_MADT_IOAPIC_MAX; no ID or address twice), interrupt source overrides
 * (10 bytes; bus 0, at most NK_MADT_ISO_MAX), a local APIC address
 * override (12 bytes; at most one). Counted: NMI sources, local APIC NMIs,
 * x2APIC entries, other types (skipped by length). A table with more
 * entries than struct nk_madt holds is refused (NK_ACPI_ELIMIT), never
 * cut short. Returns 0, -NK_ACPI_ENOMADT (no MADT listed), or another
 * -NK_ACPI_E*; out is zeroed on any error, why as for nk_acpi_find_dmar,
 * e.g. "MADT: IOAPIC at offset 0x34 has length 8, less than its 12 bytes".
 * Boot-only. Source: ACPI 6.5 5.2.12 (table 5.19-5.29). */
long nk_acpi_find_madt(const void *rsdp, uint64_t rsdp_bytes, nk_acpi_map_fn map, void *ctx,
		       struct nk_madt *out, char *why, size_t why_cap);

/* nk_acpi_strerror: the name of parser error code e (positive or negated),
 * "NK_ACPI_OK" for 0, "NK_ACPI_E?" for an unknown code. Not boot-only. */
const char *nk_acpi_strerror(long e);

#endif
