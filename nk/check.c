/* The invariant checker: I1-I4, I7-I9 and I11 of spec section 3 as C predicates
 * over the page tables and the frame table. O(RAM + PTPs * 512): run by
 * tests and the `check` command, never on a hot path.
 * Source: spec section 3; SDM Vol. 3A 4.5 (entry formats), 4.6 (rights). */
#include "nk.h"

static struct nk_check_report *rep(void)
{
	return &nk_view_store.check;
}

void nk_check_fail(int inv, uint64_t pa, const char *msg)
{
	struct nk_check_report *r = rep();
	if (r->failures[inv]++ || r->first_msg[0])
		return;
	r->first_bad_pa = pa;
	char *d = r->first_msg, *end = d + sizeof(r->first_msg) - 1;
	*d++ = 'I';
	if (inv >= 10)
		*d++ = (char)('0' + inv / 10);
	*d++ = (char)('0' + inv % 10);
	for (const char *s = ": "; *s;)
		*d++ = *s++;
	while (*msg && d < end)
		*d++ = *msg++;
	*d = 0;
}

/* Whether kernel-half entry e (of a level-`level` PTP with flags, to
 * frame pfn) is one of the U entries on the way to nk's gated page
 * (nk/priv.asm, nk/boot_tables.c): in nk's own tables, to a PTP of nk's
 * own, or the read-only leaf of the gated page itself. */
static bool priv_path(uint8_t flags, unsigned level, pte_t e, uint64_t pfn)
{
	if (!(flags & NK_FF_PINNED) || (level != 4 && !(flags & NK_FF_KHALF)) || !pte_user(e) ||
	    pfn >= nk.nframes)
		return false;
	if (!pte_is_leaf(e, level))
		return nk_ptp_level(nk.frames[pfn].type) && (nk.frames[pfn].flags & NK_FF_PINNED);
	return level == 1 && pfn == nk.priv_pfn && nk.priv_pfn && !pte_writable(e);
}

/* One entry of PTP `ptp` (level `level`, half `khalf`, flags): I1, I2, I4. */
static void check_entry(uint64_t ptp_pfn, unsigned level, uint8_t flags, unsigned idx, pte_t e)
{
	uint64_t where = (ptp_pfn << PAGE_SHIFT) + idx * sizeof(pte_t);
	bool khalf = flags & NK_FF_KHALF;
	bool user_ok = level == 4 && idx >= 256 ? !pte_user(e) : pte_user(e) != khalf;

	if (!pte_present(e))
		return;
	uint64_t pfn = pa_pfn(pte_frame(e, level));
	if (!user_ok && !priv_path(flags, level, e, pfn))
		nk_check_fail(1, where, "entry's U bit does not match its half");
	bool ram = pfn < nk.nframes && nk.frames[pfn].type != NK_F_HOLE;
	if (!pte_is_leaf(e, level)) {
		if (!ram || nk_ptp_level(nk.frames[pfn].type) != level - 1)
			nk_check_fail(1, where,
				      "non-leaf entry to a frame not a PTP one level down");
		else {
			bool ckhalf = nk.frames[pfn].flags & NK_FF_KHALF;
			bool want = level == 4 ? idx >= 256 : khalf;
			if (ckhalf != want)
				nk_check_fail(1, where, "non-leaf entry crosses halves");
			uint32_t par = nk.ptp_parent[pfn];
			if (par != NK_PARENT_MANY && par != ptp_pfn + 1)
				nk_check_fail(1, where,
					      "PTP's recorded parent is not the PTP linking it");
			nk.scratch[pfn]++;
		}
		return;
	}
	bool sup_exec = !pte_user(e) && !pte_nx(e);
	if (level == 3 && !(flags & NK_FF_PINNED))
		nk_check_fail(2, where, "1 GiB leaf outside nk's tables");
	if (level == 2) {
		if (pfn < nk.nframes && nk.f2m[pfn / PTES_PER_PTP].nondata)
			nk_check_fail(2, where, "2 MiB leaf covers a non-DATA frame");
		if (sup_exec)
			nk_check_fail(4, where, "supervisor-executable 2 MiB leaf");
		return;
	}
	if (!ram) {
		if (sup_exec)
			nk_check_fail(4, where, "supervisor-executable MMIO");
		return;
	}
	uint8_t t = nk.frames[pfn].type;
	if (pte_writable(e) && t != NK_F_DATA)
		nk_check_fail(2, where, "writable mapping of a PTP, nk, CODE or protected frame");
	if (sup_exec && !(t == NK_F_CODE || (t == NK_F_NK && (flags & NK_FF_PINNED))))
		nk_check_fail(4, where, "supervisor-executable mapping of a non-CODE frame");
	if (sup_exec && pte_writable(e))
		nk_check_fail(4, where, "writable and executable");
	if (pte_writable(e) && !(flags & NK_FF_DMAP))
		nk.scratch[pfn]++;
}

/* Count every frame's 4 KiB leaf mappings outside the direct map into
 * scratch; adopt them as the frames' `maps` counters, or check them (I1:
 * counters agree with the tables; nk_demote_code relies on them, I4). */
static void count_maps(bool adopt)
{
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++)
		nk.scratch[pfn] = 0;
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		const struct nk_frame *f = &nk.frames[pfn];
		if (f->type != NK_F_PTP1 || (f->flags & NK_FF_DMAP))
			continue;
		const pte_t *t = arch_pa_va(pa_from_pfn(pfn));
		for (unsigned i = 0; i < PTES_PER_PTP; i++) {
			if (!pte_present(t[i]))
				continue;
			uint64_t p = pa_pfn(pte_frame(t[i], 1));
			if (p < nk.nframes && nk.frames[p].type != NK_F_HOLE)
				nk.scratch[p]++;
		}
	}
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		if (adopt)
			nk.frames[pfn].maps = nk.scratch[pfn];
		else if (nk.frames[pfn].maps != nk.scratch[pfn])
			nk_check_fail(1, pfn << PAGE_SHIFT,
				      "frame's mapping counter disagrees with the tables");
	}
}

/* I1, I2, I4: every entry of every declared PTP; then the counters. */
static void check_tables(void)
{
	const pte_t *master = arch_pa_va(nk.master_l4);

	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++)
		nk.scratch[pfn] = 0;
	/* pass 1: references (non-leaf) and writable leaves */
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		const struct nk_frame *f = &nk.frames[pfn];
		unsigned level = nk_ptp_level(f->type);
		if (!level)
			continue;
		const pte_t *t = arch_pa_va(pa_from_pfn(pfn));
		bool is_master = pfn == pa_pfn(nk.master_l4);
		for (unsigned i = 0; i < PTES_PER_PTP; i++) {
			if (level == 4 && i >= 256 && !is_master) {
				if (t[i] != master[i])
					nk_check_fail(9, (pfn << PAGE_SHIFT) + i * 8,
						      "L4 kernel half differs from the master L4");
				continue;
			}
			check_entry(pfn, level, f->flags, i, t[i]);
			/* I1: a remove reads only the groups in the PTP's set */
			if (pte_present(t[i]) && !(nk.ptp_groups[pfn] & nk_ptp_group_bit(i)))
				nk_check_fail(1, (pfn << PAGE_SHIFT) + i * 8,
					      "present entry outside its PTP's group set");
		}
	}
	/* counters: refs and wcount must equal what the tables hold */
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		const struct nk_frame *f = &nk.frames[pfn];
		uint32_t want = nk_ptp_level(f->type) ? f->refs : f->wcount;
		if (nk.scratch[pfn] != want)
			nk_check_fail(1, pfn << PAGE_SHIFT,
				      "frame table counter disagrees with the tables");
		if ((!nk_ptp_level(f->type) || f->refs == 0) &&
		    nk.ptp_parent[pfn] != NK_PARENT_NONE)
			nk_check_fail(1, pfn << PAGE_SHIFT, "unlinked frame records a parent PTP");
		/* the direct map: writable exactly for DATA not kept read-only
		 * (NK_FF_DMRO: a removed PTP kept for reuse; I2) */
		if (f->type != NK_F_HOLE && nk.dm_ptes) {
			pte_t d = nk.dm_ptes[pfn];
			bool w = f->type == NK_F_DATA && !(f->flags & NK_FF_DMRO);
			if (pte_writable(d) != w && nk_view_store.nested)
				nk_check_fail(2, pfn << PAGE_SHIFT,
					      "direct-map alias has the wrong rights");
			if (!pte_nx(d))
				nk_check_fail(4, pfn << PAGE_SHIFT, "direct map is executable");
		}
	}
	for (int c = 0; c < NK_CPUS; c++) {
		if (c > 0 && (uint32_t)c >= nk.ncpus)
			continue; /* no such CPU */
		if (nk_frame_ok(nk.cur_cr3[c]) ||
		    nk.frames[pa_pfn(nk.cur_cr3[c])].type != NK_F_PTP4)
			nk_check_fail(1, pa_addr(nk.cur_cr3[c]), "CR3 is not a declared L4");
	}
}

long nk_check_invariants_impl(void)
{
	struct nk_check_report *r = rep();
	uint32_t runs = r->runs + 1;
	nk_memset(r, 0, sizeof(*r));
	r->runs = runs;
	check_tables();
	count_maps(false);
	nk_check_regions();
	nk_check_iommu();
	arch_check_cpu();
	long bad = 0;
	for (int i = 1; i <= NK_INV_MAX; i++)
		if (r->failures[i])
			bad = -1;
	nk_count(NK_CALL_CHECK, 0);
	return bad;
}

/* adopt_parents: record the parent of every PTP the tables link (boot's
 * tables: nk.ptp_parent), as account_link would have. */
static void adopt_parents(void)
{
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++)
		nk.ptp_parent[pfn] = NK_PARENT_NONE;
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		unsigned level = nk_ptp_level(nk.frames[pfn].type);
		if (level < 2)
			continue;
		const pte_t *t = arch_pa_va(pa_from_pfn(pfn));
		bool foreign_half = level == 4 && pfn != pa_pfn(nk.master_l4);
		for (unsigned i = 0; i < (foreign_half ? 256u : PTES_PER_PTP); i++) {
			if (!pte_present(t[i]) || pte_is_leaf(t[i], level))
				continue;
			uint64_t c = pa_pfn(pte_frame(t[i], level));
			if (c >= nk.nframes)
				continue;
			uint32_t *p = &nk.ptp_parent[c];
			*p = *p == NK_PARENT_NONE || *p == pfn + 1 ? (uint32_t)pfn + 1
								   : NK_PARENT_MANY;
		}
	}
}

void nk_adopt_counts(void)
{
	struct nk_check_report *r = rep();
	nk_memset(r, 0, sizeof(*r));
	adopt_parents();
	check_tables();
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++) {
		struct nk_frame *f = &nk.frames[pfn];
		if (nk_ptp_level(f->type))
			f->refs = nk.scratch[pfn];
		else
			f->wcount = nk.scratch[pfn];
	}
	count_maps(true);
	nk_memset(r, 0, sizeof(*r));
}
