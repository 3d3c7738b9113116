/* User address spaces: mmap, munmap, mprotect, brk. Source: Linux man 2
 * mmap/munmap/mprotect/brk. */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include "vm_internal.h"

/* ---- system calls ---- */

/* A free range of len bytes below USER_MMAP_TOP (top down), or 0. */
static uint64_t find_free(struct mm *mm, uint64_t len)
{
	uint64_t end = USER_MMAP_TOP;
	while (end >= len + (1ull << 32)) {
		uint64_t start = end - len, lowest = end;
		for (struct vma *v = mm->vmas; v; v = v->next)
			if (v->start < end && start < v->end && v->start < lowest)
				lowest = v->start;
		if (lowest == end)
			return start;
		end = lowest;
	}
	return 0;
}

long sys_mmap(const uint64_t *a)
{
	uint64_t addr = a[0], len = a[1], off = a[5];
	uint32_t prot = (uint32_t)a[2], flags = (uint32_t)a[3];
	int fd = (int)a[4];
	struct mm *mm = current->mm;
	if (!len || (off & (PAGE_SIZE - 1)) || (prot & ~7u))
		return -EINVAL;
	uint32_t type = flags & (MAP_SHARED | MAP_PRIVATE);
	if (type != MAP_SHARED && type != MAP_PRIVATE)
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	len = align_up(len, PAGE_SIZE);
	struct inode *ip = NULL;
	uint64_t file_end = 0;
	if (!(flags & MAP_ANONYMOUS)) {
		if (fd < 0 || fd >= NR_OPEN || !current->fd[fd])
			return -EBADF;
		struct file *f = current->fd[fd];
		if (!f->ip || (inode_mode(f->ip) & S_IFMT) != S_IFREG)
			return -ENODEV;
		if ((f->flags & O_ACCMODE) == O_WRONLY)
			return -EACCES;
		/* shared writable file mappings would need write-back: refused */
		if (type == MAP_SHARED && (prot & PROT_WRITE))
			return -EACCES;
		ip = f->ip;
	}
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if ((addr & (PAGE_SIZE - 1)) || !user_range_ok(addr, len) || !addr)
			return -EINVAL;
		if (!vma_range_free(mm, addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			long r = vm_unmap_range(mm, addr, len);
			if (r)
				return r;
		}
	} else {
		addr &= ~(PAGE_SIZE - 1);
		if (!addr || !user_range_ok(addr, len) || !vma_range_free(mm, addr, addr + len))
			addr = find_free(mm, len);
		if (!addr)
			return -ENOMEM;
	}
	if (ip)
		file_end = addr + len;
	uint32_t vflags = (flags & MAP_GROWSDOWN) ? VMA_GROWSDOWN : 0;
	long r = vma_map(mm, addr, len, prot, vflags, ip, off, file_end);
	return r ? r : (long)addr;
}

long sys_munmap(const uint64_t *a)
{
	uint64_t addr = a[0], len = a[1];
	if ((addr & (PAGE_SIZE - 1)) || !len || !user_range_ok(addr, len))
		return -EINVAL;
	return vm_unmap_range(current->mm, addr, align_up(len, PAGE_SIZE));
}

long sys_mprotect(const uint64_t *a)
{
	uint64_t addr = a[0], len = align_up(a[1], PAGE_SIZE);
	uint32_t prot = (uint32_t)a[2];
	struct mm *mm = current->mm;
	if ((addr & (PAGE_SIZE - 1)) || (prot & ~7u) || !user_range_ok(addr, len))
		return -EINVAL;
	if (!len)
		return 0;
	/* the whole range must be mapped (Linux: ENOMEM otherwise) */
	for (uint64_t va = addr; va < addr + len;) {
		struct vma *v = vma_find(mm, va);
		if (!v)
			return -ENOMEM;
		va = v->end;
	}
	long r = vma_split(mm, addr);
	if (!r)
		r = vma_split(mm, addr + len);
	if (r)
		return r;
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (v->start >= addr && v->end <= addr + len)
			v->prot = prot;
	nkq_sync_ptes();
	vm_each_l1(mm->l4, addr, addr + len, vm_protect_l1, &prot);
	return 0;
}

long sys_brk(const uint64_t *a)
{
	struct mm *mm = current->mm;
	uint64_t want = a[0];
	if (want < mm->brk_base || want >= USER_MMAP_TOP)
		return (long)mm->brk;
	uint64_t old_end = align_up(mm->brk, PAGE_SIZE), new_end = align_up(want, PAGE_SIZE);
	if (new_end > old_end) {
		if (!vma_range_free(mm, old_end, new_end))
			return (long)mm->brk;
		struct vma *v = old_end > mm->brk_base ? vma_find(mm, old_end - 1) : NULL;
		if (v && (v->flags & VMA_HEAP) && v->end == old_end) {
			v->end = new_end;
		} else if (vma_map(mm, old_end, new_end - old_end, PROT_READ | PROT_WRITE, VMA_HEAP,
				   NULL, 0, 0)) {
			return (long)mm->brk;
		}
	} else if (new_end < old_end) {
		vm_unmap_range(mm, new_end, old_end - new_end);
	}
	mm->brk = want;
	return (long)want;
}

/* ---- mremap ---- */

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

/* Move the pages of [from, from+len) (one VMA, v) to [to, to+len) and give
 * the new place a VMA of new_len bytes with v's protection and backing;
 * [to, to+new_len) is free. The leaf entries move as they are (frames and
 * share counts unchanged), through nk in batches; then the old range is
 * unmapped (nothing left in it to free). Errors, before anything moved:
 * -ENOMEM (a page table or the VMA could not be made). */
static long move_pages(struct mm *mm, struct vma *v, uint64_t from, uint64_t len, uint64_t to,
		       uint64_t new_len)
{
	paddr_t l1;
	nkq_sync_ptes(); /* the old entries as they are */
	for (uint64_t va = to; va < to + len; va = (va | (PAGE_SIZE * 512 - 1)) + 1)
		if (mm_walk_l1(mm->l4, va, true, &l1))
			return -ENOMEM;
	uint64_t file_end = 0; /* file bytes stop where they stopped in the old place */
	if (v->ip)
		file_end = v->file_end > from ? to + (v->file_end - from) : to;
	long r = vma_map(mm, to, new_len, v->prot, v->flags & VMA_GROWSDOWN, v->ip,
			 v->off + (from - v->start), file_end);
	if (r)
		return r;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		paddr_t ol1, nl1;
		if (mm_walk_l1(mm->l4, from + off, false, &ol1)) {
			/* no L1 here: on to the next 2 MiB boundary of from + off */
			off = (((from + off) | (PAGE_SIZE * 512 - 1)) + 1 - from) - PAGE_SIZE;
			continue;
		}
		unsigned oi = pt_index(from + off, 1);
		pte_t e = vm_entries(ol1)[oi];
		if (!vm_pte_holds(e))
			continue;
		if (mm_walk_l1(mm->l4, to + off, false, &nl1))
			panic("mremap: the L1 made for %lx is gone", to + off);
		vm_batch_add(nl1, pt_index(to + off, 1), e, pa_init(0));
		vm_batch_add(ol1, oi, 0, pa_init(0));
	}
	return vm_unmap_range(mm, from, len); /* sends the moves first (nkq_sync_ptes) */
}

long sys_mremap(const uint64_t *a)
{
	uint64_t old = a[0], old_len = align_up(a[1], PAGE_SIZE),
		 new_len = align_up(a[2], PAGE_SIZE);
	uint64_t flags = a[3], want = a[4];
	struct mm *mm = current->mm;
	if (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((old & (PAGE_SIZE - 1)) || !a[2] || !old_len || a[1] > USER_TOP || a[2] > USER_TOP)
		return -EINVAL;
	if (!user_range_ok(old, old_len))
		return -EFAULT;
	if (flags & MREMAP_FIXED) {
		if ((want & (PAGE_SIZE - 1)) || !want || !user_range_ok(want, new_len))
			return -EINVAL;
		if (want < old + old_len && old < want + new_len)
			return -EINVAL; /* the ranges overlap */
	}
	struct vma *v = vma_find(mm, old);
	if (!v || old + old_len > v->end)
		return -EFAULT; /* not mapped, or more than one mapping */
	if (!(flags & MREMAP_FIXED)) {
		if (new_len <= old_len) {
			if (new_len < old_len) {
				long r = vm_unmap_range(mm, old + new_len, old_len - new_len);
				if (r)
					return r;
			}
			return (long)old;
		}
		/* grow in place when the VMA ends here and what follows is free */
		if (old + old_len == v->end && user_range_ok(old, new_len) &&
		    old + new_len <= USER_MMAP_TOP && vma_range_free(mm, v->end, old + new_len)) {
			v->end = old + new_len;
			return (long)old;
		}
		if (!(flags & MREMAP_MAYMOVE))
			return -ENOMEM;
		want = find_free(mm, new_len);
		if (!want)
			return -ENOMEM;
	} else {
		long r = vm_unmap_range(mm, want, new_len);
		if (r)
			return r;
	}
	/* the moved part is the smaller of the two lengths; a shrink drops the rest */
	uint64_t move_len = new_len < old_len ? new_len : old_len;
	if (move_len < old_len) {
		long r = vm_unmap_range(mm, old + move_len, old_len - move_len);
		if (r)
			return r;
	}
	long r = vma_split(mm, old);
	if (!r)
		r = vma_split(mm, old + move_len);
	if (r)
		return r;
	v = vma_find(mm, old);
	r = move_pages(mm, v, old, move_len, want, new_len);
	return r ? r : (long)want;
}
