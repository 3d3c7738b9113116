/* The oracle's page-table walker (tests/kernel/mmu_walk.h): SDM Vol. 3A
 * 4.5 (4-level paging) and 4.6 (rights), no nk code. */
#include "mmu_walk.h"

#define MW_PTP_TYPE(level) ((uint8_t)(NK_F_PTP1 + (level)-1))

uint64_t mw_addr_mask(const struct mw_machine *m)
{
	return ((1ull << m->maxphyaddr) - 1) & ~0xfffull;
}

bool mw_leaf(unsigned level, uint64_t e)
{
	return level == 1 || ((level == 2 || level == 3) && (e & SDM_PS));
}

uint64_t mw_rsvd_bits(const struct mw_machine *m, unsigned level, uint64_t e)
{
	/* MAXPHYADDR..51 (bits 52-62 are ignored or the key, bit 63 XD) */
	uint64_t r = e & (((1ull << 52) - 1) & ~((1ull << m->maxphyaddr) - 1));
	if (level == 4)
		r |= e & SDM_PS;
	else if (level == 3 && (e & SDM_PS))
		r |= e & 0x3fffe000ull; /* 29:13 */
	else if (level == 2 && (e & SDM_PS))
		r |= e & 0x1fe000ull; /* 20:13 */
	return r;
}

uint64_t mw_frame(const struct mw_machine *m, unsigned level, uint64_t e)
{
	uint64_t a = e & mw_addr_mask(m);
	if (level == 3 && (e & SDM_PS))
		return a & ~((1ull << 30) - 1);
	if (level == 2 && (e & SDM_PS))
		return a & ~((1ull << 21) - 1);
	return a;
}

/* The frame's type, or HOLE when it is not tracked RAM. */
static uint8_t type_of(const struct mw_machine *m, uint64_t pa)
{
	uint64_t pfn = pa >> 12;
	return pfn < m->nframes ? m->frames[pfn].type : (uint8_t)NK_F_HOLE;
}

void mw_translate(const struct mw_machine *m, uint64_t l4, uint64_t va, struct mw_xlate *t)
{
	*t = (struct mw_xlate){.w = true, .u = true, .x = true};
	uint64_t table = l4;
	for (unsigned level = 4; level >= 1; level--) {
		if (type_of(m, table) != MW_PTP_TYPE(level)) {
			t->i1 = true; /* the hardware uses a frame nk did not declare */
			if (type_of(m, table) == NK_F_HOLE)
				return; /* not RAM: the walker cannot read it */
		}
		uint64_t e = m->table(m->ctx, table)[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(e & SDM_P))
			return;
		if (mw_rsvd_bits(m, level, e)) {
			t->rsvd = true;
			return;
		}
		t->w &= (e & SDM_RW) != 0;
		t->u &= (e & SDM_US) != 0;
		t->x &= (e & SDM_XD) == 0;
		if (mw_leaf(level, e)) {
			uint64_t span = 1ull << (12 + 9 * (level - 1));
			t->present = true;
			t->level = level;
			t->pa = mw_frame(m, level, e) + (va & (span - 1));
			return;
		}
		table = mw_frame(m, level, e);
	}
}

/* What entry e at level holds; in_dmap: it is a leaf of the direct map. */
static void entry_delta(const struct mw_machine *m, struct mw_counts *c, unsigned level, uint64_t e,
			int sign, bool in_dmap)
{
	if (!(e & SDM_P))
		return;
	uint64_t pa = mw_frame(m, level, e), pfn = pa >> 12;
	if (!mw_leaf(level, e)) {
		if (pfn < m->nframes)
			c->refs[pfn] += (uint32_t)sign;
		return;
	}
	if (level == 1) {
		if (in_dmap || pfn >= m->nframes || m->frames[pfn].type == NK_F_HOLE)
			return;
		c->maps[pfn] += (uint32_t)sign;
		if (e & SDM_RW)
			c->wcount[pfn] += (uint32_t)sign;
		return;
	}
	uint64_t n2m = level == 3 ? 512 : 1;
	for (uint64_t i = 0; i < n2m; i++)
		if (pfn + i * 512 < m->nframes)
			c->huge[(pfn >> 9) + i] += (uint32_t)sign;
}

void mw_entry_delta(const struct mw_machine *m, struct mw_counts *c, unsigned level, uint64_t e,
		    int sign)
{
	entry_delta(m, c, level, e, sign, false);
}

static void note_bad(struct mw_counts *c, uint64_t *counter, uint64_t pa)
{
	if (!c->i1_bad && !c->i9_bad && !c->rsvd)
		c->bad_pa = pa;
	(*counter)++;
}

/* Count the PTP at pa, reached at `level` (va: the virtual base it maps,
 * when have_va), once; then the PTPs its entries lead to. */
static void visit(const struct mw_machine *m, struct mw_counts *c, uint64_t pa, unsigned level,
		  uint64_t va, bool have_va)
{
	uint64_t pfn = pa >> 12;
	if (type_of(m, pa) != MW_PTP_TYPE(level)) {
		note_bad(c, &c->i1_bad, pa);
		return;
	}
	if (c->seen[pfn]) {
		if (c->seen[pfn] != level)
			note_bad(c, &c->i1_bad, pa);
		return;
	}
	c->seen[pfn] = (uint8_t)level;
	const uint64_t *t = m->table(m->ctx, pa);
	const uint64_t *master = m->table(m->ctx, m->master_l4);
	uint64_t span = 1ull << (12 + 9 * (level - 1));
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = t[i];
		if (level == 4 && i >= 256 && pa != m->master_l4) {
			if (e != master[i])
				note_bad(c, &c->i9_bad, pa + i * 8);
			continue; /* the master's, counted once there */
		}
		if (!(e & SDM_P))
			continue;
		if (mw_rsvd_bits(m, level, e)) {
			note_bad(c, &c->rsvd, pa + i * 8);
			continue; /* no translation (#PF RSVD) */
		}
		uint64_t eva = va + i * span;
		if (level == 4 && i >= 256)
			eva |= 0xffff000000000000ull; /* canonical: bits 63:48 copy bit 47 */
		bool in_dmap = have_va && m->dmap_bytes && eva >= m->dmap_base &&
			       eva - m->dmap_base < m->dmap_bytes;
		entry_delta(m, c, level, e, +1, in_dmap);
		if (!mw_leaf(level, e))
			visit(m, c, mw_frame(m, level, e), level - 1, eva, have_va);
	}
}

void mw_recount(const struct mw_machine *m, struct mw_counts *c)
{
	uint64_t n2m = m->nframes / 512;
	for (uint64_t i = 0; i < m->nframes; i++) {
		c->wcount[i] = c->maps[i] = c->refs[i] = 0;
		c->seen[i] = 0;
	}
	for (uint64_t r = 0; r < n2m; r++) {
		c->huge[r] = c->nondata[r] = 0;
		for (uint64_t i = r * 512; i < r * 512 + 512; i++)
			c->nondata[r] += m->frames[i].type != NK_F_DATA;
	}
	c->i1_bad = c->i9_bad = c->rsvd = 0;
	c->bad_pa = 0;
	visit(m, c, m->master_l4, 4, 0, true);
	for (uint64_t i = 0; i < m->nframes; i++)
		if (m->frames[i].type == NK_F_PTP4)
			visit(m, c, i << 12, 4, 0, true);
	/* declared but linked nowhere (the counters still hold their entries):
	 * the highest level first, so a subtree is reached from its root */
	for (unsigned level = 3; level >= 1; level--)
		for (uint64_t i = 0; i < m->nframes; i++)
			if (m->frames[i].type == MW_PTP_TYPE(level) && !c->seen[i])
				visit(m, c, i << 12, level, 0, false);
}

bool mw_compare_frame(const struct mw_machine *m, const struct mw_counts *c,
		      const struct nk_frame *f, const struct nk_frame2m *f2m, uint64_t pfn,
		      const char **what)
{
	if (pfn >= m->nframes)
		return true;
	const char *w = NULL;
	if (f[pfn].wcount != c->wcount[pfn])
		w = "wcount";
	else if (f[pfn].maps != c->maps[pfn])
		w = "maps";
	else if (f[pfn].refs != c->refs[pfn])
		w = "refs";
	else if (f2m[pfn >> 9].huge_maps != c->huge[pfn >> 9])
		w = "huge_maps";
	else if (f2m[pfn >> 9].nondata != c->nondata[pfn >> 9])
		w = "nondata";
	if (w && what)
		*what = w;
	return w == NULL;
}

uint64_t mw_compare(const struct mw_machine *m, const struct mw_counts *c, const struct nk_frame *f,
		    const struct nk_frame2m *f2m, uint64_t *first_pfn, const char **what)
{
	uint64_t bad = 0;
	for (uint64_t pfn = 0; pfn < m->nframes; pfn++) {
		const char *w = NULL;
		/* the 2 MiB counters once per range, at its first frame */
		bool ok = (pfn & 511)
			      ? f[pfn].wcount == c->wcount[pfn] && f[pfn].maps == c->maps[pfn] &&
				    f[pfn].refs == c->refs[pfn]
			      : mw_compare_frame(m, c, f, f2m, pfn, &w);
		if (!ok && !w)
			w = f[pfn].wcount != c->wcount[pfn] ? "wcount"
			    : f[pfn].maps != c->maps[pfn]   ? "maps"
							    : "refs";
		if (!ok && !bad++) {
			if (first_pfn)
				*first_pfn = pfn;
			if (what)
				*what = w;
		}
	}
	return bad;
}
