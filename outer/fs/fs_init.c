/* fs_init: the boot tree from the multiboot2 initramfs module. */
#include <outer/kernel.h>
#include <nk/vmmu.h>
#include "fs_internal.h"

void fs_init(void)
{
	const struct nk_module *m = NULL;
	for (uint32_t i = 0; i < nk_view->nmodules; i++)
		if (!strcmp(nk_view->modules[i].name, "initramfs")) {
			m = &nk_view->modules[i];
			break;
		}
	if (!m && nk_view->nmodules)
		m = &nk_view->modules[0];
	const uint8_t *image = NULL;
	size_t len = 0;
	if (m && pa_addr(m->end) > pa_addr(m->start)) {
		image = pa_to_dm(m->start);
		len = (size_t)(pa_addr(m->end) - pa_addr(m->start));
		kprintf("fs: initramfs module '%s': %lu bytes at %lx\n", m->name, (uint64_t)len,
			pa_addr(m->start));
	} else {
		kprintf("fs: no initramfs module: empty root\n");
	}
	long r = fs_populate(image, len);
	if (r)
		panic("fs_init: cannot make the root, /dev or /tmp (error %ld)", r);
	r = procfs_init();
	if (r)
		kprintf("fs: no /proc (error %ld%s)\n", r,
			r == -EEXIST ? ": the initramfs has its own" : "");
}
