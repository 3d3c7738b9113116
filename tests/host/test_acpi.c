/* Host tests of nk's ACPI parser (nk/acpi.c): RSDP -> RSDT/XSDT -> DMAR on
 * fake physical memory. The accessor hands out a fresh heap copy of exactly
 * the range asked for and frees it at the next call, so ASan catches a
 * read past a mapping or through a stale one; it also records the largest
 * range and refuses wrapping ones. Covered: QEMU's real q35 DMAR (QEMU 7.2,
 * -device intel-iommu,intremap=on, read from guest memory), an XSDP with
 * an XSDT, every remapping structure type, no DMAR, and one test per
 * malformation with its error code and message. Sources: ACPI 6.5 5.2.5-
 * 5.2.8, VT-d 4.1 chapter 8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acpi.h"

#define TEST(name) static void name(void **state)

/* Fake physical memory: MEM_BYTES at MEM_BASE. */
#define MEM_BASE 0x100000ull
#define MEM_BYTES (256u << 10)
#define RSDT_PA 0x100000ull
#define XSDT_PA 0x101000ull
#define DMAR_PA 0x102000ull
#define FACP_PA 0x103000ull
#define APIC_PA 0x103800ull
#define DMAR2_PA 0x104000ull
#define BIG_PA 0x110000ull /* room for a table over 64 KiB */

static uint8_t mem[MEM_BYTES];

/* The accessor's state. fail_call: refuse the n-th call (1-based; 0:
 * never); deny_pa: refuse any range containing it (0: none). After a map
 * of [poke_pa, poke_pa + 36), the 32-bit word at poke_pa + 4 becomes
 * poke_len (a table that changes between two reads). */
static struct {
	unsigned calls, fail_call;
	uint64_t deny_pa, max_len, poke_pa;
	uint32_t poke_len;
	void *last;
} fm;

static const void *fake_map(paddr_t pa, uint64_t len, void *ctx)
{
	assert_ptr_equal(ctx, &fm);
	uint64_t a = pa_addr(pa);
	assert_true(len >= 1);
	assert_true(len <= NK_ACPI_DMAR_MAX_BYTES);
	assert_true(a <= UINT64_MAX - (len - 1)); /* the parser never asks for a wrapping range */
	fm.calls++;
	if (len > fm.max_len)
		fm.max_len = len;
	free(fm.last);
	fm.last = NULL;
	if (fm.fail_call && fm.calls == fm.fail_call)
		return NULL;
	if (fm.deny_pa && a <= fm.deny_pa && fm.deny_pa - a < len)
		return NULL;
	if (a < MEM_BASE || a - MEM_BASE > MEM_BYTES || len > MEM_BYTES - (a - MEM_BASE))
		return NULL;
	fm.last = malloc(len);
	assert_non_null(fm.last);
	memcpy(fm.last, &mem[a - MEM_BASE], len);
	if (fm.poke_pa && a == fm.poke_pa && len == NK_ACPI_HDR_BYTES)
		memcpy(&mem[a - MEM_BASE + 4], &fm.poke_len, 4);
	return fm.last;
}

static uint8_t *at(uint64_t pa)
{
	assert_true(pa >= MEM_BASE && pa - MEM_BASE < MEM_BYTES);
	return &mem[pa - MEM_BASE];
}

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* ---- table builder: a table at pa, appended to, then finished ---- */
struct tb {
	uint64_t pa;
	uint32_t len;
};

static void tb_start(struct tb *t, uint64_t pa, const char *sig)
{
	t->pa = pa;
	t->len = NK_ACPI_HDR_BYTES;
	uint8_t *h = at(pa);
	memset(h, 0, NK_ACPI_HDR_BYTES);
	memcpy(h, sig, 4);
	h[8] = 1;		       /* revision */
	memcpy(h + 10, "NKTEST", 6);   /* OEM id */
	memcpy(h + 16, "NKTABLES", 8); /* OEM table id */
	memcpy(h + 28, "NKCC", 4);     /* creator */
}

static void tb_n(struct tb *t, uint64_t v, int n)
{
	put(at(t->pa) + t->len, v, n);
	t->len += (uint32_t)n;
}
#define tb_u8(t, v) tb_n(t, v, 1)
#define tb_u16(t, v) tb_n(t, v, 2)
#define tb_u32(t, v) tb_n(t, v, 4)
#define tb_u64(t, v) tb_n(t, v, 8)

/* the length field and the checksum */
static void tb_end(struct tb *t)
{
	uint8_t *h = at(t->pa);
	put(h + 4, t->len, 4);
	h[9] = 0;
	h[9] = (uint8_t)-sum(h, t->len);
}

/* re-checksum the table at pa after a test broke a field */
static void refix(uint64_t pa)
{
	uint8_t *h = at(pa);
	uint32_t len;
	memcpy(&len, h + 4, 4);
	h[9] = 0;
	h[9] = (uint8_t)-sum(h, len);
}

/* A DMAR header: HAW byte haw, flags. */
static void dmar_start(struct tb *t, uint64_t pa, uint8_t haw, uint8_t flags)
{
	tb_start(t, pa, "DMAR");
	tb_u8(t, haw);
	tb_u8(t, flags);
	for (int i = 0; i < 10; i++)
		tb_u8(t, 0);
}

/* A remapping structure: its start offset; s_end sets its length. */
static uint32_t s_begin(struct tb *t, uint16_t type)
{
	uint32_t off = t->len;
	tb_u16(t, type);
	tb_u16(t, 0);
	return off;
}

static void s_end(struct tb *t, uint32_t off)
{
	put(at(t->pa) + off + 2, t->len - off, 2);
}

static uint32_t drhd(struct tb *t, uint8_t flags, uint8_t size, uint16_t seg, uint64_t base)
{
	uint32_t off = s_begin(t, NK_DMAR_T_DRHD);
	tb_u8(t, flags);
	tb_u8(t, size);
	tb_u16(t, seg);
	tb_u64(t, base);
	return off;
}

static uint32_t rmrr(struct tb *t, uint16_t seg, uint64_t base, uint64_t limit)
{
	uint32_t off = s_begin(t, NK_DMAR_T_RMRR);
	tb_u16(t, 0);
	tb_u16(t, seg);
	tb_u64(t, base);
	tb_u64(t, limit);
	return off;
}

/* A device scope: type, enumeration id, start bus, then hops (dev, fn). */
static void scope(struct tb *t, uint8_t type, uint8_t enum_id, uint8_t bus, int hops, ...)
{
	va_list ap;
	va_start(ap, hops);
	tb_u8(t, type);
	tb_u8(t, (uint8_t)(6 + 2 * hops));
	tb_u8(t, 0);
	tb_u8(t, 0);
	tb_u8(t, enum_id);
	tb_u8(t, bus);
	for (int i = 0; i < hops; i++) {
		tb_u8(t, (uint8_t)va_arg(ap, int));
		tb_u8(t, (uint8_t)va_arg(ap, int));
	}
	va_end(ap);
}

/* A root table (RSDT: esz 4, XSDT: 8) listing n addresses. */
static void root(uint64_t pa, int esz, int n, const uint64_t *e)
{
	struct tb t;
	tb_start(&t, pa, esz == 4 ? "RSDT" : "XSDT");
	for (int i = 0; i < n; i++)
		tb_n(&t, e[i], esz);
	tb_end(&t);
}

/* An empty table with signature sig (FACP, APIC: what a root also lists). */
static void other(uint64_t pa, const char *sig)
{
	struct tb t;
	tb_start(&t, pa, sig);
	tb_u32(&t, 0);
	tb_end(&t);
}

/* RSDP copies: v1 (20 bytes) and v2 (36 bytes, Length 36). */
static uint8_t rsdp[64];

static void rsdp_v1(uint32_t rsdt)
{
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "NKTEST", 6);
	rsdp[15] = 0;
	put(rsdp + 16, rsdt, 4);
	rsdp[8] = (uint8_t)-sum(rsdp, 20);
}

static void rsdp_v2(uint32_t rsdt, uint64_t xsdt)
{
	rsdp_v1(rsdt);
	rsdp[15] = 2;
	rsdp[8] = 0;
	rsdp[8] = (uint8_t)-sum(rsdp, 20);
	put(rsdp + 20, 36, 4);
	put(rsdp + 24, xsdt, 8);
	rsdp[32] = 0;
	rsdp[32] = (uint8_t)-sum(rsdp, 36);
}

/* QEMU 7.2's DMAR for q35 with -device intel-iommu,intremap=on, read from
 * a guest's memory (SeaBIOS; its RSDP has revision 0: RSDT only): HAW 39,
 * INTR_REMAP, one DRHD at 0xfed90000 *without* INCLUDE_PCI_ALL, whose
 * scopes are the IOAPIC (bus 0xff, 0:0) and each device on bus 0 by
 * itself (0:0.0, 0:1.0, 0:1f.0, 0:1f.2, 0:1f.3; a bridge there would be a
 * sub-hierarchy scope). */
static const uint8_t qemu_dmar[112] = {
    0x44, 0x4d, 0x41, 0x52, 0x70, 0x00, 0x00, 0x00, 0x01, 0x28, 0x42, 0x4f, 0x43, 0x48, 0x53, 0x20,
    0x42, 0x58, 0x50, 0x43, 0x20, 0x20, 0x20, 0x20, 0x01, 0x00, 0x00, 0x00, 0x42, 0x58, 0x50, 0x43,
    0x01, 0x00, 0x00, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd9, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x08, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x00,
    0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x02, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x03,
};

/* The same machine with the devices issue 14 adds: edu (0:2.0, an
 * endpoint) and a PCIe root port (0:3.0, a sub-hierarchy). */
static const uint8_t qemu_dmar_edu[128] = {
    0x44, 0x4d, 0x41, 0x52, 0x80, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x42, 0x4f, 0x43, 0x48, 0x53, 0x20,
    0x42, 0x58, 0x50, 0x43, 0x20, 0x20, 0x20, 0x20, 0x01, 0x00, 0x00, 0x00, 0x42, 0x58, 0x50, 0x43,
    0x01, 0x00, 0x00, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd9, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x08, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
    0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x00,
    0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x02, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x03,
};

static struct nk_dmar d;
static char why[256];

static long parse_n(size_t rsdp_bytes)
{
	free(fm.last);
	fm.last = NULL;
	fm.calls = 0;
	fm.max_len = 0;
	memset(&d, 0xa5, sizeof(d)); /* the parser must zero or fill all of it */
	memset(why, 'x', sizeof(why));
	long r = nk_acpi_find_dmar(rsdp, rsdp_bytes, fake_map, &fm, &d, why, sizeof(why));
	assert_non_null(memchr(why, 0, sizeof(why)));
	if (r) {
		static const struct nk_dmar zero;
		assert_memory_equal(&d, &zero, sizeof(d)); /* zeroed on error */
		assert_true(why[0] != 0);
	} else {
		assert_string_equal(why, "");
	}
	return r;
}

static long parse(void)
{
	return parse_n(rsdp[15] >= 2 ? 36 : 20);
}

/* EXPECT: parse() returns -err and why contains text. */
#define EXPECT(err, text)                                                                          \
	do {                                                                                       \
		long r_ = parse();                                                                 \
		if (r_ != -(long)(err) || !strstr(why, (text)))                                    \
			fail_msg("got %ld (%s) \"%s\", want -%s with \"%s\"", r_,                  \
				 nk_acpi_strerror(r_), why, nk_acpi_strerror(err), (text));        \
	} while (0)

static int reset(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	free(fm.last);
	memset(&fm, 0, sizeof(fm));
	memset(rsdp, 0, sizeof(rsdp));
	return 0;
}

/* The machine most tests start from: RSDP v1 -> RSDT (FACP, DMAR, APIC);
 * the DMAR is started (HAW 38, INTR_REMAP) for the test to fill. */
static void base_machine(struct tb *t)
{
	other(FACP_PA, "FACP");
	other(APIC_PA, "APIC");
	const uint64_t e[] = {FACP_PA, DMAR_PA, APIC_PA};
	root(RSDT_PA, 4, 3, e);
	rsdp_v1((uint32_t)RSDT_PA);
	dmar_start(t, DMAR_PA, 38, NK_DMAR_F_INTR_REMAP);
}

/* base_machine with one plain DRHD (unit 0xfed90000, an IOAPIC scope). */
static void one_drhd(struct tb *t)
{
	base_machine(t);
	uint32_t s = drhd(t, NK_DRHD_F_INCLUDE_PCI_ALL, 0, 0, 0xfed90000);
	scope(t, NK_DMAR_SCOPE_IOAPIC, 0, 0xff, 1, 0x1f, 0);
	s_end(t, s);
}

/* ---- well-formed machines ---- */

TEST(qemu_q35_rsdt_dmar)
{
	(void)state;
	memcpy(at(DMAR_PA), qemu_dmar, sizeof(qemu_dmar));
	other(FACP_PA, "FACP");
	const uint64_t e[] = {FACP_PA, DMAR_PA};
	root(RSDT_PA, 4, 2, e);
	rsdp_v1((uint32_t)RSDT_PA);
	assert_int_equal(parse(), 0);
	assert_false(d.via_xsdt);
	assert_int_equal(pa_addr(d.root_pa), RSDT_PA);
	assert_int_equal(pa_addr(d.table_pa), DMAR_PA);
	assert_int_equal(d.table_bytes, 112);
	assert_int_equal(d.revision, 1);
	assert_int_equal(d.haw_bits, 39);
	assert_int_equal(d.flags, NK_DMAR_F_INTR_REMAP);
	assert_int_equal(d.ndrhd, 1);
	assert_int_equal(d.nrmrr, 0);
	assert_int_equal(d.natsr + d.nrhsa + d.nandd + d.nsatc + d.nsidp + d.nunknown, 0);
	const struct nk_dmar_drhd *u = &d.drhd[0];
	assert_int_equal(pa_addr(u->reg_base), 0xfed90000);
	assert_int_equal(u->reg_pages, 1);
	assert_int_equal(u->segment, 0);
	assert_int_equal(u->flags, 0); /* not INCLUDE_PCI_ALL: each device is listed */
	assert_int_equal(u->nscope, 6);
	assert_int_equal(u->scope[0].type, NK_DMAR_SCOPE_IOAPIC);
	assert_int_equal(u->scope[0].start_bus, 0xff);
	assert_int_equal(u->scope[0].npath, 1);
	static const uint8_t devfn[5][2] = {{0, 0}, {1, 0}, {0x1f, 0}, {0x1f, 2}, {0x1f, 3}};
	for (int i = 0; i < 5; i++) {
		const struct nk_dmar_scope *s = &u->scope[1 + i];
		assert_int_equal(s->type, NK_DMAR_SCOPE_PCI_ENDPOINT);
		assert_int_equal(s->start_bus, 0);
		assert_int_equal(s->npath, 1);
		assert_int_equal(s->path[0].device, devfn[i][0]);
		assert_int_equal(s->path[0].function, devfn[i][1]);
	}
	/* the accessor was asked for the RSDT, 2 entries, 2 signatures, the
	 * DMAR's header and body: never more than the DMAR's 112 bytes */
	assert_int_equal(fm.max_len, 112);
}

TEST(qemu_q35_with_edu_and_root_port)
{
	(void)state;
	memcpy(at(DMAR_PA), qemu_dmar_edu, sizeof(qemu_dmar_edu));
	const uint64_t e[] = {DMAR_PA};
	root(RSDT_PA, 4, 1, e);
	rsdp_v1((uint32_t)RSDT_PA);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.haw_bits, 39);
	assert_int_equal(d.ndrhd, 1);
	const struct nk_dmar_drhd *u = &d.drhd[0];
	assert_int_equal(u->nscope, 8);
	assert_int_equal(u->scope[3].type, NK_DMAR_SCOPE_PCI_ENDPOINT);
	assert_int_equal(u->scope[3].path[0].device, 2);
	assert_int_equal(u->scope[4].type, NK_DMAR_SCOPE_PCI_SUBHIERARCHY);
	assert_int_equal(u->scope[4].path[0].device, 3);
	assert_int_equal(u->scope[7].path[0].function, 3);
}

/* An ACPI 2.0 XSDP as multiboot2 tag 15 gives it: the XSDT is used even
 * though the RSDT lists no DMAR. */
TEST(xsdp_prefers_xsdt)
{
	(void)state;
	struct tb t;
	dmar_start(&t, DMAR_PA, 38, NK_DMAR_F_INTR_REMAP | NK_DMAR_F_X2APIC_OPT_OUT);
	uint32_t s = drhd(&t, NK_DRHD_F_INCLUDE_PCI_ALL, 0, 0, 0xfed90000);
	scope(&t, NK_DMAR_SCOPE_IOAPIC, 0, 0xff, 1, 0, 0);
	s_end(&t, s);
	tb_end(&t);
	other(FACP_PA, "FACP");
	other(APIC_PA, "APIC");
	const uint64_t x[] = {FACP_PA, APIC_PA, DMAR_PA}, r[] = {FACP_PA, APIC_PA};
	root(XSDT_PA, 8, 3, x);
	root(RSDT_PA, 4, 2, r);
	rsdp_v2((uint32_t)RSDT_PA, XSDT_PA);
	assert_int_equal(parse(), 0);
	assert_true(d.via_xsdt);
	assert_int_equal(pa_addr(d.root_pa), XSDT_PA);
	assert_int_equal(d.haw_bits, 39);
	assert_int_equal(d.flags, NK_DMAR_F_INTR_REMAP | NK_DMAR_F_X2APIC_OPT_OUT);
	assert_int_equal(d.ndrhd, 1);
	assert_int_equal(pa_addr(d.drhd[0].reg_base), 0xfed90000);
	assert_int_equal(d.drhd[0].scope[0].enum_id, 0);
	/* the same XSDP copied in 20 bytes (tag 14 on an ACPI 2.0 machine):
	 * the RSDT, which lists none */
	assert_int_equal(parse_n(20), -NK_ACPI_ENODMAR);
	assert_non_null(strstr(why, "RSDT at 0x100000: none of its 2 entries is a DMAR"));
}

TEST(xsdp_with_zero_xsdt_uses_rsdt)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	rsdp_v2((uint32_t)RSDT_PA, 0);
	assert_int_equal(parse(), 0);
	assert_false(d.via_xsdt);
	assert_int_equal(pa_addr(d.root_pa), RSDT_PA);
}

/* Every structure type; two units, the INCLUDE_PCI_ALL one last; an RMRR
 * with two endpoints; a scope of three hops; a reserved type skipped. */
TEST(every_structure_type)
{
	(void)state;
	struct tb t;
	base_machine(&t);
	uint32_t s = drhd(&t, 0, 2, 0, 0xfed91000);
	scope(&t, NK_DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	scope(&t, NK_DMAR_SCOPE_PCI_SUBHIERARCHY, 0, 0, 3, 0x1c, 0, 0, 0, 3, 1);
	s_end(&t, s);
	s = drhd(&t, NK_DRHD_F_INCLUDE_PCI_ALL, 0, 0, 0xfed90000);
	scope(&t, NK_DMAR_SCOPE_IOAPIC, 2, 0xf0, 1, 0x1f, 0);
	scope(&t, NK_DMAR_SCOPE_HPET, 0, 0, 1, 0x1f, 7);
	s_end(&t, s);
	s = drhd(&t, NK_DRHD_F_INCLUDE_PCI_ALL, 15, 1, 0x1fed00000ull); /* segment 1 */
	s_end(&t, s);
	s = rmrr(&t, 0, 0xdc000, 0xdffff);
	scope(&t, NK_DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x14, 0);
	scope(&t, NK_DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x1a, 0);
	s_end(&t, s);
	s = s_begin(&t, NK_DMAR_T_ATSR);
	tb_u8(&t, 0);
	tb_u8(&t, 0);
	tb_u16(&t, 0);
	scope(&t, NK_DMAR_SCOPE_PCI_SUBHIERARCHY, 0, 0, 1, 1, 0);
	s_end(&t, s);
	s = s_begin(&t, NK_DMAR_T_RHSA);
	tb_u32(&t, 0);
	tb_u64(&t, 0xfed90000);
	tb_u32(&t, 0);
	s_end(&t, s);
	s = s_begin(&t, NK_DMAR_T_ANDD);
	tb_u8(&t, 0);
	tb_u8(&t, 0);
	tb_u8(&t, 0);
	tb_u8(&t, 1);
	for (const char *n = "\\_SB.PCI0.I2C0"; *n; n++)
		tb_u8(&t, (uint8_t)*n);
	tb_u8(&t, 0);
	s_end(&t, s);
	s = s_begin(&t, NK_DMAR_T_SATC);
	tb_u8(&t, 1);
	tb_u8(&t, 0);
	tb_u16(&t, 0);
	scope(&t, NK_DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	s_end(&t, s);
	s = s_begin(&t, NK_DMAR_T_SIDP);
	tb_u16(&t, 0);
	tb_u16(&t, 0);
	scope(&t, NK_DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	s_end(&t, s);
	s = s_begin(&t, 9); /* reserved */
	tb_u32(&t, 0xdeadbeef);
	s_end(&t, s);
	tb_end(&t);

	assert_int_equal(parse(), 0);
	assert_int_equal(d.ndrhd, 3);
	assert_int_equal(pa_addr(d.drhd[0].reg_base), 0xfed91000);
	assert_int_equal(d.drhd[0].reg_pages, 4);
	assert_int_equal(d.drhd[0].flags, 0);
	assert_int_equal(d.drhd[0].nscope, 2);
	const struct nk_dmar_scope *b = &d.drhd[0].scope[1];
	assert_int_equal(b->type, NK_DMAR_SCOPE_PCI_SUBHIERARCHY);
	assert_int_equal(b->npath, 3);
	assert_int_equal(b->path[0].device, 0x1c);
	assert_int_equal(b->path[2].device, 3);
	assert_int_equal(b->path[2].function, 1);
	assert_int_equal(d.drhd[1].nscope, 2);
	assert_int_equal(d.drhd[1].scope[0].enum_id, 2);
	assert_int_equal(d.drhd[1].scope[0].start_bus, 0xf0);
	assert_int_equal(d.drhd[1].scope[1].type, NK_DMAR_SCOPE_HPET);
	assert_int_equal(d.drhd[1].scope[1].path[0].function, 7);
	assert_int_equal(d.drhd[2].segment, 1);
	assert_int_equal(d.drhd[2].reg_pages, 1u << 15);
	assert_int_equal(pa_addr(d.drhd[2].reg_base), 0x1fed00000ull);
	assert_int_equal(d.drhd[2].nscope, 0);
	assert_int_equal(d.nrmrr, 1);
	assert_int_equal(pa_addr(d.rmrr[0].base), 0xdc000);
	assert_int_equal(pa_addr(d.rmrr[0].limit), 0xdffff);
	assert_int_equal(d.rmrr[0].nscope, 2);
	assert_int_equal(d.rmrr[0].scope[1].path[0].device, 0x1a);
	assert_int_equal(d.natsr, 1);
	assert_int_equal(d.nrhsa, 1);
	assert_int_equal(d.nandd, 1);
	assert_int_equal(d.nsatc, 1);
	assert_int_equal(d.nsidp, 1);
	assert_int_equal(d.nunknown, 1);
}

/* HAW byte 63 is 64 bits, the most. */
TEST(haw_64_bits)
{
	(void)state;
	struct tb t;
	base_machine(&t);
	at(DMAR_PA)[36] = 63;
	uint32_t s = rmrr(&t, 0, 0xfffffffffffff000ull, 0xffffffffffffffffull);
	s_end(&t, s);
	tb_end(&t);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.haw_bits, 64);
	assert_int_equal(pa_addr(d.rmrr[0].limit), 0xffffffffffffffffull);
}

/* The bounds themselves are accepted: 8 units (on 8 segments), 8 RMRRs,
 * 32 scopes of 4 hops, 256 root entries. */
TEST(limits_are_accepted)
{
	(void)state;
	struct tb t;
	base_machine(&t);
	for (int u = 0; u < NK_DMAR_DRHD_MAX; u++) {
		uint32_t s = drhd(&t, NK_DRHD_F_INCLUDE_PCI_ALL, 0, (uint16_t)u,
				  0xfed90000ull + 0x1000ull * (uint64_t)u);
		for (int i = 0; u == 0 && i < NK_DMAR_SCOPE_MAX; i++)
			scope(&t, 1, 0, (uint8_t)i, 4, 1, 0, 2, 0, 3, 0, 4, (i & 7));
		s_end(&t, s);
	}
	for (int m = 0; m < NK_DMAR_RMRR_MAX; m++) {
		uint32_t s = rmrr(&t, 0, 0x100000ull * (uint64_t)(m + 1),
				  0x100000ull * (uint64_t)(m + 1) + 0xfff);
		scope(&t, 1, 0, 0, 1, 0x14, 0);
		s_end(&t, s);
	}
	tb_end(&t);
	uint64_t e[NK_ACPI_ROOT_MAX];
	for (int i = 0; i < NK_ACPI_ROOT_MAX; i++)
		e[i] = i == NK_ACPI_ROOT_MAX - 1 ? DMAR_PA : FACP_PA;
	root(XSDT_PA, 8, NK_ACPI_ROOT_MAX, e);
	rsdp_v2(0, XSDT_PA);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.ndrhd, NK_DMAR_DRHD_MAX);
	assert_int_equal(d.nrmrr, NK_DMAR_RMRR_MAX);
	assert_int_equal(d.drhd[0].nscope, NK_DMAR_SCOPE_MAX);
	assert_int_equal(d.drhd[0].scope[31].npath, NK_DMAR_PATH_MAX);
	assert_int_equal(d.drhd[0].scope[31].path[3].function, 7);
	assert_int_equal(pa_addr(d.drhd[7].reg_base), 0xfed97000);
	assert_int_equal(pa_addr(d.rmrr[7].limit), 0x800fff);
}

/* A zero entry in the root table is skipped. */
TEST(zero_root_entry_skipped)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	const uint64_t e[] = {0, DMAR_PA};
	root(RSDT_PA, 4, 2, e);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.ndrhd, 1);
}

/* ---- no DMAR: the distinct code ---- */

TEST(no_dmar)
{
	(void)state;
	other(FACP_PA, "FACP");
	other(APIC_PA, "APIC");
	const uint64_t e[] = {FACP_PA, APIC_PA};
	root(RSDT_PA, 4, 2, e);
	rsdp_v1((uint32_t)RSDT_PA);
	EXPECT(NK_ACPI_ENODMAR, "RSDT at 0x100000: none of its 2 entries is a DMAR");
	root(RSDT_PA, 4, 0, e);
	EXPECT(NK_ACPI_ENODMAR, "none of its 0 entries");
}

/* A root table that lists itself (and an XSDT listing the RSDT) is not
 * followed: only the listed tables' signatures are read. */
TEST(root_lists_itself)
{
	(void)state;
	const uint64_t e[] = {RSDT_PA, RSDT_PA};
	root(RSDT_PA, 4, 2, e);
	rsdp_v1((uint32_t)RSDT_PA);
	EXPECT(NK_ACPI_ENODMAR, "none of its 2 entries");
	assert_true(fm.calls <= 6);
	const uint64_t x[] = {XSDT_PA, RSDT_PA};
	root(XSDT_PA, 8, 2, x);
	rsdp_v2((uint32_t)RSDT_PA, XSDT_PA);
	EXPECT(NK_ACPI_ENODMAR, "XSDT at 0x101000: none of its 2 entries");
}

/* ---- the RSDP ---- */

TEST(rsdp_malformed)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	rsdp_v1((uint32_t)RSDT_PA);
	assert_int_equal(parse_n(19), -NK_ACPI_ERSDP);
	assert_string_equal(why, "RSDP: the copy has 19 bytes, less than 20");
	assert_int_equal(nk_acpi_find_dmar(NULL, 20, fake_map, &fm, &d, why, sizeof(why)),
			 -NK_ACPI_ERSDP);
	rsdp[3] = 'X'; /* signature (the checksum made right again) */
	rsdp[8] = 0;
	rsdp[8] = (uint8_t)-sum(rsdp, 20);
	EXPECT(NK_ACPI_ERSDP, "RSDP: signature is not \"RSD PTR \"");
	rsdp_v1((uint32_t)RSDT_PA);
	rsdp[8]++;
	EXPECT(NK_ACPI_ERSDP, "RSDP: checksum: its first 20 bytes sum to 0x01, not 0");
	rsdp_v1(0);
	EXPECT(NK_ACPI_ERSDP, "RSDP: revision 0 with no XSDT and a zero RSDT address");
	/* revision 2: the extended checksum, the Length */
	rsdp_v2((uint32_t)RSDT_PA, XSDT_PA);
	rsdp[33] = 7; /* reserved, covered by the extended checksum only */
	EXPECT(NK_ACPI_ERSDP, "RSDP: extended checksum: its 36 bytes sum to 0x07, not 0");
	rsdp_v2((uint32_t)RSDT_PA, XSDT_PA);
	put(rsdp + 20, 35, 4);
	rsdp[32] = 0;
	rsdp[32] = (uint8_t)-sum(rsdp, 36);
	EXPECT(NK_ACPI_ERSDP, "RSDP: revision 2 with Length 35, not between 36 and the copy's 36");
	put(rsdp + 20, 40, 4); /* longer than the copy */
	EXPECT(NK_ACPI_ERSDP, "Length 40");
	/* a Length of 40 is fine when the copy holds 40 bytes */
	rsdp_v2((uint32_t)RSDT_PA, 0);
	put(rsdp + 20, 40, 4);
	rsdp[32] = 0;
	rsdp[32] = (uint8_t)-sum(rsdp, 40);
	assert_int_equal(parse_n(40), 0);
	/* no XSDT and no RSDT */
	rsdp_v2(0, 0);
	EXPECT(NK_ACPI_ERSDP, "RSDP: revision 2 with no XSDT and a zero RSDT address");
}

/* ---- the root table ---- */

TEST(root_malformed)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	memcpy(at(RSDT_PA), "XSDT", 4); /* the RSDT pointer finds an XSDT */
	refix(RSDT_PA);
	EXPECT(NK_ACPI_ESIG, "RSDT at 0x100000: signature \"XSDT\", not \"RSDT\"");
	memcpy(at(RSDT_PA), "R\001\377T", 4);
	refix(RSDT_PA);
	EXPECT(NK_ACPI_ESIG, "signature \"R??T\"");
	memcpy(at(RSDT_PA), "RSDT", 4);
	refix(RSDT_PA);
	at(RSDT_PA)[9]++;
	EXPECT(NK_ACPI_ECHECKSUM, "RSDT at 0x100000: checksum: its 48 bytes sum to 0x01, not 0");
	put(at(RSDT_PA) + 4, 35, 4);
	EXPECT(NK_ACPI_ELENGTH, "RSDT at 0x100000: length 35, less than its 36-byte header");
	put(at(RSDT_PA) + 4, 0, 4);
	EXPECT(NK_ACPI_ELENGTH, "length 0, less than its 36-byte header");
	put(at(RSDT_PA) + 4, 46, 4); /* two and a half entries */
	refix(RSDT_PA);
	EXPECT(NK_ACPI_ELENGTH, "length 46 is not its 36-byte header plus whole 4-byte entries");
	put(at(RSDT_PA) + 4, 0xffffffffu, 4);
	EXPECT(NK_ACPI_ELENGTH, "length 4294967295, over the parser's bound of 1064 bytes");
	assert_int_equal(fm.max_len, NK_ACPI_HDR_BYTES); /* only its header was mapped */
}

TEST(xsdt_too_many_entries)
{
	(void)state;
	static uint64_t e[NK_ACPI_ROOT_MAX + 1];
	for (int i = 0; i <= NK_ACPI_ROOT_MAX; i++)
		e[i] = FACP_PA;
	other(FACP_PA, "FACP");
	root(XSDT_PA, 8, NK_ACPI_ROOT_MAX + 1, e);
	rsdp_v2(0, XSDT_PA);
	EXPECT(NK_ACPI_EENTRIES, "XSDT at 0x101000: 257 entries, more than 256");
	put(at(XSDT_PA) + 4, 36 + 8 * 258, 4);
	EXPECT(NK_ACPI_ELENGTH, "length 2100, over the parser's bound of 2092 bytes");
	/* the RSDT's bound is in 4-byte entries */
	root(RSDT_PA, 4, NK_ACPI_ROOT_MAX + 1, e);
	rsdp_v1((uint32_t)RSDT_PA);
	EXPECT(NK_ACPI_EENTRIES, "RSDT at 0x100000: 257 entries, more than 256");
}

TEST(two_dmar_tables)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	memcpy(at(DMAR2_PA), at(DMAR_PA), t.len);
	const uint64_t e[] = {DMAR_PA, FACP_PA, DMAR2_PA};
	root(RSDT_PA, 4, 3, e);
	EXPECT(NK_ACPI_EDUP,
	       "RSDT at 0x100000: entries 0 and 2 are both DMAR tables (0x102000 and 0x104000)");
	const uint64_t same[] = {DMAR_PA, DMAR_PA};
	root(RSDT_PA, 4, 2, same);
	EXPECT(NK_ACPI_EDUP, "entries 0 and 1 are both DMAR tables");
}

/* ---- the accessor ---- */

/* Refusing any one of the accessor's calls of a good parse gives EMAP. */
TEST(accessor_refuses_each_call)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	assert_int_equal(parse(), 0);
	unsigned n = fm.calls;
	assert_int_equal(n,
			 1 + 1 + 3 * 2 + 2); /* root header, body, 3 x (entry, signature), DMAR */
	for (unsigned k = 1; k <= n; k++) {
		fm.fail_call = k;
		EXPECT(NK_ACPI_EMAP, "cannot be mapped");
	}
	fm.fail_call = 3;
	EXPECT(NK_ACPI_EMAP, "RSDT at 0x100000: entry 0 cannot be mapped");
	fm.fail_call = 4;
	EXPECT(NK_ACPI_EMAP, "RSDT at 0x100000: entry 0: the table at 0x103000 cannot be mapped");
	fm.fail_call = n - 1;
	EXPECT(NK_ACPI_EMAP, "DMAR at 0x102000: its 36-byte header cannot be mapped");
	fm.fail_call = n;
	EXPECT(NK_ACPI_EMAP, "DMAR at 0x102000: its 72 bytes cannot be mapped");
	fm.fail_call = 0;
}

/* Tables outside memory, or whose range wraps, are refused (EMAP) without
 * asking the accessor for a wrapping range (it asserts that). */
TEST(tables_outside_memory)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	rsdp_v1(0xfffff000u); /* an RSDT nowhere */
	EXPECT(NK_ACPI_EMAP, "RSDT at 0xfffff000: its 36-byte header cannot be mapped");
	const uint64_t x[] = {0xfffffffffffffffeull, DMAR_PA};
	root(XSDT_PA, 8, 2, x);
	rsdp_v2(0, XSDT_PA);
	EXPECT(NK_ACPI_EMAP, "entry 0: the table at 0xfffffffffffffffe cannot be mapped");
	rsdp_v2(0, 0xffffffffffffffe0ull); /* its header would wrap */
	EXPECT(NK_ACPI_EMAP, "XSDT at 0xffffffffffffffe0: its 36-byte header cannot be mapped");
	/* a DMAR whose length runs past the end of memory */
	const uint64_t r[] = {MEM_BASE + MEM_BYTES - 48};
	root(RSDT_PA, 4, 1, r);
	rsdp_v1((uint32_t)RSDT_PA);
	memcpy(at(r[0]), "DMAR", 4);
	put(at(r[0]) + 4, 100, 4);
	EXPECT(NK_ACPI_EMAP, "DMAR at 0x13ffd0: its 100 bytes cannot be mapped");
}

/* A table whose length changes between the header's read and the body's. */
TEST(table_changes_between_reads)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	fm.poke_pa = DMAR_PA;
	fm.poke_len = 50;
	EXPECT(NK_ACPI_EMAP, "DMAR at 0x102000: signature or length changed between two reads");
}

/* ---- the DMAR table ---- */

TEST(dmar_malformed)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	at(DMAR_PA)[40]++; /* a reserved byte */
	EXPECT(NK_ACPI_ECHECKSUM, "DMAR at 0x102000: checksum: its 72 bytes sum to 0x01, not 0");
	put(at(DMAR_PA) + 4, 47, 4);
	refix(DMAR_PA);
	EXPECT(NK_ACPI_ELENGTH, "DMAR at 0x102000: length 47, less than its 48-byte header");
	put(at(DMAR_PA) + 4, NK_ACPI_DMAR_MAX_BYTES + 1, 4);
	EXPECT(NK_ACPI_ELENGTH, "DMAR at 0x102000: length 65537, over the parser's bound of 65536");
	put(at(DMAR_PA) + 4, 0xffffffffu, 4);
	EXPECT(NK_ACPI_ELENGTH, "length 4294967295, over the parser's bound");
	assert_true(fm.max_len <= 48); /* the root table's and the header's maps only */
	put(at(DMAR_PA) + 4, 48, 4);   /* a DMAR with no structure at all */
	refix(DMAR_PA);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.ndrhd, 0);
	assert_int_equal(d.haw_bits, 39);
	memcpy(at(DMAR_PA), "DMAX", 4); /* a different table: none left */
	EXPECT(NK_ACPI_ENODMAR, "none of its 3 entries is a DMAR");
}

/* A 64 KiB DMAR is accepted (the bound itself), and mapped once whole. */
TEST(dmar_at_the_size_bound)
{
	(void)state;
	struct tb t;
	base_machine(&t);
	dmar_start(&t, BIG_PA, 38, 0);
	while (t.len + 0x1000 <= NK_ACPI_DMAR_MAX_BYTES) {
		uint32_t s = s_begin(&t, 3); /* RHSA, padded to 4 KiB */
		while (t.len - s < 0x1000)
			tb_u8(&t, 0);
		s_end(&t, s);
	}
	uint32_t s = s_begin(&t, 4); /* ANDD up to the bound */
	while (t.len < NK_ACPI_DMAR_MAX_BYTES)
		tb_u8(&t, 0);
	s_end(&t, s);
	tb_end(&t);
	const uint64_t e[] = {BIG_PA};
	root(RSDT_PA, 4, 1, e);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.table_bytes, NK_ACPI_DMAR_MAX_BYTES);
	assert_int_equal(d.nrhsa, 15);
	assert_int_equal(d.nandd, 1);
	assert_int_equal(fm.max_len, NK_ACPI_DMAR_MAX_BYTES);
}

TEST(haw_over_64_bits)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	at(DMAR_PA)[36] = 64;
	refix(DMAR_PA);
	EXPECT(NK_ACPI_EVALUE, "DMAR: host address width 65 bits (byte 36 = 64), more than 64");
	at(DMAR_PA)[36] = 255;
	refix(DMAR_PA);
	EXPECT(NK_ACPI_EVALUE, "host address width 256 bits");
}

/* ---- remapping structures ---- */

/* The brief's example: a DRHD of length 4. Then length 0 (the walk must
 * not stay in place) and the other short headers. */
TEST(structure_shorter_than_its_header)
{
	(void)state;
	struct tb t;
	base_machine(&t);
	uint32_t s = s_begin(&t, NK_DMAR_T_DRHD);
	s_end(&t, s);
	tb_end(&t);
	EXPECT(NK_ACPI_ESTRUCT,
	       "DMAR: DRHD (type 0) at offset 0x30 has length 4, less than its 16-byte header");
	put(at(DMAR_PA) + 48 + 2, 0, 2);
	refix(DMAR_PA);
	EXPECT(NK_ACPI_ESTRUCT, "DRHD (type 0) at offset 0x30 has length 0, less than its 16");
	static const struct {
		uint16_t type;
		const char *text;
	} c[] = {
	    {1, "RMRR (type 1) at offset 0x30 has length 23, less than its 24-byte header"},
	    {2, "ATSR (type 2) at offset 0x30 has length 7, less than its 8-byte header"},
	    {3, "RHSA (type 3) at offset 0x30 has length 19, less than its 20-byte header"},
	    {4, "ANDD (type 4) at offset 0x30 has length 7, less than its 8-byte header"},
	    {5, "SATC (type 5) at offset 0x30 has length 7, less than its 8-byte header"},
	    {6, "SIDP (type 6) at offset 0x30 has length 7, less than its 8-byte header"},
	    {7, "reserved structure (type 7) at offset 0x30 has length 3, less than its 4-byte"},
	    {0xffff, "reserved structure (type 65535) at offset 0x30 has length 0"},
	};
	static const uint16_t hdr[] = {16, 24, 8, 20, 8, 8, 8, 4};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint16_t len = c[i].type == 0xffff ? 0 : (uint16_t)(hdr[c[i].type] - 1);
		dmar_start(&t, DMAR_PA, 38, 0);
		s = s_begin(&t, c[i].type);
		while (t.len - s < 32)
			tb_u8(&t, 0);
		put(at(DMAR_PA) + s + 2, len, 2);
		tb_end(&t);
		EXPECT(NK_ACPI_ESTRUCT, c[i].text);
	}
}

TEST(structure_past_the_table)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	put(at(DMAR_PA) + 48 + 2, 0x30, 2); /* 0x22 bytes long, says 0x30 */
	tb_end(&t);
	EXPECT(NK_ACPI_ESTRUCT, "DMAR: DRHD at offset 0x30 has length 48, past the table's end at "
				"0x48");
	put(at(DMAR_PA) + 48 + 2, 0xffff, 2);
	refix(DMAR_PA);
	EXPECT(NK_ACPI_ESTRUCT, "has length 65535, past the table's end");
	/* 1 to 3 bytes after the last structure */
	for (int extra = 1; extra <= 3; extra++) {
		one_drhd(&t);
		for (int i = 0; i < extra; i++)
			tb_u8(&t, 0);
		tb_end(&t);
		char want[96];
		snprintf(want, sizeof(want),
			 "DMAR: %d bytes at offset 0x48, less than a structure's 4-byte type",
			 extra);
		EXPECT(NK_ACPI_ESTRUCT, want);
	}
}

/* ---- device scopes ---- */

TEST(device_scope_malformed)
{
	(void)state;
	struct tb t;
	/* length 5 (below the header), 0 (must not loop) */
	for (int len = 0; len < 6; len++) {
		one_drhd(&t);
		at(DMAR_PA)[48 + 16 + 1] = (uint8_t)len;
		tb_end(&t);
		char want[128];
		snprintf(want, sizeof(want),
			 "DMAR: DRHD at offset 0x30: device scope at offset 0x40 has length %d, "
			 "less than its 6-byte header",
			 len);
		EXPECT(NK_ACPI_ESTRUCT, want);
	}
	one_drhd(&t);
	at(DMAR_PA)[48 + 16 + 1] = 10; /* past the DRHD */
	tb_end(&t);
	EXPECT(NK_ACPI_ESTRUCT, "DMAR: DRHD at offset 0x30: device scope at offset 0x40 has length "
				"10, past the DRHD's end at 0x48");
	/* odd length */
	base_machine(&t);
	uint32_t s = drhd(&t, 0, 0, 0, 0xfed90000);
	scope(&t, 1, 0, 0, 1, 2, 0);
	tb_u8(&t, 0);
	s_end(&t, s);
	at(DMAR_PA)[s + 16 + 1] = 9;
	tb_end(&t);
	EXPECT(NK_ACPI_ESTRUCT, "has length 9, not 6 plus whole 2-byte path entries");
	/* a few bytes left in the structure, too few for a scope header */
	base_machine(&t);
	s = drhd(&t, 0, 0, 0, 0xfed90000);
	scope(&t, 1, 0, 0, 1, 2, 0);
	tb_u8(&t, 1);
	tb_u8(&t, 6);
	s_end(&t, s);
	tb_end(&t);
	EXPECT(NK_ACPI_ESTRUCT, "DMAR: DRHD at offset 0x30: 2 bytes at offset 0x48, less than a "
				"device scope's 6-byte header");
	/* no path, for each defined type; a reserved type may have none */
	for (uint8_t type = 1; type <= 5; type++) {
		base_machine(&t);
		s = drhd(&t, 0, 0, 0, 0xfed90000);
		scope(&t, type, 0, 0, 0);
		s_end(&t, s);
		tb_end(&t);
		char want[96];
		snprintf(want, sizeof(want), "device scope at offset 0x40 (type %u) has no path",
			 type);
		EXPECT(NK_ACPI_EVALUE, want);
	}
	base_machine(&t);
	s = drhd(&t, 0, 0, 0, 0xfed90000);
	scope(&t, 0, 0, 0, 0);
	scope(&t, 6, 0, 0, 1, 99, 99);
	s_end(&t, s);
	tb_end(&t);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.drhd[0].nscope, 2);
	assert_int_equal(d.drhd[0].scope[0].npath, 0);
	assert_int_equal(d.drhd[0].scope[1].path[0].device, 99);
	/* device 32, function 8 */
	base_machine(&t);
	s = drhd(&t, 0, 0, 0, 0xfed90000);
	scope(&t, 1, 0, 0, 2, 1, 0, 32, 0);
	s_end(&t, s);
	tb_end(&t);
	EXPECT(NK_ACPI_EVALUE, "device scope at offset 0x40: path entry 1 is device 32 function 0 "
			       "(at most 31, 7)");
	base_machine(&t);
	s = rmrr(&t, 0, 0xdc000, 0xdffff);
	scope(&t, 1, 0, 0, 1, 31, 8);
	s_end(&t, s);
	tb_end(&t);
	EXPECT(NK_ACPI_EVALUE, "DMAR: RMRR at offset 0x30: device scope at offset 0x48: path "
			       "entry 0 is device 31 function 8");
}

/* ATSR, SATC and SIDP scopes are checked though not kept. */
TEST(skipped_structures_scopes_are_checked)
{
	(void)state;
	static const uint16_t types[] = {NK_DMAR_T_ATSR, NK_DMAR_T_SATC, NK_DMAR_T_SIDP};
	static const char *const names[] = {"ATSR", "SATC", "SIDP"};
	for (int i = 0; i < 3; i++) {
		struct tb t;
		base_machine(&t);
		uint32_t s = s_begin(&t, types[i]);
		tb_u32(&t, 0);
		scope(&t, 2, 0, 0, 1, 1, 0);
		s_end(&t, s);
		at(DMAR_PA)[s + 8 + 1] = 12;
		tb_end(&t);
		char want[128];
		snprintf(want, sizeof(want),
			 "DMAR: %s at offset 0x30: device scope at offset 0x38 has length 12, "
			 "past the %s's end at 0x40",
			 names[i], names[i]);
		EXPECT(NK_ACPI_ESTRUCT, want);
		/* and more scopes than a DRHD may keep are fine there */
		base_machine(&t);
		s = s_begin(&t, types[i]);
		tb_u32(&t, 0);
		for (int k = 0; k < 40; k++)
			scope(&t, 2, 0, 0, 6, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0);
		s_end(&t, s);
		tb_end(&t);
		assert_int_equal(parse(), 0);
	}
	assert_int_equal(d.nsidp, 1);
}

/* ---- DRHD and RMRR values, and the limits ---- */

TEST(drhd_values)
{
	(void)state;
	static const uint64_t bad[] = {0, 0xfed90800, 0xfffffffffffff000ull};
	for (int i = 0; i < 3; i++) {
		struct tb t;
		base_machine(&t);
		uint32_t s = drhd(&t, 0, i == 2 ? 1 : 0, 0, bad[i]);
		s_end(&t, s);
		tb_end(&t);
		char want[128];
		snprintf(want, sizeof(want),
			 "DMAR: DRHD at offset 0x30: register base 0x%llx (%d pages) is not a "
			 "nonzero 4 KiB-aligned range",
			 (unsigned long long)bad[i], i == 2 ? 2 : 1);
		EXPECT(NK_ACPI_EVALUE, want);
	}
	/* a unit of segment 0 after segment 0's INCLUDE_PCI_ALL unit; one of
	 * segment 1 there is fine */
	struct tb t;
	base_machine(&t);
	uint32_t s = drhd(&t, NK_DRHD_F_INCLUDE_PCI_ALL, 0, 0, 0xfed90000);
	s_end(&t, s);
	s = drhd(&t, 0, 0, 1, 0xfed91000);
	s_end(&t, s);
	uint32_t third = drhd(&t, 0, 0, 0, 0xfed92000);
	s_end(&t, third);
	tb_end(&t);
	EXPECT(NK_ACPI_EVALUE, "DMAR: DRHD at offset 0x50 follows segment 0's INCLUDE_PCI_ALL unit "
			       "(at 0xfed90000), which must come last");
	put(at(DMAR_PA) + third + 6, 2, 2); /* segment 2 instead */
	refix(DMAR_PA);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.ndrhd, 3);
	/* nine units */
	base_machine(&t);
	for (int u = 0; u <= NK_DMAR_DRHD_MAX; u++) {
		s = drhd(&t, 0, 0, 0, 0xfed90000ull + 0x1000ull * (uint64_t)u);
		s_end(&t, s);
	}
	tb_end(&t);
	EXPECT(NK_ACPI_ELIMIT, "DMAR: DRHD at offset 0xb0: more than 8 units");
}

TEST(rmrr_values)
{
	(void)state;
	static const struct {
		uint64_t base, limit;
	} bad[] = {
	    {0xdc800, 0xdffff}, /* base not aligned */
	    {0xdc000, 0xdfffe}, /* limit + 1 not aligned */
	    {0xdc000, 0xdc000}, /* limit at base */
	    {0xe0000, 0xdffff}, /* limit below base */
	};
	for (int i = 0; i < 4; i++) {
		struct tb t;
		base_machine(&t);
		uint32_t s = rmrr(&t, 0, bad[i].base, bad[i].limit);
		scope(&t, 1, 0, 0, 1, 0x14, 0);
		s_end(&t, s);
		tb_end(&t);
		char want[128];
		snprintf(
		    want, sizeof(want),
		    "DMAR: RMRR at offset 0x30: region 0x%llx..0x%llx is not whole 4 KiB pages",
		    (unsigned long long)bad[i].base, (unsigned long long)bad[i].limit);
		EXPECT(NK_ACPI_EVALUE, want);
	}
	/* beyond the host address width (39 bits) */
	struct tb t;
	base_machine(&t);
	uint32_t s = rmrr(&t, 0, 0x8000000000ull, 0x8000000fffull);
	s_end(&t, s);
	tb_end(&t);
	EXPECT(NK_ACPI_EVALUE, "DMAR: RMRR at offset 0x30: limit 0x8000000fff beyond the 39-bit "
			       "host address width");
	/* just inside it, no scope */
	base_machine(&t);
	s = rmrr(&t, 3, 0x7ffffff000ull, 0x7fffffffffull);
	s_end(&t, s);
	tb_end(&t);
	assert_int_equal(parse(), 0);
	assert_int_equal(d.rmrr[0].segment, 3);
	assert_int_equal(d.rmrr[0].nscope, 0);
	/* nine regions */
	base_machine(&t);
	for (int m = 0; m <= NK_DMAR_RMRR_MAX; m++) {
		s = rmrr(&t, 0, 0x100000ull * (uint64_t)(m + 1),
			 0x100000ull * (uint64_t)(m + 1) + 0xfff);
		s_end(&t, s);
	}
	tb_end(&t);
	EXPECT(NK_ACPI_ELIMIT, "DMAR: RMRR at offset 0xf0: more than 8 reserved regions");
}

TEST(scope_limits)
{
	(void)state;
	struct tb t;
	base_machine(&t);
	uint32_t s = drhd(&t, 0, 0, 0, 0xfed90000);
	for (int i = 0; i <= NK_DMAR_SCOPE_MAX; i++)
		scope(&t, 1, 0, 0, 1, 2, 0);
	s_end(&t, s);
	tb_end(&t);
	EXPECT(NK_ACPI_ELIMIT, "DMAR: DRHD at offset 0x30: more than 32 device scopes");
	base_machine(&t);
	s = rmrr(&t, 0, 0xdc000, 0xdffff);
	scope(&t, 2, 0, 0, 5, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0);
	s_end(&t, s);
	tb_end(&t);
	EXPECT(NK_ACPI_ELIMIT, "DMAR: RMRR at offset 0x30: device scope at offset 0x48 has 5 path "
			       "entries, more than 4");
}

/* ---- the reason buffer and the names ---- */

TEST(why_buffer)
{
	(void)state;
	struct tb t;
	one_drhd(&t);
	tb_end(&t);
	at(DMAR_PA)[9]++;
	/* no buffer at all */
	assert_int_equal(nk_acpi_find_dmar(rsdp, 20, fake_map, &fm, &d, NULL, 0),
			 -NK_ACPI_ECHECKSUM);
	/* a NULL buffer with a capacity is not written either */
	assert_int_equal(nk_acpi_find_dmar(rsdp, 20, fake_map, &fm, &d, NULL, 64),
			 -NK_ACPI_ECHECKSUM);
	/* a small one: truncated, NUL-terminated, nothing past it written */
	char small[12];
	memset(small, 'x', sizeof(small));
	assert_int_equal(nk_acpi_find_dmar(rsdp, 20, fake_map, &fm, &d, small, 8),
			 -NK_ACPI_ECHECKSUM);
	assert_string_equal(small, "DMAR at");
	assert_int_equal(small[8], 'x');
	/* success empties it */
	at(DMAR_PA)[9]--;
	assert_int_equal(nk_acpi_find_dmar(rsdp, 20, fake_map, &fm, &d, small, 8), 0);
	assert_string_equal(small, "");
}

TEST(error_names)
{
	(void)state;
	assert_string_equal(nk_acpi_strerror(0), "NK_ACPI_OK");
	assert_string_equal(nk_acpi_strerror(-NK_ACPI_ENODMAR), "NK_ACPI_ENODMAR");
	assert_string_equal(nk_acpi_strerror(NK_ACPI_ENODMAR), "NK_ACPI_ENODMAR");
	assert_string_equal(nk_acpi_strerror(-NK_ACPI_EDUP), "NK_ACPI_EDUP");
	assert_string_equal(nk_acpi_strerror(-NK_ACPI_EMAX), "NK_ACPI_E?");
	assert_string_equal(nk_acpi_strerror(NK_ACPI_EMAX), "NK_ACPI_E?");
	assert_string_equal(nk_acpi_strerror(-0x7fffffffffffffffl - 1), "NK_ACPI_E?");
	for (long e = 1; e < NK_ACPI_EMAX; e++)
		assert_non_null(strstr(nk_acpi_strerror(-e), "NK_ACPI_E"));
}

/* ---- the MADT (nk_acpi_find_madt; ACPI 6.5 5.2.12) ---- */

static struct nk_madt madt;

static long parse_madt(void)
{
	free(fm.last);
	fm.last = NULL;
	fm.calls = 0;
	memset(&madt, 0xa5, sizeof(madt));
	memset(why, 'x', sizeof(why));
	long r = nk_acpi_find_madt(rsdp, rsdp[15] >= 2 ? 36 : 20, fake_map, &fm, &madt, why,
				   sizeof(why));
	assert_non_null(memchr(why, 0, sizeof(why)));
	if (r) {
		static const struct nk_madt zero;
		assert_memory_equal(&madt, &zero, sizeof(madt));
		assert_true(why[0] != 0);
	} else {
		assert_string_equal(why, "");
	}
	return r;
}

#define EXPECT_MADT(err, text)                                                                     \
	do {                                                                                       \
		long r_ = parse_madt();                                                            \
		if (r_ != -(long)(err) || !strstr(why, (text)))                                    \
			fail_msg("got %ld (%s) \"%s\", want -%s with \"%s\"", r_,                  \
				 nk_acpi_strerror(r_), why, nk_acpi_strerror(err), (text));        \
	} while (0)

/* RSDP v1 -> RSDT (FACP, APIC) with the MADT started: local APIC address
 * 0xfee00000, PCAT_COMPAT. */
static void madt_machine(struct tb *t)
{
	other(FACP_PA, "FACP");
	const uint64_t e[] = {FACP_PA, APIC_PA};
	root(RSDT_PA, 4, 2, e);
	rsdp_v1((uint32_t)RSDT_PA);
	tb_start(t, APIC_PA, "APIC");
	tb_u32(t, 0xfee00000);
	tb_u32(t, NK_MADT_F_PCAT_COMPAT);
}

static void m_lapic(struct tb *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	tb_u8(t, NK_MADT_T_LAPIC);
	tb_u8(t, 8);
	tb_u8(t, uid);
	tb_u8(t, id);
	tb_u32(t, flags);
}

static void m_ioapic(struct tb *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
	tb_u8(t, NK_MADT_T_IOAPIC);
	tb_u8(t, 12);
	tb_u8(t, id);
	tb_u8(t, 0);
	tb_u32(t, addr);
	tb_u32(t, gsi);
}

static void m_iso(struct tb *t, uint8_t bus, uint8_t src, uint32_t gsi, uint16_t flags)
{
	tb_u8(t, NK_MADT_T_ISO);
	tb_u8(t, 10);
	tb_u8(t, bus);
	tb_u8(t, src);
	tb_u32(t, gsi);
	tb_u16(t, flags);
}

/* QEMU's q35 MADT at 2 CPUs: two local APICs, one IOAPIC, overrides, a
 * LINT1 NMI; and the rest of the types counted. */
TEST(madt_qemu_like)
{
	(void)state;
	struct tb t;
	madt_machine(&t);
	m_lapic(&t, 0, 0, NK_MADT_CPU_ENABLED);
	m_lapic(&t, 1, 1, NK_MADT_CPU_ENABLED);
	m_ioapic(&t, 0, 0xfec00000, 0);
	m_iso(&t, 0, 0, 2, 0);
	m_iso(&t, 0, 9, 9, 0xd);
	tb_u8(&t, NK_MADT_T_LAPIC_NMI); /* all CPUs, LINT1 */
	tb_u8(&t, 6);
	tb_u8(&t, 0xff);
	tb_u16(&t, 0);
	tb_u8(&t, 1);
	tb_u8(&t, NK_MADT_T_X2APIC);
	tb_u8(&t, 16);
	for (int i = 0; i < 14; i++)
		tb_u8(&t, 0);
	tb_u8(&t, 0x80); /* an OEM type: skipped by length */
	tb_u8(&t, 3);
	tb_u8(&t, 0);
	tb_end(&t);
	assert_int_equal(parse_madt(), 0);
	assert_int_equal(pa_addr(madt.table_pa), APIC_PA);
	assert_int_equal(pa_addr(madt.lapic_addr), 0xfee00000);
	assert_int_equal(madt.flags, NK_MADT_F_PCAT_COMPAT);
	assert_int_equal(madt.ncpu, 2);
	assert_int_equal(madt.cpu[1].apic_id, 1);
	assert_int_equal(madt.cpu[1].flags, NK_MADT_CPU_ENABLED);
	assert_int_equal(madt.nioapic, 1);
	assert_int_equal(pa_addr(madt.ioapic[0].addr), 0xfec00000);
	assert_int_equal(madt.niso, 2);
	assert_int_equal(madt.iso[1].source, 9);
	assert_int_equal(madt.iso[1].gsi, 9);
	assert_int_equal(madt.iso[1].flags, 0xd);
	assert_int_equal(madt.nlapic_nmi, 1);
	assert_int_equal(madt.nx2apic, 1);
	assert_int_equal(madt.nunknown, 1);
	assert_false(madt.lapic_override);
}

TEST(madt_missing_or_short)
{
	(void)state;
	struct tb t;
	base_machine(&t); /* its APIC table has 40 bytes, less than the MADT's 44 */
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_ELENGTH, "MADT at 0x103800: length 40, less than its 44-byte header");
	const uint64_t e[] = {FACP_PA, DMAR_PA};
	root(RSDT_PA, 4, 2, e);
	EXPECT_MADT(NK_ACPI_ENOMADT, "RSDT at 0x100000: none of its 2 entries is an APIC");
}

TEST(madt_malformed)
{
	(void)state;
	struct tb t;
	madt_machine(&t);
	tb_u8(&t, NK_MADT_T_IOAPIC);
	tb_u8(&t, 8);
	tb_u32(&t, 0);
	tb_u16(&t, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_ESTRUCT, "MADT: IOAPIC (type 1) at offset 0x2c has length 8, less "
				     "than its 12 bytes");
	madt_machine(&t);
	m_lapic(&t, 0, 0, 1);
	tb_u8(&t, NK_MADT_T_LAPIC);
	tb_u8(&t, 20);
	tb_u32(&t, 0);
	tb_u16(&t, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_ESTRUCT, "MADT: local APIC at offset 0x34 has length 20, past the "
				     "table's end at 0x3c");
	madt_machine(&t);
	m_lapic(&t, 0, 0, 1);
	tb_u8(&t, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_ESTRUCT, "1 byte at offset 0x34");
	madt_machine(&t);
	tb_u8(&t, 9);
	tb_u8(&t, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_ESTRUCT, "has length 0, less than its 16 bytes");
}

TEST(madt_values)
{
	(void)state;
	struct tb t;
	madt_machine(&t);
	m_lapic(&t, 0, 3, NK_MADT_CPU_ENABLED);
	m_lapic(&t, 1, 3, NK_MADT_CPU_ONLINE_CAPABLE);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_EVALUE, "APIC ID 3 already names processor entry 0");
	madt_machine(&t);
	m_lapic(&t, 0, 3, NK_MADT_CPU_ENABLED);
	m_lapic(&t, 1, 3, 0); /* disabled, not online-capable: kept, not a clash */
	tb_end(&t);
	assert_int_equal(parse_madt(), 0);
	assert_int_equal(madt.ncpu, 2);
	madt_machine(&t);
	m_ioapic(&t, 0, 0, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_EVALUE, "IOAPIC at offset 0x2c: address 0x0 is zero");
	madt_machine(&t);
	m_ioapic(&t, 0, 0xfec00ff0, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_EVALUE, "registers cross a 4 KiB page");
	madt_machine(&t);
	m_ioapic(&t, 0, 0xfec00000, 0);
	m_ioapic(&t, 1, 0xfec00400, 24);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_EVALUE, "already names IOAPIC 0");
	madt_machine(&t);
	m_iso(&t, 1, 0, 2, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_EVALUE, "bus 1, not 0 (ISA)");
	madt_machine(&t);
	for (int i = 0; i < 2; i++) {
		tb_u8(&t, NK_MADT_T_LAPIC_OVERRIDE);
		tb_u8(&t, 12);
		tb_u16(&t, 0);
		tb_u64(&t, 0xfee00000);
	}
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_EVALUE, "a second local APIC address override");
	madt_machine(&t);
	tb_u8(&t, NK_MADT_T_LAPIC_OVERRIDE);
	tb_u8(&t, 12);
	tb_u16(&t, 0);
	tb_u64(&t, 0x1fee00000ull);
	tb_end(&t);
	assert_int_equal(parse_madt(), 0);
	assert_true(madt.lapic_override);
	assert_int_equal(pa_addr(madt.lapic_addr), 0x1fee00000ull);
}

TEST(madt_limits)
{
	(void)state;
	struct tb t;
	madt_machine(&t);
	for (int i = 0; i < NK_MADT_CPU_MAX; i++)
		m_lapic(&t, (uint8_t)i, (uint8_t)i, NK_MADT_CPU_ENABLED);
	for (int i = 0; i < NK_MADT_IOAPIC_MAX; i++)
		m_ioapic(&t, (uint8_t)i, 0xfec00000u + 0x1000u * (uint32_t)i, 24u * (uint32_t)i);
	for (int i = 0; i < NK_MADT_ISO_MAX; i++)
		m_iso(&t, 0, (uint8_t)i, (uint32_t)i, 0);
	tb_end(&t);
	assert_int_equal(parse_madt(), 0);
	assert_int_equal(madt.ncpu, NK_MADT_CPU_MAX);
	assert_int_equal(madt.nioapic, NK_MADT_IOAPIC_MAX);
	assert_int_equal(madt.niso, NK_MADT_ISO_MAX);
	madt_machine(&t);
	for (int i = 0; i <= NK_MADT_CPU_MAX; i++)
		m_lapic(&t, (uint8_t)i, (uint8_t)i, NK_MADT_CPU_ENABLED);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_ELIMIT, "more than 64 processor entries");
	madt_machine(&t);
	for (int i = 0; i <= NK_MADT_IOAPIC_MAX; i++)
		m_ioapic(&t, (uint8_t)i, 0xfec00000u + 0x1000u * (uint32_t)i, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_ELIMIT, "more than 4 IOAPICs");
	madt_machine(&t);
	for (int i = 0; i <= NK_MADT_ISO_MAX; i++)
		m_iso(&t, 0, (uint8_t)i, (uint32_t)i, 0);
	tb_end(&t);
	EXPECT_MADT(NK_ACPI_ELIMIT, "more than 16");
}

#define T(name) cmocka_unit_test_setup_teardown(name, reset, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(qemu_q35_rsdt_dmar),
	    T(qemu_q35_with_edu_and_root_port),
	    T(xsdp_prefers_xsdt),
	    T(xsdp_with_zero_xsdt_uses_rsdt),
	    T(every_structure_type),
	    T(haw_64_bits),
	    T(limits_are_accepted),
	    T(zero_root_entry_skipped),
	    T(no_dmar),
	    T(root_lists_itself),
	    T(rsdp_malformed),
	    T(root_malformed),
	    T(xsdt_too_many_entries),
	    T(two_dmar_tables),
	    T(accessor_refuses_each_call),
	    T(tables_outside_memory),
	    T(table_changes_between_reads),
	    T(dmar_malformed),
	    T(dmar_at_the_size_bound),
	    T(haw_over_64_bits),
	    T(structure_shorter_than_its_header),
	    T(structure_past_the_table),
	    T(device_scope_malformed),
	    T(skipped_structures_scopes_are_checked),
	    T(drhd_values),
	    T(rmrr_values),
	    T(scope_limits),
	    T(why_buffer),
	    T(error_names),
	    T(madt_qemu_like),
	    T(madt_missing_or_short),
	    T(madt_malformed),
	    T(madt_values),
	    T(madt_limits),
	};
	return cmocka_run_group_tests_name("acpi: RSDP, RSDT/XSDT, DMAR, MADT", tests, NULL, NULL);
}
