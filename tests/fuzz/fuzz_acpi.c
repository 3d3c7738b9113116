/* libFuzzer harness of nk's ACPI parser (nk/acpi.c) on the host, linked
 * with the project's formatter (lib/fmt.c), not the C library's. Each
 * input is
 *   byte 0        control: bit 0 set = pass the RSDP as a 20-byte copy
 *                 (multiboot2 tag 14), else as 36 bytes (tag 15);
 *   bytes 1..36   the RSDP copy (zero-padded when the input is shorter);
 *   bytes 37..    fake physical memory at FUZZ_BASE (0x10000).
 * The accessor hands out a fresh heap copy of exactly the range asked for
 * and frees it at its next call, so ASan reports a read past a mapping, or
 * through one the parser should no longer hold. The oracles:
 *   - no crash, no ASan or UBSan report;
 *   - the accessor is asked for 1..NK_ACPI_DMAR_MAX_BYTES bytes, never a
 *     wrapping range, at most 2 + 2 * NK_ACPI_ROOT_MAX + 2 times;
 *   - the result is 0 or a known -NK_ACPI_E*; why is NUL-terminated within
 *     its capacity and nothing past it is written; empty on success, a
 *     message on a refusal; a refusal leaves *out all zero;
 *   - a decoded table keeps its bounds: counts within the maxima, HAW
 *     1..64, the table inside the fake memory, register bases 4 KiB aligned
 *     and nonzero, RMRRs whole pages, the paths of defined scope types 1..4
 *     hops of device <= 31, function <= 7;
 *   - a second parse of the same input gives the same result and output;
 *   - the same input parsed for its MADT (nk_acpi_find_madt) keeps the
 *     same rules on why, refusals and repeat parses, and a decoded MADT
 *     its bounds: counts within the maxima, no APIC ID twice among usable
 *     CPUs, IOAPIC addresses nonzero with their registers inside one page
 *     and no ID or page twice, overrides on bus 0, a local APIC override
 *     4 KiB aligned.
 * A failure prints what broke and aborts (libFuzzer saves the input).
 * Counts are printed at exit. Seeds: tests/fuzz/mkacpi.py. Build and run:
 * tests/fuzz/fuzz.mk (`make fuzz SECONDS=N`, tests/fuzz/smoke-host.sh). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"

#define FUZZ_BASE 0x10000ull
#define RSDP_OFF 1
#define MEM_OFF (RSDP_OFF + NK_ACPI_RSDP_V2_BYTES)
#define WHY_CAP 160
#define WHY_PAD 32
#define MAX_MAPS (2 + 2 * NK_ACPI_ROOT_MAX + 2)

static unsigned long long inputs, decoded, no_dmar, refused, maps_total;
static unsigned long long madt_decoded, madt_none, madt_refused;
static unsigned long long by_code[NK_ACPI_EMAX];

static void failure(const char *what, long r, const char *why) __attribute__((noreturn));
static void failure(const char *what, long r, const char *why)
{
	fprintf(stderr, "\n==== fuzz_acpi: ORACLE FAILURE: %s (result %ld %s, why '%.*s')\n", what,
		r, nk_acpi_strerror(r), WHY_CAP, why);
	abort();
}

/* The fake memory and the accessor's state for one parse. */
static struct {
	const uint8_t *mem;
	size_t len;
	unsigned maps;
	void *last;
} fm;

static const void *fake_map(paddr_t pa, uint64_t len, void *ctx)
{
	uint64_t a = pa_addr(pa);
	if (ctx != &fm)
		failure("accessor called with another context", 0, "");
	if (len < 1 || len > NK_ACPI_DMAR_MAX_BYTES)
		failure("accessor asked for 0 bytes or more than the DMAR bound", 0, "");
	if (a > UINT64_MAX - (len - 1))
		failure("accessor asked for a wrapping range", 0, "");
	if (++fm.maps > MAX_MAPS)
		failure("accessor called more often than the root table's bound allows", 0, "");
	free(fm.last);
	fm.last = NULL;
	if (a < FUZZ_BASE || a - FUZZ_BASE > fm.len || len > fm.len - (a - FUZZ_BASE))
		return NULL;
	fm.last = malloc(len); /* exact size: ASan sees a read past it */
	if (!fm.last)
		abort();
	memcpy(fm.last, fm.mem + (a - FUZZ_BASE), len);
	return fm.last;
}

static long parse(const uint8_t *rsdp, size_t rsdp_bytes, struct nk_dmar *d, char *why)
{
	fm.maps = 0;
	memset(why, 0x5a, WHY_CAP + WHY_PAD);
	long r = nk_acpi_find_dmar(rsdp, rsdp_bytes, fake_map, &fm, d, why, WHY_CAP);
	free(fm.last);
	fm.last = NULL;
	maps_total += fm.maps;
	if (!memchr(why, 0, WHY_CAP))
		failure("why not NUL-terminated within its capacity", r, why);
	for (size_t i = WHY_CAP; i < WHY_CAP + WHY_PAD; i++)
		if ((uint8_t)why[i] != 0x5a)
			failure("written past why's capacity", r, why);
	return r;
}

static long parse_madt(const uint8_t *rsdp, size_t rsdp_bytes, struct nk_madt *m, char *why)
{
	fm.maps = 0;
	memset(why, 0x5a, WHY_CAP + WHY_PAD);
	long r = nk_acpi_find_madt(rsdp, rsdp_bytes, fake_map, &fm, m, why, WHY_CAP);
	free(fm.last);
	fm.last = NULL;
	maps_total += fm.maps;
	if (!memchr(why, 0, WHY_CAP))
		failure("MADT: why not NUL-terminated within its capacity", r, why);
	for (size_t i = WHY_CAP; i < WHY_CAP + WHY_PAD; i++)
		if ((uint8_t)why[i] != 0x5a)
			failure("MADT: written past why's capacity", r, why);
	return r;
}

static void check_madt(const struct nk_madt *m, long r, const char *why)
{
	const uint32_t usable = NK_MADT_CPU_ENABLED | NK_MADT_CPU_ONLINE_CAPABLE;
	if (why[0])
		failure("MADT: success with a reason", r, why);
	if (m->table_bytes < NK_ACPI_MADT_HDR_BYTES || m->table_bytes > NK_ACPI_MADT_MAX_BYTES)
		failure("MADT length outside its bounds", r, why);
	uint64_t pa = pa_addr(m->table_pa);
	if (pa < FUZZ_BASE || pa - FUZZ_BASE + m->table_bytes > fm.len)
		failure("MADT outside the fake memory", r, why);
	if (m->ncpu > NK_MADT_CPU_MAX || m->nioapic > NK_MADT_IOAPIC_MAX ||
	    m->niso > NK_MADT_ISO_MAX)
		failure("MADT: more entries than the maxima", r, why);
	for (unsigned i = 0; i < m->ncpu; i++)
		for (unsigned j = 0; j < i; j++)
			if ((m->cpu[i].flags & usable) && (m->cpu[j].flags & usable) &&
			    m->cpu[i].apic_id == m->cpu[j].apic_id)
				failure("MADT: an APIC ID twice among usable CPUs", r, why);
	for (unsigned i = 0; i < m->nioapic; i++) {
		uint64_t a = pa_addr(m->ioapic[i].addr);
		if (!a || a % 4096 > 4096 - 0x20 || a >> 32)
			failure("MADT: an IOAPIC address zero, crossing a page or above 4 GiB", r,
				why);
		for (unsigned j = 0; j < i; j++)
			if (m->ioapic[i].id == m->ioapic[j].id ||
			    pa_addr(m->ioapic[j].addr) / 4096 == a / 4096)
				failure("MADT: an IOAPIC ID or page twice", r, why);
	}
	for (unsigned i = 0; i < m->niso; i++)
		if (m->iso[i].bus != 0)
			failure("MADT: an override not on bus 0", r, why);
	if (m->lapic_override && (!pa_addr(m->lapic_addr) || pa_addr(m->lapic_addr) % 4096))
		failure("MADT: a local APIC override not 4 KiB aligned", r, why);
}

/* The input parsed for its MADT: the same rules as the DMAR's. */
static void fuzz_madt(const uint8_t *copy, size_t rsdp_bytes)
{
	static struct nk_madt m, m2;
	static const struct nk_madt zero;
	static char why[WHY_CAP + WHY_PAD], why2[WHY_CAP + WHY_PAD];
	memset(&m, 0xa5, sizeof(m));
	long r = parse_madt(copy, rsdp_bytes, &m, why);
	if (r > 0 || r <= -NK_ACPI_EMAX)
		failure("MADT: result neither 0 nor a -NK_ACPI_E* code", r, why);
	by_code[-r]++;
	if (r) {
		if (!why[0])
			failure("MADT: refused without a reason", r, why);
		if (memcmp(&m, &zero, sizeof(m)))
			failure("MADT: a refusal left *out not zeroed", r, why);
		if (r == -NK_ACPI_ENOMADT)
			madt_none++;
		else
			madt_refused++;
	} else {
		madt_decoded++;
		check_madt(&m, r, why);
	}
	long r2 = parse_madt(copy, rsdp_bytes, &m2, why2);
	if (r2 != r || memcmp(&m, &m2, sizeof(m)) || strcmp(why, why2))
		failure("MADT: a second parse of the same input differs", r2, why2);
}

static void check_scopes(const struct nk_dmar_scope *s, unsigned n, long r, const char *why)
{
	if (n > NK_DMAR_SCOPE_MAX)
		failure("more device scopes than NK_DMAR_SCOPE_MAX", r, why);
	for (unsigned i = 0; i < n; i++) {
		if (s[i].npath > NK_DMAR_PATH_MAX)
			failure("more path hops than NK_DMAR_PATH_MAX", r, why);
		if (s[i].type < NK_DMAR_SCOPE_PCI_ENDPOINT || s[i].type > NK_DMAR_SCOPE_ACPI_DEVICE)
			continue;
		if (!s[i].npath)
			failure("a defined scope type without a path", r, why);
		for (unsigned h = 0; h < s[i].npath; h++)
			if (s[i].path[h].device > 31 || s[i].path[h].function > 7)
				failure("a path hop past device 31 or function 7", r, why);
	}
}

static void check_decoded(const struct nk_dmar *d, long r, const char *why)
{
	if (why[0])
		failure("success with a reason", r, why);
	if (d->haw_bits < 1 || d->haw_bits > 64)
		failure("HAW outside 1..64", r, why);
	if (d->table_bytes < NK_ACPI_DMAR_HDR_BYTES || d->table_bytes > NK_ACPI_DMAR_MAX_BYTES)
		failure("DMAR length outside its bounds", r, why);
	uint64_t pa = pa_addr(d->table_pa);
	if (pa < FUZZ_BASE || pa - FUZZ_BASE + d->table_bytes > fm.len)
		failure("DMAR outside the fake memory", r, why);
	if (d->ndrhd > NK_DMAR_DRHD_MAX || d->nrmrr > NK_DMAR_RMRR_MAX)
		failure("more units or regions than the maxima", r, why);
	for (unsigned i = 0; i < d->ndrhd; i++) {
		const struct nk_dmar_drhd *u = &d->drhd[i];
		uint64_t b = pa_addr(u->reg_base);
		if (!b || b % 4096 || !u->reg_pages || u->reg_pages > (1u << 15) ||
		    (u->reg_pages & (u->reg_pages - 1)))
			failure("a DRHD's register range is malformed", r, why);
		check_scopes(u->scope, u->nscope, r, why);
	}
	for (unsigned i = 0; i < d->nrmrr; i++) {
		const struct nk_dmar_rmrr *m = &d->rmrr[i];
		uint64_t b = pa_addr(m->base), l = pa_addr(m->limit);
		if (b % 4096 || l <= b || l % 4096 != 4095)
			failure("an RMRR is not whole pages", r, why);
		check_scopes(m->scope, m->nscope, r, why);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nk_dmar d, d2;
	static const struct nk_dmar zero;
	static char why[WHY_CAP + WHY_PAD], why2[WHY_CAP + WHY_PAD];
	inputs++;
	uint8_t rsdp[NK_ACPI_RSDP_V2_BYTES] = {0};
	uint8_t ctl = size ? data[0] : 0;
	if (size > RSDP_OFF)
		memcpy(rsdp, data + RSDP_OFF,
		       size - RSDP_OFF < sizeof(rsdp) ? size - RSDP_OFF : sizeof(rsdp));
	fm.mem = size > MEM_OFF ? data + MEM_OFF : data;
	fm.len = size > MEM_OFF ? size - MEM_OFF : 0;
	size_t rsdp_bytes = (ctl & 1) ? NK_ACPI_RSDP_V1_BYTES : NK_ACPI_RSDP_V2_BYTES;
	/* the copy itself in an exact-size buffer too */
	uint8_t *copy = malloc(rsdp_bytes);
	if (!copy)
		abort();
	memcpy(copy, rsdp, rsdp_bytes);

	memset(&d, 0xa5, sizeof(d));
	long r = parse(copy, rsdp_bytes, &d, why);
	if (r > 0 || r <= -NK_ACPI_EMAX)
		failure("result neither 0 nor a -NK_ACPI_E* code", r, why);
	by_code[-r]++;
	if (r) {
		if (!why[0])
			failure("refused without a reason", r, why);
		if (memcmp(&d, &zero, sizeof(d)))
			failure("a refusal left *out not zeroed", r, why);
		if (r == -NK_ACPI_ENODMAR)
			no_dmar++;
		else
			refused++;
	} else {
		decoded++;
		check_decoded(&d, r, why);
	}
	long r2 = parse(copy, rsdp_bytes, &d2, why2);
	if (r2 != r || memcmp(&d, &d2, sizeof(d)) || strcmp(why, why2))
		failure("a second parse of the same input differs", r2, why2);
	fuzz_madt(copy, rsdp_bytes);
	free(copy);
	return 0;
}

static void report(void)
{
	printf("fuzz_acpi: %llu inputs, %llu decoded, %llu without DMAR, %llu refused, %llu maps, "
	       "no oracle failure\n",
	       inputs, decoded, no_dmar, refused, maps_total);
	printf("fuzz_acpi-madt: %llu decoded, %llu without MADT, %llu refused\n", madt_decoded,
	       madt_none, madt_refused);
	printf("fuzz_acpi-codes:");
	for (long e = 0; e < NK_ACPI_EMAX; e++)
		if (by_code[e])
			printf(" %s %llu", nk_acpi_strerror(e), by_code[e]);
	printf("\n");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	atexit(report);
	return 0;
}
