/* nk's ACPI parser: RSDP -> XSDT or RSDT -> DMAR, decoded into struct
 * nk_dmar (nk/acpi.h). Boot-only code. Every byte is read through the
 * caller's accessor, for exactly the range asked for and only until the
 * next call of it; every length a table declares is checked against its
 * container and a fixed bound before it is used. Multi-byte fields are
 * little-endian and unaligned, so they are read byte by byte.
 * Sources: ACPI 6.5 5.2.5 (RSDP), 5.2.6 (header), 5.2.7 (RSDT), 5.2.8
 * (XSDT); Intel VT-d 4.1 chapter 8 (DMAR and its structures). */
#include <stdarg.h>
#include "nk.h"
#include "acpi.h"
#include "../lib/fmt.h"

#define ACPI_INLINE static inline __attribute__((always_inline))
#define ACPI_PAGE ((uint64_t)4096)

ACPI_INLINE uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

ACPI_INLINE uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

ACPI_INLINE uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* whether the n bytes at p are the n characters of s */
ACPI_INLINE bool bytes_are(const uint8_t *p, const char *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i] != (uint8_t)s[i])
			return false;
	return true;
}

/* The parser's state for one call: the accessor and the reason buffer. */
struct acpi {
	nk_acpi_map_fn map;
	void *ctx;
	char *why;
	size_t why_cap;
};

/* acpi_fail: write the reason (when there is room) and return -err. */
static long acpi_fail(struct acpi *a, long err, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
NK_BOOT static long acpi_fail(struct acpi *a, long err, const char *f, ...)
{
	if (a->why_cap) {
		va_list ap;
		va_start(ap, f);
		fmt_vsnprintf(a->why, a->why_cap, f, ap);
		va_end(ap);
	}
	return -err;
}

/* the sum of n bytes, mod 256: 0 for a table with a correct checksum */
NK_BOOT static uint8_t acpi_sum(const uint8_t *p, uint64_t n)
{
	uint8_t s = 0;
	for (uint64_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* a printable copy of a 4-byte signature (others become '?') */
struct acpi_sig {
	char c[5];
};
NK_BOOT static struct acpi_sig acpi_sig_text(const uint8_t *p)
{
	struct acpi_sig s;
	for (int i = 0; i < 4; i++)
		s.c[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	s.c[4] = 0;
	return s;
}

/* acpi_map: the accessor's pointer to [pa, pa + len), or NULL when that
 * range wraps or the accessor cannot map it (len >= 1). */
NK_BOOT static const uint8_t *acpi_map(struct acpi *a, uint64_t pa, uint64_t len)
{
	if (pa > UINT64_MAX - (len - 1))
		return 0;
	return a->map(pa_init(pa), len, a->ctx);
}

/* acpi_table: the table `what` at pa: its header (signature sig, length
 * between min_bytes (>= 36) and max_bytes), then all of it, whose bytes
 * must sum to 0. On success *t is the accessor's pointer to the whole
 * table (valid until the next map) and *len its length in bytes. Errors:
 * EMAP, ESIG, ELENGTH, ECHECKSUM (ACPI 6.5 5.2.6). */
NK_BOOT static long acpi_table(struct acpi *a, const char *what, uint64_t pa, const char *sig,
			       uint32_t min_bytes, uint32_t max_bytes, const uint8_t **t,
			       uint32_t *len)
{
	const uint8_t *h = acpi_map(a, pa, NK_ACPI_HDR_BYTES);
	if (!h)
		return acpi_fail(a, NK_ACPI_EMAP,
				 "%s at 0x%lx: its %d-byte header cannot be mapped", what, pa,
				 NK_ACPI_HDR_BYTES);
	if (!bytes_are(h, sig, 4))
		return acpi_fail(a, NK_ACPI_ESIG, "%s at 0x%lx: signature \"%s\", not \"%s\"", what,
				 pa, acpi_sig_text(h).c, sig);
	uint32_t n = rd32(h + 4);
	if (n < min_bytes)
		return acpi_fail(a, NK_ACPI_ELENGTH,
				 "%s at 0x%lx: length %u, less than its %u-byte header", what, pa,
				 n, min_bytes);
	if (n > max_bytes)
		return acpi_fail(a, NK_ACPI_ELENGTH,
				 "%s at 0x%lx: length %u, over the parser's bound of %u bytes",
				 what, pa, n, max_bytes);
	const uint8_t *b = acpi_map(a, pa, n);
	if (!b)
		return acpi_fail(a, NK_ACPI_EMAP, "%s at 0x%lx: its %u bytes cannot be mapped",
				 what, pa, n);
	if (!bytes_are(b, sig, 4) || rd32(b + 4) != n)
		return acpi_fail(a, NK_ACPI_EMAP,
				 "%s at 0x%lx: signature or length changed between two reads", what,
				 pa);
	uint8_t s = acpi_sum(b, n);
	if (s)
		return acpi_fail(a, NK_ACPI_ECHECKSUM,
				 "%s at 0x%lx: checksum: its %u bytes sum to 0x%02x, not 0", what,
				 pa, n, s);
	*t = b;
	*len = n;
	return 0;
}

/* acpi_rsdp: check the RSDP copy and choose the root table: *root its
 * physical address, *xsdt whether it is the XSDT. Errors: ERSDP (ACPI 6.5
 * 5.2.5.3). */
NK_BOOT static long acpi_rsdp(struct acpi *a, const uint8_t *r, uint64_t n, uint64_t *root,
			      bool *xsdt)
{
	if (!r || n < NK_ACPI_RSDP_V1_BYTES)
		return acpi_fail(a, NK_ACPI_ERSDP, "RSDP: the copy has %lu bytes, less than %d",
				 r ? n : 0, NK_ACPI_RSDP_V1_BYTES);
	if (!bytes_are(r, "RSD PTR ", 8))
		return acpi_fail(a, NK_ACPI_ERSDP, "RSDP: signature is not \"RSD PTR \"");
	uint8_t s = acpi_sum(r, NK_ACPI_RSDP_V1_BYTES);
	if (s)
		return acpi_fail(a, NK_ACPI_ERSDP,
				 "RSDP: checksum: its first %d bytes sum to 0x%02x, not 0",
				 NK_ACPI_RSDP_V1_BYTES, s);
	uint8_t rev = r[15];
	*xsdt = false;
	if (rev >= 2 && n >= NK_ACPI_RSDP_V2_BYTES) {
		uint32_t len = rd32(r + 20);
		if (len < NK_ACPI_RSDP_V2_BYTES || len > n)
			return acpi_fail(a, NK_ACPI_ERSDP,
					 "RSDP: revision %u with Length %u, not between %d and the "
					 "copy's %lu bytes",
					 rev, len, NK_ACPI_RSDP_V2_BYTES, n);
		s = acpi_sum(r, len);
		if (s)
			return acpi_fail(
			    a, NK_ACPI_ERSDP,
			    "RSDP: extended checksum: its %u bytes sum to 0x%02x, not 0", len, s);
		*root = rd64(r + 24);
		*xsdt = *root != 0;
	}
	if (!*xsdt) {
		*root = rd32(r + 16);
		if (!*root)
			return acpi_fail(a, NK_ACPI_ERSDP,
					 "RSDP: revision %u with no XSDT and a zero RSDT address",
					 rev);
	}
	return 0;
}

/* acpi_find: the one table of signature sig listed in the root table at
 * pa (RSDT: 4-byte entries, XSDT: 8-byte ones): *dmar its physical
 * address. Only the signature of each listed table is read. Errors: those
 * of acpi_table, EENTRIES, EMAP, EDUP, `none` (ENODMAR, ENOMADT) (ACPI 6.5
 * 5.2.7, 5.2.8). */
NK_BOOT static long acpi_find(struct acpi *a, uint64_t pa, bool xsdt, const char *sig, long none,
			      uint64_t *dmar)
{
	const char *what = xsdt ? "XSDT" : "RSDT";
	uint32_t esz = xsdt ? 8 : 4, len;
	const uint8_t *t;
	long r = acpi_table(a, what, pa, what, NK_ACPI_HDR_BYTES,
			    NK_ACPI_HDR_BYTES + esz * (NK_ACPI_ROOT_MAX + 1), &t, &len);
	if (r)
		return r;
	if ((len - NK_ACPI_HDR_BYTES) % esz)
		return acpi_fail(a, NK_ACPI_ELENGTH,
				 "%s at 0x%lx: length %u is not its %d-byte header plus whole "
				 "%u-byte entries",
				 what, pa, len, NK_ACPI_HDR_BYTES, esz);
	uint32_t n = (len - NK_ACPI_HDR_BYTES) / esz;
	if (n > NK_ACPI_ROOT_MAX)
		return acpi_fail(a, NK_ACPI_EENTRIES, "%s at 0x%lx: %u entries, more than %d", what,
				 pa, n, NK_ACPI_ROOT_MAX);
	uint32_t found = n;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t epa = pa + NK_ACPI_HDR_BYTES + (uint64_t)i * esz;
		const uint8_t *e = acpi_map(a, epa, esz);
		if (!e)
			return acpi_fail(a, NK_ACPI_EMAP, "%s at 0x%lx: entry %u cannot be mapped",
					 what, pa, i);
		uint64_t tpa = xsdt ? rd64(e) : rd32(e);
		if (!tpa)
			continue;
		const uint8_t *s = acpi_map(a, tpa, 4);
		if (!s)
			return acpi_fail(
			    a, NK_ACPI_EMAP,
			    "%s at 0x%lx: entry %u: the table at 0x%lx cannot be mapped", what, pa,
			    i, tpa);
		if (!bytes_are(s, sig, 4))
			continue;
		if (found < n)
			return acpi_fail(a, NK_ACPI_EDUP,
					 "%s at 0x%lx: entries %u and %u are both %s tables (0x%lx "
					 "and 0x%lx)",
					 what, pa, found, i, sig, *dmar, tpa);
		found = i;
		*dmar = tpa;
	}
	if (found == n)
		return acpi_fail(a, none, "%s at 0x%lx: none of its %u entries is a%s %s", what, pa,
				 n, sig[0] == 'A' ? "n" : "", sig);
	return 0;
}

/* The remapping structures' names and header lengths (bytes; VT-d 8.2-8.9). */
static const char *const dmar_names[] = {"DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP"};
static const uint8_t dmar_hdr_bytes[] = {16, 24, 8, 20, 8, 8, 8};
#define DMAR_NTYPES (sizeof(dmar_hdr_bytes) / sizeof(dmar_hdr_bytes[0]))
_Static_assert(sizeof(dmar_names) / sizeof(dmar_names[0]) == DMAR_NTYPES, "one name per type");

/* dmar_scopes: the device scope entries of the structure `what` at table
 * offset soff (s, slen bytes), from its offset `start`. With dst, each is
 * decoded into dst[*n] (at most NK_DMAR_SCOPE_MAX); without, only
 * checked. Errors: ESTRUCT, EVALUE, ELIMIT (VT-d 8.3.1). */
NK_BOOT static long dmar_scopes(struct acpi *a, const char *what, const uint8_t *s, uint32_t soff,
				uint32_t start, uint32_t slen, struct nk_dmar_scope *dst,
				uint8_t *n)
{
	for (uint32_t p = start, dlen; p < slen; p += dlen) {
		uint32_t at = soff + p;
		if (slen - p < 6)
			return acpi_fail(a, NK_ACPI_ESTRUCT,
					 "DMAR: %s at offset 0x%x: %u bytes at offset 0x%x, less "
					 "than a device scope's 6-byte header",
					 what, soff, slen - p, at);
		uint8_t type = s[p];
		dlen = s[p + 1];
		if (dlen < 6)
			return acpi_fail(a, NK_ACPI_ESTRUCT,
					 "DMAR: %s at offset 0x%x: device scope at offset 0x%x has "
					 "length %u, less than its 6-byte header",
					 what, soff, at, dlen);
		if (dlen > slen - p)
			return acpi_fail(a, NK_ACPI_ESTRUCT,
					 "DMAR: %s at offset 0x%x: device scope at offset 0x%x has "
					 "length %u, past the %s's end at 0x%x",
					 what, soff, at, dlen, what, soff + slen);
		if ((dlen - 6) % 2)
			return acpi_fail(a, NK_ACPI_ESTRUCT,
					 "DMAR: %s at offset 0x%x: device scope at offset 0x%x has "
					 "length %u, not 6 plus whole 2-byte path entries",
					 what, soff, at, dlen);
		uint32_t hops = (dlen - 6) / 2;
		bool known =
		    type >= NK_DMAR_SCOPE_PCI_ENDPOINT && type <= NK_DMAR_SCOPE_ACPI_DEVICE;
		if (known && !hops)
			return acpi_fail(a, NK_ACPI_EVALUE,
					 "DMAR: %s at offset 0x%x: device scope at offset 0x%x "
					 "(type %u) has no path",
					 what, soff, at, type);
		for (uint32_t h = 0; known && h < hops; h++) {
			uint8_t dev = s[p + 6 + 2 * h], fn = s[p + 7 + 2 * h];
			if (dev > 31 || fn > 7)
				return acpi_fail(a, NK_ACPI_EVALUE,
						 "DMAR: %s at offset 0x%x: device scope at offset "
						 "0x%x: path entry %u is device %u function %u "
						 "(at most 31, 7)",
						 what, soff, at, h, dev, fn);
		}
		if (!dst)
			continue;
		if (*n == NK_DMAR_SCOPE_MAX)
			return acpi_fail(a, NK_ACPI_ELIMIT,
					 "DMAR: %s at offset 0x%x: more than %d device scopes",
					 what, soff, NK_DMAR_SCOPE_MAX);
		if (hops > NK_DMAR_PATH_MAX)
			return acpi_fail(a, NK_ACPI_ELIMIT,
					 "DMAR: %s at offset 0x%x: device scope at offset 0x%x has "
					 "%u path entries, more than %d",
					 what, soff, at, hops, NK_DMAR_PATH_MAX);
		struct nk_dmar_scope *d = &dst[*n];
		d->type = type;
		d->flags = s[p + 2];
		d->enum_id = s[p + 4];
		d->start_bus = s[p + 5];
		d->npath = (uint8_t)hops;
		for (uint32_t h = 0; h < hops; h++) {
			d->path[h].device = s[p + 6 + 2 * h];
			d->path[h].function = s[p + 7 + 2 * h];
		}
		(*n)++;
	}
	return 0;
}

/* dmar_drhd: the DRHD at table offset off (s, slen >= 16 bytes) into the
 * next d->drhd[]. Errors: EVALUE, ELIMIT, those of dmar_scopes (VT-d 8.3). */
NK_BOOT static long dmar_drhd(struct acpi *a, struct nk_dmar *d, const uint8_t *s, uint32_t off,
			      uint32_t slen)
{
	uint8_t flags = s[4], size = s[5] & 0xf;
	uint16_t seg = rd16(s + 6);
	uint64_t base = rd64(s + 8), bytes = ACPI_PAGE << size;
	if (!base || base % ACPI_PAGE || base > UINT64_MAX - (bytes - 1))
		return acpi_fail(
		    a, NK_ACPI_EVALUE,
		    "DMAR: DRHD at offset 0x%x: register base 0x%lx (%lu pages) is not "
		    "a nonzero 4 KiB-aligned range",
		    off, base, bytes / ACPI_PAGE);
	for (unsigned i = 0; i < d->ndrhd; i++)
		if (d->drhd[i].segment == seg && (d->drhd[i].flags & NK_DRHD_F_INCLUDE_PCI_ALL))
			return acpi_fail(a, NK_ACPI_EVALUE,
					 "DMAR: DRHD at offset 0x%x follows segment %u's "
					 "INCLUDE_PCI_ALL unit (at 0x%lx), which must come last",
					 off, seg, pa_addr(d->drhd[i].reg_base));
	if (d->ndrhd == NK_DMAR_DRHD_MAX)
		return acpi_fail(a, NK_ACPI_ELIMIT, "DMAR: DRHD at offset 0x%x: more than %d units",
				 off, NK_DMAR_DRHD_MAX);
	struct nk_dmar_drhd *u = &d->drhd[d->ndrhd];
	u->reg_base = pa_init(base);
	u->reg_pages = bytes / ACPI_PAGE;
	u->segment = seg;
	u->flags = flags;
	u->nscope = 0;
	long r = dmar_scopes(a, "DRHD", s, off, 16, slen, u->scope, &u->nscope);
	if (r)
		return r;
	d->ndrhd++;
	return 0;
}

/* dmar_rmrr: the RMRR at table offset off (s, slen >= 24 bytes) into the
 * next d->rmrr[]. Errors: EVALUE, ELIMIT, those of dmar_scopes (VT-d 8.4). */
NK_BOOT static long dmar_rmrr(struct acpi *a, struct nk_dmar *d, const uint8_t *s, uint32_t off,
			      uint32_t slen)
{
	uint16_t seg = rd16(s + 6);
	uint64_t base = rd64(s + 8), limit = rd64(s + 16);
	if (base % ACPI_PAGE || limit <= base || limit % ACPI_PAGE != ACPI_PAGE - 1)
		return acpi_fail(
		    a, NK_ACPI_EVALUE,
		    "DMAR: RMRR at offset 0x%x: region 0x%lx..0x%lx is not whole 4 KiB "
		    "pages",
		    off, base, limit);
	if (d->haw_bits < 64 && limit >> d->haw_bits)
		return acpi_fail(a, NK_ACPI_EVALUE,
				 "DMAR: RMRR at offset 0x%x: limit 0x%lx beyond the %u-bit host "
				 "address width",
				 off, limit, d->haw_bits);
	if (d->nrmrr == NK_DMAR_RMRR_MAX)
		return acpi_fail(a, NK_ACPI_ELIMIT,
				 "DMAR: RMRR at offset 0x%x: more than %d reserved regions", off,
				 NK_DMAR_RMRR_MAX);
	struct nk_dmar_rmrr *m = &d->rmrr[d->nrmrr];
	m->base = pa_init(base);
	m->limit = pa_init(limit);
	m->segment = seg;
	m->nscope = 0;
	long r = dmar_scopes(a, "RMRR", s, off, 24, slen, m->scope, &m->nscope);
	if (r)
		return r;
	d->nrmrr++;
	return 0;
}

/* dmar_decode: the DMAR table t (len bytes, header and checksum already
 * checked) into d: HAW, flags, then each remapping structure in turn.
 * Errors: EVALUE, ESTRUCT, ELIMIT (VT-d 8.1, 8.2). */
NK_BOOT static long dmar_decode(struct acpi *a, const uint8_t *t, uint32_t len, struct nk_dmar *d)
{
	d->revision = t[8];
	if (t[36] >= 64)
		return acpi_fail(a, NK_ACPI_EVALUE,
				 "DMAR: host address width %u bits (byte 36 = %u), more than 64",
				 t[36] + 1u, t[36]);
	d->haw_bits = (uint8_t)(t[36] + 1);
	d->flags = t[37];
	for (uint32_t off = NK_ACPI_DMAR_HDR_BYTES, slen; off < len; off += slen) {
		if (len - off < 4)
			return acpi_fail(a, NK_ACPI_ESTRUCT,
					 "DMAR: %u bytes at offset 0x%x, less than a structure's "
					 "4-byte type and length",
					 len - off, off);
		const uint8_t *s = t + off;
		uint16_t type = rd16(s);
		slen = rd16(s + 2);
		const char *name = type < DMAR_NTYPES ? dmar_names[type] : "reserved structure";
		uint32_t hdr = type < DMAR_NTYPES ? dmar_hdr_bytes[type] : 4;
		if (slen < hdr)
			return acpi_fail(
			    a, NK_ACPI_ESTRUCT,
			    "DMAR: %s (type %u) at offset 0x%x has length %u, less than "
			    "its %u-byte header",
			    name, type, off, slen, hdr);
		if (slen > len - off)
			return acpi_fail(
			    a, NK_ACPI_ESTRUCT,
			    "DMAR: %s at offset 0x%x has length %u, past the table's end "
			    "at 0x%x",
			    name, off, slen, len);
		long r = 0;
		switch (type) {
		case NK_DMAR_T_DRHD:
			r = dmar_drhd(a, d, s, off, slen);
			break;
		case NK_DMAR_T_RMRR:
			r = dmar_rmrr(a, d, s, off, slen);
			break;
		case NK_DMAR_T_ATSR:
			d->natsr++;
			r = dmar_scopes(a, name, s, off, 8, slen, 0, 0);
			break;
		case NK_DMAR_T_RHSA:
			d->nrhsa++;
			break;
		case NK_DMAR_T_ANDD:
			d->nandd++;
			break;
		case NK_DMAR_T_SATC:
			d->nsatc++;
			r = dmar_scopes(a, name, s, off, 8, slen, 0, 0);
			break;
		case NK_DMAR_T_SIDP:
			d->nsidp++;
			r = dmar_scopes(a, name, s, off, 8, slen, 0, 0);
			break;
		default:
			d->nunknown++;
			break;
		}
		if (r)
			return r;
	}
	return 0;
}

/* acpi_locate: the steps both finders share: from the RSDP to the root
 * table (*root, *xsdt), to the table with signature sig (*pa; err when
 * the root lists none), mapped and checked as `name`, hdr_bytes..max_bytes
 * long (*t, *len). Clears a.why first. Returns 0 or the failing step's
 * NK_ACPI_E* (a.why says why). ACPI 6.5 5.2.5-5.2.8. */
NK_BOOT static long acpi_locate(struct acpi *a, const void *rsdp, uint64_t rsdp_bytes,
				const char *sig, const char *name, long err, uint32_t hdr_bytes,
				uint32_t max_bytes, uint64_t *root, bool *xsdt, uint64_t *pa,
				const uint8_t **t, uint32_t *len)
{
	if (a->why_cap)
		a->why[0] = 0;
	long r = acpi_rsdp(a, rsdp, rsdp_bytes, root, xsdt);
	if (!r)
		r = acpi_find(a, *root, *xsdt, sig, err, pa);
	if (!r)
		r = acpi_table(a, name, *pa, sig, hdr_bytes, max_bytes, t, len);
	return r;
}

NK_BOOT long nk_acpi_find_dmar(const void *rsdp, uint64_t rsdp_bytes, nk_acpi_map_fn map, void *ctx,
			       struct nk_dmar *out, char *why, size_t why_cap)
{
	struct acpi a = {.map = map, .ctx = ctx, .why = why, .why_cap = why ? why_cap : 0};
	nk_memset(out, 0, sizeof(*out));
	uint64_t root = 0, dmar = 0;
	bool xsdt = false;
	const uint8_t *t;
	uint32_t len;
	long r = acpi_locate(&a, rsdp, rsdp_bytes, "DMAR", "DMAR", NK_ACPI_ENODMAR,
			     NK_ACPI_DMAR_HDR_BYTES, NK_ACPI_DMAR_MAX_BYTES, &root, &xsdt, &dmar,
			     &t, &len);
	if (!r) {
		out->table_pa = pa_init(dmar);
		out->table_bytes = len;
		out->via_xsdt = xsdt;
		out->root_pa = pa_init(root);
		r = dmar_decode(&a, t, len, out);
	}
	if (r)
		nk_memset(out, 0, sizeof(*out));
	return r;
}

/* The interrupt controller structures' names and sizes (bytes; ACPI 6.5
 * table 5.21 and 5.2.12.2-5.2.12.7, 5.2.12.12); 0: not decoded, any
 * length >= 2. */
static const char *const madt_names[] = {
    "local APIC",  "IOAPIC",	     "interrupt source override",
    "NMI source",  "local APIC NMI", "local APIC address override",
    "I/O SAPIC",   "local SAPIC",    "platform interrupt source",
    "local x2APIC"};
static const uint8_t madt_bytes[] = {8, 12, 10, 8, 6, 12, 0, 0, 0, 16};
#define MADT_NTYPES (sizeof(madt_bytes) / sizeof(madt_bytes[0]))
_Static_assert(sizeof(madt_names) / sizeof(madt_names[0]) == MADT_NTYPES, "one name per type");

/* madt_lapic: a processor local APIC entry (s, 8 bytes at offset off).
 * Errors: ELIMIT, EVALUE (an APIC ID twice among usable CPUs). */
NK_BOOT static long madt_lapic(struct acpi *a, struct nk_madt *m, const uint8_t *s, uint32_t off)
{
	uint32_t flags = rd32(s + 4);
	uint32_t usable = NK_MADT_CPU_ENABLED | NK_MADT_CPU_ONLINE_CAPABLE;
	if (m->ncpu == NK_MADT_CPU_MAX)
		return acpi_fail(a, NK_ACPI_ELIMIT,
				 "MADT: local APIC at offset 0x%x: more than %d processor entries",
				 off, NK_MADT_CPU_MAX);
	for (unsigned i = 0; (flags & usable) && i < m->ncpu; i++)
		if ((m->cpu[i].flags & usable) && m->cpu[i].apic_id == s[3])
			return acpi_fail(a, NK_ACPI_EVALUE,
					 "MADT: local APIC at offset 0x%x: APIC ID %u already "
					 "names processor entry %u",
					 off, s[3], i);
	struct nk_madt_cpu *c = &m->cpu[m->ncpu++];
	c->uid = s[2];
	c->apic_id = s[3];
	c->flags = flags;
	return 0;
}

/* madt_ioapic: an IOAPIC entry (s, 12 bytes at offset off). Errors:
 * EVALUE (address zero, not inside one page, above 4 GiB, or an ID or
 * address twice), ELIMIT. */
NK_BOOT static long madt_ioapic(struct acpi *a, struct nk_madt *m, const uint8_t *s, uint32_t off)
{
	uint32_t addr = rd32(s + 4), gsi = rd32(s + 8);
	if (!addr || addr % ACPI_PAGE > ACPI_PAGE - 0x20)
		return acpi_fail(a, NK_ACPI_EVALUE,
				 "MADT: IOAPIC at offset 0x%x: address 0x%x is zero or its "
				 "registers cross a 4 KiB page",
				 off, addr);
	for (unsigned i = 0; i < m->nioapic; i++)
		if (m->ioapic[i].id == s[2] ||
		    pa_addr(m->ioapic[i].addr) / ACPI_PAGE == addr / ACPI_PAGE)
			return acpi_fail(a, NK_ACPI_EVALUE,
					 "MADT: IOAPIC at offset 0x%x: ID %u or the page of 0x%x "
					 "already names IOAPIC %u",
					 off, s[2], addr, i);
	if (m->nioapic == NK_MADT_IOAPIC_MAX)
		return acpi_fail(a, NK_ACPI_ELIMIT,
				 "MADT: IOAPIC at offset 0x%x: more than %d IOAPICs", off,
				 NK_MADT_IOAPIC_MAX);
	struct nk_madt_ioapic *io = &m->ioapic[m->nioapic++];
	io->id = s[2];
	io->addr = pa_init(addr);
	io->gsi_base = gsi;
	return 0;
}

/* madt_decode: the MADT t (len bytes, header and checksum checked) into m.
 * Errors: ESTRUCT, EVALUE, ELIMIT (ACPI 6.5 5.2.12). */
NK_BOOT static long madt_decode(struct acpi *a, const uint8_t *t, uint32_t len, struct nk_madt *m)
{
	m->lapic_addr = pa_init(rd32(t + 36));
	m->flags = rd32(t + 40);
	for (uint32_t off = NK_ACPI_MADT_HDR_BYTES, slen; off < len; off += slen) {
		if (len - off < 2)
			return acpi_fail(a, NK_ACPI_ESTRUCT,
					 "MADT: 1 byte at offset 0x%x, less than a structure's "
					 "type and length",
					 off);
		const uint8_t *s = t + off;
		uint8_t type = s[0];
		slen = s[1];
		const char *name =
		    type < MADT_NTYPES ? madt_names[type] : "reserved or OEM structure";
		uint32_t need = type < MADT_NTYPES && madt_bytes[type] ? madt_bytes[type] : 2;
		if (slen < need)
			return acpi_fail(a, NK_ACPI_ESTRUCT,
					 "MADT: %s (type %u) at offset 0x%x has length %u, less "
					 "than its %u bytes",
					 name, type, off, slen, need);
		if (slen > len - off)
			return acpi_fail(a, NK_ACPI_ESTRUCT,
					 "MADT: %s at offset 0x%x has length %u, past the table's "
					 "end at 0x%x",
					 name, off, slen, len);
		long r = 0;
		switch (type) {
		case NK_MADT_T_LAPIC:
			r = madt_lapic(a, m, s, off);
			break;
		case NK_MADT_T_IOAPIC:
			r = madt_ioapic(a, m, s, off);
			break;
		case NK_MADT_T_ISO:
			if (s[2] != 0)
				return acpi_fail(a, NK_ACPI_EVALUE,
						 "MADT: interrupt source override at offset 0x%x: "
						 "bus %u, not 0 (ISA)",
						 off, s[2]);
			if (m->niso == NK_MADT_ISO_MAX)
				return acpi_fail(a, NK_ACPI_ELIMIT,
						 "MADT: interrupt source override at offset 0x%x: "
						 "more than %d",
						 off, NK_MADT_ISO_MAX);
			m->iso[m->niso].bus = s[2];
			m->iso[m->niso].source = s[3];
			m->iso[m->niso].gsi = rd32(s + 4);
			m->iso[m->niso].flags = rd16(s + 8);
			m->niso++;
			break;
		case NK_MADT_T_NMI_SOURCE:
			m->nnmi_source++;
			break;
		case NK_MADT_T_LAPIC_NMI:
			m->nlapic_nmi++;
			break;
		case NK_MADT_T_LAPIC_OVERRIDE: {
			uint64_t addr = rd64(s + 4);
			if (m->lapic_override)
				return acpi_fail(a, NK_ACPI_EVALUE,
						 "MADT: a second local APIC address override at "
						 "offset 0x%x",
						 off);
			if (!addr || addr % ACPI_PAGE)
				return acpi_fail(
				    a, NK_ACPI_EVALUE,
				    "MADT: local APIC address override at offset 0x%x: "
				    "0x%lx is not a nonzero 4 KiB-aligned address",
				    off, addr);
			m->lapic_override = true;
			m->lapic_addr = pa_init(addr);
			break;
		}
		case NK_MADT_T_X2APIC:
			m->nx2apic++;
			break;
		default:
			m->nunknown++;
			break;
		}
		if (r)
			return r;
	}
	return 0;
}

NK_BOOT long nk_acpi_find_madt(const void *rsdp, uint64_t rsdp_bytes, nk_acpi_map_fn map, void *ctx,
			       struct nk_madt *out, char *why, size_t why_cap)
{
	struct acpi a = {.map = map, .ctx = ctx, .why = why, .why_cap = why ? why_cap : 0};
	nk_memset(out, 0, sizeof(*out));
	uint64_t root = 0, madt = 0;
	bool xsdt = false;
	const uint8_t *t;
	uint32_t len;
	long r = acpi_locate(&a, rsdp, rsdp_bytes, "APIC", "MADT", NK_ACPI_ENOMADT,
			     NK_ACPI_MADT_HDR_BYTES, NK_ACPI_MADT_MAX_BYTES, &root, &xsdt, &madt,
			     &t, &len);
	if (!r) {
		out->table_pa = pa_init(madt);
		out->table_bytes = len;
		r = madt_decode(&a, t, len, out);
	}
	if (r)
		nk_memset(out, 0, sizeof(*out));
	return r;
}

#define NK_ACPI_ERR_NAME(name, value, why) [value] = "NK_ACPI_" #name,
static const char *const nk_acpi_errnames[NK_ACPI_EMAX] = {[0] = "NK_ACPI_OK",
							   NK_ACPI_ERRORS(NK_ACPI_ERR_NAME)};
#undef NK_ACPI_ERR_NAME

const char *nk_acpi_strerror(long e)
{
	if (e > -NK_ACPI_EMAX && e < 0)
		e = -e;
	return e >= 0 && e < NK_ACPI_EMAX ? nk_acpi_errnames[e] : "NK_ACPI_E?";
}
