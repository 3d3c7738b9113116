/* User address spaces: the page-fault handler (demand-zero, file pages,
 * copy-on-write, stack growth). Source: SDM Vol. 3A 4.7 (#PF error code). */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include "vm_internal.h"

/* ---- the page-fault handler ---- */

/* Fill a fresh frame for page va of v: zeros, or the file's bytes. */
static long fill_page(struct vma *v, uint64_t va, paddr_t f)
{
	if (!v->ip || va >= v->file_end)
		return 0;
	uint64_t n = v->file_end - va < PAGE_SIZE ? v->file_end - va : PAGE_SIZE;
	long r = inode_read(v->ip, pa_to_dm(f), v->off + (va - v->start), n);
	return r < 0 ? -EFAULT : 0;
}

/* A fault just below a stack VMA extends it, up to USER_STACK_MAX. */
static struct vma *grow_stack(struct mm *mm, uint64_t va)
{
	for (struct vma *v = mm->vmas; v; v = v->next) {
		if (!(v->flags & VMA_GROWSDOWN) || va >= v->start)
			continue;
		uint64_t page = va & ~(PAGE_SIZE - 1);
		if (v->end - page > USER_STACK_MAX || v->start - page > (1u << 20))
			return NULL;
		if (!vma_range_free(mm, page, v->start))
			return NULL;
		v->start = page;
		return v;
	}
	return NULL;
}

/* fault_in: vm_fault's work, its PTE changes queued (include/outer/nkq.h). */
static long fault_in(struct mm *mm, uint64_t va, uint64_t err)
{
	if (!mm || va >= USER_TOP)
		return -EFAULT;
	struct vma *v = vma_find(mm, va);
	if (!v)
		v = grow_stack(mm, va);
	if (!v || !v->prot)
		return -EFAULT;
	if ((err & PFERR_W) && !(v->prot & PROT_WRITE))
		return -EFAULT;
	if ((err & PFERR_I) && !(v->prot & PROT_EXEC))
		return -EFAULT;
	uint64_t page = va & ~(PAGE_SIZE - 1);
	paddr_t l1;
	if (mm_walk_l1(mm->l4, page, true, &l1))
		return -ENOMEM;
	unsigned i = pt_index(page, 1);
	pte_t e = nkq_pending_declare(l1) ? 0 : vm_entries(l1)[i]; /* a new L1 is empty */
	if (vm_pte_holds(e)) {
		if (!pte_present(e)) { /* held for PROT_NONE, yet the VMA allows it */
			nkq_pte(l1, i, vm_user_pte(pte_frame(e, 1), v->prot, false), pa_init(0));
			return 0;
		}
		paddr_t f = pte_frame(e, 1);
		if (!(err & PFERR_W) || pte_writable(e))
			return 0; /* already resolved (a stale TLB entry) */
		if (vm_frame_refs[pa_pfn(f)] == 1) {
			nkq_pte(l1, i, vm_user_pte(f, v->prot, true), pa_init(0));
			return 0;
		}
		paddr_t n = frame_alloc();
		if (!pa_addr(n))
			return -ENOMEM;
		memcpy(pa_to_dm(n), pa_to_dm(f), PAGE_SIZE);
		vm_frame_ref(n);
		nkq_pte(l1, i, vm_user_pte(n, v->prot, true), f); /* f dropped once it is in */
		return 0;
	}
	paddr_t f = frame_alloc();
	if (!pa_addr(f))
		return -ENOMEM;
	if (fill_page(v, page, f)) {
		frame_free(f);
		return -EFAULT;
	}
	vm_frame_ref(f);
	nkq_pte(l1, i, vm_user_pte(f, v->prot, true), pa_init(0));
	mm->pages++;
	return 0;
}

long vm_fault(struct mm *mm, uint64_t va, uint64_t err)
{
	nkq_sync_ptes(); /* the entries as they are */
	long r = fault_in(mm, va, err);
	nkq_flush(); /* one crossing: new PTPs, their links and the entry */
	return r;
}
