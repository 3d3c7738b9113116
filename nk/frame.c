/* The frame table: one descriptor per 4 KiB frame of RAM (spec section 4). */
#include "nk.h"
#include <nk/region.h>

_Static_assert(NK_FRAMES_MAX *PTES_PER_PTP <= UINT32_MAX, "frame counters could wrap");
_Static_assert(NK_FRAMES_MAX *PAGE_SIZE <= (1ull << 36), "tracked RAM is below every MAXPHYADDR");

void nk_frames_init(struct nk_frame *frames, struct nk_frame2m *f2m, uint64_t *ptp_groups,
		    uint32_t *ptp_parent, uint64_t nframes)
{
	NK_CHECK(nframes % PTES_PER_PTP == 0 && nframes <= NK_FRAMES_MAX);
	nk.frames = frames;
	nk.f2m = f2m;
	nk.ptp_groups = ptp_groups;
	nk_memset(ptp_groups, 0xff, nframes * sizeof(*ptp_groups));
	nk.ptp_parent = ptp_parent;
	nk_memset(ptp_parent, 0, nframes * sizeof(*ptp_parent));
	nk.nframes = nframes;
	nk_memset(frames, 0, nframes * sizeof(*frames));
	nk_memset(f2m, 0, nframes / PTES_PER_PTP * sizeof(*f2m));
	for (uint64_t i = 0; i < nframes / PTES_PER_PTP; i++)
		f2m[i].nondata = PTES_PER_PTP; /* all HOLE */
	nk_memset(nk_view_store.type_count, 0, sizeof(nk_view_store.type_count));
	nk_view_store.type_count[NK_F_HOLE] = nframes;
	nk_view_store.frames = frames;
	nk_view_store.frames2m = f2m;
	nk_view_store.nframes = nframes;
}

void nk_set_type(uint64_t pfn, enum nk_ftype t)
{
	struct nk_frame *f = &nk.frames[pfn];
	struct nk_frame2m *h = &nk.f2m[pfn / PTES_PER_PTP];

	if (f->type == NK_F_DATA && t != NK_F_DATA) {
		h->nondata++;
		nk_iommu_set_frame(pfn, false);
	} else if (f->type != NK_F_DATA && t == NK_F_DATA) {
		h->nondata--;
		/* a frame kept read-only for the PTP pool stays out of the
		 * devices' reach too: declared again, it needs no IOTLB
		 * invalidation (nk/vmmu.c perform_remove_known) */
		nk_iommu_set_frame(pfn, !(f->flags & NK_FF_DMRO));
	}
	nk_view_store.type_count[f->type]--;
	nk_view_store.type_count[t]++;
	f->type = (uint8_t)t;
}

/* 8-byte words that may alias anything: zeroing a PTP is 512 stores. */
typedef uint64_t __attribute__((may_alias)) nk_word_t;

long nk_frame_retypable(uint64_t pfn)
{
	if (nk.frames[pfn].type != NK_F_DATA)
		return -NK_ETYPE;
	if (nk.frames[pfn].wcount)
		return -NK_EWRITABLE;
	if (nk.f2m[pfn / PTES_PER_PTP].huge_maps)
		return -NK_EHUGE;
	return 0;
}

void nk_memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	if (!(((uintptr_t)p | n) & 7)) {
		nk_word_t w = 0x0101010101010101ull * (uint8_t)c;
		for (nk_word_t *q = (nk_word_t *)p, *end = (nk_word_t *)(p + n); q < end; q++)
			*q = w;
		return;
	}
	while (n--)
		*p++ = (uint8_t)c;
}

void nk_memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	if (!(((uintptr_t)p | (uintptr_t)q) & 7)) {
		for (; n >= 8; n -= 8, p += 8, q += 8)
			*(nk_word_t *)p = *(const nk_word_t *)q;
	}
	while (n--)
		*p++ = *q++;
}

#define NK_ERR_NAME(name, value, why) [value] = "NK_" #name,
static const char *const nk_errnames[NK_EMAX] = {[0] = "OK", NK_ERRORS(NK_ERR_NAME)};
#undef NK_ERR_NAME

/* The build check of include/nk/calls.h: every listed call has its
 * prototype (include/nk/vmmu.h or region.h) and its body's (nk/nk.h), or
 * this does not compile. */
#define NK_CALL_DECLARED(fn, call, rip, exported) (void)nk_##fn, (void)nk_##fn##_impl,
static __attribute__((unused)) void calls_declared(void)
{
	NK_CALLS(NK_CALL_DECLARED)(void) 0;
}
#undef NK_CALL_DECLARED

const char *nk_strerror(long e)
{
	if (e < 0)
		e = -e;
	e &= (1l << NK_MC_SHIFT) - 1; /* an nk_multicall result's error */
	if (e >= NK_EMAX)
		return "NK_E?";
	return nk_errnames[e];
}

uint64_t nk_ptp_root(uint64_t pfn)
{
	for (int up = 0; up < 4; up++) {
		const struct nk_frame *f = &nk.frames[pfn];
		if (f->flags & NK_FF_KHALF)
			return NK_ROOT_ALL;
		if (f->type == NK_F_PTP4)
			return pfn;
		uint32_t p = nk.ptp_parent[pfn];
		if (p == NK_PARENT_NONE)
			return NK_ROOT_NONE;
		if (p == NK_PARENT_MANY)
			return NK_ROOT_ALL;
		pfn = p - 1u;
	}
	return NK_ROOT_ALL; /* not reached: a chain of parents goes up one level each */
}
