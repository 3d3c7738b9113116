/* Host tests of the four policies (policies/) through nk_write: each
 * policy's accepted and refused writes, boundaries, overlapping and
 * zero-length writes, and what a refused write leaves (nothing). Region
 * declaration and nk_write's shared checks are in test_region.c.
 * Spec section 7; include/nk/region.h. */
#include "fixture.h"

/* A fresh one-page region of policy p at its direct-map address; *id gets
 * its id. Fake memory behind it is zero. */
static uint8_t *region(unsigned p, long *id)
{
	uint8_t *a = pa_to_dm(fx_data());
	*id = nk_region_declare_impl(a, PAGE_SIZE, p);
	assert_true(*id >= 0);
	return a;
}

/* Fake memory behind a direct-map address. */
static uint8_t *mem(const void *p)
{
	return arch_pa_va(pa_init((uint64_t)p - DIRECT_MAP_BASE));
}

static const struct nk_region *rg(long id)
{
	return &nk_view_store.regions[id];
}

/* The largest append-only record in a one-page region: 1/16 of it. */
#define AO_MAX (PAGE_SIZE / NK_APPEND_RECORD_DIV)

/* ---- no-write ---- */

TEST(no_write_performs_set_up_writes_until_sealed)
{
	long id;
	uint8_t *a = region(NK_POLICY_NO_WRITE, &id);
	fx_ok(nk_write_impl(id, a, "boot", 4, 0));
	fx_ok(nk_write_impl(id, a, "BOOT", 4, 0)); /* set-up may rewrite */
	fx_ok(nk_region_seal_impl(id));
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(id, a, "evil", 4, 0));
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(id, a + PAGE_SIZE - 1, "e", 1, 0));
	ASSERT_REFUSED(NK_EZERO, nk_write_impl(id, a, "", 0, 0));
	assert_memory_equal(mem(a), "BOOT", 4);
	assert_int_equal(rg(id)->writes, 2);
	assert_int_equal(rg(id)->refused, 3);
}

/* ---- write-once ---- */

TEST(write_once_accepts_each_byte_once)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_ONCE, &id);
	fx_ok(nk_write_impl(id, a, "abcd", 4, 0));
	fx_ok(nk_write_impl(id, a + 4, "efgh", 4, 0)); /* adjacent: fine */
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a, "ABCD", 4, 0));
	ASSERT_REFUSED(NK_EWRITTEN,
		       nk_write_impl(id, a + 3, "XY", 2, 0)); /* straddles two writes */
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a + 7, "XY", 2, 0)); /* overlaps the end */
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a + 2, "X", 1, 0));  /* one byte inside */
	fx_ok(nk_write_impl(id, a + 8, "i", 1, 0));
	assert_memory_equal(mem(a), "abcdefghi", 9);
	fx_check_ok();
}

TEST(write_once_refuses_a_write_overlapping_one_written_byte)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_ONCE, &id);
	fx_ok(nk_write_impl(id, a + 100, "x", 1, 0));
	static uint8_t buf[PAGE_SIZE];
	memset(buf, 0xee, sizeof(buf));
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a, buf, PAGE_SIZE, 0));
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a + 50, buf, 51, 0));
	fx_ok(nk_write_impl(id, a + 50, buf, 50, 0));  /* ends just before */
	fx_ok(nk_write_impl(id, a + 101, buf, 50, 0)); /* starts just after */
	assert_int_equal(mem(a)[100], 'x');
	assert_int_equal(mem(a)[49], 0);
}

TEST(write_once_region_boundaries)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_ONCE, &id);
	fx_ok(nk_write_impl(id, a, "F", 1, 0));			/* first byte */
	fx_ok(nk_write_impl(id, a + PAGE_SIZE - 1, "L", 1, 0)); /* last byte */
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a, "f", 1, 0));
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a + PAGE_SIZE - 1, "l", 1, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(id, a + PAGE_SIZE - 1, "lm", 2, 0));
	assert_int_equal(mem(a)[0], 'F');
	assert_int_equal(mem(a)[PAGE_SIZE - 1], 'L');
}

TEST(write_once_a_refused_write_marks_nothing)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_ONCE, &id);
	fx_ok(nk_write_impl(id, a + 10, "x", 1, 0));
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a + 5, "0123456789", 10, 0));
	/* bytes 5..9 and 11..14 are still unwritten */
	fx_ok(nk_write_impl(id, a + 5, "01234", 5, 0));
	fx_ok(nk_write_impl(id, a + 11, "abcd", 4, 0));
	/* a sealed region refuses even unwritten bytes */
	fx_ok(nk_region_seal_impl(id));
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(id, a + 200, "x", 1, 0));
}

TEST(write_once_whole_region_in_one_write)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_ONCE, &id);
	static uint8_t table[PAGE_SIZE];
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		table[i] = (uint8_t)i;
	fx_ok(nk_write_impl(id, a, table, PAGE_SIZE, 0));
	assert_memory_equal(mem(a), table, PAGE_SIZE);
	for (unsigned off = 0; off < PAGE_SIZE; off += 509)
		ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, a + off, "z", 1, 0));
}

TEST(write_once_regions_keep_separate_bitmaps)
{
	long i1, i2;
	uint8_t *a = region(NK_POLICY_WRITE_ONCE, &i1), *b = region(NK_POLICY_WRITE_ONCE, &i2);
	fx_ok(nk_write_impl(i1, a + 7, "x", 1, 0));
	fx_ok(nk_write_impl(i2, b + 7, "y", 1, 0)); /* same offset, other region */
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(i2, b + 7, "y", 1, 0));
}

TEST(write_once_nk_prefilled_region_refuses_every_byte)
{
	/* as nk declares its IDT: nk frames, contents count as written */
	void *idt = pa_to_dm(fx_pa(FX_NK_FIRST + 20));
	long id = nk_region_declare_nk(idt, PAGE_SIZE, NK_POLICY_WRITE_ONCE, true);
	assert_true(id >= 0);
	assert_int_equal(fx_frame(fx_pa(FX_NK_FIRST + 20))->type, NK_F_NK);
	assert_true(rg(id)->nk_frames);
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, idt, "x", 1, 0));
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(id, (uint8_t *)idt + PAGE_SIZE - 1, "x", 1, 0));
	/* the outer kernel cannot declare nk frames, nor over nk's region */
	ASSERT_REFUSED(NK_EOVERLAP, nk_region_declare_impl(idt, PAGE_SIZE, NK_POLICY_WRITE_LOG));
	ASSERT_REFUSED(NK_ETYPE, nk_region_declare_impl(pa_to_dm(fx_pa(FX_NK_FIRST + 21)),
							PAGE_SIZE, NK_POLICY_WRITE_LOG));
	fx_check_ok();
}

/* ---- append-only ---- */

TEST(append_only_accepts_appends_at_the_used_end)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	fx_ok(nk_write_impl(id, a, "rec1", 4, 0));
	assert_int_equal(rg(id)->used, 4);
	fx_ok(nk_write_impl(id, a + 4, "rec2!", 5, 0));
	assert_int_equal(rg(id)->used, 9);
	assert_int_equal(rg(id)->appended, 9);
	assert_int_equal(rg(id)->epoch, 0);
	assert_memory_equal(mem(a), "rec1rec2!", 9);
}

TEST(append_only_refuses_rewriting_the_prefix)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	fx_ok(nk_write_impl(id, a, "record01", 8, 0));
	ASSERT_REFUSED(NK_EREWRITE, nk_write_impl(id, a, "forged!!", 8, 0));
	ASSERT_REFUSED(NK_EREWRITE,
		       nk_write_impl(id, a + 7, "XY", 2, 0)); /* overlaps the last byte */
	ASSERT_REFUSED(NK_EREWRITE, nk_write_impl(id, a + 3, "X", 1, 0));
	ASSERT_REFUSED(NK_EREWRITE, nk_write_impl(id, a, "f", 1, 0)); /* fits: no wrap */
	assert_memory_equal(mem(a), "record01", 8);
	assert_int_equal(rg(id)->used, 8);
}

TEST(append_only_refuses_a_gap)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	ASSERT_REFUSED(NK_EGAP, nk_write_impl(id, a + 1, "x", 1, 0));
	fx_ok(nk_write_impl(id, a, "ab", 2, 0));
	ASSERT_REFUSED(NK_EGAP, nk_write_impl(id, a + 3, "x", 1, 0));
	ASSERT_REFUSED(NK_EGAP, nk_write_impl(id, a + PAGE_SIZE - 1, "x", 1, 0));
	assert_int_equal(rg(id)->used, 2);
}

TEST(append_only_fills_to_the_end_exactly)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	static uint8_t buf[AO_MAX];
	for (unsigned off = 0; off < PAGE_SIZE - AO_MAX; off += AO_MAX)
		fx_ok(nk_write_impl(id, a + off, buf, AO_MAX, 0));
	fx_ok(nk_write_impl(id, a + PAGE_SIZE - AO_MAX, buf, AO_MAX - 4, 0));
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(id, a + PAGE_SIZE - 4, "12345", 5, 0));
	fx_ok(nk_write_impl(id, a + PAGE_SIZE - 4, "1234", 4, 0));
	assert_int_equal(rg(id)->used, PAGE_SIZE);
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(id, a + PAGE_SIZE, "x", 1, 0));
}

TEST(append_only_wraps_as_a_new_epoch)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	static uint8_t rec[200];
	for (unsigned i = 0; i < 20; i++) {
		memset(rec, 'a' + i, sizeof(rec));
		fx_ok(nk_write_impl(id, a + i * 200, rec, 200, 0));
	}
	assert_int_equal(rg(id)->used, 4000);
	memset(rec, 'z', sizeof(rec));
	/* 4000 + 200 > 4096: the next record wraps to 0 */
	fx_ok(nk_write_impl(id, a, rec, 200, 0));
	assert_int_equal(rg(id)->epoch, 1);
	assert_int_equal(rg(id)->used, 200);
	assert_int_equal(rg(id)->wrap_end, 4000);
	assert_int_equal(rg(id)->appended, 4200);
	assert_int_equal(mem(a)[199], 'z');
	assert_int_equal(mem(a)[200], 'b'); /* the previous epoch's data stays */
	assert_int_equal(mem(a)[3999], 'a' + 19);
	/* in the new epoch the prefix is protected again */
	ASSERT_REFUSED(NK_EREWRITE, nk_write_impl(id, a, rec, 200, 0));
	ASSERT_REFUSED(NK_EREWRITE, nk_write_impl(id, a + 100, rec, 10, 0));
	ASSERT_REFUSED(NK_EGAP, nk_write_impl(id, a + 2000, rec, 10, 0));
	fx_ok(nk_write_impl(id, a + 200, rec, 200, 0));
	assert_int_equal(rg(id)->used, 400);
	assert_int_equal(rg(id)->epoch, 1);
}

/* The record bound (spec 7): one write is at most 1/16 of the region,
 * wherever it starts; a refused one changes nothing. */
TEST(append_only_refuses_a_record_over_a_sixteenth_of_the_log)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	static uint8_t big[PAGE_SIZE];
	memset(big, 'X', sizeof(big));
	ASSERT_REFUSED(NK_ERECORD, nk_write_impl(id, a, big, AO_MAX + 1, 0)); /* empty log */
	ASSERT_REFUSED(NK_ERECORD, nk_write_impl(id, a, big, PAGE_SIZE, 0));  /* the whole log */
	assert_int_equal(rg(id)->used, 0);
	assert_int_equal(mem(a)[0], 0);
	fx_ok(nk_write_impl(id, a, big, AO_MAX, 0)); /* exactly 1/16 */
	ASSERT_REFUSED(NK_ERECORD, nk_write_impl(id, a + AO_MAX, big, AO_MAX + 1, 0)); /* at used */
	ASSERT_REFUSED(NK_ERECORD, nk_write_impl(id, a + 1, big, AO_MAX + 1, 0));      /* inside */
	assert_int_equal(rg(id)->used, AO_MAX);
	assert_int_equal(rg(id)->appended, AO_MAX);
	assert_int_equal(rg(id)->writes, 1);
	assert_int_equal(rg(id)->refused, 4);
	assert_int_equal(mem(a)[AO_MAX], 0);
	assert_int_equal(nk_view_store.stats.refusals[NK_ERECORD], 4);
}

/* The attack this closes: a log holding a few records, and one write of
 * nearly the log's size at offset 0. It does not fit in the space left,
 * so it used to be taken as the wrap and replaced every record at once. */
TEST(append_only_an_oversized_record_cannot_force_a_wrap)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	static const char recs[4][32] = {"rec0", "rec1", "rec2", "rec3"};
	fx_ok(nk_write_impl(id, a, recs, sizeof(recs), 0));
	static uint8_t forged[PAGE_SIZE - 8];
	memset(forged, 'F', sizeof(forged));
	ASSERT_REFUSED(NK_ERECORD, nk_write_impl(id, a, forged, sizeof(forged), 0));
	ASSERT_REFUSED(NK_ERECORD, nk_write_impl(id, a, forged, PAGE_SIZE - sizeof(recs) + 1, 0));
	assert_int_equal(rg(id)->epoch, 0);
	assert_int_equal(rg(id)->used, sizeof(recs));
	assert_memory_equal(mem(a), recs, sizeof(recs));
	/* nor once the log is nearly full */
	static uint8_t rec[AO_MAX];
	while (rg(id)->used + AO_MAX <= PAGE_SIZE)
		fx_ok(nk_write_impl(id, a + rg(id)->used, rec, AO_MAX, 0));
	ASSERT_REFUSED(NK_ERECORD, nk_write_impl(id, a, forged, AO_MAX + 1, 0));
	assert_int_equal(rg(id)->epoch, 0);
	assert_memory_equal(mem(a), recs, sizeof(recs));
}

/* For record sizes up to the bound: record 0 is overwritten only by the
 * wrap, and the wrap comes only once the next record does not fit: after
 * every record that fits was appended, at least 15/16 of the log. */
TEST(append_only_overwriting_the_oldest_record_needs_a_full_log)
{
	static const unsigned lens[] = {1, 7, 32, 100, 255, AO_MAX};
	static uint8_t rec[AO_MAX];
	for (unsigned k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		long id;
		uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
		unsigned len = lens[k];
		fx_ok(nk_write_impl(id, a, rec, len, 0));
		for (;;) {
			long r = nk_write_impl(id, a, rec, len, 0); /* try to overwrite record 0 */
			if (r == 0)
				break;
			assert_int_equal(r, -NK_EREWRITE);
			assert_int_equal(rg(id)->epoch, 0);
			fx_ok(nk_write_impl(id, a + rg(id)->used, rec, len, 0));
		}
		uint64_t before = rg(id)->appended - len; /* appended before the wrap */
		assert_int_equal(rg(id)->epoch, 1);
		assert_int_equal(before, PAGE_SIZE / len * len);
		assert_true(before >= PAGE_SIZE - PAGE_SIZE / NK_APPEND_RECORD_DIV);
		assert_int_equal(rg(id)->wrap_end, before); /* what the wrap overwrote is known */
	}
}

/* A larger log has a larger bound: the audit log's 16 KiB take 1 KiB. */
TEST(append_only_bound_scales_with_the_region)
{
	uint8_t *a = pa_to_dm(fx_data());
	for (int i = 1; i < 4; i++)
		fx_data(); /* the next three frames: contiguous */
	long id = nk_region_declare_impl(a, 4 * PAGE_SIZE, NK_POLICY_APPEND_ONLY);
	assert_true(id >= 0);
	static uint8_t rec[1025];
	ASSERT_REFUSED(NK_ERECORD, nk_write_impl(id, a, rec, 1025, 0));
	fx_ok(nk_write_impl(id, a, rec, 1024, 0));
	assert_int_equal(rg(id)->used, 1024);
}

TEST(append_only_refuses_a_wrap_while_the_append_fits)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	fx_ok(nk_write_impl(id, a, "0123456789", 10, 0));
	/* 10 + 100 <= 4096: a write at 0 is a rewrite, not a wrap */
	static uint8_t rec[100];
	ASSERT_REFUSED(NK_EREWRITE, nk_write_impl(id, a, rec, 100, 0));
	assert_int_equal(rg(id)->epoch, 0);
	/* a write at 0 into an empty region is an append */
	long id2;
	uint8_t *b = region(NK_POLICY_APPEND_ONLY, &id2);
	fx_ok(nk_write_impl(id2, b, rec, 100, 0));
	assert_int_equal(rg(id2)->epoch, 0);
	assert_int_equal(rg(id2)->used, 100);
}

TEST(append_only_sealed_log_takes_no_more)
{
	long id;
	uint8_t *a = region(NK_POLICY_APPEND_ONLY, &id);
	fx_ok(nk_write_impl(id, a, "x", 1, 0));
	fx_ok(nk_region_seal_impl(id));
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(id, a + 1, "y", 1, 0));
}

/* ---- write-log ---- */

TEST(write_log_performs_every_write_and_records_it)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_LOG, &id);
	fake_cpu.tsc = 1000;
	fx_ok(nk_write_impl(id, a + 8, "uid0", 4, 0xffffffff80101234ull));
	fx_ok(nk_write_impl(id, a + 8, "uid1", 4, 0xffffffff80105678ull)); /* rewrites are fine */
	assert_memory_equal(mem(a) + 8, "uid1", 4);
	assert_int_equal(nk_view_store.log_records, 2);

	struct nk_log_rec out[4];
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(nk_log_read(id, 0, out, 4), 2);
	assert_int_equal(out[0].seq, 1);
	assert_int_equal(out[1].seq, 2);
	assert_int_equal(out[0].tsc, 1000);
	assert_true(out[1].tsc > out[0].tsc);
	assert_int_equal(out[0].rip, 0xffffffff80101234ull);
	assert_int_equal(out[1].rip, 0xffffffff80105678ull);
	assert_int_equal(out[0].addr, (uint64_t)(a + 8));
	assert_int_equal(out[0].region, id);
	assert_int_equal(out[0].len, 4);
	assert_memory_equal(out[0].old, "\0\0\0\0", 4);
	assert_memory_equal(out[0].new, "uid0", 4);
	assert_memory_equal(out[1].old, "uid0", 4);
	assert_memory_equal(out[1].new, "uid1", 4);
	for (unsigned i = 4; i < NK_LOG_BYTES; i++)
		assert_int_equal(out[0].new[i], 0);
}

TEST(write_log_caps_old_and_new_bytes_but_records_full_length)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_LOG, &id);
	static uint8_t buf[300];
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i + 1);
	memset(mem(a), 0x77, 300);
	fx_ok(nk_write_impl(id, a, buf, 300, 0));
	struct nk_log_rec out;
	assert_int_equal(nk_log_read(id, 0, &out, 1), 1);
	assert_int_equal(out.len, 300);
	assert_memory_equal(out.new, buf, NK_LOG_BYTES);
	for (unsigned i = 0; i < NK_LOG_BYTES; i++)
		assert_int_equal(out.old[i], 0x77);
	assert_memory_equal(mem(a), buf, 300);
}

TEST(write_log_read_filters_by_region_and_sequence)
{
	long i1, i2;
	uint8_t *a = region(NK_POLICY_WRITE_LOG, &i1), *b = region(NK_POLICY_WRITE_LOG, &i2);
	fx_ok(nk_write_impl(i1, a, "1", 1, 0));
	fx_ok(nk_write_impl(i2, b, "2", 1, 0));
	fx_ok(nk_write_impl(i1, a, "3", 1, 0));
	struct nk_log_rec out[8];
	assert_int_equal(nk_log_read(i1, 0, out, 8), 2);
	assert_int_equal(out[0].new[0], '1');
	assert_int_equal(out[1].new[0], '3');
	assert_int_equal(nk_log_read(i2, 0, out, 8), 1);
	assert_int_equal(out[0].seq, 2);
	assert_int_equal(nk_log_read(-1, 0, out, 8), 3);
	assert_int_equal(nk_log_read(-1, 3, out, 8), 1);
	assert_int_equal(out[0].seq, 3);
	assert_int_equal(nk_log_read(-1, 4, out, 8), 0);
	assert_int_equal(nk_log_read(-1, 0, out, 2), 2); /* max respected */
	assert_int_equal(nk_log_read(i1, 0, out, 0), 0);
}

TEST(write_log_ring_keeps_the_newest_records)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_LOG, &id);
	unsigned n = NK_LOG_RECS + 44;
	for (unsigned i = 0; i < n; i++) {
		uint32_t v = i;
		fx_ok(nk_write_impl(id, a, &v, sizeof(v), 0));
	}
	static struct nk_log_rec out[NK_LOG_RECS + 10];
	assert_int_equal(nk_log_read(id, 0, out, NK_LOG_RECS + 10), NK_LOG_RECS);
	assert_int_equal(out[0].seq, n - NK_LOG_RECS + 1);
	assert_int_equal(out[NK_LOG_RECS - 1].seq, n);
	uint32_t last;
	memcpy(&last, out[NK_LOG_RECS - 1].new, sizeof(last));
	assert_int_equal(last, n - 1);
	assert_int_equal(nk_view_store.log_records, n);
}

TEST(write_log_with_audit_off_writes_without_records)
{
	nk_view_store.audit = false;
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_LOG, &id);
	fx_ok(nk_write_impl(id, a, "x", 1, 0));
	assert_int_equal(mem(a)[0], 'x');
	struct nk_log_rec out;
	assert_int_equal(nk_log_read(id, 0, &out, 1), 0);
	assert_int_equal(nk_view_store.log_records, 0);
}

TEST(write_log_refusals_are_not_logged)
{
	long id;
	uint8_t *a = region(NK_POLICY_WRITE_LOG, &id);
	ASSERT_REFUSED(NK_EBOUNDS, nk_write_impl(id, a + PAGE_SIZE, "x", 1, 0));
	ASSERT_REFUSED(NK_EZERO, nk_write_impl(id, a, "x", 0, 0));
	fx_ok(nk_region_seal_impl(id));
	ASSERT_REFUSED(NK_ESEALED, nk_write_impl(id, a, "x", 1, 0));
	struct nk_log_rec out;
	assert_int_equal(nk_log_read(id, 0, &out, 1), 0);
}

/* ---- native mode: the same decisions, no protection ---- */

TEST(native_mode_enforces_the_policies_in_software)
{
	nk_view_store.nested = false;
	long wo, ao;
	uint8_t *a = region(NK_POLICY_WRITE_ONCE, &wo);
	uint8_t *b = region(NK_POLICY_APPEND_ONLY, &ao);
	fx_ok(nk_write_impl(wo, a, "x", 1, 0));
	ASSERT_REFUSED(NK_EWRITTEN, nk_write_impl(wo, a, "y", 1, 0));
	fx_ok(nk_write_impl(ao, b, "abc", 3, 0));
	ASSERT_REFUSED(NK_EREWRITE, nk_write_impl(ao, b + 1, "x", 1, 0));
	assert_int_equal(fx_frame(pa_init((uint64_t)a - DIRECT_MAP_BASE))->type, NK_F_DATA);
}

TEST(policy_names)
{
	assert_string_equal(nk_policy_name(NK_POLICY_NO_WRITE), "no-write");
	assert_string_equal(nk_policy_name(NK_POLICY_WRITE_ONCE), "write-once");
	assert_string_equal(nk_policy_name(NK_POLICY_APPEND_ONLY), "append-only");
	assert_string_equal(nk_policy_name(NK_POLICY_WRITE_LOG), "write-log");
	assert_string_equal(nk_policy_name(NK_POLICY_MAX), "?");
	assert_string_equal(nk_strerror(-NK_EWRITTEN), "NK_EWRITTEN");
	assert_string_equal(nk_strerror(NK_EGAP), "NK_EGAP");
	assert_string_equal(nk_strerror(NK_EMAPPED), "NK_EMAPPED");
	assert_string_equal(nk_strerror(-NK_ERECORD), "NK_ERECORD");
	assert_string_equal(nk_strerror(NK_EMAX - 1), "NK_ENOAPIC");
	assert_string_equal(nk_strerror(-(3l << NK_MC_SHIFT | NK_EOP)), "NK_EOP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(no_write_performs_set_up_writes_until_sealed),
	    FX_TEST(write_once_accepts_each_byte_once),
	    FX_TEST(write_once_refuses_a_write_overlapping_one_written_byte),
	    FX_TEST(write_once_region_boundaries),
	    FX_TEST(write_once_a_refused_write_marks_nothing),
	    FX_TEST(write_once_whole_region_in_one_write),
	    FX_TEST(write_once_regions_keep_separate_bitmaps),
	    FX_TEST(write_once_nk_prefilled_region_refuses_every_byte),
	    FX_TEST(append_only_accepts_appends_at_the_used_end),
	    FX_TEST(append_only_refuses_rewriting_the_prefix),
	    FX_TEST(append_only_refuses_a_gap),
	    FX_TEST(append_only_fills_to_the_end_exactly),
	    FX_TEST(append_only_wraps_as_a_new_epoch),
	    FX_TEST(append_only_refuses_a_record_over_a_sixteenth_of_the_log),
	    FX_TEST(append_only_an_oversized_record_cannot_force_a_wrap),
	    FX_TEST(append_only_overwriting_the_oldest_record_needs_a_full_log),
	    FX_TEST(append_only_bound_scales_with_the_region),
	    FX_TEST(append_only_refuses_a_wrap_while_the_append_fits),
	    FX_TEST(append_only_sealed_log_takes_no_more),
	    FX_TEST(write_log_performs_every_write_and_records_it),
	    FX_TEST(write_log_caps_old_and_new_bytes_but_records_full_length),
	    FX_TEST(write_log_read_filters_by_region_and_sequence),
	    FX_TEST(write_log_ring_keeps_the_newest_records),
	    FX_TEST(write_log_with_audit_off_writes_without_records),
	    FX_TEST(write_log_refusals_are_not_logged),
	    FX_TEST(native_mode_enforces_the_policies_in_software),
	    FX_TEST(policy_names),
	};
	return cmocka_run_group_tests_name("policies: no-write, write-once, append-only, write-log",
					   tests, NULL, NULL);
}
