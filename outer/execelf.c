/* execve's ELF header and program header checks (include/outer/execelf.h).
 * Every value read from the file is checked before it is used; the
 * messages come from ksnprintf (outer/kfmt.c, lib/fmt.c), in the kernel
 * and in the host tests and fuzzer alike. */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/execelf.h>
#include <outer/uaccess.h>
#include <outer/vm.h>

#define ET_EXEC 2
#define ET_DYN 3

#define REFUSE(...)                                                                                \
	do {                                                                                       \
		ksnprintf(e->err, sizeof(e->err), __VA_ARGS__);                                    \
		return -ENOEXEC;                                                                   \
	} while (0)

/* One PT_LOAD segment (index i); prev_end: the end of the previous
 * segment's last page (bytes, virtual), updated. */
static long check_load(struct exec_elf *e, unsigned i, uint64_t file_bytes, uint64_t *prev_end)
{
	const struct elf64_phdr *p = &e->ph[i];
	uint64_t va = p->vaddr + e->bias;
	if (p->filesz > p->memsz)
		REFUSE("segment %u: filesz %#lx larger than memsz %#lx", i,
		       (unsigned long)p->filesz, (unsigned long)p->memsz);
	if (p->offset > file_bytes || file_bytes - p->offset < p->filesz)
		REFUSE("segment %u: file bytes %#lx+%#lx past the end of the file (%#lx bytes)", i,
		       (unsigned long)p->offset, (unsigned long)p->filesz,
		       (unsigned long)file_bytes);
	if (!p->memsz)
		REFUSE("segment %u: empty (memsz 0)", i);
	if ((va & (PAGE_SIZE - 1)) != (p->offset & (PAGE_SIZE - 1)))
		REFUSE("segment %u: address %#lx and offset %#lx differ modulo the page size", i,
		       (unsigned long)va, (unsigned long)p->offset);
	if (!user_range_ok(va, p->memsz) || va + p->memsz > USER_MMAP_TOP || va < PAGE_SIZE)
		REFUSE("segment %u: [%#lx, +%#lx) outside the user range [%#lx, %#lx)", i,
		       (unsigned long)va, (unsigned long)p->memsz, (unsigned long)PAGE_SIZE,
		       (unsigned long)USER_MMAP_TOP);
	/* in address order, no page shared by two segments */
	if ((va & ~(PAGE_SIZE - 1)) < *prev_end)
		REFUSE("segment %u at %#lx: not above the previous segment's last page (ends %#lx)",
		       i, (unsigned long)va, (unsigned long)*prev_end);
	*prev_end = align_up(va + p->memsz, PAGE_SIZE);
	return 0;
}

long exec_elf_parse(struct exec_elf *e, exec_read_fn rd, void *ctx, uint64_t file_bytes)
{
	struct elf64_ehdr *eh = &e->eh;
	e->err[0] = 0;
	e->bias = 0;
	if (rd(ctx, eh, 0, sizeof(*eh)))
		REFUSE("truncated: %lu bytes, shorter than the ELF header",
		       (unsigned long)file_bytes);
	if (!elf64_x86_64(eh))
		REFUSE("not an ELF64 little-endian x86-64 file");
	if (eh->type != ET_EXEC && eh->type != ET_DYN)
		REFUSE("not an executable (e_type %u, want ET_EXEC or ET_DYN)", eh->type);
	if (eh->phentsize != sizeof(struct elf64_phdr))
		REFUSE("bad program header size %u", eh->phentsize);
	if (!eh->phnum || eh->phnum > EXEC_PHNUM_MAX)
		REFUSE("bad program header count %u (1..%u)", eh->phnum, EXEC_PHNUM_MAX);
	uint64_t ph_bytes = (uint64_t)eh->phnum * sizeof(struct elf64_phdr);
	if (eh->phoff > file_bytes || file_bytes - eh->phoff < ph_bytes)
		REFUSE(
		    "truncated: program headers at %#lx+%#lx past the end of the file (%#lx bytes)",
		    (unsigned long)eh->phoff, (unsigned long)ph_bytes, (unsigned long)file_bytes);
	if (rd(ctx, e->ph, eh->phoff, ph_bytes))
		REFUSE("program headers at %#lx: read failed", (unsigned long)eh->phoff);
	e->bias = eh->type == ET_DYN ? EXEC_DYN_BASE : 0;
	uint64_t prev_end = 0;
	unsigned loads = 0;
	for (unsigned i = 0; i < eh->phnum; i++) {
		if (e->ph[i].type == PT_INTERP)
			REFUSE("segment %u: PT_INTERP (dynamic linking is not supported)", i);
		if (e->ph[i].type != PT_LOAD)
			continue;
		long r = check_load(e, i, file_bytes, &prev_end);
		if (r)
			return r;
		loads++;
	}
	if (!loads)
		REFUSE("no PT_LOAD segment");
	if (!user_range_ok(eh->entry + e->bias, 1))
		REFUSE("entry point %#lx outside the user half",
		       (unsigned long)(eh->entry + e->bias));
	return 0;
}
