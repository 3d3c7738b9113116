/* User address spaces, the PTE layer: the copy-on-write share counts, the
 * batches of PTE writes sent to nk (one nk_write_ptes per up to
 * NK_BATCH_MAX entries), and the walk over a user range's L1s.
 * Source: SDM Vol. 3A 4.5. */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include "vm_internal.h"

/* ---- frame sharing counts for copy-on-write ---- */
uint16_t *vm_frame_refs; /* per 4 KiB frame; 0 = not a user page */

void vm_refs_init(void)
{
	if (vm_frame_refs)
		return;
	vm_frame_refs = kmalloc(nk_view->nframes * sizeof(uint16_t));
	if (!vm_frame_refs)
		panic("vm: no memory for the frame share counts");
	memset(vm_frame_refs, 0, nk_view->nframes * sizeof(uint16_t));
}

/* ---- batches of PTE writes ---- */
struct nk_pte_write vm_batch[NK_BATCH_MAX];
paddr_t vm_batch_unref[NK_BATCH_MAX];
unsigned vm_batch_n, vm_batch_nunref;

/* Send the batch to nk (one gate crossing, one TLB flush at most), then
 * drop the frames the old entries held: only now can no TLB reach them. */
void vm_batch_flush(void)
{
	if (vm_batch_n) {
		long r = nk_write_ptes(vm_batch, vm_batch_n);
		if (r)
			panic("vm: nk refused a batch of %u PTE writes: %s", vm_batch_n,
			      nk_strerror(-r));
	}
	for (unsigned i = 0; i < vm_batch_nunref; i++)
		vm_frame_unref(vm_batch_unref[i]);
	vm_batch_n = vm_batch_nunref = 0;
}

void vm_each_l1(paddr_t l4, uint64_t start, uint64_t end, l1_fn fn, void *ctx)
{
	uint64_t va = start;
	while (va < end) {
		struct mm_walk w;
		mm_walk(l4, va, &w);
		/* level 1: w.ptp is an L1 (it spans 2 MiB); else the entry at
		 * w.level is absent (or a leaf) and its span is skipped */
		uint64_t span = pt_span_bytes(w.level == 1 ? 2 : w.level);
		uint64_t next = (va & ~(span - 1)) + span;
		if (w.level == 1) {
			uint64_t stop = next < end ? next : end;
			unsigned i1 = stop == next ? 512 : pt_index(stop, 1);
			fn(w.ptp, va & ~(span - 1), pt_index(va, 1), i1, ctx);
		}
		if (next <= va)
			break;
		va = next;
	}
}
