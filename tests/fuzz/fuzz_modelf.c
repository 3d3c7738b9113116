/* libFuzzer harness of the module ELF loader (outer/modelf.c) on the host,
 * linked with the kernel's ksnprintf and formatter (outer/kfmt.c,
 * lib/fmt.c), not the C library's. Each input is a module file, loaded the
 * way module_load (outer/module.c) does: parse,
 * refuse areas over 4 MiB as the kernel does, relocate into staging
 * buffers of exactly the areas' sizes (so ASan catches a write past one),
 * look up __module_init, __module_exit and .attack_meta. The oracles:
 *   - no crash, no read outside the image, no write outside the buffers,
 *     no undefined behaviour (ASan, UBSan);
 *   - every refusal returns -1 with a message: non-empty, NUL-terminated
 *     inside melf.err;
 *   - an accepted file's layout holds: each loaded section inside its
 *     area, aligned to its sh_addralign, after the previous one of its
 *     area; the image is never written.
 * A failure prints what broke and aborts (libFuzzer saves the input).
 * Counts are printed at exit. Build and run: tests/fuzz/fuzz.mk
 * (`make fuzz SECONDS=N`, tests/fuzz/smoke-host.sh). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <outer/modelf.h>

#define AREAS_MAX_BYTES (4u << 20) /* module.c: 4 * MODULE_MAX_BYTES */

static unsigned long long inputs, parsed, relocated;

static void failure(const char *what, const struct melf *m) __attribute__((noreturn));
static void failure(const char *what, const struct melf *m)
{
	fprintf(stderr, "\n==== fuzz_modelf: ORACLE FAILURE: %s (err '%.*s')\n", what,
		(int)sizeof(m->err), m->err);
	abort();
}

static void check_err(const struct melf *m)
{
	size_t n = strnlen(m->err, sizeof(m->err));
	if (n == 0)
		failure("refused without a message", m);
	if (n == sizeof(m->err))
		failure("message not NUL-terminated", m);
}

/* The kernel's export table, modelled: a name resolves to an address in
 * the kernel image picked by its hash, except one name in 16 (undefined). */
static bool resolve(const char *name, uint64_t *addr, void *ctx)
{
	(void)ctx;
	uint64_t h = 14695981039346656037ull;
	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	if (h % 16 == 0)
		return false;
	*addr = 0xffffffff80100000ull + (h & 0xffff0);
	return true;
}

static void check_layout(const struct melf *m)
{
	uint64_t end[MELF_NAREAS] = {0};
	if (m->shnum < 1 || m->shnum > MELF_MAX_SECS)
		failure("section count out of range", m);
	for (unsigned i = 0; i < m->shnum; i++) {
		int a = m->area[i];
		if (a < 0)
			continue;
		if (a >= MELF_NAREAS || i == 0)
			failure("bad area", m);
		const struct elf64_shdr *s = &m->sh[i];
		uint64_t al = s->addralign ? s->addralign : 1;
		if (m->off[i] % al || m->off[i] < end[a] || m->off[i] + s->size > m->area_size[a])
			failure("section outside its area or misaligned", m);
		end[a] = m->off[i] + s->size;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct melf m;
	inputs++;
	uint8_t *img = malloc(size ? size : 1); /* exact size: ASan sees a read past it */
	memcpy(img, data, size);
	if (melf_parse(&m, img, size)) {
		check_err(&m);
		free(img);
		return 0;
	}
	parsed++;
	check_layout(&m);
	uint64_t total = 0;
	for (int a = 0; a < MELF_NAREAS; a++)
		total += m.area_size[a];
	if (total <= AREAS_MAX_BYTES) {
		uint8_t *buf[MELF_NAREAS];
		static const uint64_t va[MELF_NAREAS] = {
		    0xffffffffc0000000ull, 0xffffffffc0400000ull, 0xffffffffc0800000ull};
		for (int a = 0; a < MELF_NAREAS; a++) {
			buf[a] = calloc(1, m.area_size[a] ? m.area_size[a] : 1);
			if (!buf[a])
				abort();
		}
		if (melf_relocate(&m, buf, va, resolve, NULL)) {
			check_err(&m);
		} else {
			relocated++;
			(void)melf_symbol(&m, "__module_init");
			(void)melf_symbol(&m, "__module_exit");
			int ms = melf_section(&m, ".attack_meta");
			if (ms >= (int)m.shnum)
				failure("melf_section past the table", &m);
		}
		for (int a = 0; a < MELF_NAREAS; a++)
			free(buf[a]);
	}
	if (memcmp(img, data, size))
		failure("the image was written", &m);
	free(img);
	return 0;
}

static void report(void)
{
	printf("fuzz_modelf: %llu inputs, %llu parsed, %llu relocated, no oracle failure\n", inputs,
	       parsed, relocated);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	atexit(report);
	return 0;
}
