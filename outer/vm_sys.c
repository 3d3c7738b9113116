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
	vm_each_l1(mm->l4, addr, addr + len, vm_protect_l1, &prot);
	vm_batch_flush();
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
