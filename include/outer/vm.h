/* User address spaces: one L4 per process (declared through nk, kernel
 * half shared: I9), a list of VMAs, and the page-fault handler that fills
 * them in (demand zero, copy-on-write, private file pages, stack growth).
 * Every page-table change goes through the vMMU, in batches where a path
 * changes many entries (spec section 5; issue "monolith"). */
#ifndef OUTER_VM_H
#define OUTER_VM_H
#include <nk/types.h>

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x100
#define MAP_FIXED_NOREPLACE 0x100000

#define VMA_GROWSDOWN 1u /* a stack: faults just below it extend it */
#define VMA_HEAP 2u	 /* the brk area */

#define USER_STACK_TOP 0x00007ffffffff000ull /* bytes; the stack grows down */
#define USER_STACK_MAX (8ull << 20)	     /* bytes (RLIMIT_STACK) */
#define USER_MMAP_TOP 0x00007f0000000000ull  /* mmap without a hint: below here */

struct inode;

struct vma {
	uint64_t start, end; /* virtual, page aligned, [start, end) */
	uint32_t prot;	     /* PROT_* */
	uint32_t flags;	     /* VMA_* */
	struct inode *ip;    /* private file mapping (referenced), or NULL */
	uint64_t off;	     /* file offset of start, bytes */
	uint64_t file_end;   /* virtual: file bytes stop here, zeros after */
	struct vma *next;    /* sorted by start */
};

struct mm {
	paddr_t l4;
	struct vma *vmas;
	uint64_t brk_base, brk; /* virtual, bytes */
	uint64_t pages;		/* user pages mapped */
	int users;		/* processes sharing it (vfork with CLONE_VM) */
};

/* vm_create: an empty address space (a new L4 declared to nk).
 * Returns NULL when out of memory. */
struct mm *vm_create(void);
/* vm_destroy: unmap everything, give the PTPs back to DATA (nk_remove_ptp,
 * top down) and free them. mm must not be the loaded address space. */
void vm_destroy(struct mm *mm);
/* vm_fork: a copy-on-write copy of mm (writable pages become read-only in
 * both, sharing frames). Returns NULL when out of memory. */
struct mm *vm_fork(struct mm *mm);
/* vm_activate: load mm's L4 into CR3 through nk (the queue of
 * include/outer/nkq.h flushed with it). vm_activate_queued: queue the load
 * only (exec: the next user access or the system call's end sends it). */
void vm_activate(struct mm *mm);
void vm_activate_queued(struct mm *mm);
/* vma_map: add a VMA [start, start+len) (page aligned, bytes) with prot,
 * flags, and optional private file backing ip from byte offset off, whose
 * file bytes end at virtual file_end. Replaces nothing: the range must be
 * free. Returns 0, -EINVAL or -ENOMEM. */
long vma_map(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags,
	     struct inode *ip, uint64_t off, uint64_t file_end);
/* vm_unmap_range: remove [start, start+len) (page aligned) from mm: VMAs split
 * or dropped, pages unmapped in batches and freed. Returns 0 or -ENOMEM. */
long vm_unmap_range(struct mm *mm, uint64_t start, uint64_t len);
/* vm_fault: resolve a page fault at virtual va with #PF error code err
 * (SDM Vol. 3A 4.7) in the current process's mm. Returns 0 when resolved,
 * -EFAULT for a bad access (the caller kills with SIGSEGV or fixes up a
 * user copy), -ENOMEM when out of memory (the caller kills). */
long vm_fault(struct mm *mm, uint64_t va, uint64_t err);
/* vm_addr_mapped: whether a VMA of mm holds user address va (a fault there
 * is SEGV_ACCERR, elsewhere SEGV_MAPERR: man 2 sigaction). */
bool vm_addr_mapped(struct mm *mm, uint64_t va);

/* The memory system calls (Linux man 2 mmap, munmap, mprotect, brk); a[] as
 * in include/outer/syscall.h, addresses virtual, lengths in bytes.
 * sys_mmap(addr, len, prot, flags, fd, off): anonymous or private file
 * mappings (shared ones only read-only); returns the address, -EINVAL,
 * -EBADF, -EACCES, -ENODEV, -EEXIST (MAP_FIXED_NOREPLACE) or -ENOMEM.
 * sys_munmap(addr, len): -EINVAL for an unaligned or empty range.
 * sys_mprotect(addr, len, prot): -EINVAL, or -ENOMEM when part of the
 * range is unmapped. sys_brk(addr): the new break, or the old one when
 * refused (never an error). */
long sys_mmap(const uint64_t *a);
long sys_munmap(const uint64_t *a);
long sys_mprotect(const uint64_t *a);
long sys_brk(const uint64_t *a);
/* sys_mremap(old, old_len, new_len, flags, new_addr): Linux man 2 mremap
 * for private mappings: shrink in place, grow in place when the space
 * after the mapping is free, else move (MREMAP_MAYMOVE; MREMAP_FIXED to
 * new_addr, replacing what is there) with the page-table entries moved
 * through the vMMU (frames are not copied). Returns the new address, or
 * -EINVAL (unaligned old, zero new_len or old_len, bad flags, FIXED
 * without MAYMOVE or overlapping), -EFAULT (old range not one mapping),
 * -ENOMEM (no room, MAYMOVE not given, out of memory). */
long sys_mremap(const uint64_t *a);
#endif
