/* Host tests of execve's ELF checks (outer/execelf.c) on crafted ELF64
 * executables: an ET_EXEC and a static-pie ET_DYN are accepted with their
 * bias, and every malformed header or segment is refused with -ENOEXEC
 * and a message naming the check and the values (formatted by the
 * kernel's ksnprintf and lib/fmt.c, linked in instead of the C
 * library's). The reader fails on bytes past the end of the file, as the
 * kernel's does, and records any read beyond it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <outer/errno.h>
#include <outer/execelf.h>

#define FILE_BYTES 0x1100u

static uint8_t file[FILE_BYTES];
static uint64_t file_len;
static struct elf64_ehdr *eh;
static struct elf64_phdr *ph;
static unsigned reads_past_end; /* reads that were not the header's and ended past the file */
static unsigned nreads;

static long reader(void *ctx, void *buf, uint64_t off, size_t n)
{
	(void)ctx;
	nreads++;
	if (off > file_len || n > file_len - off) {
		if (off != 0 || n != sizeof(struct elf64_ehdr))
			reads_past_end++;
		return -ENOEXEC;
	}
	memcpy(buf, file + off, n);
	return 0;
}

/* Build: an ET_EXEC, text [0x400000, +0x200) from offset 0 (R X), data
 * [0x601000, +0x2000) from offset 0x1000 with 0x100 file bytes (R W),
 * entry 0x400078. */
static void build(void)
{
	memset(file, 0, sizeof(file));
	file_len = FILE_BYTES;
	eh = (struct elf64_ehdr *)file;
	memcpy(eh->ident, "\177ELF", 4);
	eh->ident[4] = 2, eh->ident[5] = 1, eh->ident[6] = 1;
	eh->type = 2;
	eh->machine = EM_X86_64;
	eh->version = 1;
	eh->entry = 0x400078;
	eh->phoff = sizeof(*eh);
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(struct elf64_phdr);
	eh->phnum = 2;
	ph = (struct elf64_phdr *)(file + eh->phoff);
	ph[0] = (struct elf64_phdr){PT_LOAD, 5, 0, 0x400000, 0x400000, 0x200, 0x200, 0x1000};
	ph[1] = (struct elf64_phdr){PT_LOAD, 6, 0x1000, 0x601000, 0x601000, 0x100, 0x2000, 0x1000};
	reads_past_end = nreads = 0;
}

static struct exec_elf x;

static void expect_ok(uint64_t bias)
{
	assert_int_equal(exec_elf_parse(&x, reader, NULL, file_len), 0);
	assert_int_equal(x.bias, bias);
	assert_string_equal(x.err, "");
	assert_int_equal(reads_past_end, 0);
}

static void expect_refused(const char *want)
{
	assert_int_equal(exec_elf_parse(&x, reader, NULL, file_len), -ENOEXEC);
	if (!strstr(x.err, want))
		fail_msg("error '%s' does not say '%s'", x.err, want);
	assert_int_equal(reads_past_end, 0);
}

static void accepts_exec_and_static_pie(void **state)
{
	(void)state;
	build();
	expect_ok(0);
	assert_int_equal(x.eh.phnum, 2);
	assert_int_equal(x.ph[1].vaddr, 0x601000);
	assert_int_equal(nreads, 2);
	build();
	eh->type = 3; /* ET_DYN at EXEC_DYN_BASE */
	eh->entry = 0x78;
	ph[0].vaddr = 0;
	ph[1].vaddr = 0x201000;
	expect_ok(EXEC_DYN_BASE);
	build();
	ph[1].type = 4; /* PT_NOTE: skipped */
	ph[1].offset = 0xffffffff;
	expect_ok(0);
}

static void bad_headers(void **state)
{
	(void)state;
	build();
	file_len = 10;
	expect_refused("truncated: 10 bytes, shorter than the ELF header");
	build();
	file[1] = 'e';
	expect_refused("not an ELF64 little-endian x86-64 file");
	build();
	file[4] = 1;
	expect_refused("not an ELF64");
	build();
	eh->machine = 3;
	expect_refused("x86-64");
	build();
	eh->type = 1;
	expect_refused("not an executable (e_type 1, want ET_EXEC or ET_DYN)");
	build();
	eh->phentsize = 32;
	expect_refused("bad program header size 32");
	build();
	eh->phnum = 0;
	expect_refused("bad program header count 0 (1..64)");
	build();
	eh->phnum = 65;
	expect_refused("bad program header count 65 (1..64)");
	build();
	eh->phoff = FILE_BYTES - 100;
	expect_refused(
	    "truncated: program headers at 0x109c+0x70 past the end of the file (0x1100 bytes)");
	build();
	eh->phoff = UINT64_MAX - 8; /* offset + size wraps */
	expect_refused("truncated: program headers at 0xfffffffffffffff7");
	build();
	eh->entry = 0xffff800000000000ull;
	expect_refused("entry point 0xffff800000000000 outside the user half");
}

static void bad_segments(void **state)
{
	(void)state;
	build();
	ph[1].type = PT_INTERP;
	expect_refused("segment 1: PT_INTERP (dynamic linking is not supported)");
	build();
	ph[0].filesz = 0x300;
	expect_refused("segment 0: filesz 0x300 larger than memsz 0x200");
	build();
	ph[1].filesz = 0x200;
	expect_refused(
	    "segment 1: file bytes 0x1000+0x200 past the end of the file (0x1100 bytes)");
	build();
	ph[1].offset = UINT64_MAX;
	ph[1].vaddr = 0x601fff;
	expect_refused("segment 1: file bytes 0xffffffffffffffff+0x100 past the end");
	build();
	ph[0].filesz = ph[0].memsz = 0;
	expect_refused("segment 0: empty (memsz 0)");
	build();
	ph[0].vaddr = 0x400010;
	expect_refused("segment 0: address 0x400010 and offset 0 differ modulo the page size");
	build();
	ph[0].vaddr = 0;
	expect_refused("segment 0: [0, +0x200) outside the user range [0x1000, 0x7f0000000000)");
	build();
	ph[1].vaddr = 0xffff800000001000ull;
	expect_refused("segment 1: [0xffff800000001000, +0x2000) outside the user range");
	build();
	ph[1].vaddr = 0x7effffffe000ull; /* ends 0x2000 past USER_MMAP_TOP */
	ph[1].memsz = 0x4000;
	expect_refused("segment 1: [0x7effffffe000, +0x4000) outside");
	build();
	ph[1].vaddr = UINT64_MAX - 0xfff; /* va + memsz wraps */
	expect_refused("outside the user range");
	build();
	ph[1].vaddr = 0x400000; /* shares segment 0's page */
	expect_refused(
	    "segment 1 at 0x400000: not above the previous segment's last page (ends 0x401000)");
	build();
	ph[0].type = ph[1].type = PT_PHDR;
	expect_refused("no PT_LOAD segment");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accepts_exec_and_static_pie),
	    cmocka_unit_test(bad_headers),
	    cmocka_unit_test(bad_segments),
	};
	return cmocka_run_group_tests_name("execelf: execve's ELF checks", tests, NULL, NULL);
}
