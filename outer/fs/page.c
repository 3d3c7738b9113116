/* File system pages (file data, pipe rings, syscall bounce buffers): whole
 * frames from the frame allocator, used through nk's direct map, which maps
 * DATA frames writable (README "Mappings"). kmalloc would take two heap
 * pages for one 4 KiB block (its header), so pages come from frames. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/syscall.h>
#include "fs_internal.h"

void *fs_page_alloc(void)
{
	paddr_t pa = frame_alloc(); /* zeroed */
	return pa_addr(pa) ? pa_to_dm(pa) : NULL;
}

void fs_page_free(void *page)
{
	if (page)
		frame_free(dm_to_pa(page));
}

void *fs_buf_alloc(void)
{
	paddr_t pa = frame_alloc_dirty(); /* not zeroed: saves 4 KiB of stores */
	return pa_addr(pa) ? pa_to_dm(pa) : NULL;
}

uint64_t fs_now_ns(void)
{
	return time_realtime_ns();
}
