/* The user address spaces' shared part (outer/vm_pte.c, vm_space.c,
 * vm_fault.c, vm_sys.c; private to them): the PTE layer (copy-on-write
 * share counts, the queued PTE writes, the user-half L1 walk) and the VMA
 * helpers more than one of them calls. Source: SDM Vol. 3A 4.5. */
#ifndef OUTER_VM_INTERNAL_H
#define OUTER_VM_INTERNAL_H

#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/vm.h>
#include <outer/nkq.h>

/* A PROT_NONE page keeps its frame in a not-present entry marked with
 * this software bit (SDM 4.5: the CPU ignores the other bits of an entry
 * whose P is 0, and nk validates only present vm_entries), so its contents
 * survive until mprotect makes it accessible again. */
#define PTE_HELD PTE_SW1

/* Per 4 KiB frame, how many user mappings share it (0: not a user page;
 * outer/vm_pte.c). */
extern uint16_t *vm_frame_refs;

static inline void vm_frame_ref(paddr_t f)
{
	vm_frame_refs[pa_pfn(f)]++;
}

static inline void vm_frame_unref(paddr_t f)
{
	uint16_t *r = &vm_frame_refs[pa_pfn(f)];
	if (*r == 0)
		panic("frame_unref: frame %lx has no references", pa_addr(f));
	if (--*r == 0)
		frame_free(f);
}

static inline pte_t *vm_entries(paddr_t ptp)
{
	return pa_to_dm(ptp);
}

/* Whether leaf entry e holds a frame (mapped, or PROT_NONE). */
static inline bool vm_pte_holds(pte_t e)
{
	return pte_present(e) || (e & PTE_HELD);
}

/* The leaf entry a user page gets: not present (held) for PROT_NONE; NX
 * unless executable; writable only when writable (not COW). */
static inline pte_t vm_user_pte(paddr_t f, uint32_t prot, bool writable)
{
	if (!prot)
		return pte_make(f, PTE_HELD);
	uint64_t fl = PTE_P | PTE_U;
	if (writable && (prot & PROT_WRITE))
		fl |= PTE_W;
	if (!(prot & PROT_EXEC))
		fl |= PTE_NX;
	return pte_make(f, fl);
}

/* Call fn for every L1 PTP of l4 that maps part of [start, end) (user
 * half), with the entry range [i0, i1) inside it and the L1's base va. */
typedef void (*l1_fn)(paddr_t l1, uint64_t base, unsigned i0, unsigned i1, void *ctx);

/* vm_refs_init: allocate the share counts (one per RAM frame), once;
 * panics when the heap cannot hold them (boot). */
void vm_refs_init(void);

/* vm_batch_add: queue entry `index` (0..511) of PTP ptp := pte for the
 * next multicall (include/outer/nkq.h); unref, when not 0, is a frame to
 * unreference once it is in. */
static inline void vm_batch_add(paddr_t ptp, unsigned index, pte_t pte, paddr_t unref)
{
	nkq_pte(ptp, index, pte, unref);
}

/* vm_each_l1: the walk above, over [start, end) (user virtual addresses,
 * bytes); absent and huge entries are skipped. */
void vm_each_l1(paddr_t l4, uint64_t start, uint64_t end, l1_fn fn, void *ctx);

/* vma_range_free: whether no VMA of mm overlaps [start, end) (bytes). */
bool vma_range_free(struct mm *mm, uint64_t start, uint64_t end);

/* vma_find: the VMA of mm that holds user address va, or NULL (inline:
 * every page fault asks). */
static inline struct vma *vma_find(struct mm *mm, uint64_t va)
{
	for (struct vma *v = mm->vmas; v && v->start <= va; v = v->next)
		if (va < v->end)
			return v;
	return NULL;
}

/* vma_split: make va a VMA boundary (split the VMA containing it).
 * Returns 0 or -ENOMEM. */
long vma_split(struct mm *mm, uint64_t va);

/* vm_protect_l1: an l1_fn (ctx: const uint32_t *, the new PROT_* bits):
 * rewrite the held entries of [i0, i1) of l1 with that protection,
 * writable only where the frame is not shared (mprotect). */
void vm_protect_l1(paddr_t l1, uint64_t base, unsigned i0, unsigned i1, void *p);

#endif
