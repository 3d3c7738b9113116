/* ELF-64 file format structures shared by execve (outer/exec.c) and the
 * module loader (outer/modelf.c). Source: ELF-64 Object File Format 1.5
 * (headers, sections, symbols, relocations); x86-64 psABI 4.4. */
#ifndef OUTER_ELF_H
#define OUTER_ELF_H
#include <nk/types.h>

#define EM_X86_64 62

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

struct elf64_sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

struct elf64_rela {
	uint64_t offset, info;
	int64_t addend;
};

/* elf64_x86_64: whether eh starts an ELF-64, little-endian, x86-64 file
 * (the identification every loader checks first; the type is the
 * caller's to check). */
static inline bool elf64_x86_64(const struct elf64_ehdr *eh)
{
	return eh->ident[0] == 0x7f && eh->ident[1] == 'E' && eh->ident[2] == 'L' &&
	       eh->ident[3] == 'F' && eh->ident[4] == 2 /* ELFCLASS64 */ &&
	       eh->ident[5] == 1 /* ELFDATA2LSB */ && eh->machine == EM_X86_64;
}
#endif
