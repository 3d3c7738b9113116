/* libFuzzer harness of execve's ELF checks (exec_elf_parse,
 * outer/execelf.c) on the host, linked with the kernel's ksnprintf and
 * formatter (outer/kfmt.c, lib/fmt.c), not the C library's. Each input is
 * an executable file, read through a callback that fails past its end as
 * the kernel's inode read does. The oracles:
 *   - no crash, no undefined behaviour (ASan, UBSan); no read past the
 *     end of the file except the first one, of the 64-byte header;
 *   - a refusal is -ENOEXEC with a message, non-empty and NUL-terminated
 *     inside exec_elf.err; an acceptance leaves err empty;
 *   - an accepted file is one map_segments (outer/exec.c) can map as it
 *     stands: 1..EXEC_PHNUM_MAX program headers, no PT_INTERP, at least
 *     one PT_LOAD, each with its file bytes inside the file, filesz <=
 *     memsz, [va, va+memsz) inside [4 KiB, USER_MMAP_TOP) with va and
 *     offset congruent modulo 4 KiB (so the page's file offset does not
 *     underflow), in address order without a shared page; the entry in
 *     the user half.
 * A failure prints what broke and aborts (libFuzzer saves the input).
 * Counts are printed at exit. Build and run: tests/fuzz/fuzz.mk
 * (`make fuzz SECONDS=N`, tests/fuzz/smoke-host.sh). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <outer/errno.h>
#include <outer/execelf.h>
#include <outer/uaccess.h>
#include <outer/vm.h>

struct file {
	const uint8_t *bytes;
	size_t len;
	unsigned reads;
};

static unsigned long long inputs, accepted;
static struct exec_elf x;

static void failure(const char *what) __attribute__((noreturn));
static void failure(const char *what)
{
	fprintf(stderr, "\n==== fuzz_execelf: ORACLE FAILURE: %s (err '%.*s')\n", what,
		(int)sizeof(x.err), x.err);
	abort();
}

static long reader(void *ctx, void *buf, uint64_t off, size_t n)
{
	struct file *f = ctx;
	f->reads++;
	if (off > f->len || n > f->len - off) {
		if (f->reads > 1)
			failure("read past the end of the file after the header");
		return -ENOEXEC;
	}
	memcpy(buf, f->bytes + off, n);
	return 0;
}

static void check_accepted(size_t len)
{
	const struct elf64_ehdr *eh = &x.eh;
	if (x.err[0])
		failure("accepted with a message");
	if (!eh->phnum || eh->phnum > EXEC_PHNUM_MAX)
		failure("program header count");
	if (x.bias != (eh->type == 3 ? EXEC_DYN_BASE : 0))
		failure("bias");
	uint64_t prev_end = 0;
	unsigned loads = 0;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *p = &x.ph[i];
		if (p->type == PT_INTERP)
			failure("PT_INTERP accepted");
		if (p->type != PT_LOAD)
			continue;
		uint64_t va = p->vaddr + x.bias, start = va & ~(PAGE_SIZE - 1);
		if (p->offset > len || p->filesz > len - p->offset || p->filesz > p->memsz)
			failure("segment's file bytes outside the file");
		if (va < PAGE_SIZE || va >= USER_MMAP_TOP || p->memsz > USER_MMAP_TOP - va ||
		    !p->memsz)
			failure("segment outside the user range");
		if (p->offset < va - start)
			failure("page's file offset underflows");
		if (start < prev_end)
			failure("segments out of order or sharing a page");
		prev_end = align_up(va + p->memsz, PAGE_SIZE);
		loads++;
	}
	if (!loads)
		failure("no PT_LOAD accepted");
	if (!user_range_ok(eh->entry + x.bias, 1))
		failure("entry outside the user half");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct file f = {data, size, 0};
	inputs++;
	memset(&x, 0x5a, sizeof(x)); /* garbage, as kmalloc leaves it */
	long r = exec_elf_parse(&x, reader, &f, size);
	if (r == 0) {
		accepted++;
		check_accepted(size);
		return 0;
	}
	if (r != -ENOEXEC)
		failure("refused with another error than -ENOEXEC");
	size_t n = strnlen(x.err, sizeof(x.err));
	if (n == 0 || n == sizeof(x.err))
		failure("refusal without a NUL-terminated message");
	return 0;
}

static void report(void)
{
	printf("fuzz_execelf: %llu inputs, %llu accepted, no oracle failure\n", inputs, accepted);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	atexit(report);
	return 0;
}
