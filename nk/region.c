/* Write mediation: declaring protected regions, sealing them, and the
 * writes nk performs into them for the outer kernel when the region's
 * policy (policies/) allows. Each call decodes (validates, changes
 * nothing), then performs (cannot fail), as the vMMU calls do.
 *
 * nk never writes through an address the outer kernel maps: a region is
 * translated once, at declaration, through mappings nk alone owns (the
 * direct map, nk's pinned image tables), and nk writes its frames through
 * its own direct map. In the native build (nk_view->nested false) the same
 * checks and policies run but no frame is retyped or write-protected.
 * Source: spec sections 3 (I2, I8), 7; include/nk/region.h. */
#include "nk.h"
#include "../policies/policy.h"
#include "mc.h"

/* Region table in nk memory (I8), indexed by id; ids are never reused. */
static struct nk_region regions[NK_REGIONS_MAX];

static const struct nk_policy_ops *const policy_ops[NK_POLICY_MAX] = {
    [NK_POLICY_NO_WRITE] = &nk_policy_no_write,
    [NK_POLICY_WRITE_ONCE] = &nk_policy_write_once,
    [NK_POLICY_APPEND_ONLY] = &nk_policy_append_only,
    [NK_POLICY_WRITE_LOG] = &nk_policy_write_log,
};

/* Declaration flags nk uses for its own regions. */
#define RG_NK_FRAMES 0x1u /* frames are nk's own (NK type) and stay NK */
#define RG_PREFILLED 0x2u /* contents count as written (nk filled them) */

const char *nk_policy_name(unsigned p)
{
	return p < NK_POLICY_MAX ? policy_ops[p]->name : "?";
}

void nk_regions_init(void)
{
	nk_memset(regions, 0, sizeof(regions));
	nk_view_store.regions = regions;
	nk_view_store.nregions = 0;
	nk_view_store.region_idt = nk_view_store.region_gdt = -1;
	nk_view_store.region_tss = nk_view_store.region_ro_after_init = -1;
	for (unsigned p = 0; p < NK_POLICY_MAX; p++)
		if (policy_ops[p]->reset)
			policy_ops[p]->reset();
}

/* The leaf entry mapping kernel va in nk's own (pinned) tables, or NULL if
 * the walk leaves them, meets a large page or finds va unmapped. The
 * kernel half is the master's in every L4 (I9). SDM Vol. 3A 4.5. */
static pte_t *pinned_leaf(uint64_t va)
{
	paddr_t t = nk.master_l4;
	for (unsigned level = 4; level >= 1; level--) {
		if (pa_pfn(t) >= nk.nframes || !(nk.frames[pa_pfn(t)].flags & NK_FF_PINNED) ||
		    nk_ptp_level(nk.frames[pa_pfn(t)].type) != level)
			return NULL;
		pte_t *e = &((pte_t *)arch_pa_va(t))[pt_index(va, level)];
		if (!pte_present(*e))
			return NULL;
		if (level == 1)
			return e;
		if (pte_is_leaf(*e, level))
			return NULL; /* a 1 GiB or 2 MiB page: nk's direct map has none */
		t = pte_frame(*e, level);
	}
	return NULL;
}

static bool in_direct_map(uint64_t va, uint64_t size)
{
	uint64_t lim = nk.nframes * PAGE_SIZE;
	return va >= DIRECT_MAP_BASE && va - DIRECT_MAP_BASE < lim &&
	       size <= lim - (va - DIRECT_MAP_BASE);
}

/* Decode the address of [va, va+size) (page-aligned, size > 0): its
 * physical base through the direct map, or through nk's image tables
 * (physically contiguous). */
static long translate(uint64_t va, uint64_t size, paddr_t *pa)
{
	if (in_direct_map(va, size)) {
		*pa = pa_init(va - DIRECT_MAP_BASE);
		return 0;
	}
	if (va < KERNEL_VMA || size > 0ull - va)
		return -NK_EVADDR; /* only nk's image map is walked */
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		const pte_t *e = pinned_leaf(va + off);
		if (!e)
			return -NK_EVADDR;
		paddr_t p = pte_frame(*e, 1);
		if (off == 0)
			*pa = p;
		else if (pa_addr(p) != pa_addr(*pa) + off)
			return -NK_EVADDR;
	}
	return 0;
}

/* How many writable mappings of the frame behind region address va nk
 * itself holds in its image map (0 or 1); the outer kernel holds the rest
 * of the frame's wcount. */
static uint32_t own_writable(uint64_t va)
{
	const pte_t *e = va >= KERNEL_VMA ? pinned_leaf(va) : NULL;
	return e && pte_writable(*e);
}

/* Decode every frame of [pa, pa+size) for a region declared at va. */
static long check_frames(uint64_t va, paddr_t pa, uint64_t size, unsigned flags)
{
	bool nested = nk_view_store.nested;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t pfn = pa_pfn(pa) + off / PAGE_SIZE;
		if (pfn >= nk.nframes || nk.frames[pfn].type == NK_F_HOLE)
			return -NK_ERANGE;
		const struct nk_frame *f = &nk.frames[pfn];
		if (f->flags & NK_FF_REGION)
			return -NK_EOVERLAP;
		if (f->type != ((flags & RG_NK_FRAMES) ? NK_F_NK : NK_F_DATA))
			return -NK_ETYPE;
		if (!nested)
			continue; /* the native backend keeps no mapping counts */
		if (f->wcount != own_writable(va + off))
			return -NK_EWRITABLE;
		if (nk.f2m[pfn / PTES_PER_PTP].huge_maps)
			return -NK_EHUGE;
	}
	return 0;
}

/* Perform: make frame pfn (region address va) PROTECTED and read-only in
 * the direct map and nk's image map; flush both entries (I10). */
static void protect_frame(uint64_t pfn, uint64_t va, unsigned flags)
{
	NK_CHECK(!(nk.frames[pfn].flags & NK_FF_REGION));
	nk.frames[pfn].flags = (uint8_t)((nk.frames[pfn].flags & ~NK_FF_DMRO) | NK_FF_REGION);
	if (!nk_view_store.nested || (flags & RG_NK_FRAMES))
		return; /* nk frames are read-only to the outer kernel already */
	NK_CHECK(nk.frames[pfn].type == NK_F_DATA);
	nk.dm_ptes[pfn] &= ~PTE_W;
	arch_invlpg(DIRECT_MAP_BASE + (pfn << PAGE_SHIFT));
	pte_t *e = va >= KERNEL_VMA ? pinned_leaf(va) : NULL;
	if (e && pte_writable(*e)) {
		*e &= ~PTE_W;
		nk.frames[pfn].wcount--;
		arch_invlpg(va);
	}
	/* every CPU's writable aliases gone before the type says so (I10) */
	nk_shoot(NK_ROOT_ALL);
	nk_set_type(pfn, NK_F_PROTECTED);
	NK_CHECK(nk.frames[pfn].wcount == 0);
}

/* decode_region: the preconditions of declaring [va, va+size) with policy
 * p (| NK_REGION_SEAL_AT_INIT) and RG_* flags, one test each: a known
 * policy and no other flag (NK_EPOLICY); not empty (NK_EZERO); page-aligned
 * (NK_EALIGN); a free slot (NK_ENOMEM); a size the policy takes; mapped,
 * contiguous, in the direct map or the image (translate); every frame
 * RAM, in no region, DATA (or NK), writable nowhere but in nk's own map,
 * under no huge mapping (check_frames). Sets *pa to the first frame;
 * changes nothing else. */
static long decode_region(uint64_t va, uint64_t size, unsigned p, unsigned flags, paddr_t *pa)
{
	unsigned pol = p & 0xffu;
	if ((p & ~(0xffu | NK_REGION_SEAL_AT_INIT)) || pol >= NK_POLICY_MAX)
		return -NK_EPOLICY;
	if (size == 0)
		return -NK_EZERO;
	if ((va | size) & (PAGE_SIZE - 1))
		return -NK_EALIGN;
	const struct nk_policy_ops *ops = policy_ops[pol];
	if (nk_view_store.nregions >= NK_REGIONS_MAX)
		return -NK_ENOMEM;
	long r = ops->can_declare ? ops->can_declare(size) : 0;
	if (r)
		return r;
	r = translate(va, size, pa);
	if (r)
		return r;
	return check_frames(va, *pa, size, flags);
}

/* perform_region: what decode_region allowed; cannot fail: the frames
 * protected, the region recorded and its policy's state set up. Returns
 * the region's id. */
static long perform_region(uint64_t va, paddr_t pa, uint64_t size, unsigned p, unsigned flags)
{
	unsigned pol = p & 0xffu;
	NK_CHECK(pol < NK_POLICY_MAX && nk_view_store.nregions < NK_REGIONS_MAX);
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		protect_frame(pa_pfn(pa) + off / PAGE_SIZE, va + off, flags);
	nk_iommu_sync(); /* no device writes the frames from here on (I11) */
	long id = nk_view_store.nregions;
	struct nk_region *rg = &regions[id];
	nk_memset(rg, 0, sizeof(*rg));
	rg->va = va;
	rg->pa = pa;
	rg->size = size;
	rg->policy = (uint8_t)pol;
	rg->seal_at_init = !!(p & NK_REGION_SEAL_AT_INIT);
	rg->nk_frames = !!(flags & RG_NK_FRAMES);
	if (policy_ops[pol]->declare)
		policy_ops[pol]->declare(rg, flags & RG_PREFILLED);
	nk_view_store.nregions++;
	return id;
}

/* Declare region [va, va+size) with policy p and RG_* flags; returns the
 * id or -NK_E* (decode_region). */
static long region_declare(uint64_t va, uint64_t size, unsigned p, unsigned flags)
{
	paddr_t pa;
	long r = decode_region(va, size, p, flags, &pa);
	return r ? r : perform_region(va, pa, size, p, flags);
}

long nk_region_declare_impl(void *base, size_t size_bytes, unsigned policy)
{
	long r = region_declare((uint64_t)base, size_bytes, policy, 0);
	nk_count(NK_CALL_REGION_DECLARE, r < 0 ? r : 0);
	return r;
}

long nk_region_declare_nk(const void *base, size_t size_bytes, unsigned policy, bool nk_frames)
{
	return region_declare((uint64_t)base, size_bytes, policy,
			      nk_frames ? RG_NK_FRAMES | RG_PREFILLED : 0);
}

/* Decode: the byte offset of [dst, dst+len) in region r (declared address
 * or direct-map alias), or -NK_EBOUNDS. */
static long region_offset(const struct nk_region *r, uint64_t dst, uint64_t len, uint64_t *off)
{
	uint64_t dm = DIRECT_MAP_BASE + pa_addr(r->pa);
	if (dst >= r->va && dst - r->va < r->size)
		*off = dst - r->va;
	else if (dst >= dm && dst - dm < r->size)
		*off = dst - dm;
	else
		return -NK_EBOUNDS;
	return len <= r->size - *off ? 0 : -NK_EBOUNDS;
}

/* decode_write: nk_write's preconditions, one test each: a declared
 * region (NK_EREGION); not empty (NK_EZERO); inside the region at its
 * declared address or its direct-map alias (NK_EBOUNDS); a source nk can
 * read (NK_EFAULT; checked when check_src: nk_multicall checks its copy-in
 * instead); not
 * sealed (NK_ESEALED); then the policy's own check. Sets w->off (and what
 * the policy records in w); changes nothing. */
static long decode_write(long id, const void *src, bool check_src, struct nk_write_ctx *w)
{
	if (id < 0 || id >= (long)nk_view_store.nregions)
		return -NK_EREGION;
	const struct nk_region *rg = &regions[id];
	if (w->len == 0)
		return -NK_EZERO;
	long r = region_offset(rg, w->dst, w->len, &w->off);
	if (r)
		return r;
	if (check_src && !arch_kernel_readable(src, w->len))
		return -NK_EFAULT;
	if (rg->sealed)
		return -NK_ESEALED;
	return policy_ops[rg->policy]->check(rg, w);
}

/* perform_write: what decode_write allowed, len bytes from src at w->off
 * of region rg; cannot fail: the bytes copied through nk's own alias of
 * the frames (read-only to the outer kernel; nk runs with CR0.WP clear),
 * the old bytes kept for the policy's commit. Its assumptions (not sealed,
 * in bounds) are decode_write's tests in the same call, with interrupts
 * off; unlike the other perform halves it does not NK_CHECK them again:
 * every system call makes two of these writes (the audit records), and
 * the check would add 4 instructions to each. */
static void perform_write(struct nk_region *rg, const void *src, size_t len, struct nk_write_ctx *w)
{
	uint8_t *d = nk_region_bytes(rg, w->off);
	nk_memcpy(w->old, d, len < NK_LOG_BYTES ? len : NK_LOG_BYTES);
	nk_memcpy(d, src, len);
	policy_ops[rg->policy]->commit(rg, w);
	rg->writes++;
}

long nk_write_impl(long id, void *dst, const void *src, size_t len, uint64_t caller_rip)
{
	return nk_write_tagged(id, dst, src, len, caller_rip, 0, false);
}

long nk_write_tagged(long id, void *dst, const void *src, size_t len, uint64_t caller_rip,
		     uint64_t tag, bool tagged)
{
	struct nk_write_ctx w = {.id = id,
				 .len = len,
				 .dst = (uint64_t)dst,
				 .rip = caller_rip,
				 .tag = tag,
				 .tagged = tagged};
	long r = decode_write(id, src, true, &w);
	if (r) {
		if (r != -NK_EREGION)
			regions[id].refused++;
	} else {
		perform_write(&regions[id], src, len, &w);
	}
	return tagged ? r : nk_count(NK_CALL_WRITE, r); /* a multicall counts its own */
}

/* ---- nk_multicall's region writes (nk/mc.h) ---- */

/* The write context of NK_OP_WRITE k: region a, dst b, len arg. */
static struct nk_write_ctx mc_write_ctx(const struct nk_mc *m, size_t k)
{
	const struct nk_op *o = &m->ops[k];
	return (struct nk_write_ctx){.id = (long)o->a, .len = o->arg, .dst = o->b, .tag = o->tag};
}

/* mc_region_slot: the index of region id among those whose state this
 * list saved, or m->nregions when none. */
static size_t mc_region_slot(const struct nk_mc *m, long id)
{
	size_t i = 0;
	while (i < m->nregions && m->region_id[i] != id)
		i++;
	return i;
}

long nk_mc_write_static(const struct nk_mc *m, size_t k)
{
	struct nk_write_ctx w = mc_write_ctx(m, k);
	if (w.id < 0 || w.id >= (long)nk_view_store.nregions)
		return -NK_EREGION;
	if (w.len == 0)
		return -NK_EZERO;
	return region_offset(&regions[w.id], w.dst, w.len, &w.off);
}

long nk_mc_decode_write(struct nk_mc *m, size_t k)
{
	struct nk_write_ctx w = mc_write_ctx(m, k);
	long r = decode_write(w.id, NULL, false, &w);
	if (r)
		return r;
	struct nk_region *rg = &regions[w.id];
	const struct nk_policy_ops *ops = policy_ops[rg->policy];
	if (!ops->advance && !ops->one_write_per_list)
		return 0; /* its check does not depend on earlier writes */
	size_t i = mc_region_slot(m, w.id);
	if (i < m->nregions && ops->one_write_per_list)
		return -NK_EDUP;
	if (i == m->nregions) {
		if (i == NK_MC_REGIONS)
			return -NK_EMCFULL;
		m->region_id[i] = w.id;
		m->region_saved[i] = *rg;
		m->nregions++;
	}
	if (ops->advance)
		ops->advance(rg, &w);
	return 0;
}

void nk_mc_restore_regions(struct nk_mc *m)
{
	for (size_t i = 0; i < m->nregions; i++)
		regions[m->region_id[i]] = m->region_saved[i];
	m->nregions = 0;
}

void nk_mc_perform_write(const struct nk_mc *m, size_t k, uint64_t caller_rip)
{
	struct nk_write_ctx w = mc_write_ctx(m, k);
	NK_CHECK(w.id >= 0 && w.id < (long)nk_view_store.nregions);
	struct nk_region *rg = &regions[w.id];
	NK_CHECK(region_offset(rg, w.dst, w.len, &w.off) == 0 && !rg->sealed);
	w.rip = caller_rip;
	w.tagged = true;
	perform_write(rg, &m->data[m->data_off[k]], w.len, &w);
}

void nk_mc_write_refused(const struct nk_mc *m, size_t k)
{
	long id = (long)m->ops[k].a;
	if (m->ops[k].kind == NK_OP_WRITE && id >= 0 && id < (long)nk_view_store.nregions)
		regions[id].refused++;
}

/* decode_seal: a declared region (NK_EREGION). Changes nothing. */
static long decode_seal(long id)
{
	if (id < 0 || id >= (long)nk_view_store.nregions)
		return -NK_EREGION;
	return 0;
}

long nk_region_seal_impl(long id)
{
	long r = decode_seal(id);
	if (r == 0)
		regions[id].sealed = 1;
	return nk_count(NK_CALL_REGION_SEAL, r);
}

long nk_regions_init_done(void)
{
	long r = 0;
	struct nk_view *v = &nk_view_store;
	uint64_t va, size;
	arch_ro_after_init(&va, &size);
	if (v->region_ro_after_init < 0 && size) {
		r = region_declare(va, size, NK_POLICY_NO_WRITE | NK_REGION_SEAL_AT_INIT, 0);
		if (r < 0)
			return r; /* nothing sealed: nk_init_done is all or nothing */
		v->region_ro_after_init = (int32_t)r;
		r = 0;
	}
	for (uint32_t i = 0; i < v->nregions; i++)
		if (regions[i].seal_at_init)
			regions[i].sealed = 1;
	return r;
}

void nk_check_regions(void)
{
	bool nested = nk_view_store.nested;
	uint64_t frames = 0;
	for (uint32_t i = 0; i < nk_view_store.nregions; i++) {
		const struct nk_region *rg = &regions[i];
		uint8_t want = rg->nk_frames ? NK_F_NK : nested ? NK_F_PROTECTED : NK_F_DATA;
		for (uint64_t off = 0; off < rg->size; off += PAGE_SIZE) {
			uint64_t pfn = pa_pfn(rg->pa) + off / PAGE_SIZE;
			if (pfn >= nk.nframes || !(nk.frames[pfn].flags & NK_FF_REGION) ||
			    nk.frames[pfn].type != want) {
				nk_check_fail(2, pa_addr(rg->pa) + off,
					      "region frame is not PROTECTED (or NK) and marked");
				return;
			}
			if (nested && (nk.frames[pfn].wcount || pte_writable(nk.dm_ptes[pfn]))) {
				nk_check_fail(2, pa_addr(rg->pa) + off,
					      "region frame has a writable mapping");
				return;
			}
			frames++;
		}
	}
	uint64_t marked = 0;
	for (uint64_t pfn = 0; pfn < nk.nframes; pfn++)
		marked += !!(nk.frames[pfn].flags & NK_FF_REGION);
	if (marked != frames)
		nk_check_fail(2, 0, "a frame marked as a region frame is in no region");
}
