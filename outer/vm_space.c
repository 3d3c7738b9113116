/* User address spaces (include/outer/vm.h): VMAs, the page-fault handler,
 * fork's copy-on-write, and mmap/munmap/mprotect/brk.
 * Page-table entries change only through nk, queued (include/outer/nkq.h)
 * and sent in one nk_multicall when the kernel next needs them: a fork's
 * declarations, links and entries, an exit's removals travel together. Source: SDM Vol. 3A 4.5
 * (4-level paging), 4.7
 * (#PF error code); Linux man 2 mmap/munmap/mprotect/brk. */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include "vm_internal.h"

/* ---- address spaces ---- */
struct mm *vm_create(void)
{
	vm_refs_init();
	struct mm *mm = kmalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	memset(mm, 0, sizeof(*mm));
	mm->users = 1;
	mm->l4 = ptp_frame_alloc();
	if (!pa_addr(mm->l4)) {
		kfree(mm);
		return NULL;
	}
	nkq_declare(mm->l4, 4);
	return mm;
}

void vm_activate(struct mm *mm)
{
	nkq_cr3(mm->l4);
	nkq_flush();
}

void vm_activate_queued(struct mm *mm)
{
	nkq_cr3(mm->l4);
}

static void vma_free(struct vma *v)
{
	if (v->ip)
		inode_put(v->ip);
	kfree(v);
}

/* Remove PTP t of `level` (linked from entry index of parent, which is
 * removed first; parent 0 for the L4) and everything below it, queued:
 * the removal first (nk drops the references its entries held), then its
 * children, each with the hint of its link; t and the frames its entries
 * held are freed after the flush. */
static void remove_tree(paddr_t t, unsigned level, paddr_t parent, unsigned index)
{
	bool keep = ptp_pool_reserve(); /* t goes to the PTP pool, read-only */
	nkq_remove(t, parent, index, keep);
	pte_t *e = vm_entries(t);
	unsigned n = level == 4 ? 256 : 512;
	for (unsigned i = 0; i < n; i++) {
		if (level == 1 && vm_pte_holds(e[i]))
			nkq_unref(pte_frame(e[i], 1));
		else if (level > 1 && pte_present(e[i]))
			remove_tree(pte_frame(e[i], level), level - 1, t, i);
	}
	if (keep) /* once its entries were read */
		nkq_pool_after(t);
	else
		nkq_free_after(t);
}

void vm_destroy(struct mm *mm)
{
	nkq_sync_ptes(); /* its tables as they are, in memory */
	if (pa_addr(nkq_cr3_target()) == pa_addr(mm->l4))
		panic("vm_destroy: the address space is loaded");
	while (mm->vmas) {
		struct vma *v = mm->vmas;
		mm->vmas = v->next;
		vma_free(v);
	}
	remove_tree(mm->l4, 4, pa_init(0), 0);
	kfree(mm);
}

bool vma_range_free(struct mm *mm, uint64_t start, uint64_t end)
{
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			return false;
	return true;
}

static void vma_insert(struct mm *mm, struct vma *n)
{
	struct vma **p = &mm->vmas;
	while (*p && (*p)->start < n->start)
		p = &(*p)->next;
	n->next = *p;
	*p = n;
}

long vma_map(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags,
	     struct inode *ip, uint64_t off, uint64_t file_end)
{
	if ((start | len) & (PAGE_SIZE - 1) || !len || !user_range_ok(start, len))
		return -EINVAL;
	if (!vma_range_free(mm, start, start + len))
		return -EINVAL;
	struct vma *v = kmalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	*v = (struct vma){.start = start,
			  .end = start + len,
			  .prot = prot,
			  .flags = flags,
			  .ip = ip,
			  .off = off,
			  .file_end = file_end};
	if (ip)
		inode_get(ip);
	vma_insert(mm, v);
	return 0;
}

/* Make va a VMA boundary (split the VMA containing it). */
long vma_split(struct mm *mm, uint64_t va)
{
	struct vma *v = vma_find(mm, va);
	if (!v || v->start == va)
		return 0;
	struct vma *n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->start = va;
	if (n->ip) {
		n->off += va - v->start;
		inode_get(n->ip);
	}
	v->end = va;
	v->next = n;
	return 0;
}

/* The parent's L1s that hold pages, FORK_CHUNK at a time: the child's
 * tables above all of them first (declared and linked in the queue), then
 * their pages, so that the list declares every table before its first
 * copy-on-write revocation and nk shoots the declared frames' direct-map
 * aliases down once for them all (nk/multicall.c, nk_mc_declare_early).
 * One walk of the parent's tables collects them. */
#define FORK_CHUNK 32

struct fork_ctx {
	struct mm *child;
	long err;
	unsigned n;
	struct {
		paddr_t l1;
		uint64_t base; /* user virtual, bytes: the L1's 2 MiB */
		uint16_t i0, i1;
	} l1s[FORK_CHUNK];
};

/* The chunk collected: tables, then pages (writable ones copy-on-write
 * in both). */
static void fork_chunk(struct fork_ctx *c)
{
	paddr_t cl1[FORK_CHUNK];
	for (unsigned k = 0; k < c->n && !c->err; k++)
		if (mm_walk_l1(c->child->l4, c->l1s[k].base, true, &cl1[k]))
			c->err = -ENOMEM;
	for (unsigned k = 0; k < c->n && !c->err; k++) {
		const pte_t *e = vm_entries(c->l1s[k].l1);
		for (unsigned i = c->l1s[k].i0; i < c->l1s[k].i1; i++) {
			pte_t pte = e[i];
			if (!vm_pte_holds(pte))
				continue;
			vm_frame_ref(pte_frame(pte, 1));
			c->child->pages++;
			if (pte_present(pte) && pte_writable(pte)) {
				pte &= ~PTE_W; /* copy-on-write in both */
				vm_batch_add(c->l1s[k].l1, i, pte, pa_init(0));
			}
			vm_batch_add(cl1[k], i, pte & ~(PTE_A | PTE_D), pa_init(0));
		}
	}
	c->n = 0;
}

static void fork_l1(paddr_t l1, uint64_t base, unsigned i0, unsigned i1, void *p)
{
	struct fork_ctx *c = p;
	const pte_t *e = vm_entries(l1);
	unsigned first = i0;
	while (first < i1 && !vm_pte_holds(e[first]))
		first++;
	if (first == i1 || c->err)
		return;
	c->l1s[c->n].l1 = l1;
	c->l1s[c->n].base = base;
	c->l1s[c->n].i0 = (uint16_t)first;
	c->l1s[c->n].i1 = (uint16_t)i1;
	if (++c->n == FORK_CHUNK)
		fork_chunk(c);
}

struct mm *vm_fork(struct mm *mm)
{
	nkq_sync_ptes(); /* the parent's entries as they are */
	struct mm *c = vm_create();
	if (!c)
		return NULL;
	for (struct vma *v = mm->vmas; v; v = v->next) {
		struct vma *n = kmalloc(sizeof(*n));
		if (!n) {
			vm_destroy(c);
			return NULL;
		}
		*n = *v;
		n->next = NULL;
		if (n->ip)
			inode_get(n->ip);
		vma_insert(c, n);
	}
	c->brk_base = mm->brk_base;
	c->brk = mm->brk;
	struct fork_ctx ctx; /* l1s[0, n) only: not zeroed */
	ctx.child = c;
	ctx.err = 0;
	ctx.n = 0;
	vm_each_l1(mm->l4, 0, USER_TOP, fork_l1, &ctx);
	fork_chunk(&ctx);
	if (ctx.err) {
		vm_destroy(c);
		return NULL;
	}
	return c;
}

static void unmap_l1(paddr_t l1, uint64_t base, unsigned i0, unsigned i1, void *p)
{
	struct mm *mm = p;
	(void)base;
	pte_t *e = vm_entries(l1);
	for (unsigned i = i0; i < i1; i++)
		if (vm_pte_holds(e[i])) {
			vm_batch_add(l1, i, 0, pte_frame(e[i], 1));
			mm->pages--;
		}
}

long vm_unmap_range(struct mm *mm, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;
	long r = vma_split(mm, start);
	if (!r)
		r = vma_split(mm, end);
	if (r)
		return r;
	for (struct vma **p = &mm->vmas; *p;) {
		struct vma *v = *p;
		if (v->start >= start && v->end <= end) {
			*p = v->next;
			vma_free(v);
		} else {
			p = &v->next;
		}
	}
	nkq_sync_ptes();
	vm_each_l1(mm->l4, start, end, unmap_l1, mm);
	return 0;
}

void vm_protect_l1(paddr_t l1, uint64_t base, unsigned i0, unsigned i1, void *p)
{
	uint32_t prot = *(const uint32_t *)p;
	(void)base;
	pte_t *e = vm_entries(l1);
	for (unsigned i = i0; i < i1; i++) {
		if (!vm_pte_holds(e[i]))
			continue;
		paddr_t f = pte_frame(e[i], 1);
		bool own = vm_frame_refs[pa_pfn(f)] == 1;
		pte_t n = vm_user_pte(f, prot, own);
		if (n != (e[i] & ~(PTE_A | PTE_D)))
			vm_batch_add(l1, i, n, pa_init(0));
	}
}

bool vm_addr_mapped(struct mm *mm, uint64_t va)
{
	return mm && vma_find(mm, va) != NULL;
}
