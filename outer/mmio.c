/* Device memory mappings (include/outer/mm.h, mm_map_mmio): uncached,
 * writable, NX pages in the MMIO window above the heap, made through nk
 * like every other mapping of the outer kernel (nk allows leaves outside
 * RAM; spec section 4). Source: SDM Vol. 3A 12.12.3 (PAT entry from PAT,
 * PCD, PWT), 12.3 (UC: strong uncacheable, for device registers). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/mm.h>
#include <outer/module.h>
#include <outer/trap.h>
#include <x86/io.h>

static uint64_t slots_used; /* bit i: slot i of the window is mapped */

/* The first run of `n` free slots, or -1. */
static int slots_find(unsigned n)
{
	for (unsigned i = 0; i + n <= MMIO_SLOTS; i++) {
		uint64_t run = (n == 64 ? ~0ull : ((1ull << n) - 1)) << i;
		if (!(slots_used & run))
			return (int)i;
	}
	return -1;
}

/* Whether [first, first + pages) holds a RAM frame nk tracks. */
static bool covers_ram(uint64_t first_pfn, uint64_t pages)
{
	for (uint64_t p = first_pfn; p < first_pfn + pages && p < nk_view->nframes; p++)
		if (nk_view->frames[p].type != NK_F_HOLE)
			return true;
	return false;
}

/* Clear the first `pages` pages at va (a mapping being undone). */
static void unmap_pages(uint64_t va, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++)
		mm_unmap(nk_view->master_l4, va + i * PAGE_SIZE);
}

long mm_map_mmio(paddr_t pa, uint64_t bytes, volatile void **out)
{
	uint64_t first = pa_addr(pa) & ~(PAGE_SIZE - 1);
	if (!bytes || bytes > MMIO_SLOTS * MMIO_SLOT_BYTES || pa_addr(pa) + bytes < pa_addr(pa))
		return -EINVAL;
	uint64_t pages = (align_up(pa_addr(pa) + bytes, PAGE_SIZE) - first) / PAGE_SIZE;
	if (pages * PAGE_SIZE > MMIO_SLOTS * MMIO_SLOT_BYTES)
		return -EINVAL;
	if (covers_ram(first / PAGE_SIZE, pages)) {
		kprintf("mmio: %lx..%lx is RAM, not device memory: not mapped\n", pa_addr(pa),
			pa_addr(pa) + bytes - 1);
		return -EINVAL;
	}
	unsigned n = (unsigned)((pages * PAGE_SIZE + MMIO_SLOT_BYTES - 1) / MMIO_SLOT_BYTES);
	int slot = slots_find(n);
	if (slot < 0)
		return -ENOSPC;
	uint64_t va = MMIO_BASE + (uint64_t)slot * MMIO_SLOT_BYTES;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t page = first + i * PAGE_SIZE;
		long r = mm_map(nk_view->master_l4, va + i * PAGE_SIZE, pa_init(page),
				PTE_W | PTE_NX | PTE_PCD | PTE_PWT);
		if (r) {
			kprintf("mmio: nk refused the mapping of %lx: %s\n", page, nk_strerror(r));
			unmap_pages(va, i);
			return -EPERM;
		}
	}
	slots_used |= (n == 64 ? ~0ull : ((1ull << n) - 1)) << slot;
	*out = (volatile void *)(va + (pa_addr(pa) - first));
	return 0;
}

long mm_unmap_mmio(volatile void *va, uint64_t bytes)
{
	uint64_t v = (uint64_t)va, first = v & ~(PAGE_SIZE - 1);
	if (v < MMIO_BASE || v >= MMIO_BASE + MMIO_SLOTS * MMIO_SLOT_BYTES || !bytes ||
	    bytes > MMIO_SLOTS * MMIO_SLOT_BYTES || (first - MMIO_BASE) % MMIO_SLOT_BYTES)
		return -EINVAL;
	uint64_t pages = (align_up(v + bytes, PAGE_SIZE) - first) / PAGE_SIZE;
	unsigned slot = (unsigned)((first - MMIO_BASE) / MMIO_SLOT_BYTES);
	unsigned n = (unsigned)((pages * PAGE_SIZE + MMIO_SLOT_BYTES - 1) / MMIO_SLOT_BYTES);
	if (slot + n > MMIO_SLOTS)
		return -EINVAL;
	uint64_t run = (n == 64 ? ~0ull : ((1ull << n) - 1)) << slot;
	if ((slots_used & run) != run)
		return -EINVAL;
	unmap_pages(first, pages);
	slots_used &= ~run;
	return 0;
}

long mmio_wait_clear(volatile void *base, uint64_t off, uint64_t mask, unsigned timeout_ms)
{
	uint64_t t0 = timer_ticks, ticks = timeout_ms / 10 + 1;
	long r = 0;
	module_block_begin();
	while (mmio_read64(base, off) & mask)
		if (timer_ticks - t0 > ticks) {
			r = -ETIMEDOUT;
			break;
		}
	module_block_end();
	return r;
}
