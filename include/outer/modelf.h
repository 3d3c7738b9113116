/* ELF64 relocatable objects (.ko) for the module loader: parse and
 * validate, lay the allocated sections out in four areas (text, rodata,
 * data, and the metadata the harness reads), copy them into staging
 * buffers and apply the x86-64 relocations. Pure: no allocation, no
 * kernel state, so host tests run it on crafted files (tests/host/).
 * Source: System V ABI (ELF), x86-64 psABI 4.4 (relocation types). */
#ifndef OUTER_MODELF_H
#define OUTER_MODELF_H
#include <nk/types.h>
#include <outer/elf.h>

#define MELF_MAX_SECS 64 /* sections a module may have */

enum melf_area { MELF_TEXT, MELF_RODATA, MELF_DATA, MELF_NAREAS };

struct melf {
	const uint8_t *img;
	size_t len;		     /* bytes */
	const struct elf64_shdr *sh; /* section headers (inside img) */
	unsigned shnum;
	const char *shstr; /* section names */
	uint64_t shstr_size;
	unsigned symtab; /* index of SHT_SYMTAB */
	const struct elf64_sym *syms;
	uint64_t nsyms;
	const char *str; /* symbol names */
	uint64_t str_size;
	int area[MELF_MAX_SECS];	 /* enum melf_area, or -1: not loaded */
	uint64_t off[MELF_MAX_SECS];	 /* offset of the section in its area, bytes */
	uint64_t area_size[MELF_NAREAS]; /* bytes */
	uint64_t va[MELF_MAX_SECS];	 /* final virtual address (after melf_relocate) */
	char err[128];			 /* why the last call failed */
};

/* melf_parse: check that img (len bytes) is an ELF64 little-endian x86-64
 * ET_REL object whose headers, sections, names, symbol table and
 * relocation sections all lie inside it and agree with each other, and lay
 * the SHF_ALLOC sections out (executable -> text, writable -> data,
 * others -> rodata; each aligned to its sh_addralign, at most 4096).
 * Returns 0, or -1 with m->err saying what is wrong ("truncated: ...",
 * "bad section index ...", ...). Reads only inside img. */
int melf_parse(struct melf *m, const uint8_t *img, size_t len);

/* A kernel symbol's address by name; returns false when it is not exported. */
typedef bool (*melf_resolve_fn)(const char *name, uint64_t *addr, void *ctx);

/* melf_relocate: copy every loaded section into buf[area] (area_size bytes
 * each, zeroed by the caller; SHT_NOBITS stays zero), whose first byte
 * will run at va_base[area], then apply every relocation that targets a
 * loaded section: R_X86_64_64, PC32, PLT32, 32 and 32S. Undefined symbols
 * are looked up with resolve. Returns 0, or -1 with m->err: unknown
 * relocation type, undefined symbol (named), relocation outside its
 * section, symbol in an unloaded or bad section, value overflow.
 * Source: x86-64 psABI table 4.10 (S + A, S + A - P). */
int melf_relocate(struct melf *m, uint8_t *const buf[MELF_NAREAS],
		  const uint64_t va_base[MELF_NAREAS], melf_resolve_fn resolve, void *ctx);

/* melf_section: index of the section named name, or -1. */
int melf_section(const struct melf *m, const char *name);

/* melf_symbol: final address (after melf_relocate) of the defined symbol
 * named name, or 0 if there is none. */
uint64_t melf_symbol(const struct melf *m, const char *name);

#endif
