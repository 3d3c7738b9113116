/* nk_multicall's state and shadow (nk-private; nk/multicall.c drives it,
 * nk/vmmu.c and nk/region.c decode and perform the operations of their
 * kind). Spec section 5; include/nk/vmmu.h (nk_multicall).
 *
 * The shadow is kept in place: while a list is decoded, each operation's
 * effect on the state later operations' checks read (frame types, flags
 * and counters, the 2 MiB counts, the loaded CR3, a region's policy state)
 * is applied to nk's own tables, every store logged in an undo log; after
 * the last operation (or the first refused one) the log is undone in
 * reverse, leaving the tables exactly as they were, and only then, if
 * every operation passed, are the operations performed for real. No PTP
 * entry, CPU register or device table changes while decoding, and no outer
 * code runs in between (interrupts are off). Stores whose values no later
 * operation of the list can check are skipped: a counter is checked only
 * by a declare (wcount, huge_maps) or a remove (refs) of the frame (its 2
 * MiB region) itself, so only the frames and regions those operations
 * name are watched (MC_WATCH, set at copy-in), and only while such an
 * operation is still to come.
 *
 * A PTP entry's value as the earlier operations leave it (needed for the
 * counters of the entry it replaces) is its last write in the list, found
 * through a per-PTP table of the operation that last wrote each index;
 * the tables are never cleared: an entry counts only when the operation
 * it names is an earlier write to the same PTP and index (a sparse set). */
#ifndef NK_MC_H
#define NK_MC_H

#include "nk.h"
#include <nk/region.h>

#define NK_MC_UNDO 2048u       /* logged stores per list */
#define NK_MC_PTPS 32u	       /* PTPs with entries written, per list (when counters matter) */
#define NK_MC_REGIONS 8u       /* regions with policy state written, per list */
#define NK_MC_RM_ENTRIES 2048u /* present entries of removed PTPs kept for the perform */
#define MC_RM_SCAN 0xffffu     /* rm_n: the perform scans the PTP itself */
#define MC_DECLARED 0x8000u    /* nk_frame.spare: declared in this list (entries all 0) */
#define MC_WATCH                                                                                   \
	0x4000u		   /* nk_frame.spare, nk_frame2m.spare: a declare or remove of             \
			    * the list names it (its counters are kept in the shadow) */
#define MC_REMOVED 0x2000u /* nk_frame.spare: removed by the list lazily (flags: its level) */
#define MC_LOGGED                                                                                  \
	0x1000u		   /* nk_frame.spare, nk_frame2m.spare: its bytes are in the undo log      \
			    * (mc_frame, mc_f2m) */
#define MC_RMNAMED 0x0800u /* nk_frame.spare: a remove of the list names it (reads its entries) */
#define MC_WTAB 0x07ffu	   /* nk_frame.spare: 1 + its write table, 0 for none */
/* nk_frame.spare: the bits a declare or remove of the frame keeps (what
 * the list names, what is logged) */
#define MC_KEEP (MC_WATCH | MC_RMNAMED | MC_LOGGED)

struct mc_undo {
	uint64_t *p; /* an aligned word of nk memory */
	uint64_t old;
};

struct nk_mc {
	struct nk_op ops[NK_MC_MAX];  /* the copy-in of the list */
	uint32_t data_off[NK_MC_MAX]; /* NK_OP_WRITE: its bytes at data[data_off] */
	uint8_t data[NK_MC_DATA_BYTES];
	size_t count;
	size_t copied; /* operations [0, copied) copied in; the next one was refused ... */
	long copy_err; /* ... with this error */
	long last_declare, last_remove; /* index of the list's last of each, -1 if none */
	uint16_t watch_late[NK_MC_MAX]; /* removes watched once the list is known to declare */
	struct mc_undo undo[NK_MC_UNDO];
	size_t nundo;
	bool full;		  /* a store did not fit the undo log (it was not made) */
	uint32_t nlazy;		  /* PTPs removed without reading their entries (MC_REMOVED) */
	uint16_t rm_n[NK_MC_MAX]; /* a remove's present entries kept (at data_off), or MC_RM_SCAN */
	pte_t rm_ent[NK_MC_RM_ENTRIES];
	uint32_t nrm_ent;
	uint16_t wtab[NK_MC_PTPS][PTES_PER_PTP]; /* op index of the last write per entry */
	uint32_t wtab_start[NK_MC_PTPS];	 /* the table's first write */
	size_t nwtab;
	long region_id[NK_MC_REGIONS]; /* regions whose policy state was advanced ... */
	struct nk_region region_saved[NK_MC_REGIONS]; /* ... and their state before */
	size_t nregions;
};

/* mc_log: log the aligned 8-byte word holding p (a field of at most 8
 * bytes, naturally aligned) before a store there; false (and m->full)
 * when the log is full: then the store must not be made. The undo puts
 * the words back newest first, so a word logged twice ends as it was. */
static inline bool mc_log(struct nk_mc *m, void *p)
{
	if (m->nundo == NK_MC_UNDO) {
		m->full = true;
		return false;
	}
	struct mc_undo *u = &m->undo[m->nundo++];
	u->p = (uint64_t *)((uintptr_t)p & ~(uintptr_t)7);
	u->old = *u->p;
	return true;
}

/* MC_SET: lvalue := v, logged (not made when the log is full). */
#define MC_SET(m, lv, v)                                                                           \
	do {                                                                                       \
		if (mc_log((m), &(lv)))                                                            \
			(lv) = (v);                                                                \
	} while (0)

/* mc_frame: log frame f's 16 bytes on its first store in the list (then
 * MC_LOGGED in its spare, itself inside the logged bytes, says so and its
 * later stores need no log); false (and m->full) when the log is full. */
static inline bool mc_frame(struct nk_mc *m, struct nk_frame *f)
{
	_Static_assert(sizeof(struct nk_frame) == 16, "two logged words");
	if (f->spare & MC_LOGGED)
		return true;
	if (m->nundo + 2 > NK_MC_UNDO) {
		m->full = true;
		return false;
	}
	uint64_t *w = (uint64_t *)(void *)f;
	m->undo[m->nundo++] = (struct mc_undo){.p = &w[0], .old = w[0]};
	m->undo[m->nundo++] = (struct mc_undo){.p = &w[1], .old = w[1]};
	f->spare |= MC_LOGGED;
	return true;
}

/* mc_f2m: mc_frame for a 2 MiB region's counters (one word). */
static inline bool mc_f2m(struct nk_mc *m, struct nk_frame2m *h)
{
	_Static_assert(sizeof(struct nk_frame2m) == 8, "one logged word");
	if (h->spare & MC_LOGGED)
		return true;
	if (!mc_log(m, h))
		return false;
	h->spare |= MC_LOGGED;
	return true;
}

/* MC_SETF / MC_SETH: field := v of frame f / 2 MiB region h, logged once
 * per list (not made when the log is full). A store to spare keeps
 * MC_LOGGED. */
#define MC_SETF(m, f, field, v)                                                                    \
	do {                                                                                       \
		if (mc_frame((m), (f)))                                                            \
			(f)->field = (v);                                                          \
	} while (0)
#define MC_SETH(m, h, field, v)                                                                    \
	do {                                                                                       \
		if (mc_f2m((m), (h)))                                                              \
			(h)->field = (v);                                                          \
	} while (0)

/* The vMMU kinds (nk/vmmu.c). nk_mc_decode_vmmu: decode operation k of
 * m->ops (a declare, remove or CR3 load) against the shadow and apply its
 * effects to it; 0 or -NK_E*. nk_mc_perform_vmmu: perform operation k
 * (decoded); cannot fail; returns whether the TLB must be flushed (I10).
 * nk_mc_vmmu_end: the flush. */
/* nk_mc_watch: mark (MC_WATCH, logged) the frame and 2 MiB region that
 * declare or remove k names, before the list's decode. */
void nk_mc_watch(struct nk_mc *m, size_t k);
long nk_mc_decode_vmmu(struct nk_mc *m, size_t k);
bool nk_mc_perform_vmmu(const struct nk_mc *m, size_t k);
void nk_mc_vmmu_end(bool flush);
/* nk_mc_declare_early: before the perform of a decoded list, make the
 * direct-map entry of every frame it declares read-only, and shoot them
 * down from the other CPUs once (nk_shoot(NK_ROOT_ALL)) instead of once
 * per declare; each declare then shoots down again only if its entry is
 * writable once more or an earlier update of the list removed a right
 * (perform_declare). No-op on one CPU. Source: spec I10; issue 17. */
void nk_mc_declare_early(const struct nk_mc *m);
/* nk_mc_decode_ptes: decode the run of NK_OP_WRITE_PTE operations from k
 * (before end), as nk_mc_decode_vmmu would each; returns the index after
 * the run, or of the refused one (*r its error). nk_mc_perform_ptes:
 * perform the run from k (counting it); returns the index after it. */
size_t nk_mc_decode_ptes(struct nk_mc *m, size_t k, size_t end, long *r);
size_t nk_mc_perform_ptes(const struct nk_mc *m, size_t k, bool *flush);

/* NK_OP_WRITE (nk/region.c). nk_mc_decode_write: decode write k (its
 * bytes already copied to m->data) against the regions' state the earlier
 * writes leave; 0 or -NK_E*. nk_mc_perform_write: perform it, its
 * write-log record naming caller_rip and the op's tag; cannot fail.
 * nk_mc_restore_regions: undo the policy state the decode advanced.
 * nk_mc_write_refused: count a refusal of write k on its region. */
long nk_mc_decode_write(struct nk_mc *m, size_t k);
/* nk_mc_write_static: the checks of write k no earlier operation can
 * change, in nk_write's order: NK_EREGION, NK_EZERO, NK_EBOUNDS. */
long nk_mc_write_static(const struct nk_mc *m, size_t k);
void nk_mc_perform_write(const struct nk_mc *m, size_t k, uint64_t caller_rip);
void nk_mc_restore_regions(struct nk_mc *m);
void nk_mc_write_refused(const struct nk_mc *m, size_t k);

#endif
