/* x86-64 page-table entry encoding: the one place PTE bits are encoded and
 * decoded (style.md rule 3). Source: Intel SDM Vol. 3A, 4.5 (4-level paging),
 * tables 4-14 to 4-20. */
#ifndef NK_PTE_H
#define NK_PTE_H

#include <nk/types.h>

#define PTE_P (1ull << 0)   /* present */
#define PTE_W (1ull << 1)   /* writable */
#define PTE_U (1ull << 2)   /* user */
#define PTE_PWT (1ull << 3) /* write-through */
#define PTE_PCD (1ull << 4) /* cache disable */
#define PTE_A (1ull << 5)   /* accessed */
#define PTE_D (1ull << 6)   /* dirty (leaf) */
#define PTE_PS (1ull << 7)  /* page size: leaf at L3 (1 GiB) or L2 (2 MiB) */
#define PTE_G (1ull << 8)   /* global (leaf) */
#define PTE_NX (1ull << 63) /* execute-disable, needs EFER.NXE */

/* Bits 52-62: ignored or protection keys; nk refuses them set. */
#define PTE_HIGH_RESERVED 0x7ff0000000000000ull
/* Frame address masks. Architecturally the address is bits 12..51 (SDM
 * Table 4-19); these masks also keep bits 52..62, which are zero in every
 * entry nk accepts (PTE_HIGH_RESERVED) and in CR3, so the result is the
 * same. They are written this way because the 52-bit mask's immediate ends
 * in the bytes 0f 00: followed by a push (0x53, 0x55) that is an LLDT
 * encoding, which I5 forbids anywhere in outer code. */
#define PTE_ADDR_4K 0x7ffffffffffff000ull
#define PTE_ADDR_2M 0x7fffffffffe00000ull

/* Bits 13-20 of a 2 MiB leaf: reserved (SDM Table 4-18). */
#define PTE_2M_RESERVED 0x1fe000ull
/* A bit the MMU ignores (bits 9-11 of any entry, SDM 4.5): the outer
 * kernel's own use (a PROT_NONE page's frame in a not-present entry). */
#define PTE_SW1 (1ull << 9)

/* Levels: 4 = PML4 (L4), 3 = PDPT, 2 = PD, 1 = PT. */
#define PT_LEVELS 4

/* pt_span_bytes: the bytes one entry of a level-`level` (1..4) PTP
 * covers: 4 KiB, 2 MiB, 1 GiB, 512 GiB (SDM figure 4-8). */
static inline uint64_t pt_span_bytes(unsigned level)
{
	return 1ull << (12 + 9 * (level - 1));
}

/* cr3_l4: the physical address of the L4 a CR3 value names (bits 12-51;
 * PWT, PCD and a PCID dropped; SDM 4.5, Table 4-12). */
static inline paddr_t cr3_l4(uint64_t cr3)
{
	return pa_init(cr3 & PTE_ADDR_4K);
}

/* pte_present: whether the entry maps something (SDM 4.5, P bit). */
static inline bool pte_present(pte_t e)
{
	return (e & PTE_P) != 0;
}

/* pte_writable: the entry's own R/W bit (SDM 4.6.1). */
static inline bool pte_writable(pte_t e)
{
	return (e & PTE_W) != 0;
}

/* pte_user: the entry's own U/S bit. */
static inline bool pte_user(pte_t e)
{
	return (e & PTE_U) != 0;
}

/* pte_nx: the entry's XD bit. */
static inline bool pte_nx(pte_t e)
{
	return (e & PTE_NX) != 0;
}

/* pte_is_leaf: whether an entry of a PTP at level (1..4) maps a page rather
 * than pointing to a lower PTP: every L1 entry, an L2/L3 entry with PS. */
static inline bool pte_is_leaf(pte_t e, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
}

/* pte_frame: the physical address the entry points to (4 KiB-aligned; for
 * a 2 MiB leaf, the 2 MiB-aligned base). */
static inline paddr_t pte_frame(pte_t e, unsigned level)
{
	if (level == 2 && (e & PTE_PS))
		return pa_init(e & PTE_ADDR_2M);
	return pa_init(e & PTE_ADDR_4K);
}

/* pte_make: build an entry mapping physical address pa with flag bits. */
static inline pte_t pte_make(paddr_t pa, uint64_t flags)
{
	return (pa_addr(pa) & PTE_ADDR_4K) | flags;
}

/* Index of va at level (1..4): bits 12+9*(level-1) .. +8 (SDM figure 4-8). */
static inline unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)((va >> (12 + 9 * (level - 1))) & 511);
}

/* pte_needs_flush: whether replacing entry old by new removes a right a
 * TLB may still hold (frame, present, W, U, X, size): then it must be
 * flushed (I10; SDM 4.10.4.3: upgrades need no flush, a stale entry only
 * causes a fault that drops it). */
static inline bool pte_needs_flush(pte_t old, pte_t new)
{
	const pte_t ignore = PTE_A | PTE_D;
	pte_t changed = (old ^ new) & ~ignore;
	if (!pte_present(old) || !changed)
		return false;
	bool upgrade = (changed & ~(PTE_W | PTE_NX)) == 0 && (new &PTE_W) >= (old & PTE_W) &&
		       (new &PTE_NX) <= (old & PTE_NX);
	return !upgrade;
}

#endif
