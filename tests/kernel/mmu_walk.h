/* A second page-table walker for the MMU oracle (issue 16), written from
 * the Intel SDM Vol. 3A 4.5 (4-level paging: tables 4-14 to 4-20) and 4.6
 * (access rights), sharing no code with nk: its own bit names (below, not
 * include/nk/pte.h's), its own decode of every entry, its own recount of
 * the frame table's counters (spec section 4). Used by the in-kernel
 * enumeration (tests/kernel/mmu_oracle.c) and the host fuzzer
 * (tests/fuzz/fuzz_vmmu.c), beside nk's invariant checker.
 * Its inputs are nk's frame types (nk's state, read-only) and the tables'
 * bytes; its outputs are what the counters must be. */
#ifndef TESTS_MMU_WALK_H
#define TESTS_MMU_WALK_H
#include <nk/types.h>
#include <nk/vmmu.h> /* struct nk_frame, struct nk_frame2m, enum nk_ftype: the state compared */

/* Entry bits, SDM Vol. 3A tables 4-15 to 4-20 (the oracle's own copy). */
#define SDM_P (1ull << 0)      /* present */
#define SDM_RW (1ull << 1)     /* read/write */
#define SDM_US (1ull << 2)     /* user/supervisor */
#define SDM_PWT (1ull << 3)    /* page-level write-through */
#define SDM_PCD (1ull << 4)    /* page-level cache disable */
#define SDM_A (1ull << 5)      /* accessed */
#define SDM_D (1ull << 6)      /* dirty (leaves) */
#define SDM_PS (1ull << 7)     /* page size (L3, L2); PAT in an L1 entry */
#define SDM_G (1ull << 8)      /* global (leaves) */
#define SDM_PAT2M (1ull << 12) /* PAT of a 2 MiB or 1 GiB leaf */
#define SDM_XD (1ull << 63)    /* execute-disable (EFER.NXE=1) */
#define SDM_PK_SHIFT 59	       /* bits 62:59: protection key (CR4.PKE/PKS) */

/* A machine as the walker sees it. */
struct mw_machine {
	/* the 512 entries of the 4 KiB frame at physical address pa (a RAM
	 * frame: the walker asks only for frames typed as PTPs) */
	const uint64_t *(*table)(void *ctx, uint64_t pa);
	void *ctx;
	const struct nk_frame *frames; /* nk's frame table: only .type is read */
	uint64_t nframes;
	uint64_t master_l4; /* physical */
	/* virtual range of the direct map: its leaves are not counted (spec 4:
	 * the counters count mappings outside the direct map); size 0: none */
	uint64_t dmap_base, dmap_bytes;
	unsigned maxphyaddr; /* CPUID.80000008H:EAX[7:0] */
};

/* What the counters must be: arrays of nframes (per frame) and nframes/512
 * (per 2 MiB) the caller owns. wcount: 4 KiB leaf entries with R/W=1 to
 * the frame (the entry's own bit: a parent's R/W may be set later without
 * the leaf being written again); maps: 4 KiB leaf entries to it; refs:
 * present non-leaf entries pointing to it; huge: 2 MiB and 1 GiB leaves
 * covering the 2 MiB; nondata: frames of the 2 MiB not typed DATA.
 * seen: per frame, the level (1..4) it was reached at as a PTP, 0 none. */
struct mw_counts {
	uint32_t *wcount, *maps, *refs, *huge, *nondata;
	uint8_t *seen;
	uint64_t i1_bad; /* entries leading to a frame not a PTP of the level below */
	uint64_t i9_bad; /* L4 kernel-half entries differing from the master's */
	uint64_t rsvd;	 /* present entries with a reserved bit (SDM 4.5) */
	uint64_t bad_pa; /* where the first of those was seen */
};

/* One translation (SDM 4.5, 4.6): whether va maps, the byte's physical
 * address, the level of the leaf (1: 4 KiB, 2: 2 MiB, 3: 1 GiB), and the
 * rights over every level: W and U need every entry's bit, X needs no XD.
 * rsvd: the walk met a reserved bit (a #PF with RSVD=1); i1: it went
 * through a frame that is not a PTP of that level (I1 broken). */
struct mw_xlate {
	bool present, rsvd, i1, w, u, x;
	unsigned level;
	uint64_t pa;
};

/* mw_addr_mask: bits 12..maxphyaddr-1, the address field of any entry. */
uint64_t mw_addr_mask(const struct mw_machine *m);

/* mw_rsvd_bits: the reserved bits of a present entry at level (1..4)
 * (SDM tables 4-15 to 4-20): MAXPHYADDR..51 everywhere, PS in an L4,
 * 20:13 in a 2 MiB leaf, 29:13 in a 1 GiB leaf. */
uint64_t mw_rsvd_bits(const struct mw_machine *m, unsigned level, uint64_t e);

/* mw_leaf: whether a present entry at level maps a page (L1, or PS at L3/L2). */
bool mw_leaf(unsigned level, uint64_t e);

/* mw_frame: the physical base the entry names: 4 KiB frame for a non-leaf
 * or L1 entry, the 2 MiB / 1 GiB base for a leaf at L2 / L3. */
uint64_t mw_frame(const struct mw_machine *m, unsigned level, uint64_t e);

/* mw_translate: walk va from the L4 at physical l4 into *t. */
void mw_translate(const struct mw_machine *m, uint64_t l4, uint64_t va, struct mw_xlate *t);

/* mw_recount: recount every counter from the tables: every declared L4 (and
 * the master's kernel half once), then every declared PTP not reached from
 * one (its entries count too). */
void mw_recount(const struct mw_machine *m, struct mw_counts *c);

/* mw_entry_delta: add sign (+1/-1) times what entry e of a level-`level`
 * PTP outside the direct map holds to c (an update's shadow). */
void mw_entry_delta(const struct mw_machine *m, struct mw_counts *c, unsigned level, uint64_t e,
		    int sign);

/* mw_compare_frame: whether frame pfn's counters (and its 2 MiB's) in nk's
 * tables equal c's; *what names the first that differs. */
bool mw_compare_frame(const struct mw_machine *m, const struct mw_counts *c,
		      const struct nk_frame *f, const struct nk_frame2m *f2m, uint64_t pfn,
		      const char **what);

/* mw_compare: how many frames (and 2 MiB ranges) differ; *first_pfn and
 * *what the first. */
uint64_t mw_compare(const struct mw_machine *m, const struct mw_counts *c, const struct nk_frame *f,
		    const struct nk_frame2m *f2m, uint64_t *first_pfn, const char **what);
#endif
