/* User address spaces (include/outer/vm.h): VMAs, the page-fault handler,
 * fork's copy-on-write, and mmap/munmap/mprotect/brk.
 * Page-table entries change only through nk: one nk_write_ptes batch per
 * up to NK_BATCH_MAX entries on the paths that touch many (fork, exit,
 * exec, munmap, mprotect). Source: SDM Vol. 3A 4.5 (4-level paging), 4.7
 * (#PF error code); Linux man 2 mmap/munmap/mprotect/brk. */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/uaccess.h>
#include <outer/vm.h>


/* ---- frame sharing counts for copy-on-write ---- */
static uint16_t *frame_refs; /* per 4 KiB frame; 0 = not a user page */
static uint64_t user_frames;

static void refs_init(void)
{
	if (frame_refs)
		return;
	frame_refs = kmalloc(nk_view->nframes * sizeof(uint16_t));
	if (!frame_refs)
		panic("vm: no memory for the frame share counts");
	memset(frame_refs, 0, nk_view->nframes * sizeof(uint16_t));
}

static void frame_ref(paddr_t f)
{
	if (frame_refs[pa_pfn(f)]++ == 0)
		user_frames++;
}

static void frame_unref(paddr_t f)
{
	uint16_t *r = &frame_refs[pa_pfn(f)];
	if (*r == 0)
		panic("frame_unref: frame %lx has no references", pa_addr(f));
	if (--*r == 0) {
		user_frames--;
		frame_free(f);
	}
}

uint64_t frames_user(void)
{
	return user_frames;
}

/* ---- batches of PTE writes ---- */
static struct nk_pte_write batch[NK_BATCH_MAX];
static paddr_t batch_unref[NK_BATCH_MAX]; /* frames to drop after the flush */
static unsigned batch_n, batch_nunref;

/* Send the batch to nk (one gate crossing, one TLB flush at most), then
 * drop the frames the old entries held: only now can no TLB reach them. */
static void batch_flush(void)
{
	if (batch_n) {
		long r = nk_write_ptes(batch, batch_n);
		if (r)
			panic("vm: nk refused a batch of %u PTE writes: %s", batch_n, nk_strerror(-r));
	}
	for (unsigned i = 0; i < batch_nunref; i++)
		frame_unref(batch_unref[i]);
	batch_n = batch_nunref = 0;
}

static void batch_add(paddr_t ptp, unsigned index, pte_t pte, paddr_t unref)
{
	if (batch_n == NK_BATCH_MAX)
		batch_flush();
	batch[batch_n++] = (struct nk_pte_write){ .ptp = ptp, .index = index, .pte = pte };
	if (pa_addr(unref))
		batch_unref[batch_nunref++] = unref;
}

static pte_t *entries(paddr_t ptp)
{
	return pa_to_dm(ptp);
}

/* A PROT_NONE page keeps its frame in a not-present entry marked with
 * this software bit (SDM 4.5: the CPU ignores the other bits of an entry
 * whose P is 0, and nk validates only present entries), so its contents
 * survive until mprotect makes it accessible again. */
#define PTE_HELD PTE_SW1

/* Whether leaf entry e holds a frame (mapped, or PROT_NONE). */
static bool pte_holds(pte_t e)
{
	return pte_present(e) || (e & PTE_HELD);
}

/* The leaf entry a user page gets: not present (held) for PROT_NONE; NX
 * unless executable; writable only when writable (not COW). */
static pte_t user_pte(paddr_t f, uint32_t prot, bool writable)
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

static void each_l1(paddr_t l4, uint64_t start, uint64_t end, l1_fn fn, void *ctx)
{
	uint64_t va = start;
	while (va < end) {
		paddr_t t = l4;
		unsigned level = 4;
		for (; level > 1; level--) {
			pte_t e = entries(t)[pt_index(va, level)];
			if (!pte_present(e) || pte_is_leaf(e, level))
				break;
			t = pte_frame(e, level);
		}
		/* level 1: t is an L1 (it spans 2 MiB); else the entry at
		 * `level` is absent and its span is skipped */
		uint64_t span = pt_span_bytes(level == 1 ? 2 : level);
		uint64_t next = (va & ~(span - 1)) + span;
		if (level == 1) {
			uint64_t stop = next < end ? next : end;
			unsigned i1 = stop == next ? 512 : pt_index(stop, 1);
			fn(t, va & ~(span - 1), pt_index(va, 1), i1, ctx);
		}
		if (next <= va)
			break;
		va = next;
	}
}

/* ---- address spaces ---- */
struct mm *mm_create(void)
{
	refs_init();
	struct mm *mm = kmalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	memset(mm, 0, sizeof(*mm));
	mm->users = 1;
	mm->l4 = frame_alloc();
	if (!pa_addr(mm->l4)) {
		kfree(mm);
		return NULL;
	}
	long r = nk_declare_ptp(mm->l4, 4);
	if (r)
		panic("mm_create: nk refused a fresh L4: %s", nk_strerror(-r));
	return mm;
}

void mm_activate(struct mm *mm)
{
	long r = nk_load_cr3(mm->l4);
	if (r)
		panic("mm_activate: nk refused CR3 %lx: %s", pa_addr(mm->l4), nk_strerror(-r));
}

static void vma_free(struct vma *v)
{
	if (v->ip)
		inode_put(v->ip);
	kfree(v);
}

/* Remove PTP t of `level` and everything below it: nk_remove_ptp first
 * (which drops the references its entries held), then its children. */
static void remove_tree(paddr_t t, unsigned level)
{
	long r = nk_remove_ptp(t);
	if (r)
		panic("mm_destroy: nk refused to remove a PTP L%u: %s", level, nk_strerror(-r));
	pte_t *e = entries(t);
	unsigned n = level == 4 ? 256 : 512;
	for (unsigned i = 0; i < n; i++) {
		if (level == 1 && pte_holds(e[i]))
			frame_unref(pte_frame(e[i], 1));
		else if (level > 1 && pte_present(e[i]))
			remove_tree(pte_frame(e[i], level), level - 1);
	}
	frame_free(t);
}

void mm_destroy(struct mm *mm)
{
	if (pa_addr(cr3_l4(read_cr3())) == pa_addr(mm->l4))
		panic("mm_destroy: the address space is loaded");
	while (mm->vmas) {
		struct vma *v = mm->vmas;
		mm->vmas = v->next;
		vma_free(v);
	}
	remove_tree(mm->l4, 4);
	kfree(mm);
}

static struct vma *vma_find(struct mm *mm, uint64_t va)
{
	for (struct vma *v = mm->vmas; v && v->start <= va; v = v->next)
		if (va < v->end)
			return v;
	return NULL;
}

static bool range_free(struct mm *mm, uint64_t start, uint64_t end)
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
	if (!range_free(mm, start, start + len))
		return -EINVAL;
	struct vma *v = kmalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	*v = (struct vma){ .start = start, .end = start + len, .prot = prot, .flags = flags,
			   .ip = ip, .off = off, .file_end = file_end };
	if (ip)
		inode_get(ip);
	vma_insert(mm, v);
	return 0;
}

/* Make va a VMA boundary (split the VMA containing it). */
static long vma_split(struct mm *mm, uint64_t va)
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

struct fork_ctx {
	struct mm *child;
	long err;
};

static void fork_l1(paddr_t l1, uint64_t base, unsigned i0, unsigned i1, void *p)
{
	struct fork_ctx *c = p;
	pte_t *e = entries(l1);
	unsigned first = i1;
	for (unsigned i = i0; i < i1; i++)
		if (pte_holds(e[i])) {
			first = i;
			break;
		}
	if (first == i1 || c->err)
		return;
	paddr_t cl1;
	long r = vm_walk_l1(c->child->l4, base, true, &cl1);
	if (r) {
		c->err = -ENOMEM;
		return;
	}
	for (unsigned i = first; i < i1; i++) {
		pte_t pte = e[i];
		if (!pte_holds(pte))
			continue;
		frame_ref(pte_frame(pte, 1));
		c->child->pages++;
		if (pte_present(pte) && pte_writable(pte)) {
			pte &= ~PTE_W; /* copy-on-write in both */
			batch_add(l1, i, pte, pa_init(0));
		}
		batch_add(cl1, i, pte & ~(PTE_A | PTE_D), pa_init(0));
	}
}

struct mm *mm_fork(struct mm *mm)
{
	struct mm *c = mm_create();
	if (!c)
		return NULL;
	for (struct vma *v = mm->vmas; v; v = v->next) {
		struct vma *n = kmalloc(sizeof(*n));
		if (!n) {
			mm_destroy(c);
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
	struct fork_ctx ctx = { .child = c };
	each_l1(mm->l4, 0, USER_TOP, fork_l1, &ctx);
	batch_flush();
	if (ctx.err) {
		mm_destroy(c);
		return NULL;
	}
	return c;
}

static void unmap_l1(paddr_t l1, uint64_t base, unsigned i0, unsigned i1, void *p)
{
	struct mm *mm = p;
	(void)base;
	pte_t *e = entries(l1);
	for (unsigned i = i0; i < i1; i++)
		if (pte_holds(e[i])) {
			batch_add(l1, i, 0, pte_frame(e[i], 1));
			mm->pages--;
		}
}

long mm_unmap(struct mm *mm, uint64_t start, uint64_t len)
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
	each_l1(mm->l4, start, end, unmap_l1, mm);
	batch_flush();
	return 0;
}

static void protect_l1(paddr_t l1, uint64_t base, unsigned i0, unsigned i1, void *p)
{
	uint32_t prot = *(const uint32_t *)p;
	(void)base;
	pte_t *e = entries(l1);
	for (unsigned i = i0; i < i1; i++) {
		if (!pte_holds(e[i]))
			continue;
		paddr_t f = pte_frame(e[i], 1);
		bool own = frame_refs[pa_pfn(f)] == 1;
		pte_t n = user_pte(f, prot, own);
		if (n != (e[i] & ~(PTE_A | PTE_D)))
			batch_add(l1, i, n, pa_init(0));
	}
}

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
		if (!range_free(mm, page, v->start))
			return NULL;
		v->start = page;
		return v;
	}
	return NULL;
}

long vm_fault(struct mm *mm, uint64_t va, uint64_t err)
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
	if (vm_walk_l1(mm->l4, page, true, &l1))
		return -ENOMEM;
	unsigned i = pt_index(page, 1);
	pte_t e = entries(l1)[i];
	if (pte_holds(e)) {
		if (!pte_present(e)) /* held for PROT_NONE, yet the VMA allows it */
			return nk_write_pte(l1, i, user_pte(pte_frame(e, 1), v->prot, false)) ? -EFAULT : 0;
		paddr_t f = pte_frame(e, 1);
		if (!(err & PFERR_W) || pte_writable(e))
			return 0; /* already resolved (a stale TLB entry) */
		if (frame_refs[pa_pfn(f)] == 1) {
			long r = nk_write_pte(l1, i, user_pte(f, v->prot, true));
			return r ? -EFAULT : 0;
		}
		paddr_t n = frame_alloc();
		if (!pa_addr(n))
			return -ENOMEM;
		memcpy(pa_to_dm(n), pa_to_dm(f), PAGE_SIZE);
		frame_ref(n);
		long r = nk_write_pte(l1, i, user_pte(n, v->prot, true));
		if (r)
			panic("vm_fault: nk refused a COW copy: %s", nk_strerror(-r));
		frame_unref(f); /* nk flushed the old entry */
		return 0;
	}
	paddr_t f = frame_alloc();
	if (!pa_addr(f))
		return -ENOMEM;
	if (fill_page(v, page, f)) {
		frame_free(f);
		return -EFAULT;
	}
	frame_ref(f);
	long r = nk_write_pte(l1, i, user_pte(f, v->prot, true));
	if (r)
		panic("vm_fault: nk refused a user page: %s", nk_strerror(-r));
	mm->pages++;
	return 0;
}

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
		if (!range_free(mm, addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			long r = mm_unmap(mm, addr, len);
			if (r)
				return r;
		}
	} else {
		addr &= ~(PAGE_SIZE - 1);
		if (!addr || !user_range_ok(addr, len) || !range_free(mm, addr, addr + len))
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
	return mm_unmap(current->mm, addr, align_up(len, PAGE_SIZE));
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
	each_l1(mm->l4, addr, addr + len, protect_l1, &prot);
	batch_flush();
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
		if (!range_free(mm, old_end, new_end))
			return (long)mm->brk;
		struct vma *v = old_end > mm->brk_base ? vma_find(mm, old_end - 1) : NULL;
		if (v && (v->flags & VMA_HEAP) && v->end == old_end) {
			v->end = new_end;
		} else if (vma_map(mm, old_end, new_end - old_end, PROT_READ | PROT_WRITE, VMA_HEAP, NULL, 0, 0)) {
			return (long)mm->brk;
		}
	} else if (new_end < old_end) {
		mm_unmap(mm, new_end, old_end - new_end);
	}
	mm->brk = want;
	return (long)want;
}
