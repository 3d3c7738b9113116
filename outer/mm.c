/* Physical frames, mappings through the vMMU, and kmalloc.
 * The outer kernel never writes a PTE: every change is nk_write_pte or
 * nk_declare_ptp (spec section 5). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/nkq.h>
#include <outer/smp.h>

static uint64_t *free_bitmap __ro_after_init; /* bit set = frame free; set by mm_init */
static uint64_t bitmap_frames __ro_after_init;
static uint64_t nfree;

extern char __boot_start[], __boot_end[];

static void mark_free(uint64_t pfn)
{
	free_bitmap[pfn / 64] |= 1ull << (pfn % 64);
	nfree++;
}

void mm_init(void)
{
	uint64_t n = nk_view->nframes;
	uint64_t first = align_up(pa_addr(nk_view->outer_free_start), PAGE_SIZE) / PAGE_SIZE;
	bitmap_frames = align_up(n / 8, PAGE_SIZE) / PAGE_SIZE;
	/* the bitmap itself sits in the first free frames */
	free_bitmap = pa_to_dm(pa_from_pfn(first));
	memset(free_bitmap, 0, bitmap_frames * PAGE_SIZE);
	for (uint64_t p = first + bitmap_frames; p < n; p++)
		if (nk_view->frames[p].type == NK_F_DATA)
			mark_free(p);
	/* the boot code's temporary tables and stack are free after boot */
	for (uint64_t pa = (uint64_t)__boot_start; pa < (uint64_t)__boot_end; pa += PAGE_SIZE)
		if (nk_view->frames[pa / PAGE_SIZE].type == NK_F_DATA)
			mark_free(pa / PAGE_SIZE);
}

/* ---- the PTP pool ----
 * Frames of removed PTPs that nk kept read-only in the direct map
 * (NK_RM_KEEP: a DATA frame marked NK_FF_DMRO), for the next PTPs: nk
 * declares such a frame again without a TLB shootdown, since no CPU can
 * hold a writable translation of it (nk/vmmu.c perform_declare). They
 * count as free; the allocator takes one back (writable again) only when
 * no other frame is left. Used only with several CPUs online (the
 * shootdowns it saves exist only there). Under the BKL like the rest. */
#define PTP_POOL_MAX 128u
static paddr_t ptp_pool[PTP_POOL_MAX];
static unsigned ptp_pooled, ptp_reserved;

bool ptp_pool_reserve(void)
{
	/* with one CPU there is no shootdown to save: the pool's one effect
	 * would be to skip frame_alloc's zeroing of a new PTP's frame (nk
	 * zeroes it again when it declares it), in both builds */
	if (smp_cpus_online() < 2 || ptp_pooled + ptp_reserved >= PTP_POOL_MAX)
		return false;
	ptp_reserved++;
	return true;
}

void ptp_pool_put(paddr_t frame)
{
	ptp_reserved--;
	ptp_pool[ptp_pooled++] = frame;
}

paddr_t ptp_frame_alloc(void)
{
	if (ptp_pooled)
		return ptp_pool[--ptp_pooled];
	return frame_alloc();
}

/* A pooled frame made writable again in the direct map (declared and
 * removed without NK_RM_KEEP: no shootdown either), for a caller that
 * writes it; pa 0 when the pool is empty. */
static paddr_t ptp_pool_reclaim(void)
{
	while (ptp_pooled) {
		paddr_t f = ptp_pool[--ptp_pooled];
		long r = nk_declare_ptp(f, 1);
		if (!r)
			r = nk_remove_ptp(f);
		if (!r)
			return f;
		kprintf("mm: nk refused to give back pooled frame %lx: %s\n", pa_addr(f),
			nk_strerror(r));
	}
	return pa_init(0);
}

paddr_t frame_alloc_dirty(void)
{
	static uint64_t hint;
	uint64_t words = (nk_view->nframes + 63) / 64;
	for (uint64_t i = 0; i < words; i++) {
		uint64_t w = (hint + i) % words;
		if (!free_bitmap[w])
			continue;
		unsigned b = (unsigned)__builtin_ctzll(free_bitmap[w]);
		free_bitmap[w] &= ~(1ull << b);
		nfree--;
		hint = w;
		return pa_from_pfn(w * 64 + b);
	}
	return ptp_pool_reclaim();
}

paddr_t frame_alloc(void)
{
	paddr_t pa = frame_alloc_dirty();
	if (pa_addr(pa))
		memset(pa_to_dm(pa), 0, PAGE_SIZE);
	return pa;
}

void frame_free(paddr_t pa)
{
	uint64_t pfn = pa_pfn(pa);
	if (pfn >= nk_view->nframes || (free_bitmap[pfn / 64] & (1ull << (pfn % 64))))
		panic("frame_free: bad or double free of %lx", pa_addr(pa));
	mark_free(pfn);
}

uint64_t frames_free(void)
{
	return nfree + ptp_pooled;
}

long mm_walk_l1(paddr_t l4, uint64_t va, bool create, paddr_t *out)
{
	bool kernel = va >= DIRECT_MAP_BASE;
	paddr_t t = l4;
	/* a PTP the queue declares has, for now, only the entries the queue
	 * links into it (its memory is not zeroed until nk performs it) */
	bool queued = nkq_pending_declare(t);
	for (unsigned level = 4; level > 1; level--) {
		unsigned i = pt_index(va, level);
		pte_t e = queued ? 0 : ((const pte_t *)pa_to_dm(t))[i];
		if (pte_present(e)) {
			if (pte_is_leaf(e, level))
				return -NK_EHUGE;
			t = pte_frame(e, level);
			continue;
		}
		paddr_t c = nkq_pending_link(t, i);
		if (!pa_addr(c)) {
			if (!create)
				return -NK_ENOTPTP;
			/* a new PTP one level down: declared, linked (and later
			 * filled) in the same multicall */
			c = ptp_frame_alloc();
			if (!pa_addr(c))
				return -NK_ERANGE;
			nkq_declare(c, (level - 1) | (kernel ? NK_PTP_KERNEL : 0));
			nkq_link(t, i, pte_make(c, PTE_P | PTE_W | (kernel ? 0 : PTE_U)));
		}
		t = c;
		queued = true;
	}
	*out = t;
	return 0;
}

bool mm_leaf(paddr_t l4, uint64_t va, paddr_t *ptp, unsigned *index)
{
	if (mm_walk_l1(l4, va, false, ptp))
		return false;
	*index = pt_index(va, 1);
	return true;
}

long mm_map(paddr_t l4, uint64_t va, paddr_t pa, uint64_t flags)
{
	paddr_t l1;
	long r = mm_walk_l1(l4, va, true, &l1);
	if (r)
		return r;
	nkq_flush(); /* the new PTPs, if any; the kernel half is used at once */
	return nk_write_pte(l1, pt_index(va, 1), pte_make(pa, flags | PTE_P));
}

/* Queue the L1 entry of page va as pte (nkq_pte), the missing PTPs above
 * it declared and linked in the same queue when create; returns 0 or
 * mm_walk_l1's error (nothing queued for va). */
static long queue_leaf(paddr_t l4, uint64_t va, pte_t pte, bool create)
{
	paddr_t l1;
	long r = mm_walk_l1(l4, va, create, &l1);
	if (!r)
		nkq_pte(l1, pt_index(va, 1), pte, pa_init(0));
	return r;
}

long mm_map_pages(paddr_t l4, uint64_t va, const paddr_t *frames, uint64_t n, uint64_t flags)
{
	long r = 0;
	for (uint64_t i = 0; i < n && !r; i++)
		r = queue_leaf(l4, va + i * PAGE_SIZE, pte_make(frames[i], flags | PTE_P), true);
	nkq_flush(); /* on an error too: what is queued, so that it can be undone */
	return r;
}

void mm_unmap_pages(paddr_t l4, uint64_t va, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		queue_leaf(l4, va + i * PAGE_SIZE, 0, false); /* no L1: nothing mapped */
	nkq_flush();
}

long mm_unmap(paddr_t l4, uint64_t va)
{
	paddr_t l1;
	long r = mm_walk_l1(l4, va, false, &l1);
	if (r)
		return r;
	nkq_flush();
	return nk_write_pte(l1, pt_index(va, 1), 0);
}

/* ---- kmalloc: power-of-two size classes 32..2048 bytes, pages above ---- */
#define MIN_SHIFT 5
#define MAX_SHIFT 11
struct block {
	struct block *next;
};
struct header {
	uint64_t size; /* class shift, or page count << 8 for big blocks */
	uint64_t magic;
};
#define HEAP_MAGIC 0x6b6d616c6c6f6321ull

static struct block *free_lists[MAX_SHIFT + 1];

/* freed big blocks (whole pages, still mapped) */
struct big {
	struct big *next;
	uint64_t pages;
};
static struct big *big_free;

/* A freed big block of exactly `pages` pages, or NULL. */
static struct header *big_reuse(uint64_t pages)
{
	for (struct big **p = &big_free; *p; p = &(*p)->next)
		if ((*p)->pages == pages) {
			struct big *b = *p;
			*p = b->next;
			memset(b, 0, sizeof(*b));
			return (struct header *)b;
		}
	return NULL;
}
static uint64_t heap_next = HEAP_BASE, mapped_pages;

/* The heap never reaches the MMIO window above it (mm_map_mmio): heap_next
 * advances only over pages mapped to frames of their own, which are never
 * unmapped, and nk tracks at most 2^23 frames (NK_FRAMES_MAX: 32 GiB). */
_Static_assert((1ull << 23) * PAGE_SIZE <= MMIO_BASE - HEAP_BASE, "heap overlaps MMIO window");

/* Map n fresh pages at the heap's end; returns their address or NULL.
 * The new PTPs, links and entries go to nk in one multicall (nkq.h). */
static void *heap_grow(uint64_t n)
{
	uint64_t va = heap_next;
	for (uint64_t i = 0; i < n; i++) {
		paddr_t l1;
		unsigned idx;
		if (mm_leaf(nk_view->master_l4, va + i * PAGE_SIZE, &l1, &idx) &&
		    !nkq_pending_declare(l1) && pte_present(((const pte_t *)pa_to_dm(l1))[idx]))
			continue; /* mapped by an earlier growth that ran out */
		paddr_t f = frame_alloc();
		if (!pa_addr(f) || queue_leaf(nk_view->master_l4, va + i * PAGE_SIZE,
					      pte_make(f, PTE_W | PTE_NX | PTE_P), true)) {
			if (pa_addr(f))
				frame_free(f);
			nkq_flush();
			return NULL; /* pages mapped so far stay for later growth */
		}
		mapped_pages++;
	}
	nkq_flush(); /* the kernel half is used at once */
	heap_next += n * PAGE_SIZE;
	return (void *)va;
}

void *kmalloc(size_t n)
{
	size_t need = n + sizeof(struct header);
	if (need > (1u << MAX_SHIFT)) {
		uint64_t pages = align_up(need, PAGE_SIZE) / PAGE_SIZE;
		struct header *h = big_reuse(pages);
		if (!h)
			h = heap_grow(pages);
		if (!h)
			return NULL;
		h->size = pages << 8;
		h->magic = HEAP_MAGIC;
		return h + 1;
	}
	unsigned s = MIN_SHIFT;
	while ((1u << s) < need)
		s++;
	if (!free_lists[s]) {
		uint8_t *page = heap_grow(1);
		if (!page)
			return NULL;
		for (size_t off = 0; off < PAGE_SIZE; off += 1u << s) {
			struct block *b = (struct block *)(page + off);
			b->next = free_lists[s];
			free_lists[s] = b;
		}
	}
	struct block *b = free_lists[s];
	free_lists[s] = b->next;
	struct header *h = (struct header *)b;
	h->size = s;
	h->magic = HEAP_MAGIC;
	return h + 1;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct header *h = (struct header *)p - 1;
	if (h->magic != HEAP_MAGIC)
		panic("kfree: %p is not a kmalloc block", p);
	h->magic = 0;
	uint64_t size = h->size;
	if (size >= 256) {
		/* a big block keeps its pages mapped and waits for a request of the
		 * same size (kernel stacks, buffers), so the heap's page tables
		 * and frames stay level when the same objects come and go */
		struct big *b = (struct big *)h;
		b->pages = size >> 8;
		b->next = big_free;
		big_free = b;
		return;
	}
	if (size < MIN_SHIFT || size > MAX_SHIFT)
		panic("kfree: %p has a corrupt header", p);
	struct block *b = (struct block *)h;
	b->next = free_lists[size];
	free_lists[size] = b;
}

uint64_t heap_pages(void)
{
	return mapped_pages;
}
