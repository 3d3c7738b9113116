/* The outer kernel's memory: physical frames, mappings (through the vMMU
 * only) and the kernel heap. */
#ifndef OUTER_MM_H
#define OUTER_MM_H
#include <nk/vmmu.h>

/* mm_init: take the frames nk left to the outer kernel; map the heap. */
void mm_init(void);

/* frame_alloc: one zeroed 4 KiB DATA frame; pa 0 when memory is out. */
paddr_t frame_alloc(void);
/* frame_alloc_dirty: one 4 KiB DATA frame with whatever it held before
 * (not zeroed: for buffers written before they are read, such as the
 * read/write bounce page); pa 0 when memory is out. */
paddr_t frame_alloc_dirty(void);
/* frame_free: give back a frame from frame_alloc or frame_alloc_dirty. */
void frame_free(paddr_t pa);
/* frames_free: how many frames are free now (the PTP pool's too). */
uint64_t frames_free(void);

/* The PTP pool (outer/mm.c): frames of removed PTPs that nk kept
 * read-only in the direct map (NK_RM_KEEP), declared again without a TLB
 * shootdown. ptp_frame_alloc: a frame for a PTP about to be declared (a
 * pooled one, not zeroed and not writable; else frame_alloc's); pa 0 when
 * memory is out. ptp_pool_reserve: room for one more frame (true), kept
 * until ptp_pool_put hands the frame over once nk has removed it with
 * NK_RM_KEEP. Source: issue 17 (fewer shootdowns); include/nk/vmmu.h. */
paddr_t ptp_frame_alloc(void);
bool ptp_pool_reserve(void);
void ptp_pool_put(paddr_t frame);

/* mm_map: map 4 KiB page va to frame pa with PTE flags (PTE_P is added) in
 * the address space of L4 `l4`, declaring missing PTPs through nk.
 * Returns 0 or a negative NK_E* code (or -NK_ERANGE when out of frames). */
long mm_map(paddr_t l4, uint64_t va, paddr_t pa, uint64_t flags);
/* mm_unmap: clear the mapping of page va; returns 0 or -NK_E*. */
long mm_unmap(paddr_t l4, uint64_t va);
/* mm_map_pages: map the n 4 KiB pages from va (virtual, page-aligned) to
 * frames[0..n) (physical) with PTE flags (PTE_P is added), declaring
 * missing PTPs: every declaration, link and entry queued (nkq.h) and sent
 * in one nk_multicall (more only when nk names a capacity split), the
 * kernel-half mappings in effect on return. For mappings nk accepts by
 * construction (the module loader's: DATA and promoted CODE frames in the
 * module area): a refusal is a kernel bug and panics (nkq_flush). Returns
 * 0, or -NK_ERANGE when out of frames for a PTP (the pages before it are
 * mapped; mm_unmap_pages undoes them). Issue 19 (the module loader). */
long mm_map_pages(paddr_t l4, uint64_t va, const paddr_t *frames, uint64_t n, uint64_t flags);
/* mm_unmap_pages: clear the n pages from va (virtual) in one flush of the
 * queue; pages without an L1 are skipped. */
void mm_unmap_pages(paddr_t l4, uint64_t va, uint64_t n);
/* Where a walk of the tables for a virtual address stopped: the last entry
 * read (at level 4..1, entry `index` of PTP ptp), whether it is a present
 * leaf (a 4 KiB page, or a 2 MiB or 1 GiB one), the W, U and NX rights
 * over the entries read (SDM 4.6: W and U need every level, NX any), and
 * the PTPs read on the way (physical). The walk stops at an absent entry
 * or a leaf; level 1 means the L1 exists. */
struct mm_walk {
	unsigned level, index;
	paddr_t ptp;
	paddr_t path[5]; /* path[l]: the level-l PTP read, for l = 4 down to level */
	pte_t entry;
	bool leaf;
	bool w, u, nx;
};

/* mm_walk: the one page-table walk of the outer kernel: the tables of L4
 * `l4` (physical) for virtual address va, into *w. Reads only; the tables
 * are read through the direct map. Inline, so that a caller pays only for
 * the fields it reads (fork walks once per page). Source: SDM Vol. 3A 4.5. */
static inline void mm_walk(paddr_t l4, uint64_t va, struct mm_walk *w)
{
	*w = (struct mm_walk){.w = true, .u = true, .ptp = l4};
	for (unsigned level = 4;; level--) {
		w->level = level;
		w->path[level] = w->ptp;
		w->index = pt_index(va, level);
		w->entry = ((const pte_t *)pa_to_dm(w->ptp))[w->index];
		if (!pte_present(w->entry))
			return;
		w->w &= pte_writable(w->entry);
		w->u &= pte_user(w->entry);
		w->nx |= pte_nx(w->entry);
		if (pte_is_leaf(w->entry, level)) {
			w->leaf = true;
			return;
		}
		w->ptp = pte_frame(w->entry, level);
	}
}

/* mm_walk_l1: the L1 PTP covering virtual va in the address space of L4
 * `l4`, declaring missing PTPs (levels 3..1) through nk when create.
 * Returns 0 and *out, -NK_ENOTPTP when absent and !create, -NK_EHUGE on a
 * huge mapping, -NK_ERANGE when out of frames, or nk's error. */
long mm_walk_l1(paddr_t l4, uint64_t va, bool create, paddr_t *out);
/* mm_leaf: the PTP and index holding va's 4 KiB leaf entry (false if the
 * path is missing). */
bool mm_leaf(paddr_t l4, uint64_t va, paddr_t *ptp, unsigned *index);

/* Device memory (MMIO) mappings live in the upper half of the heap's
 * 512 GiB (HEAP_BASE's L4 entry, which nk made outer-extendable): the heap
 * grows up from HEAP_BASE and cannot reach MMIO_BASE (outer/mm.c says
 * why). The window is cut
 * into MMIO_SLOTS slots of MMIO_SLOT_BYTES; a mapping takes whole slots,
 * which an unmap gives back (their L1 PTPs stay declared for the next). */
#define MMIO_BASE (HEAP_BASE + (1ull << 38))
#define MMIO_SLOT_BYTES HUGE_2M_SIZE
#define MMIO_SLOTS 64u

/* mm_map_mmio: map `bytes` of device memory at physical address pa
 * (not necessarily page-aligned) into the kernel half: whole 4 KiB pages,
 * writable, NX, uncached (PCD|PWT: PAT entry 3, UC at power-on and never
 * rewritten, since nk pins IA32_PAT; SDM Vol. 3A 12.12.3, "Selecting a
 * Memory Type from the PAT"), each through nk_write_pte (mm_map). The
 * range must lie outside the RAM nk tracks (any frame below nframes that
 * is not HOLE): mapping RAM uncached would alias its cached direct map.
 * Returns 0 and *out, the virtual address of pa itself; -EINVAL (bytes 0
 * or above MMIO_SLOTS * MMIO_SLOT_BYTES, the range wraps, or it covers
 * RAM), -ENOSPC (no run of free slots that large), -EPERM (nk refused an
 * entry; its reason is printed, and the pages mapped so far are removed). */
long mm_map_mmio(paddr_t pa, uint64_t bytes, volatile void **out);
/* mm_unmap_mmio: remove a mapping made by mm_map_mmio (va as returned,
 * bytes as given) and give its slots back. Returns 0, or -EINVAL when
 * va/bytes name no such mapping. */
long mm_unmap_mmio(volatile void *va, uint64_t bytes);
/* mmio_wait_clear: wait until the 64-bit device register at byte offset
 * off of base (a mapping from mm_map_mmio) has none of `mask`'s bits set,
 * polling, at most timeout_ms (10 ms steps of the 100 Hz timer; interrupts
 * must be on); a bounded wait the kernel makes for the running module
 * (module_block_begin/end: the watchdog leaves it out). Returns 0 or
 * -ETIMEDOUT. */
long mmio_wait_clear(volatile void *base, uint64_t off, uint64_t mask, unsigned timeout_ms);

/* kmalloc: n bytes of kernel heap (16-byte aligned), NULL when out. */
void *kmalloc(size_t n);
/* kfree: free a block from kmalloc (NULL is ignored). */
void kfree(void *p);
/* heap_pages: pages mapped for the heap so far. */
uint64_t heap_pages(void);
#endif
