/* ELF64 relocatable objects for the module loader: validation, layout,
 * relocation (include/outer/modelf.h). Every offset, index and size read
 * from the file is checked before use; nothing is read outside the image.
 * Source: System V gABI ch. 4 (sections, symbols, relocation); x86-64
 * psABI 4.4 (relocation types). Host tests and the fuzzer link it with
 * outer/kfmt.c and lib/fmt.c: the messages come from the kernel's own
 * formatter there too. */
#include <outer/kernel.h>
#include <outer/modelf.h>

#define SHT_PROGBITS 1
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_RELA 4
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHF_WRITE 1
#define SHF_ALLOC 2
#define SHF_EXECINSTR 4
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define SHN_ABS 0xfff1
#define SHN_COMMON 0xfff2
#define R_X86_64_NONE 0
#define R_X86_64_64 1
#define R_X86_64_PC32 2
#define R_X86_64_PLT32 4
#define R_X86_64_32 10
#define R_X86_64_32S 11

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		ksnprintf(m->err, sizeof(m->err), __VA_ARGS__);                                    \
		return -1;                                                                         \
	} while (0)

/* Whether [off, off+size) lies inside a file of len bytes (no overflow). */
static bool inside(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

/* NUL-terminated string at offset off of a table of size bytes, or NULL. */
static const char *str_at(const char *tab, uint64_t size, uint64_t off)
{
	if (off >= size)
		return NULL;
	for (uint64_t i = off; i < size; i++)
		if (!tab[i])
			return tab + off;
	return NULL;
}

static int check_header(struct melf *m)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)m->img;
	if (m->len < sizeof(*eh))
		FAIL("truncated: %lu bytes, shorter than the ELF header", (unsigned long)m->len);
	if (memcmp(eh->ident, "\177ELF", 4))
		FAIL("not an ELF file (bad magic)");
	if (eh->ident[4] != 2 || eh->ident[5] != 1)
		FAIL("not ELF64 little-endian");
	if (eh->type != 1)
		FAIL("not a relocatable object (e_type %u, want ET_REL)", eh->type);
	if (eh->machine != EM_X86_64)
		FAIL("not x86-64 (e_machine %u)", eh->machine);
	if (eh->shentsize != sizeof(struct elf64_shdr))
		FAIL("bad section header size %u", eh->shentsize);
	if (eh->shnum == 0 || eh->shnum > MELF_MAX_SECS)
		FAIL("bad section count %u (1..%d)", eh->shnum, MELF_MAX_SECS);
	if (eh->shoff % 8 ||
	    !inside(eh->shoff, (uint64_t)eh->shnum * sizeof(struct elf64_shdr), m->len))
		FAIL("truncated: section headers at %#lx outside the file",
		     (unsigned long)eh->shoff);
	if (eh->shstrndx >= eh->shnum)
		FAIL("bad section index %u for section names", eh->shstrndx);
	m->sh = (const struct elf64_shdr *)(m->img + eh->shoff);
	m->shnum = eh->shnum;
	return 0;
}

/* Every section's extent, alignment and links. */
static int check_sections(struct melf *m)
{
	const struct elf64_shdr *ss = &m->sh[((const struct elf64_ehdr *)m->img)->shstrndx];
	if (ss->type != SHT_STRTAB || !inside(ss->offset, ss->size, m->len) || ss->size == 0)
		FAIL("bad section-name table");
	m->shstr = (const char *)m->img + ss->offset;
	m->shstr_size = ss->size;
	m->symtab = 0;
	for (unsigned i = 1; i < m->shnum; i++) {
		const struct elf64_shdr *s = &m->sh[i];
		if (!str_at(m->shstr, m->shstr_size, s->name))
			FAIL("section %u: name outside the name table", i);
		if (s->type != SHT_NOBITS && !inside(s->offset, s->size, m->len))
			FAIL("truncated: section %u (%s) at %#lx+%#lx past the end (%#lx bytes)", i,
			     m->shstr + s->name, (unsigned long)s->offset, (unsigned long)s->size,
			     (unsigned long)m->len);
		if (s->addralign > 4096 || (s->addralign & (s->addralign - 1)))
			FAIL("section %u (%s): bad alignment %#lx", i, m->shstr + s->name,
			     (unsigned long)s->addralign);
		if ((s->flags & SHF_ALLOC) && s->size > (64ull << 20))
			FAIL("section %u (%s): too large", i, m->shstr + s->name);
		if (s->type == SHT_REL)
			FAIL("section %u (%s): SHT_REL is not used on x86-64 (want RELA)", i,
			     m->shstr + s->name);
		if (s->type == SHT_SYMTAB) {
			if (m->symtab)
				FAIL("more than one symbol table");
			m->symtab = i;
		}
	}
	if (!m->symtab)
		FAIL("no symbol table");
	const struct elf64_shdr *st = &m->sh[m->symtab];
	if (st->entsize != sizeof(struct elf64_sym) || st->size % sizeof(struct elf64_sym) ||
	    st->offset % 8)
		FAIL("bad symbol table entry size");
	if (st->link == 0 || st->link >= m->shnum || m->sh[st->link].type != SHT_STRTAB)
		FAIL("bad section index %u for symbol names", st->link);
	m->syms = (const struct elf64_sym *)(m->img + st->offset);
	m->nsyms = st->size / sizeof(struct elf64_sym);
	m->str = (const char *)m->img + m->sh[st->link].offset;
	m->str_size = m->sh[st->link].size;
	for (unsigned i = 1; i < m->shnum; i++) {
		const struct elf64_shdr *s = &m->sh[i];
		if (s->type != SHT_RELA)
			continue;
		if (s->entsize != sizeof(struct elf64_rela) ||
		    s->size % sizeof(struct elf64_rela) || s->offset % 8)
			FAIL("section %u (%s): bad relocation entry size", i, m->shstr + s->name);
		if (s->link != m->symtab)
			FAIL("section %u (%s): bad section index %u for its symbols", i,
			     m->shstr + s->name, s->link);
		if (s->info == 0 || s->info >= m->shnum)
			FAIL("section %u (%s): bad section index %u to relocate", i,
			     m->shstr + s->name, s->info);
	}
	/* entry 0 is the undefined symbol, all zeros (gABI 4 "Symbol Table"):
	 * its name and section are never checked below, so none may be set */
	if (m->nsyms && (m->syms[0].name || m->syms[0].info || m->syms[0].other ||
			 m->syms[0].shndx || m->syms[0].value || m->syms[0].size))
		FAIL("symbol 0 is not the null symbol");
	for (uint64_t i = 1; i < m->nsyms; i++) {
		const struct elf64_sym *y = &m->syms[i];
		if (!str_at(m->str, m->str_size, y->name))
			FAIL("symbol %lu: name outside the string table", (unsigned long)i);
		if (y->shndx != SHN_UNDEF && y->shndx < SHN_LORESERVE && y->shndx >= m->shnum)
			FAIL("symbol %s: bad section index %u", m->str + y->name, y->shndx);
	}
	return 0;
}

/* Place every SHF_ALLOC section in its area. */
static void layout(struct melf *m)
{
	for (int a = 0; a < MELF_NAREAS; a++)
		m->area_size[a] = 0;
	for (unsigned i = 0; i < m->shnum; i++) {
		const struct elf64_shdr *s = &m->sh[i];
		m->area[i] = -1;
		m->off[i] = m->va[i] = 0;
		if (i == 0 || !(s->flags & SHF_ALLOC) || s->size == 0)
			continue;
		int a = (s->flags & SHF_EXECINSTR) ? MELF_TEXT
			: (s->flags & SHF_WRITE)   ? MELF_DATA
						   : MELF_RODATA;
		uint64_t al = s->addralign ? s->addralign : 1;
		m->off[i] = (m->area_size[a] + al - 1) & ~(al - 1);
		m->area_size[a] = m->off[i] + s->size;
		m->area[i] = a;
	}
}

int melf_parse(struct melf *m, const uint8_t *img, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->img = img;
	m->len = len;
	if (!img)
		FAIL("no image");
	if (check_header(m) || check_sections(m))
		return -1;
	layout(m);
	return 0;
}

/* The value S of symbol i for a relocation in section tsec. */
static int sym_value(struct melf *m, uint64_t i, melf_resolve_fn resolve, void *ctx, uint64_t *v)
{
	if (i >= m->nsyms)
		FAIL("relocation names symbol %lu of %lu (bad symbol index)", (unsigned long)i,
		     (unsigned long)m->nsyms);
	const struct elf64_sym *y = &m->syms[i];
	const char *name = m->str + y->name;
	if (y->shndx == SHN_UNDEF) {
		if (i == 0)
			FAIL("relocation against the null symbol");
		if (!resolve || !resolve(name, v, ctx))
			FAIL("undefined symbol '%s' (not exported by the kernel)", name);
		return 0;
	}
	if (y->shndx == SHN_ABS) {
		*v = y->value;
		return 0;
	}
	if (y->shndx == SHN_COMMON || y->shndx >= m->shnum)
		FAIL("symbol '%s' in an unsupported section %#x (build with -fno-common)", name,
		     y->shndx);
	if (m->area[y->shndx] < 0)
		FAIL("symbol '%s' in section %u, which is not loaded", name, y->shndx);
	if (y->value > m->sh[y->shndx].size)
		FAIL("symbol '%s' points outside its section", name);
	*v = m->va[y->shndx] + y->value;
	return 0;
}

/* Apply one relocation at P (buffer p) of section `tsec`. */
static int apply(struct melf *m, const struct elf64_rela *r, unsigned tsec, uint8_t *p,
		 uint64_t pva, uint64_t s)
{
	uint32_t type = (uint32_t)r->info;
	uint64_t val;
	int64_t sv;
	switch (type) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_64:
		val = s + (uint64_t)r->addend;
		memcpy(p, &val, 8);
		return 0;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		sv = (int64_t)(s + (uint64_t)r->addend - pva);
		if (sv != (int32_t)sv)
			FAIL("relocation at %s+%#lx: PC-relative target out of 32-bit range",
			     m->shstr + m->sh[tsec].name, (unsigned long)r->offset);
		break;
	case R_X86_64_32:
		val = s + (uint64_t)r->addend;
		if (val != (uint32_t)val)
			FAIL("relocation at %s+%#lx: R_X86_64_32 value %#lx does not fit (build "
			     "with "
			     "-mcmodel=kernel)",
			     m->shstr + m->sh[tsec].name, (unsigned long)r->offset,
			     (unsigned long)val);
		sv = (int64_t)val;
		break;
	case R_X86_64_32S:
		sv = (int64_t)(s + (uint64_t)r->addend);
		if (sv != (int32_t)sv)
			FAIL("relocation at %s+%#lx: R_X86_64_32S value out of range",
			     m->shstr + m->sh[tsec].name, (unsigned long)r->offset);
		break;
	default:
		FAIL("unknown relocation type %u at %s+%#lx", type, m->shstr + m->sh[tsec].name,
		     (unsigned long)r->offset);
	}
	uint32_t v32 = (uint32_t)sv;
	memcpy(p, &v32, 4);
	return 0;
}

/* Width in bytes of relocation type t (0 if unknown). */
static unsigned rel_width(uint32_t t)
{
	switch (t) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_64:
		return 8;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
		return 4;
	}
	return 0;
}

int melf_relocate(struct melf *m, uint8_t *const buf[MELF_NAREAS],
		  const uint64_t va_base[MELF_NAREAS], melf_resolve_fn resolve, void *ctx)
{
	for (unsigned i = 0; i < m->shnum; i++) {
		if (m->area[i] < 0)
			continue;
		m->va[i] = va_base[m->area[i]] + m->off[i];
		if (m->sh[i].type != SHT_NOBITS)
			memcpy(buf[m->area[i]] + m->off[i], m->img + m->sh[i].offset,
			       m->sh[i].size);
	}
	for (unsigned i = 1; i < m->shnum; i++) {
		const struct elf64_shdr *rs = &m->sh[i];
		if (rs->type != SHT_RELA)
			continue;
		unsigned t = rs->info;
		if (m->area[t] < 0) {
			if (m->sh[t].flags & SHF_ALLOC)
				continue; /* empty section */
			continue;	  /* debug information: not loaded, not relocated */
		}
		const struct elf64_rela *rr = (const struct elf64_rela *)(m->img + rs->offset);
		for (uint64_t k = 0; k < rs->size / sizeof(*rr); k++) {
			struct elf64_rela r;
			memcpy(&r, &rr[k], sizeof(r));
			uint32_t type = (uint32_t)r.info;
			unsigned w = rel_width(type);
			if (!w && type != R_X86_64_NONE)
				FAIL("unknown relocation type %u at %s+%#lx", type,
				     m->shstr + m->sh[t].name, (unsigned long)r.offset);
			if (!inside(r.offset, w, m->sh[t].size))
				FAIL("relocation at %#lx outside its section %s (%#lx bytes)",
				     (unsigned long)r.offset, m->shstr + m->sh[t].name,
				     (unsigned long)m->sh[t].size);
			if (m->sh[t].type == SHT_NOBITS && w)
				FAIL("relocation into %s, which has no file contents",
				     m->shstr + m->sh[t].name);
			uint64_t s;
			if (sym_value(m, r.info >> 32, resolve, ctx, &s))
				return -1;
			if (apply(m, &r, t, buf[m->area[t]] + m->off[t] + r.offset,
				  m->va[t] + r.offset, s))
				return -1;
		}
	}
	return 0;
}

int melf_section(const struct melf *m, const char *name)
{
	for (unsigned i = 1; i < m->shnum; i++)
		if (!strcmp(m->shstr + m->sh[i].name, name))
			return (int)i;
	return -1;
}

uint64_t melf_symbol(const struct melf *m, const char *name)
{
	for (uint64_t i = 1; i < m->nsyms; i++) {
		const struct elf64_sym *y = &m->syms[i];
		if (y->shndx == SHN_UNDEF || y->shndx >= m->shnum || m->area[y->shndx] < 0)
			continue;
		if (!strcmp(m->str + y->name, name))
			return m->va[y->shndx] + y->value;
	}
	return 0;
}
