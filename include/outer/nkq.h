/* The outer kernel's queue of nk operations: the vMMU changes and region
 * writes of a system call (or page fault, or context switch) collected and
 * sent to nk in one nk_multicall (include/nk/vmmu.h) when the kernel next
 * needs them in effect: nkq_flush. Spec section 5; issue 19.
 *
 * When the queue is flushed (the rule every user of it keeps):
 *   - before the kernel touches user memory (copy_to_user and friends);
 *   - before a context switch and at the end of a page fault;
 *   - at the end of each system call, with its audit exit record (and at
 *     its start with the entry record: outer/audit.c);
 *   - before a vMMU path reads leaf entries it may have queued writes to
 *     (nkq_sync_ptes: at the start of fork, munmap, mprotect, mremap, a
 *     fault, an address space's destruction);
 *   - when the kernel needs a kernel-half mapping now (heap, MMIO).
 * Until the flush the queued changes are not in the page tables; mm_walk_l1
 * sees the queue's pending links (nkq_pending_link), so a PTP's
 * declaration, its link and its entries travel together. Frames a queued
 * change stops using are freed only after the flush (TLB: I10).
 * One CPU (NK_CPUS); interrupts do not queue. */
#ifndef OUTER_NKQ_H
#define OUTER_NKQ_H
#include <nk/vmmu.h>

/* nkq_declare / nkq_remove / nkq_pte / nkq_cr3: queue nk_declare_ptp,
 * nk_remove_ptp (parent, index: the entry linking frame, when a queued
 * remove removes that parent first, else parent 0: the hint of struct
 * nk_op; keep: NK_RM_KEEP, the frame stays read-only for the PTP pool;
 * nkq_free_after gives the frame back after the flush),
 * nk_write_pte (unref, when not 0: a user frame whose share count drops
 * after the flush), nk_load_cr3. The queue flushes itself first when full.
 * nkq_link: nkq_pte of a non-leaf entry that makes PTP child reachable
 * from (ptp, index), recorded for mm_walk_l1. */
void nkq_declare(paddr_t frame, unsigned level);
void nkq_remove(paddr_t frame, paddr_t parent, unsigned index, bool keep);
void nkq_pte(paddr_t ptp, unsigned index, pte_t pte, paddr_t unref);
void nkq_link(paddr_t ptp, unsigned index, pte_t pte);
void nkq_cr3(paddr_t l4);

/* nkq_free_after: give frame back to the allocator after the next flush. */
void nkq_free_after(paddr_t frame);
/* nkq_pool_after: hand frame, removed with keep (NK_RM_KEEP), to the PTP
 * pool after the next flush (ptp_pool_put: its room was reserved). */
void nkq_pool_after(paddr_t frame);

/* nkq_unref: drop a user frame's share count after the next flush. */
void nkq_unref(paddr_t frame);

/* nkq_write: queue nk_write(id, dst, src, len): the len bytes of src are
 * copied into the queue now (len <= NK_MC_DATA_BYTES). nk's write log
 * names the flush's caller and, as the outer-supplied tag, the return
 * address of nkq_write's caller. */
void nkq_write(long id, void *dst, const void *src, size_t len);

/* nkq_flush: send everything queued in one nk_multicall (more when nk
 * names a capacity split, NK_EMCFULL), then free and unreference what the
 * queued changes released. A refusal is a kernel bug: panic with the
 * operation and its error. No-op when empty. */
void nkq_flush(void);

/* nkq_sync_ptes: nkq_flush when a PTE write or a declaration is queued
 * (the page tables in memory are then as the queue leaves them). */
void nkq_sync_ptes(void);

/* nkq_pending_link: the PTP a queued link puts at (ptp, index), or 0. */
paddr_t nkq_pending_link(paddr_t ptp, unsigned index);

/* nkq_pending_declare: whether a queued declare names frame (its memory
 * is not a PTP's yet: its entries are those the queue links into it). */
bool nkq_pending_declare(paddr_t frame);

/* nkq_cr3_target: the L4 that is loaded once the queue is flushed. */
paddr_t nkq_cr3_target(void);

/* nkq_pending: operations queued now (tests). */
unsigned nkq_pending(void);
#endif
