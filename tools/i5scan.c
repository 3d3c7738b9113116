/*
 * i5scan: post-link check of invariant I5 (spec section 3).
 *
 *   i5scan [--allow FILE] ELF
 *   i5scan --sites TEMPLATES.o [--gates N] KERNEL
 *
 * Reads an ELF64 x86-64 file (ET_EXEC or ET_REL) and tries i5_match at every
 * byte offset of every SHF_EXECINSTR section. A hit is allowed only when it is
 * in an nk section (".nk.*" or ".boot") and the nearest function/label symbol
 * at or below it is named in FILE (one name per line, '#' comments). Every
 * other hit is reported on stderr.
 *
 * With --sites (the linked kernel; spec I6, the no-gadget rule) a hit in an
 * nk section passes only when it is
 *   - boot-only: in the lower-half ".boot" code or in [__nk_boot_start,
 *     __nk_boot_end), which nk makes non-executable before the outer kernel
 *     first runs; or
 *   - a checked site: the write of a record in the kernel's ".nk.sites"
 *     (start, write, end, kind; nk/cr0.inc) whose bytes [start, end) equal
 *     a template of that kind in TEMPLATES.o (tools/site_templates.asm),
 *     every relocated field holding what the relocation gives against the
 *     kernel's symbols. So each passing write is followed inline by its
 *     macro's check, exactly as reviewed; an I5 encoding anywhere else in nk
 *     (a bare `mov cr3, rdi; ret`, or bytes inside another instruction)
 *     fails the build. Each site is listed on stdout with why it passes.
 *     With --gates N the kernel must hold exactly N gate entries
 *     (GATE_ENTRY records): one per vMMU call of include/nk/calls.h.
 *
 * Exit: 0 clean, 1 forbidden hits, 2 bad usage or bad input.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x86/i5.h>

static const char *prog = "i5scan";
static const char *path; /* the ELF file, for messages */

/* The ELF image, read whole, with its validated tables. */
struct elf {
	const uint8_t *data;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh; /* eh->e_shnum entries */
	const char *shstr;    /* section names */
	size_t shstr_size;
	const Elf64_Sym *sym; /* NULL if there is no symbol table */
	size_t nsym;
	const char *str; /* symbol names */
	size_t str_size;
};

/* The allow list: symbol names. */
static char **allow;
static size_t nallow;

/* fail: print "i5scan: ELF: reason" and exit 2 (bad input or usage). */
__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", prog, path ? path : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* in_bounds: whether [off, off+len) lies inside an image of size bytes. */
static int in_bounds(uint64_t off, uint64_t len, size_t size)
{
	return len <= size && off <= size - len;
}

/*
 * read_file: reads all of file name into a malloc'd buffer; sets *size.
 * Exits 2 on any error. An empty file gives a valid 1-byte buffer, size 0.
 */
static uint8_t *read_file(const char *name, size_t *size)
{
	FILE *f = fopen(name, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		fail("cannot open: %s", strerror(errno));
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				fail("out of memory");
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	if (ferror(f))
		fail("read error");
	fclose(f);
	*size = n;
	return buf;
}

/*
 * strtab_name: the NUL-terminated string at offset idx of a string table of
 * size bytes, or NULL if idx is out of range or the string is unterminated.
 */
static const char *strtab_name(const char *tab, size_t size, uint64_t idx)
{
	if (!tab || idx >= size || !memchr(tab + idx, '\0', size - idx))
		return NULL;
	return tab + idx;
}

/* section_name: name of section i; "?" when it cannot be read. */
static const char *section_name(const struct elf *e, size_t i)
{
	const char *s = strtab_name(e->shstr, e->shstr_size, e->sh[i].sh_name);

	return s ? s : "?";
}

/*
 * elf_load: validates the header, section table, section-name table and
 * symbol table of data[0..size) and fills e. Exits 2 (with the reason) on
 * anything malformed or unsupported; after it returns, every table in e and
 * every section with file contents lies inside the image.
 */
static void elf_load(struct elf *e, const uint8_t *data, size_t size)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->data = data;
	e->size = size;
	if (size < SELFMAG || memcmp(data, ELFMAG, SELFMAG) != 0)
		fail("not an ELF file");
	if (size < sizeof(Elf64_Ehdr))
		fail("truncated ELF header (%zu bytes)", size);
	if (data[EI_CLASS] != ELFCLASS64)
		fail("not ELF64");
	if (data[EI_DATA] != ELFDATA2LSB)
		fail("not little-endian");
	if (eh->e_machine != EM_X86_64)
		fail("wrong machine %u (want x86-64)", eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_REL)
		fail("not ET_EXEC or ET_REL (e_type %u)", eh->e_type);
	if (eh->e_shoff == 0 || eh->e_shnum == 0)
		fail("no section headers (cannot scan a stripped image)");
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		fail("bad e_shentsize %u", eh->e_shentsize);
	if (eh->e_shoff % 8 != 0 ||
	    !in_bounds(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), size))
		fail("section header table out of bounds (truncated file?)");
	e->eh = eh;
	e->sh = (const Elf64_Shdr *)(data + eh->e_shoff);

	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *s = &e->sh[i];
		if (s->sh_type != SHT_NOBITS && !in_bounds(s->sh_offset, s->sh_size, size))
			fail("section %zu out of bounds (truncated file?)", i);
	}

	if (eh->e_shstrndx == SHN_UNDEF || eh->e_shstrndx >= eh->e_shnum)
		fail("bad section name table index %u", eh->e_shstrndx);
	e->shstr = (const char *)data + e->sh[eh->e_shstrndx].sh_offset;
	e->shstr_size = e->sh[eh->e_shstrndx].sh_size;

	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *s = &e->sh[i];
		if (s->sh_type != SHT_SYMTAB)
			continue;
		if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_offset % 8 != 0)
			fail("bad symbol table (section %zu)", i);
		if (s->sh_link == SHN_UNDEF || s->sh_link >= eh->e_shnum ||
		    e->sh[s->sh_link].sh_type != SHT_STRTAB)
			fail("symbol table has no string table");
		e->sym = (const Elf64_Sym *)(data + s->sh_offset);
		e->nsym = s->sh_size / sizeof(Elf64_Sym);
		e->str = (const char *)data + e->sh[s->sh_link].sh_offset;
		e->str_size = e->sh[s->sh_link].sh_size;
		break;
	}
}

/*
 * load_allow: reads the allow list from file name: one symbol name per line,
 * surrounding blanks ignored, '#' starts a comment, blank lines skipped.
 * Exits 2 if the file cannot be read.
 */
static void load_allow(const char *name)
{
	FILE *f = fopen(name, "r");
	char line[512];

	if (!f) {
		fprintf(stderr, "%s: %s: cannot open: %s\n", prog, name, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "%s: %s: line too long\n", prog, name);
			exit(2);
		}
		if ((end = strchr(p, '#')) != NULL)
			*end = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p &&
		       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		if (*p == '\0')
			continue;
		allow = realloc(allow, (nallow + 1) * sizeof(*allow));
		if (!allow || !(allow[nallow] = malloc(end - p + 1))) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(2);
		}
		memcpy(allow[nallow++], p, end - p + 1);
	}
	fclose(f);
}

/* allowed_name: whether symbol name is in the allow list. */
static int allowed_name(const char *name)
{
	size_t i, n = strcspn(name, ".");

	/* "f.constprop.0" (a GCC clone) and "f.label" (a NASM local label)
	 * belong to f */
	for (i = 0; i < nallow; i++)
		if (strlen(allow[i]) == n && strncmp(allow[i], name, n) == 0)
			return 1;
	return 0;
}

/* nk_section: whether a section name belongs to nk (".nk.*" or ".boot"). */
static int nk_section(const char *name)
{
	return strncmp(name, ".nk.", 4) == 0 || strcmp(name, ".boot") == 0;
}

/*
 * nearest_symbol: the named STT_FUNC/STT_NOTYPE symbol of section shndx with
 * the greatest value <= addr (addr in the same units as st_value: section
 * offset for ET_REL, virtual address for ET_EXEC). Among symbols at the same
 * value a function wins over a label, then a global over a local, then the
 * lower symbol index. Returns NULL if there is none.
 */
static const Elf64_Sym *nearest_symbol(const struct elf *e, size_t shndx, uint64_t addr)
{
	const Elf64_Sym *best = NULL;
	size_t i;

	for (i = 1; i < e->nsym; i++) {
		const Elf64_Sym *s = &e->sym[i];
		int type = ELF64_ST_TYPE(s->st_info);
		const char *name = strtab_name(e->str, e->str_size, s->st_name);

		if (s->st_shndx != shndx || (type != STT_FUNC && type != STT_NOTYPE))
			continue;
		if (!name || !*name || s->st_value > addr)
			continue;
		if (strncmp(name, "..@", 3) == 0)
			continue; /* NASM macro-local label: the enclosing symbol counts */
		if (best && s->st_value < best->st_value)
			continue;
		if (best && s->st_value == best->st_value) {
			int bt = ELF64_ST_TYPE(best->st_info);
			if (bt == STT_FUNC && type != STT_FUNC)
				continue;
			if (bt == type && (ELF64_ST_BIND(best->st_info) != STB_LOCAL ||
					   ELF64_ST_BIND(s->st_info) == STB_LOCAL))
				continue;
		}
		best = s;
	}
	return best;
}

/* hit_length: bytes in the matched encoding (opcode and ModRM, if any). */
static size_t hit_length(enum i5_kind k)
{
	return k == I5_WRMSR ? 2 : 3;
}

/*
 * scan_section: checks every byte offset of section i. Reports each
 * forbidden hit on stderr; adds the allowed ones to *nallowed. Returns the
 * number of forbidden hits.
 */
static size_t scan_section(const struct elf *e, size_t i, size_t *nallowed)
{
	const Elf64_Shdr *sh = &e->sh[i];
	const uint8_t *buf = e->data + sh->sh_offset;
	const char *sname = section_name(e, i);
	uint64_t base = e->eh->e_type == ET_REL ? 0 : sh->sh_addr;
	size_t bad = 0, off, n, j;
	enum i5_kind k;

	for (off = 0; (off = i5_scan(buf, sh->sh_size, off, &k)) < sh->sh_size; off++) {
		const Elf64_Sym *sym = nearest_symbol(e, i, base + off);
		const char *name = sym ? e->str + sym->st_name : NULL;

		if (nk_section(sname) && name && allowed_name(name)) {
			(*nallowed)++;
			continue;
		}
		fprintf(stderr, "%s: %s: %s (", prog, path, i5_kind_name(k));
		n = hit_length(k);
		for (j = 0; j < n; j++)
			fprintf(stderr, "%s%02x", j ? " " : "", buf[off + j]);
		fprintf(stderr, ") at %s+0x%zx (", sname, off);
		if (sym)
			fprintf(stderr, "%s+0x%llx", name,
				(unsigned long long)(base + off - sym->st_value));
		else
			fprintf(stderr, "no symbol");
		fprintf(stderr, "): not allowed\n");
		bad++;
	}
	return bad;
}

/* ---- --sites: checked sites (spec I6) ---- */

enum { SITE_KINDS = 8 };
static const char *const site_kind_name[SITE_KINDS] = {
    "?",
    "CR0_RESTORE: CR0 := nk_cr0, read back until equal",
    "GATE_ENTRY: CR0 := nk_cr0 & ~WP, read back, refused unless outside nk",
    "NMI_RETURN: CR0 := nk_cr0 & ~WP, read back, refused unless an NMI of nk's",
    "PRIV_CR3: CR3 := nk_cr3, read back until equal (gated page)",
    "CR4_SYNC: CR4 := nk_cr4 (less SMEP while the gated page is in use), compared again",
    "PRIV_WRMSR: MSR[ECX] := nk's record, looked up again and read back (gated page)",
    "CR0_SYNC: CR0 := nk_cr0 (less WP inside nk), compared again after the write",
};

/* A site record: virtual addresses (kernel) or offsets in tsec (template). */
struct site {
	uint64_t start, site, end, kind;
	size_t tsec; /* template: the text section */
	int ok;	     /* kernel: matched a template */
};

/* A relocated field of a template: offset in its section, type, symbol. */
struct trel {
	uint64_t off;
	uint32_t type;
	const char *sym;
	int64_t addend;
	size_t tsec;
};

/* find_section: index of the section named name, or 0. */
static size_t find_section(const struct elf *e, const char *name)
{
	for (size_t i = 1; i < e->eh->e_shnum; i++)
		if (strcmp(section_name(e, i), name) == 0)
			return i;
	return 0;
}

/* symbol_value: the value of the defined symbol name; exits 2 if absent. */
static uint64_t symbol_value(const struct elf *e, const char *name)
{
	for (size_t i = 1; i < e->nsym; i++) {
		const char *n = strtab_name(e->str, e->str_size, e->sym[i].st_name);
		if (n && strcmp(n, name) == 0 && e->sym[i].st_shndx != SHN_UNDEF)
			return e->sym[i].st_value;
	}
	fail("no symbol %s", name);
}

/* kernel_sites: the records of the linked kernel's .nk.sites. */
static struct site *kernel_sites(const struct elf *e, size_t *n)
{
	size_t i = find_section(e, ".nk.sites");
	if (!i)
		fail("no .nk.sites section (nk/cr0.inc records its sites there)");
	const Elf64_Shdr *sh = &e->sh[i];
	if (sh->sh_size % 32)
		fail(".nk.sites: size %llu is not a whole number of records",
		     (unsigned long long)sh->sh_size);
	*n = sh->sh_size / 32;
	struct site *v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v)
		fail("out of memory");
	for (size_t k = 0; k < *n; k++) {
		uint64_t w[4];
		memcpy(w, e->data + sh->sh_offset + 32 * k, sizeof(w));
		v[k] = (struct site){w[0], w[1], w[2], w[3], 0, 0};
	}
	return v;
}

/* template_sites: the records of TEMPLATES.o (ET_REL): each field is an
 * R_X86_64_64 relocation against a section symbol plus an addend; and the
 * relocations of its text sections (*rels). */
static struct site *template_sites(const struct elf *t, size_t *n, struct trel **rels,
				   size_t *nrels)
{
	size_t si = find_section(t, ".nk.sites");
	if (!si)
		fail("no .nk.sites section in the templates");
	*n = t->sh[si].sh_size / 32;
	struct site *v = calloc(*n ? *n : 1, sizeof(*v));
	*rels = NULL;
	*nrels = 0;
	if (!v)
		fail("out of memory");
	for (size_t k = 0; k < *n; k++)
		memcpy(&v[k].kind, t->data + t->sh[si].sh_offset + 32 * k + 24, 8);
	for (size_t r = 1; r < t->eh->e_shnum; r++) {
		const Elf64_Shdr *rs = &t->sh[r];
		if (rs->sh_type != SHT_RELA)
			continue;
		if (rs->sh_entsize != sizeof(Elf64_Rela) || rs->sh_info >= t->eh->e_shnum)
			fail("bad relocation section %zu in the templates", r);
		const Elf64_Rela *ra = (const Elf64_Rela *)(t->data + rs->sh_offset);
		for (size_t j = 0; j < rs->sh_size / sizeof(*ra); j++) {
			size_t symi = ELF64_R_SYM(ra[j].r_info);
			if (symi >= t->nsym)
				fail("relocation against symbol %zu out of range", symi);
			const Elf64_Sym *sym = &t->sym[symi];
			if (rs->sh_info == si) { /* a record field: section + addend */
				uint64_t k = ra[j].r_offset / 32, f = ra[j].r_offset % 32 / 8;
				if (k >= *n || f > 2 || ELF64_R_TYPE(ra[j].r_info) != R_X86_64_64)
					fail("unexpected relocation in the templates' .nk.sites");
				uint64_t val = sym->st_value + (uint64_t)ra[j].r_addend;
				if (f == 0)
					v[k].start = val;
				else if (f == 1)
					v[k].site = val;
				else
					v[k].end = val;
				v[k].tsec = sym->st_shndx;
				continue;
			}
			*rels = realloc(*rels, (*nrels + 1) * sizeof(**rels));
			if (!*rels)
				fail("out of memory");
			(*rels)[(*nrels)++] =
			    (struct trel){ra[j].r_offset, (uint32_t)ELF64_R_TYPE(ra[j].r_info),
					  strtab_name(t->str, t->str_size, sym->st_name),
					  ra[j].r_addend, rs->sh_info};
		}
	}
	return v;
}

/* kernel_bytes: the kernel's bytes at virtual address va, len bytes, or NULL
 * when no loaded section holds them all. */
static const uint8_t *kernel_bytes(const struct elf *e, uint64_t va, uint64_t len)
{
	for (size_t i = 1; i < e->eh->e_shnum; i++) {
		const Elf64_Shdr *sh = &e->sh[i];
		if (!(sh->sh_flags & SHF_ALLOC) || sh->sh_type == SHT_NOBITS)
			continue;
		if (va >= sh->sh_addr && len <= sh->sh_size &&
		    va - sh->sh_addr <= sh->sh_size - len)
			return e->data + sh->sh_offset + (va - sh->sh_addr);
	}
	return NULL;
}

/* template_match: whether kernel site ks is byte for byte template ts, its
 * relocated fields resolved against the kernel's symbols. */
static int template_match(const struct elf *e, const struct site *ks, const struct elf *t,
			  const struct site *ts, const struct trel *rels, size_t nrels)
{
	uint64_t len = ts->end - ts->start;
	if (ts->kind != ks->kind || ks->end - ks->start != len ||
	    ks->site - ks->start != ts->site - ts->start)
		return 0;
	const uint8_t *kb = kernel_bytes(e, ks->start, len);
	const uint8_t *tb = t->data + t->sh[ts->tsec].sh_offset + ts->start;
	if (!kb || ts->end > t->sh[ts->tsec].sh_size)
		return 0;
	uint8_t mask[512];
	if (len > sizeof(mask))
		return 0;
	memset(mask, 1, len);
	for (size_t j = 0; j < nrels; j++) {
		const struct trel *r = &rels[j];
		if (r->tsec != ts->tsec || r->off < ts->start || r->off >= ts->end)
			continue;
		uint64_t o = r->off - ts->start, p = ks->start + o;
		if (!r->sym || !*r->sym)
			return 0; /* a reference outside the template: not allowed */
		uint64_t want = symbol_value(e, r->sym) + (uint64_t)r->addend;
		size_t w;
		switch (r->type) {
		case R_X86_64_PC32:
		case R_X86_64_PLT32:
			want -= p;
			w = 4;
			break;
		case R_X86_64_32:
		case R_X86_64_32S:
			w = 4;
			break;
		case R_X86_64_64:
			w = 8;
			break;
		default:
			return 0;
		}
		if (o + w > len)
			return 0;
		uint64_t have = 0;
		memcpy(&have, kb + o, w);
		if (w == 4 ? (uint32_t)have != (uint32_t)want : have != want)
			return 0;
		memset(mask + o, 0, w);
	}
	for (uint64_t o = 0; o < len; o++)
		if (mask[o] && kb[o] != tb[o])
			return 0;
	return 1;
}

/* sites_main: --sites TEMPLATES [--gates N] KERNEL (see the top of this
 * file); ngates < 0: no expectation. */
static int sites_main(const char *tpath, const char *kpath, long ngates)
{
	struct elf e, t;
	size_t size, tsize, nks, nts, nrels;
	struct trel *rels;
	path = tpath;
	uint8_t *tdata = read_file(tpath, &tsize);
	elf_load(&t, tdata, tsize);
	struct site *ts = template_sites(&t, &nts, &rels, &nrels);
	path = kpath;
	uint8_t *data = read_file(kpath, &size);
	elf_load(&e, data, size);
	if (e.eh->e_type != ET_EXEC)
		fail("--sites wants the linked kernel (ET_EXEC)");
	struct site *ks = kernel_sites(&e, &nks);
	uint64_t boot0 = symbol_value(&e, "__nk_boot_start"),
		 boot1 = symbol_value(&e, "__nk_boot_end");
	uint64_t priv0 = symbol_value(&e, "__nk_priv_start"),
		 priv1 = symbol_value(&e, "__nk_priv_end");
	size_t bad = 0, nboot = 0, nchecked = 0, scanned = 0;

	long gates = 0;
	for (size_t k = 0; k < nks; k++)
		gates += ks[k].kind == 2; /* SITE_GATE_ENTRY */
	if (ngates >= 0 && gates != ngates) {
		fprintf(stderr, "%s: %s: %ld gate entries, but the list of vMMU calls has %ld\n",
			prog, path, gates, ngates);
		bad++;
	}
	for (size_t k = 0; k < nks; k++) {
		for (size_t j = 0; j < nts && !ks[k].ok; j++)
			ks[k].ok = template_match(&e, &ks[k], &t, &ts[j], rels, nrels);
		if (!ks[k].ok) {
			fprintf(stderr,
				"%s: %s: site record %zu at %llx (kind %llu) does not match its "
				"template\n",
				prog, path, k, (unsigned long long)ks[k].site,
				(unsigned long long)ks[k].kind);
			bad++;
		}
	}
	for (size_t i = 1; i < e.eh->e_shnum; i++) {
		const Elf64_Shdr *sh = &e.sh[i];
		if (!(sh->sh_flags & SHF_EXECINSTR) || sh->sh_type == SHT_NOBITS)
			continue;
		const uint8_t *buf = e.data + sh->sh_offset;
		const char *sname = section_name(&e, i);
		scanned += sh->sh_size;
		enum i5_kind kd;
		for (uint64_t off = 0; (off = i5_scan(buf, sh->sh_size, off, &kd)) < sh->sh_size;
		     off++) {
			uint64_t va = sh->sh_addr + off;
			const Elf64_Sym *sym = nearest_symbol(&e, i, va);
			const char *name = sym ? e.str + sym->st_name : "no symbol";
			uint64_t rel = sym ? va - sym->st_value : 0;
			if (strcmp(sname, ".boot") == 0 || (va >= boot0 && va < boot1)) {
				printf("site %llx %s+0x%llx %s: boot-only (non-executable once the "
				       "outer kernel runs)\n",
				       (unsigned long long)va, name, (unsigned long long)rel,
				       i5_kind_name(kd));
				nboot++;
				continue;
			}
			const struct site *m = NULL;
			for (size_t k = 0; k < nks && !m;
			     k++) /* the write, or its REX prefix's 0F */
				if (ks[k].ok &&
				    (ks[k].site == va || (ks[k].site + 1 == va && off > 0 &&
							  (buf[off - 1] & 0xf0) == 0x40)))
					m = &ks[k];
			if (nk_section(sname) && m) {
				printf("site %llx %s+0x%llx %s: checked: %s%s\n",
				       (unsigned long long)va, name, (unsigned long long)rel,
				       i5_kind_name(kd),
				       site_kind_name[m->kind < SITE_KINDS ? m->kind : 0],
				       va >= priv0 && va < priv1 ? "; executable only inside nk"
								 : "");
				nchecked++;
				continue;
			}
			fprintf(stderr, "%s: %s: %s at %s+0x%llx (%s+0x%llx, %llx): %s\n", prog,
				path, i5_kind_name(kd), sname, (unsigned long long)off, name,
				(unsigned long long)rel, (unsigned long long)va,
				nk_section(sname)
				    ? "not boot-only and not followed by its check (a gadget)"
				    : "not allowed outside nk");
			bad++;
		}
	}
	if (bad) {
		fprintf(
		    stderr,
		    "%s: %s: %zu privileged-write sites fail the no-gadget rule (spec I5, I6)\n",
		    prog, path, bad);
		return 1;
	}
	printf("%s: %s: %zu bytes of executable code scanned; %zu checked sites, %zu boot-only, 0 "
	       "forbidden\n",
	       prog, path, scanned, nchecked, nboot);
	return 0;
}

int main(int argc, char **argv)
{
	struct elf e;
	uint8_t *data;
	size_t size, i, scanned = 0, nallowed = 0, bad = 0;
	int a = 1;

	if (argc == 4 && strcmp(argv[1], "--sites") == 0)
		return sites_main(argv[2], argv[3], -1);
	if (argc == 6 && strcmp(argv[1], "--sites") == 0 && strcmp(argv[3], "--gates") == 0)
		return sites_main(argv[2], argv[5], strtol(argv[4], NULL, 10));
	if (a + 1 < argc && strcmp(argv[a], "--allow") == 0) {
		load_allow(argv[a + 1]);
		a += 2;
	}
	if (a + 1 != argc || argv[a][0] == '-') {
		fprintf(stderr, "usage: %s [--allow FILE] ELF | --sites TEMPLATES.o KERNEL\n",
			prog);
		return 2;
	}
	path = argv[a];
	data = read_file(path, &size);
	elf_load(&e, data, size);

	for (i = 1; i < e.eh->e_shnum; i++) {
		const Elf64_Shdr *sh = &e.sh[i];
		if (!(sh->sh_flags & SHF_EXECINSTR) || sh->sh_type == SHT_NOBITS)
			continue;
		scanned += sh->sh_size;
		bad += scan_section(&e, i, &nallowed);
	}
	if (bad) {
		fprintf(stderr, "%s: %s: %zu forbidden instruction encodings (I5)\n", prog, path,
			bad);
		return 1;
	}
	printf(
	    "%s: %s: %zu bytes of executable code scanned, %zu allowed hits in nk, 0 forbidden\n",
	    prog, path, scanned, nallowed);
	return 0;
}
