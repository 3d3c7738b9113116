/* nk's boot, part 1: the multiboot2 boot information (the command line,
 * the modules, the memory map, the ACPI RSDP) into nk_view. Malformed information stops
 * the boot with a message (nk_panic): the loader is trusted, but nk says
 * what it found. Source: multiboot2 spec 3.6; spec section 9. */
#include "nk.h"
#include "cpu.h"
#include "boot.h"

/* The command line tag: the string, truncated (with a warning) to what
 * nk_view holds. */
NK_BOOT static void mb2_cmdline(const uint8_t *str, uint32_t len)
{
	struct nk_view *v = &nk_view_store;
	nk_memset(v->cmdline, 0, sizeof(v->cmdline));
	uint32_t i = 0;
	for (; i < len && str[i] && i < NK_CMDLINE_MAX - 1; i++)
		v->cmdline[i] = (char)str[i];
	if (i < len && str[i])
		nk_printf("nk: multiboot2 command line longer than %d bytes: truncated\n",
			  NK_CMDLINE_MAX - 1);
}

uint8_t boot_rsdp[BOOT_RSDP_MAX];
uint32_t boot_rsdp_bytes;

/* An ACPI tag (size bytes at tag): keep the RSDP copy after its header
 * (nk/acpi.c checks it). A copy longer than BOOT_RSDP_MAX is cut there;
 * the parser then refuses a Length past the copy. */
NK_BOOT static void mb2_acpi(const uint32_t *tag, uint32_t size, bool newer)
{
	if (!newer && boot_rsdp_bytes)
		return; /* the 2.0+ copy wins */
	uint32_t n = size - 8 < BOOT_RSDP_MAX ? size - 8 : BOOT_RSDP_MAX;
	nk_memcpy(boot_rsdp, tag + 2, n);
	boot_rsdp_bytes = n;
}

/* A module tag (size bytes at tag): start, end (physical), name. A module
 * past NK_MODULES_MAX is left out, with a warning. */
NK_BOOT static void mb2_module(const uint32_t *tag, uint32_t size)
{
	struct nk_view *v = &nk_view_store;
	if (size < 16)
		nk_panic(__FILE__, __LINE__, "multiboot2 module tag too short");
	if (tag[3] < tag[2])
		nk_panic(__FILE__, __LINE__, "multiboot2 module ends before it starts");
	if (v->nmodules == NK_MODULES_MAX) {
		nk_printf("nk: multiboot2 module at %x ignored: more than %d modules\n", tag[2],
			  NK_MODULES_MAX);
		return;
	}
	struct nk_module *m = &v->modules[v->nmodules++];
	m->start = pa_init(tag[2]);
	m->end = pa_init(tag[3]);
	const uint8_t *name = (const uint8_t *)&tag[4];
	for (uint32_t i = 0; i < size - 16 && name[i] && i < sizeof(m->name) - 1; i++)
		m->name[i] = (char)name[i];
}

/* The memory map tag (size bytes at tag): entries of tag[2] bytes each.
 * Returns how many entries did not fit in nk_view (NK_MMAP_MAX). */
NK_BOOT static uint32_t mb2_mmap(const uint32_t *tag, uint32_t size)
{
	struct nk_view *v = &nk_view_store;
	if (size < 16)
		nk_panic(__FILE__, __LINE__, "multiboot2 memory map tag too short");
	uint32_t esz = tag[2], dropped = 0;
	if (esz < MB2_MMAP_ENTRY_MIN)
		nk_panic(__FILE__, __LINE__, "multiboot2 memory map entries too small");
	const uint8_t *base = (const uint8_t *)tag;
	for (uint64_t e = 16; e + esz <= size; e += esz) {
		if (v->nmmap == NK_MMAP_MAX) {
			dropped++;
			continue;
		}
		struct nk_mem_range *r = &v->mmap[v->nmmap++];
		uint64_t start;
		nk_memcpy(&start, base + e, 8);
		r->base = pa_init(start);
		nk_memcpy(&r->len, base + e + 8, 8);
		nk_memcpy(&r->type, base + e + 16, 4);
	}
	return dropped;
}

/* Read the multiboot2 information at physical mbi (bounds-checked: a tag
 * that runs past the info, a too-short module or memory-map tag or no
 * memory map stops the boot with a message naming it). */
NK_BOOT void boot_parse_multiboot(paddr_t mbi)
{
	struct nk_view *v = &nk_view_store;
	const uint8_t *base = arch_boot_pa_va(mbi);
	uint32_t total = *(const uint32_t *)base, dropped = 0;
	if (total < 16 || total > MB2_INFO_MAX)
		nk_panic(__FILE__, __LINE__, "multiboot2 info has an impossible size");
	for (uint32_t off = 8; off + 8 <= total;) {
		const uint32_t *tag = (const uint32_t *)(base + off);
		uint32_t type = tag[0], size = tag[1];
		if (size < 8 || size > total - off)
			nk_panic(__FILE__, __LINE__, "multiboot2 tag runs past the info");
		if (type == MB2_TAG_END)
			break;
		if (type == MB2_TAG_CMDLINE)
			mb2_cmdline(base + off + 8, size - 8);
		else if (type == MB2_TAG_MODULE)
			mb2_module(tag, size);
		else if (type == MB2_TAG_MMAP)
			dropped += mb2_mmap(tag, size);
		else if (type == MB2_TAG_ACPI_OLD || type == MB2_TAG_ACPI_NEW)
			mb2_acpi(tag, size, type == MB2_TAG_ACPI_NEW);
		off += (size + 7) & ~7u;
	}
	if (!v->nmmap)
		nk_panic(__FILE__, __LINE__, "multiboot2 info has no memory map");
	if (dropped)
		nk_printf("nk: multiboot2 memory map: %u entries past the first %d ignored "
			  "(not used)\n",
			  dropped, NK_MMAP_MAX);
	boot_alloc_next = align_up(pa_addr(mbi) + total, PAGE_SIZE);
}
