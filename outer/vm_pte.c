/* User address spaces, the PTE layer: the copy-on-write share counts, the
 * walk over a user range's L1s (the PTE writes go to nk through the
 * queue of include/outer/nkq.h).
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
