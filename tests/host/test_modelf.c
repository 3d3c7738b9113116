/* Host tests of the module ELF loader (outer/modelf.c) on crafted ET_REL
 * objects: layout, every supported relocation type computed against known
 * addresses, and a clear error for each kind of malformed module
 * (truncated, bad section indices, unknown relocation type, undefined
 * symbol, relocation outside its section), whose messages name the
 * offsets and sections (formatted by the kernel's ksnprintf and
 * lib/fmt.c, linked in instead of the C library's snprintf). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <outer/modelf.h>

#define TEXT_VA 0xffffffffc0000000ull
#define RO_VA 0xffffffffc0002000ull
#define DATA_VA 0xffffffffc0004000ull
#define KFUNC 0xffffffff80101000ull

/* Section indices of the crafted object. */
enum { S_NULL, S_TEXT, S_DATA, S_RELA, S_SYMTAB, S_STRTAB, S_SHSTR, S_BSS, S_DEBUG, S_N };

static uint8_t img[4096];
static size_t img_len;
static struct elf64_shdr *sh;
static struct elf64_rela *rel;
static struct elf64_sym *sym;

static const char shstr[] =
    "\0.text\0.data\0.rela.text\0.symtab\0.strtab\0.shstrtab\0.bss\0.debug_info";
static const char strtab[] = "\0kfunc\0local_data\0__module_init\0nosuch";

static size_t name_off(const char *tab, size_t len, const char *name)
{
	for (size_t i = 1; i < len; i++)
		if (!strcmp(tab + i, name))
			return i;
	fail_msg("no name %s", name);
	return 0;
}

#define R(type, sym_i) (((uint64_t)(sym_i) << 32) | (type))

/* Build: .text 32 bytes, .data 16 bytes, 5 relocations in .text against
 * kfunc (undefined), local_data (.data+8), __module_init (.text+0). */
static void build(void)
{
	memset(img, 0, sizeof(img));
	uint8_t *p = img;
	/* ELF header */
	memcpy(p, "\177ELF", 4);
	p[4] = 2, p[5] = 1, p[6] = 1;
	uint16_t v16 = 1;
	memcpy(p + 16, &v16, 2); /* ET_REL */
	v16 = 62;
	memcpy(p + 18, &v16, 2);
	size_t off = 64;
	size_t text_off = off;
	memset(img + text_off, 0x90, 32);
	off += 32;
	size_t data_off = off;
	memcpy(img + data_off, "0123456789abcdef", 16);
	off += 16;
	size_t rela_off = off;
	rel = (struct elf64_rela *)(img + rela_off);
	rel[0] = (struct elf64_rela){0, R(1, 1), 4};   /* R_X86_64_64 kfunc+4 */
	rel[1] = (struct elf64_rela){8, R(2, 2), -4};  /* PC32 local_data-4 */
	rel[2] = (struct elf64_rela){12, R(4, 1), -4}; /* PLT32 kfunc-4 */
	rel[3] = (struct elf64_rela){16, R(11, 2), 0}; /* 32S local_data */
	rel[4] = (struct elf64_rela){20, R(1, 3), 0};  /* 64 __module_init */
	off += 5 * sizeof(struct elf64_rela);
	size_t sym_off = off;
	sym = (struct elf64_sym *)(img + sym_off);
	sym[1] = (struct elf64_sym){
	    (uint32_t)name_off(strtab, sizeof(strtab), "kfunc"), 0x10, 0, 0, 0, 0};
	sym[2] = (struct elf64_sym){
	    (uint32_t)name_off(strtab, sizeof(strtab), "local_data"), 0x01, 0, S_DATA, 8, 8};
	sym[3] = (struct elf64_sym){
	    (uint32_t)name_off(strtab, sizeof(strtab), "__module_init"), 0x12, 0, S_TEXT, 0, 32};
	sym[4] = (struct elf64_sym){
	    (uint32_t)name_off(strtab, sizeof(strtab), "nosuch"), 0x10, 0, 0, 0, 0};
	off += 5 * sizeof(struct elf64_sym);
	size_t str_off = off;
	memcpy(img + str_off, strtab, sizeof(strtab));
	off += sizeof(strtab);
	size_t shstr_off = off;
	memcpy(img + shstr_off, shstr, sizeof(shstr));
	off += sizeof(shstr);
	off = (off + 7) & ~7ul;
	sh = (struct elf64_shdr *)(img + off);
	uint64_t shoff = off;
	memcpy(img + 40, &shoff, 8);
	v16 = sizeof(struct elf64_shdr);
	memcpy(img + 58, &v16, 2);
	v16 = S_N;
	memcpy(img + 60, &v16, 2);
	v16 = S_SHSTR;
	memcpy(img + 62, &v16, 2);
#define N(s) (uint32_t) name_off(shstr, sizeof(shstr), s)
	sh[S_TEXT] = (struct elf64_shdr){N(".text"), 1, 6, 0, text_off, 32, 0, 0, 16, 0};
	sh[S_DATA] = (struct elf64_shdr){N(".data"), 1, 3, 0, data_off, 16, 0, 0, 8, 0};
	sh[S_RELA] = (struct elf64_shdr){N(".rela.text"),
					 4,
					 0,
					 0,
					 rela_off,
					 5 * sizeof(struct elf64_rela),
					 S_SYMTAB,
					 S_TEXT,
					 8,
					 sizeof(struct elf64_rela)};
	sh[S_SYMTAB] = (struct elf64_shdr){N(".symtab"),
					   2,
					   0,
					   0,
					   sym_off,
					   5 * sizeof(struct elf64_sym),
					   S_STRTAB,
					   3,
					   8,
					   sizeof(struct elf64_sym)};
	sh[S_STRTAB] =
	    (struct elf64_shdr){N(".strtab"), 3, 0, 0, str_off, sizeof(strtab), 0, 0, 1, 0};
	sh[S_SHSTR] =
	    (struct elf64_shdr){N(".shstrtab"), 3, 0, 0, shstr_off, sizeof(shstr), 0, 0, 1, 0};
	sh[S_BSS] = (struct elf64_shdr){N(".bss"), 8, 3, 0, 0, 100, 0, 0, 32, 0};
	sh[S_DEBUG] = (struct elf64_shdr){N(".debug_info"), 1, 0, 0, data_off, 16, 0, 0, 1, 0};
	img_len = off + S_N * sizeof(struct elf64_shdr);
	assert_true(img_len <= sizeof(img));
}

static bool resolve(const char *name, uint64_t *addr, void *ctx)
{
	(void)ctx;
	if (strcmp(name, "kfunc"))
		return false;
	*addr = KFUNC;
	return true;
}

static uint8_t text[4096], ro[4096], data[4096];
static uint8_t *const bufs[MELF_NAREAS] = {text, ro, data};
static const uint64_t vas[MELF_NAREAS] = {TEXT_VA, RO_VA, DATA_VA};

static int relocate(struct melf *m)
{
	memset(text, 0, sizeof(text));
	memset(ro, 0, sizeof(ro));
	memset(data, 0, sizeof(data));
	return melf_relocate(m, bufs, vas, resolve, NULL);
}

static void expect_parse_error(const char *want)
{
	struct melf m;
	assert_int_equal(melf_parse(&m, img, img_len), -1);
	if (!strstr(m.err, want))
		fail_msg("error '%s' does not say '%s'", m.err, want);
}

static void expect_reloc_error(const char *want)
{
	struct melf m;
	assert_int_equal(melf_parse(&m, img, img_len), 0);
	assert_int_equal(relocate(&m), -1);
	if (!strstr(m.err, want))
		fail_msg("error '%s' does not say '%s'", m.err, want);
}

static void layout_and_every_relocation_type(void **state)
{
	(void)state;
	build();
	struct melf m;
	assert_int_equal(melf_parse(&m, img, img_len), 0);
	assert_int_equal(m.area[S_TEXT], MELF_TEXT);
	assert_int_equal(m.area[S_DATA], MELF_DATA);
	assert_int_equal(m.area[S_BSS], MELF_DATA);
	assert_int_equal(m.area[S_DEBUG], -1);
	assert_int_equal(m.off[S_BSS], 32); /* .data 16 bytes, .bss aligned to 32 */
	assert_int_equal(m.area_size[MELF_DATA], 132);
	assert_int_equal(relocate(&m), 0);
	uint64_t v64;
	int32_t v32;
	memcpy(&v64, text + 0, 8);
	assert_int_equal(v64, KFUNC + 4);
	memcpy(&v32, text + 8, 4);
	assert_int_equal((int64_t)v32, (int64_t)(DATA_VA + 8 - 4 - (TEXT_VA + 8)));
	memcpy(&v32, text + 12, 4);
	assert_int_equal((int64_t)v32, (int64_t)(KFUNC - 4 - (TEXT_VA + 12)));
	memcpy(&v32, text + 16, 4);
	assert_int_equal((uint64_t)(int64_t)v32, DATA_VA + 8);
	memcpy(&v64, text + 20, 8);
	assert_int_equal(v64, TEXT_VA);
	assert_memory_equal(data, "0123456789abcdef", 16);
	assert_int_equal(melf_symbol(&m, "__module_init"), TEXT_VA);
	assert_int_equal(melf_symbol(&m, "kfunc"), 0);
	assert_int_equal(melf_section(&m, ".data"), S_DATA);
	assert_int_equal(melf_section(&m, ".attack_meta"), -1);
}

static void r_x86_64_32_must_fit(void **state)
{
	(void)state;
	build();
	rel[3].info = R(10, 2); /* R_X86_64_32 of a kernel-half address */
	expect_reloc_error("does not fit");
	build();
	rel[1].info = R(2, 1); /* PC32 to kfunc: 1 GiB away, fits */
	struct melf m;
	assert_int_equal(melf_parse(&m, img, img_len), 0);
	assert_int_equal(relocate(&m), 0);
}

static void truncated_files(void **state)
{
	(void)state;
	build();
	size_t full = img_len;
	img_len = 10;
	expect_parse_error("truncated");
	img_len = full - 8; /* the last section header cut */
	expect_parse_error("truncated");
	img_len = full;
	sh[S_DATA].offset = full - 4; /* a section past the end */
	expect_parse_error("truncated");
	build();
	sh[S_DATA].size = UINT64_MAX - 8; /* offset + size wraps */
	expect_parse_error("truncated");
}

static void bad_headers(void **state)
{
	(void)state;
	build();
	img[0] = 'X';
	expect_parse_error("magic");
	build();
	img[16] = 2; /* ET_EXEC */
	expect_parse_error("ET_REL");
	build();
	img[18] = 3; /* EM_386 */
	expect_parse_error("x86-64");
	build();
	img[4] = 1;
	expect_parse_error("ELF64");
	struct melf m;
	assert_int_equal(melf_parse(&m, NULL, 0), -1);
}

static void bad_section_indices(void **state)
{
	(void)state;
	build();
	uint16_t big = S_N + 3;
	memcpy(img + 62, &big, 2);
	expect_parse_error("bad section index");
	build();
	sh[S_RELA].info = 40;
	expect_parse_error("bad section index");
	build();
	sh[S_RELA].link = S_DATA;
	expect_parse_error("bad section index");
	build();
	sh[S_SYMTAB].link = 99;
	expect_parse_error("bad section index");
	build();
	sym[2].shndx = 50;
	expect_parse_error("bad section index");
	build();
	sh[S_TEXT].name = 5000;
	expect_parse_error("name outside");
	build();
	sym[1].name = 5000;
	expect_parse_error("name outside");
	build();
	sh[S_DATA].addralign = 3;
	expect_parse_error("alignment");
	build();
	uint16_t many = 200;
	memcpy(img + 60, &many, 2);
	expect_parse_error("section count");
	/* a symbol in a section that is not loaded */
	build();
	sym[2].shndx = S_DEBUG;
	expect_reloc_error("not loaded");
	/* a relocation naming a symbol past the table */
	build();
	rel[0].info = R(1, 77);
	expect_reloc_error("bad symbol index");
}

static void unknown_relocation_type(void **state)
{
	(void)state;
	build();
	rel[2].info = R(24, 1); /* R_X86_64_PC64: not supported */
	expect_reloc_error("unknown relocation type 24");
	build();
	rel[2].info = R(9, 1); /* GOTPCREL */
	expect_reloc_error("unknown relocation type 9");
}

static void undefined_symbol_is_named(void **state)
{
	(void)state;
	build();
	rel[0].info = R(1, 4);
	expect_reloc_error("undefined symbol 'nosuch'");
	build();
	rel[0].info = R(1, 0);
	expect_reloc_error("null symbol");
}

static void relocation_outside_its_section(void **state)
{
	(void)state;
	build();
	rel[4].offset = 28; /* 8 bytes at 28 of a 32-byte section */
	expect_reloc_error("outside its section");
	build();
	rel[1].offset = UINT64_MAX - 1;
	expect_reloc_error("outside its section");
	build();
	sym[2].value = 4096; /* symbol past its section */
	expect_reloc_error("outside its section");
}

/* The message names the offset, the section and its size, formatted by
 * the kernel's own formatter (%#lx before %s: each conversion must
 * consume its own argument, or %s reads the offset as a pointer). */
static void relocation_outside_names_offset_and_section(void **state)
{
	(void)state;
	build();
	rel[4].offset = 28;
	expect_reloc_error("relocation at 0x1c outside its section .text (0x20 bytes)");
	build();
	rel[1].offset = 0xdeadbeef;
	expect_reloc_error("relocation at 0xdeadbeef outside its section .text (0x20 bytes)");
	build();
	sh[S_DATA].offset = img_len - 4;
	expect_parse_error("section 2 (.data) at 0x");
	build();
	sh[S_DATA].addralign = 24;
	expect_parse_error("section 2 (.data): bad alignment 0x18");
	build();
	rel[2].info = R(24, 1);
	expect_reloc_error("unknown relocation type 24 at .text+0xc");
	build();
	rel[3].info = R(10, 2);
	expect_reloc_error(
	    "relocation at .text+0x10: R_X86_64_32 value 0xffffffffc0004008 does not fit");
}

/* Symbol 0 must be the all-zero null symbol: its name is never checked,
 * so a relocation against a symbol 0 with a section and a wild name read
 * the name far outside the string table while formatting the error (found
 * by tests/fuzz/fuzz_modelf.c). */
static void symbol_zero_must_be_null(void **state)
{
	(void)state;
	build();
	sym[0].name = 0x7ffffff0;
	sym[0].shndx = 0xfff2; /* SHN_COMMON */
	rel[0].info = R(1, 0);
	expect_parse_error("symbol 0 is not the null symbol");
	build();
	sym[0].value = 1;
	expect_parse_error("symbol 0 is not the null symbol");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(layout_and_every_relocation_type),
	    cmocka_unit_test(r_x86_64_32_must_fit),
	    cmocka_unit_test(truncated_files),
	    cmocka_unit_test(bad_headers),
	    cmocka_unit_test(bad_section_indices),
	    cmocka_unit_test(unknown_relocation_type),
	    cmocka_unit_test(undefined_symbol_is_named),
	    cmocka_unit_test(relocation_outside_its_section),
	    cmocka_unit_test(relocation_outside_names_offset_and_section),
	    cmocka_unit_test(symbol_zero_must_be_null),
	};
	return cmocka_run_group_tests_name("modelf: module ELF loader", tests, NULL, NULL);
}
