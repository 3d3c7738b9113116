/* The vMMU's page-table calls: declare/remove PTP, write PTE(s), load CR3.
 * Each call is a decode half that validates and changes nothing, then a
 * perform half that cannot fail (style.md; seL4). Every check is O(1) per
 * entry, using the frame table's counters (spec section 4).
 *
 * The PTE writes are the hot path (bench.md): a PTP is decoded once for a
 * run of updates to it (struct ptp_run), a 4 KiB leaf the common case
 * accepts is recognised by a few mask tests (leaf_fast_ok) before the full
 * decoder runs, and the frame counters cannot overflow, so there is no
 * overflow check per entry (NK_FRAMES_MAX).
 * Source: spec sections 3-5; paper section 4.2; SDM Vol. 3A 4.5, 4.10. */
#include "nk.h"
#include "mc.h"

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

/* Apply delta (+1/-1) to the counters a 4 KiB leaf (an L1 entry) holds. */
static inline void account_leaf(pte_t e, int delta)
{
	if (!pte_present(e))
		return;
	uint64_t pfn = pa_pfn(pte_frame(e, 1));
	if (!pfn_is_ram(pfn))
		return;
	nk.frames[pfn].maps += (uint32_t)delta;
	if (pte_writable(e))
		nk.frames[pfn].wcount += (uint32_t)delta;
}

/* A link from an entry of PTP parent to PTP child added (delta +1) or
 * dropped (-1): its refs, and its recorded parent (nk.ptp_parent). */
static inline void account_link(uint64_t child, uint64_t parent, int delta)
{
	struct nk_frame *f = &nk.frames[child];
	uint32_t *p = &nk.ptp_parent[child];
	uint32_t me = (uint32_t)parent + 1u;
	if (delta > 0)
		*p = f->refs == 0 || *p == me ? me : NK_PARENT_MANY;
	else if (f->refs == 1)
		*p = NK_PARENT_NONE;
	f->refs += (uint32_t)delta;
}

/* Apply delta (+1/-1) to the counters an entry of a level-`level` PTP
 * (frame ptp_pfn) holds. The counters cannot wrap: each counts entries of
 * PTPs, and there are at most nframes * 512 <= NK_FRAMES_MAX * 512 < 2^32
 * of those. */
static inline __attribute__((always_inline)) void account(pte_t e, unsigned level, int delta,
							  uint64_t ptp_pfn)
{
	if (level == 1) {
		account_leaf(e, delta);
		return;
	}
	if (!pte_present(e))
		return;
	uint64_t pfn = pa_pfn(pte_frame(e, level));
	if (!pte_is_leaf(e, level)) {
		account_link(pfn, ptp_pfn, delta);
		return;
	}
	if (level == 2 && pfn < nk.nframes)
		nk.f2m[pfn / PTES_PER_PTP].huge_maps += (uint32_t)delta;
}

/* Decode: may present entry `e` stand in a PTP of `level` and half
 * `khalf`? (A not-present entry always may: validate_update.) */
/* The fixed nk-owned ranges (frames): the first MiB (BIOS data, option
 * ROMs and the shadow of the reset vector, which the chipset's PAM
 * registers can make writable) and the firmware flash below 4 GiB: with
 * an INIT, code there runs outside nk. */
#define LEGACY_END_PFN 0x100ull
#define FLASH_START_PFN 0xffc00ull /* 4 GiB - 4 MiB */
#define FLASH_END_PFN 0x100000ull

bool nk_device_covered(uint64_t pfn, uint64_t n)
{
	if (pfn < LEGACY_END_PFN || (pfn + n > FLASH_START_PFN && pfn < FLASH_END_PFN))
		return true;
	for (uint32_t i = 0; i < nk.ndev; i++)
		if (nk.dev_pfns[i] - pfn < n)
			return true;
	return false;
}

static long validate_entry(pte_t e, unsigned level, bool khalf)
{
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
		return 0;
	}
	if (level == 3)
		return -NK_EHUGE; /* 1 GiB pages are nk's alone */
	if (level == 2) {
		/* bits 13-20 of a 2 MiB leaf are reserved (SDM table 4-18) */
		if (e & PTE_2M_RESERVED)
			return -NK_ERESERVED;
		uint64_t pfn = pa_pfn(pte_frame(e, 2));
		if (pfn < nk.nframes && nk.f2m[pfn / PTES_PER_PTP].nondata)
			return -NK_EHUGE;
		if (nk_device_covered(pfn, PTES_PER_PTP))
			return -NK_EDEVICE; /* a 2 MiB leaf beyond RAM over nk's device page */
		return sup_exec ? -NK_EEXEC : 0;
	}
	uint64_t pfn = pa_pfn(pte_frame(e, 1));
	if (!pfn_is_ram(pfn)) {
		if (nk_device_covered(pfn, 1))
			return -NK_EDEVICE;
		return sup_exec ? -NK_EEXEC : 0; /* MMIO: never kernel-executable */
	}
	const struct nk_frame *f = &nk.frames[pfn];
	if (pte_writable(e) && f->type != NK_F_DATA)
		return -NK_EPROT;
	if (sup_exec && f->type != NK_F_CODE)
		return -NK_EEXEC;
	return 0;
}

/* A PTP decoded once for a run of updates to it. */
struct ptp_run {
	paddr_t ptp;	      /* the PTP (4 KiB-aligned), or NO_RUN */
	pte_t *slots;	      /* its 512 entries, through nk's direct map */
	uint64_t index_limit; /* indices below it are writable: 512, 256 in an L4, 0 pinned */
	pte_t leaf_mask;      /* leaf_fast_ok: the bits it looks at ... */
	pte_t leaf_want;      /* ... and the values they must have */
	unsigned level;	      /* 1..4 */
	bool khalf;	      /* it maps the kernel half */
};

/* An address no decoded PTP has (PTPs are 4 KiB-aligned). */
#define NO_RUN pa_init(1)

/* leaf_fast_ok's bits for an L1 of the user half [0] and the kernel half
 * [1]: present, none of bits 52-62 or G, U as the half wants, and in the
 * kernel half XD (not kernel-executable). */
static const pte_t leaf_mask[2] = {PTE_P | PTE_HIGH_RESERVED | PTE_G | PTE_U,
				   PTE_P | PTE_HIGH_RESERVED | PTE_G | PTE_U | PTE_NX};
static const pte_t leaf_want[2] = {PTE_P | PTE_U, PTE_P | PTE_NX};

/* Decode PTP `ptp` into run: it must be a RAM frame of a PTP type. Errors:
 * NK_EALIGN, NK_ERANGE, NK_ETYPE (index and pinned checks are per update,
 * run->index_limit). Inlined: it runs once per nk_write_pte. */
static inline __attribute__((always_inline)) long ptp_decode(paddr_t ptp, struct ptp_run *run)
{
	long r = nk_frame_ok(ptp);
	if (r)
		return r;
	const struct nk_frame *f = frame_at(ptp);
	unsigned level = nk_ptp_level(f->type);
	if (!level)
		return -NK_ETYPE;
	bool khalf = f->flags & NK_FF_KHALF;
	run->ptp = ptp;
	run->slots = ptp_entries(ptp);
	run->level = level;
	run->khalf = khalf;
	run->index_limit = (f->flags & NK_FF_PINNED) ? 0
			   : level == 4		     ? PTES_PER_PTP / 2
						     : PTES_PER_PTP;
	/* only L1 entries take the fast path: PTE_HIGH_RESERVED is a value
	 * no entry accepted by the mask test can have */
	run->leaf_mask = leaf_mask[khalf];
	run->leaf_want = level == 1 ? leaf_want[khalf] : PTE_HIGH_RESERVED;
	return 0;
}

/* Decode: the index error of update `index` in run (index >= index_limit). */
static long index_error(const struct ptp_run *run, uint64_t index)
{
	if (index >= PTES_PER_PTP)
		return -NK_EINDEX;
	if (run->index_limit == 0)
		return -NK_EPINNED;
	return -NK_EKERNHALF;
}

/* A sufficient condition for validate_entry(e, 1, khalf) == 0 on a present
 * entry: the run's mask matches (so no reserved bit, not global, the right
 * half, not kernel-executable), the frame is tracked (pfn < nframes, so
 * below phys_limit: NK_FRAMES_MAX frames are under 2^36 bytes, the least
 * MAXPHYADDR nk accepts) and the entry maps a DATA frame, or a RAM frame
 * read-only (a HOLE frame may be an nk-owned device page). Anything it
 * does not accept goes to the full decoder, which decides. */
static inline bool leaf_fast_ok(const struct ptp_run *run, pte_t e)
{
	if ((e & run->leaf_mask) != run->leaf_want)
		return false;
	uint64_t pfn = pa_pfn(pte_frame(e, 1));
	if (pfn >= nk.nframes)
		return false;
	uint8_t t = nk.frames[pfn].type;
	return t == NK_F_DATA || (!pte_writable(e) && t != NK_F_HOLE);
}

/* Decode one update to a decoded PTP (no state change). */
static inline long validate_update(const struct ptp_run *run, uint64_t index, pte_t e)
{
	if (index >= run->index_limit)
		return index_error(run, index);
	if (!pte_present(e) || leaf_fast_ok(run, e))
		return 0;
	return validate_entry(e, run->level, run->khalf);
}

/* Perform one validated update; cannot fail (the caller puts its group in
 * the PTP's group set: add_groups). Returns whether the TLB must be
 * flushed for it (I10). */
static inline __attribute__((always_inline)) bool perform_update(const struct ptp_run *run,
								 uint64_t index, pte_t e)
{
	pte_t *slot = &run->slots[index];
	pte_t old = *slot;

	*slot = e;
	account(old, run->level, -1, pa_pfn(run->ptp));
	account(e, run->level, +1, pa_pfn(run->ptp));
	return pte_needs_flush(old, e);
}

/* add_groups: put the groups g (nk_ptp_group_bit of the indices a run
 * wrote) in the group set of the run's PTP; none when the run is empty. */
static inline void add_groups(const struct ptp_run *run, uint64_t g)
{
	if (g)
		nk.ptp_groups[pa_pfn(run->ptp)] |= g;
}

/* run_done: the end of a run of updates to one PTP: its groups into the
 * PTP's group set (add_groups), and, when an update removed a right, the
 * PTP noted for the shootdown (nk_shoot_note: which CPUs flush it too);
 * once per run, not per entry. */
static inline void run_done(const struct ptp_run *run, uint64_t g, bool removed)
{
	add_groups(run, g);
	if (removed)
		nk_shoot_note(pa_pfn(run->ptp));
}

/* Flush this CPU's TLB when an update removed a right, and every other
 * CPU's that may cache it (nk_shoot; I10). */
static void flush_if(bool needed)
{
	if (needed) {
		arch_flush_tlb();
		nk_view_store.stats.tlb_flushes++;
		nk_shoot(NK_ROOT_NONE);
	}
}

/* nk_write_pte's whole decode and perform, for every case (write_pte_fast
 * takes the common one). */
static __attribute__((noinline)) long write_pte_checked(paddr_t ptp, unsigned index, pte_t pte)
{
	struct ptp_run run;
	long r = ptp_decode(ptp, &run);
	if (r == 0)
		r = validate_update(&run, index, pte);
	if (r == 0) {
		bool removed = perform_update(&run, index, pte);
		run_done(&run, nk_ptp_group_bit(index), removed);
		flush_if(removed);
		nk_view_store.stats.ptes_written++;
	}
	return nk_count(NK_CALL_WRITE_PTE, r);
}

/* write_pte_fast: nk_write_pte's common case, decoded and performed with
 * no call, so its path saves no register (bench.md: one validated PTE
 * write): an update of an L1 nk does not pin, at an index below 512, to
 * an entry that is not present or that leaf_fast_ok accepts, replacing an
 * entry whose rights it keeps or adds (no flush: pte_needs_flush).
 * Returns false, having changed nothing, for anything else, which
 * write_pte_checked decides. The same decision as write_pte_checked's for
 * the updates it takes: ptp_decode's checks, an L1's index limit (512
 * unpinned), validate_update, and perform_update and run_done with
 * nothing removed. */
static inline __attribute__((always_inline)) bool write_pte_fast(paddr_t ptp, unsigned index,
								 pte_t pte)
{
	if ((pa_addr(ptp) & (PAGE_SIZE - 1)) || pa_pfn(ptp) >= nk.nframes || index >= PTES_PER_PTP)
		return false;
	const struct nk_frame *f = frame_at(ptp);
	if (f->type != NK_F_PTP1 || (f->flags & NK_FF_PINNED))
		return false;
	bool khalf = f->flags & NK_FF_KHALF;
	const struct ptp_run run = {.leaf_mask = leaf_mask[khalf], .leaf_want = leaf_want[khalf]};
	if (pte_present(pte) && !leaf_fast_ok(&run, pte))
		return false;
	pte_t *slot = &ptp_entries(ptp)[index];
	pte_t old = *slot;
	if (pte_needs_flush(old, pte))
		return false;
	*slot = pte;
	account_leaf(old, -1);
	account_leaf(pte, +1);
	nk.ptp_groups[pa_pfn(ptp)] |= nk_ptp_group_bit(index);
	nk_view_store.stats.ptes_written++;
	return true;
}

long nk_write_pte_impl(paddr_t ptp, unsigned index, pte_t pte)
{
	if (write_pte_fast(ptp, index, pte))
		return nk_count(NK_CALL_WRITE_PTE, 0);
	return write_pte_checked(ptp, index, pte);
}

/* decode_batch: nk_write_ptes's preconditions: a list of 1..NK_BATCH_MAX
 * updates (NK_EBATCH), readable (NK_EFAULT), each to a declared PTP at an
 * index its run allows with an entry validate_update accepts. Each update
 * is copied into nk.batch before it is validated, so what is validated is
 * what is performed whatever the outer array holds later; a run of
 * updates to one PTP decodes it once. Validation of one update does not
 * depend on the others: writes change no frame's type or flags, and no
 * counter can overflow. So validating every update against the state
 * before the batch equals validating each against the state the earlier
 * ones leave. Changes nothing but nk's copy. */
static inline __attribute__((always_inline)) long decode_batch(const struct nk_pte_write *w,
							       size_t count)
{
	if (!w || count == 0 || count > NK_BATCH_MAX)
		return -NK_EBATCH;
	if (!arch_kernel_readable(w, count * sizeof(*w)))
		return -NK_EFAULT;
	struct ptp_run run = {.ptp = NO_RUN};
	for (size_t i = 0; i < count; i++) {
		struct nk_pte_write u = w[i];
		nk.batch[i] = u;
		if (pa_addr(u.ptp) != pa_addr(run.ptp)) {
			long r = ptp_decode(u.ptp, &run);
			if (r)
				return r;
		}
		long r = validate_update(&run, u.index, u.pte);
		if (r)
			return r;
	}
	return 0;
}

/* perform_run: perform the updates nk.batch[i..) make to run's PTP (a
 * level-`level` PTP: a constant where inlined, so each level gets its own
 * loop), up to the first to another PTP or count; returns its index.
 * *g collects their groups (nk_ptp_group_bit), *removed whether one
 * removed a right (perform_update). */
static inline __attribute__((always_inline)) size_t perform_run(const struct ptp_run *run,
								unsigned level, size_t i,
								size_t count, uint64_t *g,
								bool *removed)
{
	const struct ptp_run r = {.ptp = run->ptp, .slots = run->slots, .level = level};
	uint64_t groups = 0;
	bool rm = false;
	for (; i < count && pa_addr(nk.batch[i].ptp) == pa_addr(r.ptp); i++) {
		groups |= nk_ptp_group_bit(nk.batch[i].index);
		rm |= perform_update(&r, nk.batch[i].index, nk.batch[i].pte);
	}
	*g = groups;
	*removed = rm;
	return i;
}

/* perform_batch: the count updates decode_batch copied and allowed;
 * cannot fail: each PTP decoded there decodes again, once per run (a
 * failure stops the machine before nk changes anything of that run).
 * Returns whether the TLB must be flushed (I10). */
static inline __attribute__((always_inline)) bool perform_batch(size_t count)
{
	bool flush = false;
	NK_CHECK(count <= NK_BATCH_MAX);
	for (size_t i = 0; i < count;) {
		struct ptp_run run;
		uint64_t g;
		bool rm;
		long r = ptp_decode(nk.batch[i].ptp, &run);
		NK_CHECK(r == 0);
		if (run.level == 1)
			i = perform_run(&run, 1, i, count, &g, &rm);
		else
			i = perform_run(&run, run.level, i, count, &g, &rm);
		run_done(&run, g, rm);
		flush |= rm;
	}
	return flush;
}

long nk_write_ptes_impl(const struct nk_pte_write *w, size_t count)
{
	long r = decode_batch(w, count);
	if (r == 0) {
		flush_if(perform_batch(count));
		nk_view_store.stats.ptes_written += count;
	}
	return nk_count(NK_CALL_WRITE_PTES, r);
}

/* Set frame pfn's direct-map entry writable or read-only, and flush it
 * from this CPU's TLB; a caller that made it read-only shoots it down
 * from the others (nk_shoot(NK_ROOT_ALL)) before it relies on that. */
void nk_dm_set_writable(uint64_t pfn, bool w)
{
	if (w)
		nk.dm_ptes[pfn] |= PTE_W;
	else
		nk.dm_ptes[pfn] &= ~PTE_W;
	arch_invlpg(DIRECT_MAP_BASE + (pfn << PAGE_SHIFT));
}

/* decode_declare: nk_declare_ptp's preconditions, one test each: a RAM
 * frame (NK_EALIGN, NK_ERANGE); a level 1..4 (NK_ELEVEL); no flag but
 * NK_PTP_KERNEL, and none on an L4 (NK_ELEVEL); DATA, mapped writable
 * nowhere, under no huge mapping (nk_frame_retypable). Changes nothing. */
static long decode_declare(paddr_t frame, unsigned level)
{
	unsigned lv = level & 0xff, fl = level & ~0xffu;
	long r = nk_frame_ok(frame);
	if (r)
		return r;
	if (lv < 1 || lv > 4)
		return -NK_ELEVEL;
	if (fl & ~NK_PTP_KERNEL)
		return -NK_ELEVEL;
	if (lv == 4 && fl)
		return -NK_ELEVEL;
	return nk_frame_retypable(pa_pfn(frame));
}

/* perform_declare: what decode_declare allowed; cannot fail: read-only in
 * the direct map, retyped (unmapped for devices, the IOTLB invalidated),
 * zeroed (an L4 gets the master's kernel half). */
static void perform_declare(paddr_t frame, unsigned level)
{
	unsigned lv = level & 0xff, fl = level & ~0xffu;
	struct nk_frame *f = frame_at(frame);
	NK_CHECK(f->type == NK_F_DATA && lv >= 1 && lv <= 4);
	/* no CPU keeps a writable alias once it is a PTP: the shootdown comes
	 * before the retype (I10; XSA-401 is the bug the other order makes).
	 * The aliases are the direct map's entry, unless already read-only
	 * (nk_mc_declare_early: every CPU flushed it since), and the outer
	 * mappings an earlier update of this multicall revoked (noted, not
	 * yet shot down); decode found no other. */
	bool dm_writable = nk.dm_ptes[pa_pfn(frame)] & PTE_W;
	if (dm_writable)
		nk_dm_set_writable(pa_pfn(frame), false);
	if (dm_writable || nk.shoot_root != NK_ROOT_NONE)
		nk_shoot(NK_ROOT_ALL);
	/* retyped (so devices lose it) before it is zeroed: no DMA can
	 * change the PTP after nk's last look at it (I11, I10) */
	nk_set_type(pa_pfn(frame), (enum nk_ftype)(NK_F_PTP1 + lv - 1));
	nk_iommu_sync();
	pte_t *t = ptp_entries(frame);
	nk_memset(t, 0, PAGE_SIZE);
	nk.ptp_groups[pa_pfn(frame)] = 0; /* the master's kernel half below is never counted */
	if (lv == 4) {
		pte_t *m = ptp_entries(nk.master_l4);
		nk_memcpy(&t[256], &m[256], 256 * sizeof(pte_t));
	}
	f->flags = (fl & NK_PTP_KERNEL) ? NK_FF_KHALF : 0;
	f->refs = 0;
	nk.ptp_parent[pa_pfn(frame)] = NK_PARENT_NONE;
}

long nk_declare_ptp_impl(paddr_t frame, unsigned level)
{
	long r = decode_declare(frame, level);
	if (r == 0)
		perform_declare(frame, level);
	return nk_count(NK_CALL_DECLARE_PTP, r);
}

/* ptp_groups_counted: the group set of PTP frame (a level-`level` PTP)
 * whose entries hold counters: an L4's user half (groups 0..31) only. */
static inline uint64_t ptp_groups_counted(paddr_t frame, unsigned level)
{
	uint64_t g = nk.ptp_groups[pa_pfn(frame)];
	return level == 4 ? g & 0xffffffffull : g;
}

/* Drop the counters the entries of a level-`level` PTP t (frame pfn) hold in the
 * groups of set g (nk_ptp_group_bit): only those groups can hold a
 * present entry. A group is skipped when none of its eight is present
 * (bit 0 of their OR). Inlined, so the level-1 call gets its own loop. */
static inline __attribute__((always_inline)) void unaccount_entries(const pte_t *t, uint64_t g,
								    unsigned level, uint64_t pfn)
{
	for (; g; g &= g - 1) {
		unsigned i = (unsigned)__builtin_ctzll(g) * 8;
		if (!pte_present(t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] |
				 t[i + 6] | t[i + 7]))
			continue;
		for (unsigned j = i; j < i + 8; j++)
			account(t[j], level, -1, pfn);
	}
}

/* l4_loaded: whether a CPU online has frame as its CR3 (nk.cur_cr3: CPU 0
 * always, the APs below nk.ncpus; no other CPU runs). */
static inline bool l4_loaded(paddr_t frame)
{
	for (uint32_t c = 0; c == 0 || c < nk.ncpus; c++)
		if (pa_addr(nk.cur_cr3[c]) == pa_addr(frame))
			return true;
	return false;
}

/* decode_remove: nk_remove_ptp's preconditions, one test each: a RAM
 * frame; a declared PTP (NK_ETYPE); not nk's own (NK_EPINNED); no parent
 * entry refers to it (NK_EINUSE); no CPU has it loaded (NK_ELOADED).
 * Changes nothing. */
static long decode_remove(paddr_t frame)
{
	long r = nk_frame_ok(frame);
	if (r)
		return r;
	const struct nk_frame *f = frame_at(frame);
	if (!nk_ptp_level(f->type))
		return -NK_ETYPE;
	if (f->flags & NK_FF_PINNED)
		return -NK_EPINNED;
	if (f->refs)
		return -NK_EINUSE;
	return l4_loaded(frame) ? -NK_ELOADED : 0;
}

/* perform_remove: what decode_remove allowed; cannot fail: drop what its
 * entries held (an L4's kernel half is the master's and was never
 * counted), back to DATA, writable in the direct map unless keep
 * (NK_RM_KEEP: read-only there still, NK_FF_DMRO). */
static void perform_remove_known(paddr_t frame, const pte_t *present, unsigned npresent, bool keep);

static void perform_remove(paddr_t frame, bool keep)
{
	perform_remove_known(frame, NULL, 0, keep);
}

/* perform_remove_known: perform_remove, with the present entries of the
 * PTP already known (nk_multicall's decode found them: present[0,
 * npresent)) instead of scanned, when present is not NULL. */
static void perform_remove_known(paddr_t frame, const pte_t *present, unsigned npresent, bool keep)
{
	struct nk_frame *f = frame_at(frame);
	unsigned level = nk_ptp_level(f->type);
	NK_CHECK(level && !f->refs);
	const pte_t *t = ptp_entries(frame);
	if (present)
		for (unsigned i = 0; i < npresent; i++)
			account(present[i], level, -1, pa_pfn(frame));
	else if (level == 1)
		unaccount_entries(t, ptp_groups_counted(frame, 1), 1, pa_pfn(frame));
	else
		unaccount_entries(t, ptp_groups_counted(frame, level), level, pa_pfn(frame));
	/* a revocation earlier in this multicall (the unlink of this PTP, or
	 * of a parent's) is gone from every CPU before the frame is DATA and
	 * outer-writable: a CPU's paging-structure cache may still point at
	 * it, and its next walk would read what the outer kernel writes
	 * there (SDM Vol. 3A 4.10.3, 4.10.4; I10) */
	if (nk.shoot_root != NK_ROOT_NONE)
		nk_shoot(NK_ROOT_NONE);
	/* kept: the alias has been read-only since the declare shot it down,
	 * and devices have not had the frame since either (nk_set_type reads
	 * the flag), so declaring it again needs no shootdown and no IOTLB
	 * invalidation (perform_declare) */
	f->flags = keep ? NK_FF_DMRO : 0;
	nk_set_type(pa_pfn(frame), NK_F_DATA);
	if (!keep)
		nk_dm_set_writable(pa_pfn(frame), true);
	nk_iommu_sync(); /* a unit in caching mode (CAP.CM) caches the absent entry */
}

long nk_remove_ptp_impl(paddr_t frame)
{
	long r = decode_remove(frame);
	if (r == 0)
		perform_remove(frame, false);
	return nk_count(NK_CALL_REMOVE_PTP, r);
}

/* decode_load_cr3: a RAM frame that is a declared L4 (NK_ETYPE). Changes
 * nothing. */
static long decode_load_cr3(paddr_t l4)
{
	long r = nk_frame_ok(l4);
	if (r)
		return r;
	if (frame_at(l4)->type != NK_F_PTP4)
		return -NK_ETYPE;
	return 0;
}

long nk_load_cr3_impl(paddr_t l4)
{
	long r = decode_load_cr3(l4);
	if (r == 0) {
		NK_CHECK(frame_at(l4)->type == NK_F_PTP4);
		nk.cur_cr3[arch_cpu_index()] = l4;
		arch_set_cr3(pa_addr(l4));
	}
	return nk_count(NK_CALL_LOAD_CR3, r);
}

/* ---- nk_multicall's vMMU operations (nk/mc.h: the in-place shadow) ---- */

void nk_mc_watch(struct nk_mc *m, size_t k)
{
	paddr_t pa = pa_init(m->ops[k].a);
	if (nk_frame_ok(pa))
		return; /* refused at its decode */
	struct nk_frame *f = frame_at(pa);
	struct nk_frame2m *h = &nk.f2m[pa_pfn(pa) / PTES_PER_PTP];
	uint16_t bits = MC_WATCH | (m->ops[k].kind == NK_OP_REMOVE_PTP ? MC_RMNAMED : 0);
	if ((f->spare & bits) != bits)
		MC_SETF(m, f, spare, (uint16_t)(f->spare | bits));
	if (!(h->spare & MC_WATCH))
		MC_SETH(m, h, spare, (uint16_t)(h->spare | MC_WATCH));
}

/* mc_set_type: retype frame pfn in the shadow: its type and its 2 MiB
 * region's count of non-DATA frames (the checks read no other count). */
static void mc_set_type(struct nk_mc *m, uint64_t pfn, uint8_t t)
{
	struct nk_frame *f = &nk.frames[pfn];
	struct nk_frame2m *h = &nk.f2m[pfn / PTES_PER_PTP];
	if (f->type == NK_F_DATA && t != NK_F_DATA)
		MC_SETH(m, h, nondata, (uint16_t)(h->nondata + 1));
	else if (f->type != NK_F_DATA && t == NK_F_DATA)
		MC_SETH(m, h, nondata, (uint16_t)(h->nondata - 1));
	MC_SETF(m, f, type, t);
}

/* mc_counts: whether entry e of a level-`level` PTP holds a counter a
 * later operation checks (what mc_account would change, for refs and w). */
static inline bool mc_counts(pte_t e, unsigned level, bool refs, bool w)
{
	if (!pte_present(e))
		return false;
	uint64_t pfn = pa_pfn(pte_frame(e, level));
	if (level == 1)
		return w && pte_writable(e) && pfn_is_ram(pfn) && (nk.frames[pfn].spare & MC_WATCH);
	if (!pte_is_leaf(e, level))
		return refs && (nk.frames[pfn].spare & MC_WATCH);
	return level == 2 && w && pfn < nk.nframes && (nk.f2m[pfn / PTES_PER_PTP].spare & MC_WATCH);
}

/* mc_account: account()'s changes in the shadow, only those a later
 * operation can check: refs (a later remove) when refs, wcount and
 * huge_maps (a later declare) when w; maps never (no operation reads it). */
static void mc_account(struct nk_mc *m, pte_t e, unsigned level, int delta, bool refs, bool w)
{
	if (!pte_present(e))
		return;
	uint64_t pfn = pa_pfn(pte_frame(e, level));
	if (level == 1) {
		if (w && pte_writable(e) && pfn_is_ram(pfn) && (nk.frames[pfn].spare & MC_WATCH))
			MC_SETF(m, &nk.frames[pfn], wcount,
				nk.frames[pfn].wcount + (uint32_t)delta);
		return;
	}
	if (!pte_is_leaf(e, level)) {
		if (refs && (nk.frames[pfn].spare & MC_WATCH))
			MC_SETF(m, &nk.frames[pfn], refs, nk.frames[pfn].refs + (uint32_t)delta);
		return;
	}
	if (level != 2 || !w || pfn >= nk.nframes)
		return;
	struct nk_frame2m *h = &nk.f2m[pfn / PTES_PER_PTP];
	if (h->spare & MC_WATCH)
		MC_SETH(m, h, huge_maps, h->huge_maps + (uint32_t)delta);
}

/* mc_entry: entry `index` of PTP ptp as operations [0, k) leave it: its
 * last write among them, else 0 when the list declared it, else memory. */
static pte_t mc_entry(const struct nk_mc *m, size_t k, paddr_t ptp, uint64_t index)
{
	const struct nk_frame *f = frame_at(ptp);
	unsigned t = f->spare & MC_WTAB;
	if (t) {
		size_t j = m->wtab[t - 1][index];
		const struct nk_op *o = &m->ops[j];
		if (j >= m->wtab_start[t - 1] && j < k && o->kind == NK_OP_WRITE_PTE &&
		    o->a == pa_addr(ptp) && o->arg == index)
			return o->b;
	}
	if (f->spare & MC_DECLARED)
		return 0;
	return ptp_entries(ptp)[index];
}

/* mc_note_write: record that operation k writes entry index of ptp (for
 * mc_entry), giving the PTP a write table on its first write. */
static void mc_note_write(struct nk_mc *m, size_t k, paddr_t ptp, uint64_t index)
{
	struct nk_frame *f = frame_at(ptp);
	unsigned t = f->spare & MC_WTAB;
	if (!t) {
		if (m->nwtab == NK_MC_PTPS) {
			m->full = true;
			return;
		}
		t = (unsigned)++m->nwtab;
		m->wtab_start[t - 1] = (uint32_t)k;
		MC_SETF(m, f, spare, (uint16_t)(f->spare | t));
	}
	m->wtab[t - 1][index] = (uint16_t)k;
}

/* mc_decode_remove: decode_remove, then in the shadow: drop what its
 * entries hold (as perform_remove does, as far as a later check reads)
 * and make it DATA again. */
/* mc_hint_links: whether remove k's hint (b: the parent PTP, arg: the
 * index) names an entry that links frame x (a PTP of level_x) from a PTP
 * that an earlier remove of this list removed lazily (MC_REMOVED; its
 * level kept in flags), its entries as the list left them. */
static bool mc_hint_links(const struct nk_mc *m, size_t k, paddr_t x, unsigned level_x)
{
	const struct nk_op *o = &m->ops[k];
	paddr_t p = pa_init(o->b);
	if (!o->b || nk_frame_ok(p) || o->arg >= PTES_PER_PTP || level_x >= 4)
		return false;
	const struct nk_frame *f = frame_at(p);
	if (!(f->spare & MC_REMOVED) || f->type != NK_F_DATA || f->flags != level_x + 1)
		return false;
	pte_t e = mc_entry(m, k, p, o->arg);
	return pte_present(e) && !pte_is_leaf(e, level_x + 1) &&
	       pa_pfn(pte_frame(e, level_x + 1)) == pa_pfn(x);
}

/* mc_decode_remove_lazy: a list without declares: no later operation
 * reads wcount or huge_maps, and refs only through a later remove, so a
 * remove is decoded without reading its entries (its children's refs keep
 * its links, which perform_remove drops). A later remove of a child sees
 * refs 1, the link of a lazily removed parent: its hint (the parent and
 * the index) names that link, and it passes; any other reference left
 * where a parent was removed in the list is NK_EMCFULL (send the list up
 * to here first, then the rest: exact either way), and plain NK_EINUSE
 * when none was. */
static long mc_decode_remove_lazy(struct nk_mc *m, size_t k, paddr_t frame)
{
	long r = decode_remove(frame);
	struct nk_frame *f = frame_at(frame);
	if (r == -NK_EINUSE) {
		unsigned level = nk_ptp_level(f->type);
		if (f->refs != 1 || !mc_hint_links(m, k, frame, level))
			return m->nlazy ? -NK_EMCFULL : r;
		if (l4_loaded(frame)) /* decode_remove's last check */
			return -NK_ELOADED;
		r = 0;
	}
	if (r)
		return r;
	unsigned level = nk_ptp_level(f->type);
	m->rm_n[k] = MC_RM_SCAN;
	mc_set_type(m, pa_pfn(frame), NK_F_DATA);
	MC_SETF(m, f, flags, (uint8_t)level); /* for its children's hints */
	MC_SETF(m, f, spare, (uint16_t)(f->spare | MC_REMOVED));
	m->nlazy++;
	return 0;
}

static long mc_decode_remove(struct nk_mc *m, size_t k, paddr_t frame)
{
	if (m->last_declare < 0)
		return mc_decode_remove_lazy(m, k, frame);
	long r = decode_remove(frame);
	if (r)
		return r;
	struct nk_frame *f = frame_at(frame);
	unsigned level = nk_ptp_level(f->type);
	/* refs matter to a later remove (of a child), wcount and huge_maps
	 * to a later declare */
	bool refs = level > 1 && (long)k < m->last_remove;
	bool w = (long)k < m->last_declare;
	unsigned n = level == 4 ? PTES_PER_PTP / 2 : PTES_PER_PTP;
	m->rm_n[k] = MC_RM_SCAN;
	if (refs || w) {
		/* the present entries as the list leaves them, kept for the
		 * perform (when they fit), which then does not scan again */
		bool keep = m->nrm_ent + n <= NK_MC_RM_ENTRIES;
		uint32_t start = m->nrm_ent, kept = 0;
		pte_t *out = &m->rm_ent[start];
		if (f->spare & MC_WTAB) { /* entries written by the list: as it leaves them */
			for (unsigned i = 0; i < n; i++) {
				pte_t e = mc_entry(m, k, frame, i);
				if (pte_present(e)) {
					mc_account(m, e, level, -1, refs, w);
					if (keep)
						out[kept++] = e;
				}
			}
		} else if (!(f->spare & MC_DECLARED)) { /* memory's; mostly empty: 8 at a time */
			const pte_t *t = ptp_entries(frame);
			for (uint64_t g = ptp_groups_counted(frame, level); g; g &= g - 1) {
				unsigned i = (unsigned)__builtin_ctzll(g) * 8;
				if (!pte_present(t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] |
						 t[i + 5] | t[i + 6] | t[i + 7]))
					continue;
				for (unsigned j = i; j < i + 8; j++) {
					if (!pte_present(t[j]))
						continue;
					mc_account(m, t[j], level, -1, refs, w);
					if (keep)
						out[kept++] = t[j];
				}
			}
		}
		if (keep) {
			m->data_off[k] = start;
			m->rm_n[k] = (uint16_t)kept;
			m->nrm_ent += kept;
		}
	}
	mc_set_type(m, pa_pfn(frame), NK_F_DATA);
	MC_SETF(m, f, flags, 0);
	MC_SETF(m, f, spare, (uint16_t)(f->spare & MC_KEEP));
	return 0;
}

/* mc_decode_write_pte: the PTP's and the update's checks (as
 * nk_write_pte), then the counters of the entry it replaces and of the
 * new one in the shadow, when a later operation can read them. */
static long mc_decode_write_pte(struct nk_mc *m, size_t k, struct ptp_run *run, paddr_t ptp,
				uint64_t index, pte_t e)
{
	if (pa_addr(ptp) != pa_addr(run->ptp)) {
		long r = ptp_decode(ptp, run);
		if (r) {
			run->ptp = NO_RUN;
			return r;
		}
	}
	long r = validate_update(run, index, e);
	if (r)
		return r;
	bool refs = (long)k < m->last_remove, w = (long)k < m->last_declare;
	if (refs || w) {
		/* a PTP no remove of the list reads, no earlier write noted: the
		 * entry it replaces is memory's (0 when declared in the list);
		 * when neither holds a counter a later operation checks, the
		 * write changes nothing in the shadow, and a later mc_entry of
		 * the index (memory's, or 0) holds none either */
		uint16_t sp = frame_at(ptp)->spare;
		if (!(sp & (MC_RMNAMED | MC_WTAB))) {
			pte_t old = (sp & MC_DECLARED) ? 0 : run->slots[index];
			if (!mc_counts(old, run->level, refs, w) &&
			    !mc_counts(e, run->level, refs, w))
				return 0;
		}
		mc_account(m, mc_entry(m, k, ptp, index), run->level, -1, refs, w);
		mc_account(m, e, run->level, +1, refs, w);
		mc_note_write(m, k, ptp, index);
	}
	return 0;
}

long nk_mc_decode_vmmu(struct nk_mc *m, size_t k)
{
	const struct nk_op *o = &m->ops[k];
	paddr_t pa = pa_init(o->a);
	long r;
	switch (o->kind) {
	case NK_OP_DECLARE_PTP:
		r = decode_declare(pa, o->arg);
		if (r == 0) {
			struct nk_frame *f = frame_at(pa);
			unsigned fl = o->arg & NK_PTP_KERNEL ? NK_FF_KHALF : 0;
			mc_set_type(m, pa_pfn(pa), (uint8_t)(NK_F_PTP1 + (o->arg & 0xff) - 1));
			MC_SETF(m, f, flags, (uint8_t)fl);
			MC_SETF(m, f, refs, 0);
			MC_SETF(m, f, spare, (uint16_t)(MC_DECLARED | (f->spare & MC_KEEP)));
		}
		return r;
	case NK_OP_REMOVE_PTP:
		return mc_decode_remove(m, k, pa);
	case NK_OP_LOAD_CR3:
		r = decode_load_cr3(pa);
		if (r == 0)
			MC_SET(m, nk.cur_cr3[arch_cpu_index()], pa);
		return r;
	default:
		return -NK_EOP;
	}
}

size_t nk_mc_decode_ptes(struct nk_mc *m, size_t k, size_t end, long *r)
{
	/* a run decodes its PTPs on its own (an operation between two runs may
	 * retype one): the cache stays in registers */
	struct ptp_run run = {.ptp = NO_RUN};
	bool plain = (long)k >= m->last_declare && (long)k >= m->last_remove;
	for (; k < end && m->ops[k].kind == NK_OP_WRITE_PTE; k++) {
		const struct nk_op *o = &m->ops[k];
		if (!plain) {
			*r = mc_decode_write_pte(m, k, &run, pa_init(o->a), o->arg, o->b);
		} else {
			/* no later operation reads a counter: decode_batch's loop */
			if (o->a != pa_addr(run.ptp)) {
				*r = ptp_decode(pa_init(o->a), &run);
				if (*r)
					return k;
			}
			*r = validate_update(&run, o->arg, o->b);
		}
		if (*r == 0 && m->full)
			*r = -NK_EMCFULL; /* the shadow ran out here: [0, k) fit */
		if (*r)
			return k;
	}
	*r = 0;
	return k;
}

size_t nk_mc_perform_ptes(const struct nk_mc *m, size_t k, bool *flush)
{
	size_t first = k;
	long undecoded = 0;
	bool fl = false, rfl = false;
	uint64_t g = 0;
	struct ptp_run run = {.ptp = NO_RUN};
	for (; k < m->count && m->ops[k].kind == NK_OP_WRITE_PTE; k++) {
		const struct nk_op *o = &m->ops[k];
		if (o->a != pa_addr(run.ptp)) {
			run_done(&run, g, rfl);
			fl |= rfl;
			g = 0;
			rfl = false;
			undecoded |= ptp_decode(pa_init(o->a), &run);
		}
		g |= nk_ptp_group_bit(o->arg);
		rfl |= perform_update(&run, o->arg, o->b);
	}
	run_done(&run, g, rfl);
	NK_CHECK(undecoded == 0);
	*flush |= fl | rfl;
	nk_view_store.stats.ptes_written += k - first;
	nk_view_store.stats.mc_ops[NK_OP_WRITE_PTE] += k - first;
	return k;
}

void nk_mc_declare_early(const struct nk_mc *m)
{
	if (!nk.shoot_on || m->last_declare < 0)
		return;
	bool any = false;
	for (long k = 0; k <= m->last_declare; k++) {
		const struct nk_op *o = &m->ops[k];
		if (o->kind != NK_OP_DECLARE_PTP)
			continue;
		uint64_t pfn = pa_pfn(pa_init(o->a));
		if (nk.dm_ptes[pfn] & PTE_W) {
			nk_dm_set_writable(pfn, false);
			any = true;
		}
	}
	if (any)
		nk_shoot(NK_ROOT_ALL);
}

bool nk_mc_perform_vmmu(const struct nk_mc *m, size_t k)
{
	const struct nk_op *o = &m->ops[k];
	paddr_t pa = pa_init(o->a);
	switch (o->kind) {
	case NK_OP_DECLARE_PTP:
		perform_declare(pa, o->arg);
		return false;
	case NK_OP_REMOVE_PTP:
		if (m->rm_n[k] == MC_RM_SCAN)
			perform_remove(pa, o->c & NK_RM_KEEP);
		else
			perform_remove_known(pa, &m->rm_ent[m->data_off[k]], m->rm_n[k],
					     o->c & NK_RM_KEEP);
		return false;
	case NK_OP_LOAD_CR3:
		NK_CHECK(frame_at(pa)->type == NK_F_PTP4);
		nk.cur_cr3[arch_cpu_index()] = pa;
		arch_set_cr3(pa_addr(pa));
		return false;
	default:
		NK_CHECK(0);
		return false;
	}
}

void nk_mc_vmmu_end(bool flush)
{
	flush_if(flush);
}
