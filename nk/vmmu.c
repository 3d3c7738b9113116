/* The vMMU's page-table calls: declare/remove PTP, write PTE(s), load CR3.
 * Each call is a decode half that validates and changes nothing, then a
 * perform half that cannot fail (style.md; seL4). Every check is O(1) per
 * entry, using the frame table's counters (spec section 4).
 * Source: spec sections 3-5; paper section 4.2; SDM Vol. 3A 4.5, 4.10. */
#include "nk.h"

static inline struct nk_frame *frame_at(paddr_t pa)
{
	return &nk.frames[pa_pfn(pa)];
}

static inline pte_t *ptp_entries(paddr_t ptp)
{
	return arch_pa_va(ptp);
}

/* Whether physical 4 KiB frame pfn is RAM nk tracks. */
static inline bool pfn_is_ram(uint64_t pfn)
{
	return pfn < nk.nframes && nk.frames[pfn].type != NK_F_HOLE;
}

/* Apply delta (+1/-1) to the counters an entry of a level-`level` PTP holds. */
static void account(pte_t e, unsigned level, int delta)
{
	if (!pte_present(e))
		return;
	uint64_t pfn = pa_pfn(pte_frame(e, level));
	if (!pte_is_leaf(e, level)) {
		nk.frames[pfn].refs += (uint32_t)delta;
		return;
	}
	if (level == 2) {
		if (pfn < nk.nframes)
			nk.f2m[pfn / PTES_PER_PTP].huge_maps += (uint32_t)delta;
		return;
	}
	if (!pfn_is_ram(pfn))
		return;
	nk.frames[pfn].maps += (uint32_t)delta;
	if (pte_writable(e))
		nk.frames[pfn].wcount += (uint32_t)delta;
}

/* Decode: may entry `e` stand in a PTP of `level` and half `khalf`? */
static long validate_entry(pte_t e, unsigned level, bool khalf)
{
	if (!pte_present(e))
		return 0;
	if ((e & PTE_HIGH_RESERVED) || (e & PTE_ADDR_4K) >= nk.phys_limit)
		return -NK_ERESERVED;
	if (e & PTE_G)
		return -NK_EGLOBAL;
	if (pte_user(e) == khalf)
		return -NK_EHALF;
	bool sup_exec = !pte_user(e) && !pte_nx(e);

	if (!pte_is_leaf(e, level)) {
		if (level == 4 && (e & PTE_PS))
			return -NK_ERESERVED;
		uint64_t pfn = pa_pfn(pte_frame(e, level));
		if (!pfn_is_ram(pfn) || !nk_ptp_level(nk.frames[pfn].type))
			return -NK_ENOTPTP;
		if (nk_ptp_level(nk.frames[pfn].type) != level - 1)
			return -NK_EWRONGLEVEL;
		if (!!(nk.frames[pfn].flags & NK_FF_KHALF) != khalf)
			return -NK_EHALF;
		if (nk.frames[pfn].flags & NK_FF_PINNED)
			return -NK_EPINNED; /* nk's own tables are linked only by nk */
		if (nk.frames[pfn].refs >= UINT32_MAX - NK_BATCH_MAX)
			return -NK_EOVERFLOW;
		return 0;
	}
	if (level == 3)
		return -NK_EHUGE; /* 1 GiB pages are nk's alone */
	if (level == 2) {
		/* bits 13-20 of a 2 MiB leaf are reserved (SDM table 4-18) */
		if (e & 0x1fe000ull)
			return -NK_ERESERVED;
		uint64_t pfn = pa_pfn(pte_frame(e, 2));
		if (pfn < nk.nframes && nk.f2m[pfn / PTES_PER_PTP].nondata)
			return -NK_EHUGE;
		if (sup_exec)
			return -NK_EEXEC;
		if (pfn < nk.nframes && nk.f2m[pfn / PTES_PER_PTP].huge_maps >= UINT32_MAX - NK_BATCH_MAX)
			return -NK_EOVERFLOW;
		return 0;
	}
	uint64_t pfn = pa_pfn(pte_frame(e, 1));
	if (!pfn_is_ram(pfn))
		return sup_exec ? -NK_EEXEC : 0; /* MMIO: never kernel-executable */
	const struct nk_frame *f = &nk.frames[pfn];
	if (pte_writable(e) && f->type != NK_F_DATA)
		return -NK_EPROT;
	if (sup_exec && f->type != NK_F_CODE)
		return -NK_EEXEC;
	if (f->wcount >= UINT32_MAX - NK_BATCH_MAX || f->maps >= UINT32_MAX - NK_BATCH_MAX)
		return -NK_EOVERFLOW;
	return 0;
}

/* Decode one PTE write (no state change). */
static long validate_write(paddr_t ptp, uint64_t index, pte_t e)
{
	long r = nk_frame_ok(ptp);
	if (r)
		return r;
	const struct nk_frame *f = frame_at(ptp);
	unsigned level = nk_ptp_level(f->type);
	if (!level)
		return -NK_ETYPE;
	if (index >= PTES_PER_PTP)
		return -NK_EINDEX;
	if (f->flags & NK_FF_PINNED)
		return -NK_EPINNED;
	if (level == 4 && index >= PTES_PER_PTP / 2)
		return -NK_EKERNHALF;
	return validate_entry(e, level, f->flags & NK_FF_KHALF);
}

/* Perform one validated write; cannot fail. */
static void perform_write(paddr_t ptp, uint64_t index, pte_t e)
{
	unsigned level = nk_ptp_level(frame_at(ptp)->type);
	pte_t *slot = &ptp_entries(ptp)[index];
	pte_t old = *slot;

	account(old, level, -1);
	account(e, level, +1);
	*slot = e;
	if (pte_needs_flush(old, e))
		nk.flush_pending = true;
	nk_view_store.stats.ptes_written++;
}

static void flush_if_pending(void)
{
	if (nk.flush_pending) {
		arch_flush_tlb();
		nk.flush_pending = false;
		nk_view_store.stats.tlb_flushes++;
	}
}

long nk_write_pte_impl(paddr_t ptp, unsigned index, pte_t pte)
{
	long r = validate_write(ptp, index, pte);
	if (r == 0) {
		perform_write(ptp, index, pte);
		flush_if_pending();
	}
	return nk_count(NK_CALL_WRITE_PTE, r);
}

/* Validation of one update in a batch does not depend on the others: writes
 * change no frame's type, flags or level, and the overflow margins are a
 * whole batch wide. So validating every update against the state before
 * the batch equals validating each against the state the earlier ones
 * leave. */
long nk_write_ptes_impl(const struct nk_pte_write *w, size_t count)
{
	long r = 0;
	if (!w || count == 0 || count > NK_BATCH_MAX)
		r = -NK_EBATCH;
	else if (!arch_kernel_readable(w, count * sizeof(*w)))
		r = -NK_EFAULT;
	if (r)
		return nk_count(NK_CALL_WRITE_PTES, r);

	/* copy each update before validating it: what is validated is what
	 * is performed, whatever the outer array holds later */
	for (size_t i = 0; i < count; i++) {
		nk.batch[i] = w[i];
		r = validate_write(nk.batch[i].ptp, nk.batch[i].index, nk.batch[i].pte);
		if (r)
			return nk_count(NK_CALL_WRITE_PTES, r);
	}
	for (size_t i = 0; i < count; i++)
		perform_write(nk.batch[i].ptp, nk.batch[i].index, nk.batch[i].pte);
	flush_if_pending();
	return nk_count(NK_CALL_WRITE_PTES, 0);
}

/* Set frame pfn's direct-map entry writable or read-only, and flush it. */
void nk_dm_set_writable(uint64_t pfn, bool w)
{
	if (w)
		nk.dm_ptes[pfn] |= PTE_W;
	else
		nk.dm_ptes[pfn] &= ~PTE_W;
	arch_invlpg(DIRECT_MAP_BASE + (pfn << PAGE_SHIFT));
}

long nk_declare_ptp_impl(paddr_t frame, unsigned level)
{
	unsigned lv = level & 0xff, fl = level & ~0xffu;
	long r = nk_frame_ok(frame);
	if (r)
		goto out;
	r = -NK_ELEVEL;
	if (lv < 1 || lv > 4 || (fl & ~NK_PTP_KERNEL) || (lv == 4 && fl))
		goto out;
	r = nk_frame_retypable(pa_pfn(frame));
	if (r)
		goto out;
	struct nk_frame *f = frame_at(frame);

	/* perform */
	r = 0;
	nk_dm_set_writable(pa_pfn(frame), false);
	pte_t *t = ptp_entries(frame);
	nk_memset(t, 0, PAGE_SIZE);
	if (lv == 4) {
		pte_t *m = ptp_entries(nk.master_l4);
		nk_memcpy(&t[256], &m[256], 256 * sizeof(pte_t));
	}
	nk_set_type(pa_pfn(frame), (enum nk_ftype)(NK_F_PTP1 + lv - 1));
	f->flags = (fl & NK_PTP_KERNEL) ? NK_FF_KHALF : 0;
	f->refs = 0;
out:
	return nk_count(NK_CALL_DECLARE_PTP, r);
}

long nk_remove_ptp_impl(paddr_t frame)
{
	long r = nk_frame_ok(frame);
	if (r)
		goto out;
	struct nk_frame *f = frame_at(frame);
	unsigned level = nk_ptp_level(f->type);
	r = -NK_ETYPE;
	if (!level)
		goto out;
	r = -NK_EPINNED;
	if (f->flags & NK_FF_PINNED)
		goto out;
	r = -NK_EINUSE;
	if (f->refs)
		goto out;
	r = -NK_ELOADED;
	for (int c = 0; c < NK_CPUS; c++)
		if (pa_addr(nk.cur_cr3[c]) == pa_addr(frame))
			goto out;

	/* perform: drop what its entries held (an L4's kernel half is the
	 * master's and was never counted) */
	r = 0;
	pte_t *t = ptp_entries(frame);
	unsigned n = level == 4 ? PTES_PER_PTP / 2 : PTES_PER_PTP;
	for (unsigned i = 0; i < n; i++)
		account(t[i], level, -1);
	nk_set_type(pa_pfn(frame), NK_F_DATA);
	f->flags = 0;
	nk_dm_set_writable(pa_pfn(frame), true);
out:
	return nk_count(NK_CALL_REMOVE_PTP, r);
}

long nk_load_cr3_impl(paddr_t l4)
{
	long r = nk_frame_ok(l4);
	if (r == 0 && frame_at(l4)->type != NK_F_PTP4)
		r = -NK_ETYPE;
	if (r == 0) {
		arch_write_cr3(pa_addr(l4));
		nk.cur_cr3[0] = l4;
		nk.flush_pending = false;
	}
	return nk_count(NK_CALL_LOAD_CR3, r);
}
