/* The ELF checks of execve (outer/exec.c): read and validate the ELF
 * header and program headers of a static x86-64 executable. Pure: the
 * file is read through a callback, nothing is allocated or mapped, so host
 * tests and the fuzzer run it on crafted files (tests/host/, tests/fuzz/).
 * Source: ELF-64 Object File Format 1.5 (file header, program header),
 * System V ABI AMD64 (ET_EXEC, static-pie ET_DYN). */
#ifndef OUTER_EXECELF_H
#define OUTER_EXECELF_H
#include <nk/types.h>
#include <outer/elf.h>

#define EXEC_PHNUM_MAX 64u	  /* program headers an executable may have */
#define EXEC_DYN_BASE 0x400000ull /* where an ET_DYN (static-pie) image goes */

#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6

/* exec_read_fn: read exactly n bytes at byte offset off of the file into
 * buf; returns 0, or negative (an I/O error or fewer than n bytes). */
typedef long (*exec_read_fn)(void *ctx, void *buf, uint64_t off, size_t n);

struct exec_elf {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[EXEC_PHNUM_MAX]; /* eh.phnum of them are read */
	uint64_t bias;			      /* added to p_vaddr and e_entry, bytes */
	char err[112];			      /* why exec_elf_parse refused the file */
};

/* exec_elf_parse: read the ELF header and the program headers of a file
 * of file_bytes bytes through rd(ctx, ...) into e, and check them: ELF64
 * little-endian x86-64, ET_EXEC or ET_DYN (then loaded at bias
 * EXEC_DYN_BASE, else bias 0), program headers of the ELF64 size, 1 to
 * EXEC_PHNUM_MAX of them inside the file; no PT_INTERP (no dynamic
 * linking); every PT_LOAD with filesz <= memsz, memsz > 0, its file bytes
 * inside the file, p_vaddr + bias congruent to p_offset modulo 4 KiB, in
 * [4 KiB, USER_MMAP_TOP), the segments in address order sharing no page;
 * at least one PT_LOAD; the entry point (e_entry + bias) in the user half.
 * Reads only the header (64 bytes at 0, which may be cut short by the end
 * of the file) and, once it has checked that they lie inside the file,
 * the program headers. Returns 0, or -ENOEXEC with e->err saying which
 * check failed and on which values (a read error is -ENOEXEC too).
 * Source: ELF-64 1.5 sections 2 and 5; Linux fs/binfmt_elf.c's checks. */
long exec_elf_parse(struct exec_elf *e, exec_read_fn rd, void *ctx, uint64_t file_bytes);
#endif
