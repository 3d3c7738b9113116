/* Host tests of nk_multicall (nk/multicall.c, nk/mc.h): lists whose
 * operations depend on the earlier ones (decoded against the shadow), a
 * refusal anywhere applying nothing and naming its operation, the list's
 * own preconditions, copy-in (TOCTOU) and the write log's "who". Each
 * single operation's preconditions are tested by tests/host/test_mc_*.c
 * (the single-call tests, sent as one-operation lists). Spec section 5;
 * include/nk/vmmu.h (nk_multicall). */
#include "fixture.h"
#include "../../policies/policy.h"
#include "../../nk/mc.h"

#define RIP 0xffffffff81234567ull /* the caller nk's gate would capture */

static struct nk_op declare(paddr_t f, unsigned level)
{
	return (struct nk_op){.kind = NK_OP_DECLARE_PTP, .a = pa_addr(f), .arg = level};
}

static struct nk_op removal(paddr_t f)
{
	return (struct nk_op){.kind = NK_OP_REMOVE_PTP, .a = pa_addr(f)};
}

static struct nk_op write_pte(paddr_t ptp, unsigned index, pte_t e)
{
	return (struct nk_op){.kind = NK_OP_WRITE_PTE, .a = pa_addr(ptp), .arg = index, .b = e};
}

/* A remove with its hint: the parent removed earlier and the index. */
static struct nk_op removal_hinted(paddr_t f, paddr_t parent, unsigned index)
{
	return (struct nk_op){
	    .kind = NK_OP_REMOVE_PTP, .a = pa_addr(f), .b = pa_addr(parent), .arg = index};
}

static struct nk_op load_cr3(paddr_t l4)
{
	return (struct nk_op){.kind = NK_OP_LOAD_CR3, .a = pa_addr(l4)};
}

static struct nk_op write(long id, void *dst, const void *src, uint32_t len, uint64_t tag)
{
	return (struct nk_op){.kind = NK_OP_WRITE,
			      .a = (uint64_t)id,
			      .b = (uint64_t)dst,
			      .c = (uint64_t)src,
			      .arg = len,
			      .tag = tag};
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* MC_REFUSED: the list is refused at operation k with err, and nothing
 * but the counters changed. */
#define MC_REFUSED(k, err, ops, n)                                                                 \
	do {                                                                                       \
		fx_snap();                                                                         \
		long r_ = nk_multicall_impl((ops), (n), RIP);                                      \
		if (r_ >= 0 || nk_mc_index(r_) != (k) || nk_mc_error(r_) != (err))                 \
			fail_msg("multicall returned op %lu %s, want op %u %s", nk_mc_index(r_),   \
				 nk_strerror(r_), (unsigned)(k), nk_strerror(err));                \
		fx_assert_unchanged(err);                                                          \
	} while (0)

/* A user page frame's entry. */
static pte_t user_rw(paddr_t f)
{
	return pte_make(f, FX_USER_RW);
}

/* ---- lists whose operations build on the earlier ones ---- */

TEST(declare_link_and_fill_in_one_list)
{
	paddr_t l4 = fx_ptp(4), l3 = fx_data(), l2 = fx_data(), l1 = fx_data();
	paddr_t d0 = fx_data(), d1 = fx_data();
	struct nk_op ops[] = {
	    declare(l3, 3),
	    write_pte(l4, 0, pte_make(l3, FX_USER_TABLE)),
	    declare(l2, 2),
	    write_pte(l3, 0, pte_make(l2, FX_USER_TABLE)),
	    declare(l1, 1),
	    write_pte(l2, 0, pte_make(l1, FX_USER_TABLE)),
	    write_pte(l1, 0, user_rw(d0)),
	    write_pte(l1, 1, user_rw(d1)),
	    load_cr3(l4),
	};
	uint64_t calls = nk_view_store.stats.calls[NK_CALL_MULTICALL];
	uint64_t written = nk_view_store.stats.ptes_written;
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(nk_view_store.stats.calls[NK_CALL_MULTICALL], calls + 1);
	assert_int_equal(nk_view_store.stats.ptes_written, written + 5);
	assert_int_equal(fx_frame(l3)->type, NK_F_PTP3);
	assert_int_equal(fx_frame(l1)->type, NK_F_PTP1);
	assert_int_equal(fx_frame(l3)->refs, 1);
	assert_int_equal(fx_frame(l1)->refs, 1);
	assert_int_equal(fx_frame(d0)->wcount, 1);
	assert_int_equal(fx_entries(l1)[1], user_rw(d1));
	assert_int_equal(pa_addr(nk.cur_cr3[0]), pa_addr(l4));
	assert_int_equal(fake_cpu.cr3, pa_addr(l4));
	for (unsigned i = 0; i < N(ops); i++)
		assert_int_equal(fx_frame(pa_init(ops[i].a))->spare, 0); /* the shadow is gone */
	fx_check_ok();
}

TEST(a_link_to_a_ptp_declared_later_is_refused)
{
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t l1 = fx_data();
	struct nk_op ops[] = {write_pte(u.l2, 1, pte_make(l1, FX_USER_TABLE)), declare(l1, 1)};
	MC_REFUSED(0, NK_ENOTPTP, ops, N(ops));
	struct nk_op wrong[] = {declare(l1, 2), write_pte(u.l2, 1, pte_make(l1, FX_USER_TABLE))};
	MC_REFUSED(1, NK_EWRONGLEVEL, wrong, N(wrong));
}

TEST(remove_after_the_write_that_unlinks_it)
{
	struct fx_user_as u;
	fx_user_as(&u);
	fx_ok(nk_write_pte_impl(u.l1, 5, user_rw(fx_data())));
	struct nk_op linked[] = {write_pte(u.l1, 6, 0), removal(u.l1)};
	MC_REFUSED(1, NK_EINUSE, linked, N(linked));
	struct nk_op ops[] = {write_pte(u.l2, 0, 0), removal(u.l1)};
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(fx_frame(u.l1)->type, NK_F_DATA);
	assert_int_equal(fx_frame(u.l1)->refs, 0);
	fx_check_ok();
}

/* The entry a write replaces is the one the earlier writes of the list
 * left, not memory's: unlink, relink, remove must be refused. */
TEST(a_slot_written_twice_counts_its_last_value)
{
	struct fx_user_as u;
	fx_user_as(&u);
	struct nk_op relinked[] = {write_pte(u.l2, 0, 0),
				   write_pte(u.l2, 0, pte_make(u.l1, FX_USER_TABLE)),
				   removal(u.l1)};
	MC_REFUSED(2, NK_EINUSE, relinked, N(relinked));
	struct nk_op twice[] = {write_pte(u.l2, 0, 0), write_pte(u.l2, 0, 0), removal(u.l1)};
	fx_ok(nk_multicall_impl(twice, N(twice), RIP));
	assert_int_equal(fx_frame(u.l1)->type, NK_F_DATA);
	fx_check_ok();
}

TEST(remove_counts_entries_written_earlier_in_the_list)
{
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t f = fx_data(), x = fx_data();
	fx_ok(nk_write_pte_impl(u.l1, 3, user_rw(f)));
	/* the L1's last write maps x writable; removing the L1 drops it, so
	 * x may become a PTP; f's mapping went with the remove too */
	struct nk_op ops[] = {write_pte(u.l1, 4, user_rw(x)), write_pte(u.l2, 0, 0), removal(u.l1),
			      declare(x, 1), declare(f, 1)};
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(fx_frame(x)->type, NK_F_PTP1);
	assert_int_equal(fx_frame(f)->wcount, 0);
	fx_check_ok();
}

TEST(a_frame_mapped_writable_earlier_in_the_list_cannot_become_a_ptp)
{
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t x = fx_data();
	struct nk_op ops[] = {write_pte(u.l1, 0, user_rw(x)), declare(x, 1)};
	MC_REFUSED(1, NK_EWRITABLE, ops, N(ops));
	struct nk_op unmapped[] = {write_pte(u.l1, 0, user_rw(x)), write_pte(u.l1, 0, 0),
				   declare(x, 1)};
	fx_ok(nk_multicall_impl(unmapped, N(unmapped), RIP));
	fx_check_ok();
}

TEST(declared_ptps_cannot_be_mapped_writable_in_the_same_list)
{
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t x = fx_data();
	struct nk_op ops[] = {declare(x, 1), write_pte(u.l1, 0, user_rw(x))};
	MC_REFUSED(1, NK_EPROT, ops, N(ops));
	struct nk_op ro[] = {declare(x, 1),
			     write_pte(u.l1, 0, pte_make(x, PTE_P | PTE_U | PTE_NX))};
	fx_ok(nk_multicall_impl(ro, N(ro), RIP));
	fx_check_ok();
}

TEST(huge_leaves_and_declares_see_each_other)
{
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t base = fx_pa(FX_HUGE_FIRST);
	pte_t leaf = pte_make(base, FX_USER_RW | PTE_PS);
	struct nk_op after[] = {declare(fx_pa(FX_HUGE_FIRST + 7), 1), write_pte(u.l2, 1, leaf)};
	MC_REFUSED(1, NK_EHUGE, after, N(after));
	struct nk_op before[] = {write_pte(u.l2, 1, leaf), declare(fx_pa(FX_HUGE_FIRST + 7), 1)};
	MC_REFUSED(1, NK_EHUGE, before, N(before));
	struct nk_op gone[] = {write_pte(u.l2, 1, leaf), write_pte(u.l2, 1, 0),
			       declare(fx_pa(FX_HUGE_FIRST + 7), 1),
			       removal(fx_pa(FX_HUGE_FIRST + 7)), write_pte(u.l2, 2, leaf)};
	fx_ok(nk_multicall_impl(gone, N(gone), RIP));
	assert_int_equal(nk.f2m[FX_HUGE_FIRST / PTES_PER_PTP].huge_maps, 1);
	fx_check_ok();
}

TEST(load_cr3_then_remove_the_old_l4)
{
	paddr_t a = fx_ptp(4), b = fx_ptp(4);
	fx_ok(nk_load_cr3_impl(a));
	struct nk_op loaded[] = {load_cr3(b), removal(b)};
	MC_REFUSED(1, NK_ELOADED, loaded, N(loaded));
	struct nk_op ops[] = {load_cr3(b), removal(a)};
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(fx_frame(a)->type, NK_F_DATA);
	assert_int_equal(fake_cpu.cr3, pa_addr(b));
	fx_check_ok();
}

TEST(remove_then_declare_again_at_another_level)
{
	paddr_t p = fx_ptp(2);
	fx_ok(nk_write_pte_impl(p, 9, pte_make(fx_pa(FX_HUGE_FIRST), FX_USER_RW | PTE_PS)));
	struct nk_op ops[] = {removal(p), declare(p, 1), write_pte(p, 9, user_rw(fx_data())),
			      removal(p), declare(p, 3)};
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(fx_frame(p)->type, NK_F_PTP3);
	assert_int_equal(fx_entries(p)[9], 0); /* zeroed by the last declare */
	assert_int_equal(nk.f2m[FX_HUGE_FIRST / PTES_PER_PTP].huge_maps, 0);
	fx_check_ok();
}

/* A list without declares removes a tree top-down from the hints alone
 * (nk does not read the removed PTPs); a missing or wrong hint is
 * NK_EMCFULL where the list may be split, and the two halves succeed. */
TEST(a_tree_removed_top_down_with_hints)
{
	struct fx_user_as u;
	fx_user_as(&u);
	fx_ok(nk_write_pte_impl(u.l1, 3, user_rw(fx_data())));
	struct nk_op ops[] = {removal(u.l4), removal_hinted(u.l3, u.l4, 0),
			      removal_hinted(u.l2, u.l3, 0), removal_hinted(u.l1, u.l2, 0)};
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(fx_frame(u.l1)->type, NK_F_DATA);
	assert_int_equal(fx_frame(u.l1)->refs, 0);
	fx_check_ok();
}

TEST(a_missing_or_wrong_hint_names_where_to_split)
{
	struct fx_user_as u;
	fx_user_as(&u);
	struct nk_op none[] = {removal(u.l4), removal(u.l3)};
	MC_REFUSED(1, NK_EMCFULL, none, N(none));
	struct nk_op wrong[] = {removal(u.l4), removal_hinted(u.l3, u.l4, 1)};
	MC_REFUSED(1, NK_EMCFULL, wrong, N(wrong));
	struct nk_op level[] = {removal(u.l4), removal_hinted(u.l2, u.l4, 0)};
	MC_REFUSED(1, NK_EMCFULL, level, N(level));
	/* nothing removed by the list yet: a plain refusal */
	struct nk_op live[] = {removal_hinted(u.l3, u.l4, 0)};
	MC_REFUSED(0, NK_EINUSE, live, 1);
	fx_ok(nk_multicall_impl(none, 1, RIP)); /* split where nk said */
	fx_ok(nk_multicall_impl(&none[1], 1, RIP));
	fx_check_ok();
}

/* ---- all or nothing ---- */

TEST(a_refusal_at_op_k_applies_nothing_before_it)
{
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t x = fx_data(), y = fx_data();
	uint8_t *log = pa_to_dm(fx_data());
	long id = nk_region_declare_impl(log, PAGE_SIZE, NK_POLICY_APPEND_ONLY);
	assert_true(id >= 0);
	struct nk_op ops[] = {
	    declare(x, 1),
	    write_pte(u.l2, 1, pte_make(x, FX_USER_TABLE)),
	    write_pte(x, 0, user_rw(y)),
	    write_pte(u.l1, 0, user_rw(y)),
	    write(id, log, "record", 6, 1),
	    write_pte(u.l2, 0, 0),
	    removal(u.l1),
	    load_cr3(u.l4),
	    write_pte(x, 1, pte_make(u.l1, FX_USER_RW)), /* u.l1 is DATA by now: fine */
	    write_pte(x, 2, pte_make(x, FX_USER_RW)),	 /* x is a PTP: refused */
	    write_pte(x, 3, user_rw(y)),
	};
	MC_REFUSED(9, NK_EPROT, ops, N(ops));
	assert_int_equal(nk_view_store.regions[id].used, 0);
	fx_ok(nk_multicall_impl(ops, 9, RIP)); /* the ops before it are fine */
	assert_int_equal(nk_view_store.regions[id].used, 6);
	fx_check_ok();
}

TEST(every_operation_kind_can_fail_mid_list)
{
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t x = fx_data();
	struct nk_op first = write_pte(u.l1, 0, user_rw(x));
	const struct {
		struct nk_op op;
		enum nk_err err;
	} bad[] = {
	    {declare(x, 1), NK_EWRITABLE},
	    {declare(fx_data(), 5), NK_ELEVEL},
	    {removal(u.l2), NK_EINUSE},
	    {removal(x), NK_ETYPE},
	    {write_pte(u.l1, 512, 0), NK_EINDEX},
	    {write_pte(u.l4, 300, 0), NK_EKERNHALF},
	    {load_cr3(u.l1), NK_ETYPE},
	    {write(-1, NULL, "x", 1, 0), NK_EREGION},
	    {{.kind = 0}, NK_EOP},
	    {{.kind = NK_OP_MAX}, NK_EOP},
	};
	for (unsigned i = 0; i < N(bad); i++) {
		struct nk_op ops[] = {first, first, bad[i].op, first};
		MC_REFUSED(2, bad[i].err, ops, N(ops));
	}
}

/* ---- the list itself ---- */

TEST(list_preconditions)
{
	static struct nk_op many[NK_MC_MAX + 1];
	paddr_t l1 = fx_ptp(1);
	for (unsigned i = 0; i <= NK_MC_MAX; i++)
		many[i] = write_pte(l1, i % PTES_PER_PTP, 0);
	MC_REFUSED(0, NK_EBATCH, NULL, 1);
	MC_REFUSED(0, NK_EBATCH, many, 0);
	MC_REFUSED(0, NK_EBATCH, many, NK_MC_MAX + 1);
	fake_cpu.unreadable = true;
	MC_REFUSED(0, NK_EFAULT, many, 1);
	fake_cpu.unreadable = false;
	fx_ok(nk_multicall_impl(many, NK_MC_MAX, RIP));
}

/* More write bytes than NK_MC_DATA_BYTES: the ops before fit. */
TEST(writes_past_the_data_buffer_are_refused_at_the_first_that_does_not_fit)
{
	uint8_t *a = pa_to_dm(fx_data());
	long id = nk_region_declare_impl(a, PAGE_SIZE, NK_POLICY_WRITE_LOG);
	static uint8_t src[NK_MC_DATA_BYTES];
	struct nk_op ops[] = {write(id, a, src, NK_MC_DATA_BYTES - 8, 0), write(id, a, src, 8, 0),
			      write(id, a, src, 1, 0)};
	MC_REFUSED(2, NK_EMCFULL, ops, N(ops));
	fx_ok(nk_multicall_impl(ops, 2, RIP));
}

/* A list whose shadow needs more PTP write tables than nk has (each write
 * drops a writable mapping of the frame the list then declares, a counter
 * the declare checks): refused at the write that needed one more, and the
 * ops before it succeed alone. */
TEST(a_list_too_big_for_the_shadow_names_where_to_split)
{
	static struct nk_op ops[NK_MC_PTPS + 2];
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t d = fx_data();
	for (unsigned i = 0; i <= NK_MC_PTPS; i++) {
		paddr_t l1 = fx_ptp(1);
		fx_ok(nk_write_pte_impl(l1, 0, user_rw(d)));
		ops[i] = write_pte(l1, 0, 0);
	}
	ops[NK_MC_PTPS + 1] = declare(d, 1);
	MC_REFUSED(NK_MC_PTPS, NK_EMCFULL, ops, NK_MC_PTPS + 2);
	fx_ok(nk_multicall_impl(ops, NK_MC_PTPS, RIP));
	fx_ok(nk_multicall_impl(&ops[NK_MC_PTPS], 2, RIP));
	fx_check_ok();
}

/* Writes whose entries hold no counter a later operation checks need no
 * write table (the shadow's fast path): many more PTPs than nk has tables
 * for in one list, then a declare; and a later write to the same index
 * that drops a writable mapping of the declared frame is still counted. */
TEST(writes_that_hold_no_checked_counter_need_no_write_table)
{
	static struct nk_op ops[NK_MC_PTPS + 4];
	struct fx_user_as u;
	fx_user_as(&u);
	paddr_t d = fx_data(), l1 = u.l1;
	for (unsigned i = 0; i <= NK_MC_PTPS; i++)
		ops[i] = write_pte(fx_ptp(1), 0, user_rw(fx_data()));
	fx_ok(nk_write_pte_impl(l1, 7, user_rw(d)));
	ops[NK_MC_PTPS + 1] = write_pte(l1, 7, pte_make(d, PTE_P | PTE_U | PTE_NX));
	ops[NK_MC_PTPS + 2] = write_pte(l1, 7, user_rw(d));
	ops[NK_MC_PTPS + 3] = declare(d, 1);
	MC_REFUSED(NK_MC_PTPS + 3, NK_EWRITABLE, ops, NK_MC_PTPS + 4);
	ops[NK_MC_PTPS + 2] = write_pte(l1, 7, 0);
	fx_ok(nk_multicall_impl(ops, NK_MC_PTPS + 4, RIP));
	assert_int_equal(fx_frame(d)->type, NK_F_PTP1);
	fx_check_ok();
}

/* ---- copy-in: what is checked is what is performed ---- */

static struct nk_op *toctou_list;
static const uint8_t *toctou_src;
static paddr_t toctou_evil;

/* Called at the copy-in of the list's last write: by then the list and
 * the first write's bytes were copied; change both in outer memory. */
static void change_outer_memory(const void *p, size_t len)
{
	(void)len;
	if (p != toctou_src)
		return;
	toctou_list[0].b = pte_make(toctou_evil, FX_USER_RW); /* a PTP, writable */
	memcpy((uint8_t *)toctou_list[1].c, "EVIL", 4);
}

TEST(the_list_and_the_write_bytes_are_copied_before_decode)
{
	struct fx_user_as u;
	fx_user_as(&u);
	uint8_t *a = pa_to_dm(fx_data());
	long id = nk_region_declare_impl(a, PAGE_SIZE, NK_POLICY_APPEND_ONLY);
	static uint8_t first[4] = "good", second[4] = "more";
	paddr_t d = fx_data();
	static struct nk_op ops[3];
	ops[0] = write_pte(u.l1, 0, user_rw(d));
	ops[1] = write(id, a, first, 4, 0);
	ops[2] = write(id, a + 4, second, 4, 0);
	toctou_list = ops;
	toctou_src = second;
	toctou_evil = u.l1;
	fake_cpu.on_readable = change_outer_memory;
	fx_ok(nk_multicall_impl(ops, 3, RIP));
	fake_cpu.on_readable = NULL;
	assert_int_equal(fx_entries(u.l1)[0], user_rw(d));
	assert_memory_equal(arch_pa_va(dm_to_pa(a)), "goodmore", 8);
	fx_check_ok();
}

/* ---- region writes ---- */

TEST(append_only_writes_in_one_list_see_each_other)
{
	uint8_t *a = pa_to_dm(fx_data());
	long id = nk_region_declare_impl(a, PAGE_SIZE, NK_POLICY_APPEND_ONLY);
	struct nk_op ops[] = {write(id, a, "0123", 4, 0), write(id, a + 4, "4567", 4, 0)};
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(nk_view_store.regions[id].used, 8);
	struct nk_op again[] = {write(id, a + 8, "89", 2, 0), write(id, a + 8, "xx", 2, 0)};
	MC_REFUSED(1, NK_EREWRITE, again, N(again));
	struct nk_op gap[] = {write(id, a + 8, "89", 2, 0), write(id, a + 11, "xx", 2, 0)};
	MC_REFUSED(1, NK_EGAP, gap, N(gap));
	assert_int_equal(nk_view_store.regions[id].used, 8);
}

TEST(write_once_takes_one_write_per_list)
{
	uint8_t *a = pa_to_dm(fx_data());
	long id = nk_region_declare_impl(a, PAGE_SIZE, NK_POLICY_WRITE_ONCE);
	struct nk_op ops[] = {write(id, a, "ab", 2, 0), write(id, a + 2, "cd", 2, 0)};
	MC_REFUSED(1, NK_EDUP, ops, N(ops));
	fx_ok(nk_multicall_impl(ops, 1, RIP));
	struct nk_op twice[] = {write(id, a, "ab", 2, 0)};
	MC_REFUSED(0, NK_EWRITTEN, twice, 1);
}

TEST(the_write_log_records_the_gates_caller_and_the_outer_tag)
{
	uint8_t *a = pa_to_dm(fx_data());
	long id = nk_region_declare_impl(a, PAGE_SIZE, NK_POLICY_WRITE_LOG);
	uint64_t seq = nk_view_store.log_records + 1;
	struct nk_op ops[] = {write(id, a, "uid0", 4, 0x1111), write(id, a + 8, "next", 4, 0x2222)};
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	fx_ok(nk_write_impl(id, a + 16, "solo", 4, 0x3333));
	struct nk_log_rec rec[3];
	assert_int_equal(nk_log_read(id, seq, rec, 3), 3);
	assert_int_equal(rec[0].rip, RIP);
	assert_int_equal(rec[0].tag, 0x1111);
	assert_int_equal(rec[0].flags, NK_LOG_TAGGED);
	assert_int_equal(rec[1].rip, RIP);
	assert_int_equal(rec[1].tag, 0x2222);
	assert_memory_equal(rec[1].new, "next", 4);
	assert_int_equal(rec[2].rip, 0x3333); /* a single nk_write: no tag */
	assert_int_equal(rec[2].flags, 0);
	assert_int_equal(nk_view_store.regions[id].writes, 3);
}

TEST(a_refused_write_counts_on_its_region)
{
	uint8_t *a = pa_to_dm(fx_data());
	long id = nk_region_declare_impl(a, PAGE_SIZE, NK_POLICY_NO_WRITE);
	fx_ok(nk_region_seal_impl(id));
	struct nk_op ops[] = {write_pte(fx_ptp(1), 0, 0), write(id, a, "x", 1, 0)};
	fx_snap();
	long r = nk_multicall_impl(ops, N(ops), RIP);
	assert_int_equal(nk_mc_index(r), 1);
	assert_int_equal(nk_mc_error(r), NK_ESEALED);
	assert_int_equal(nk_view_store.regions[id].refused, 1);
}

/* ---- the TLB ---- */

TEST(one_flush_for_the_whole_list)
{
	struct fx_user_as u;
	fx_user_as(&u);
	for (unsigned i = 0; i < 4; i++)
		fx_ok(nk_write_pte_impl(u.l1, i, user_rw(fx_data())));
	struct nk_op ops[] = {write_pte(u.l1, 0, 0), write_pte(u.l1, 1, 0), write_pte(u.l1, 2, 0),
			      write_pte(u.l1, 3, 0)};
	uint64_t f = fake_cpu.flush_tlb_calls;
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(fake_cpu.flush_tlb_calls, f + 1);
	fx_ok(nk_multicall_impl(ops, N(ops), RIP)); /* removes no right */
	assert_int_equal(fake_cpu.flush_tlb_calls, f + 1);
	assert_int_equal(nk_view_store.stats.mc_ops[NK_OP_WRITE_PTE], 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FX_TEST(declare_link_and_fill_in_one_list),
	    FX_TEST(a_link_to_a_ptp_declared_later_is_refused),
	    FX_TEST(remove_after_the_write_that_unlinks_it),
	    FX_TEST(a_slot_written_twice_counts_its_last_value),
	    FX_TEST(remove_counts_entries_written_earlier_in_the_list),
	    FX_TEST(a_frame_mapped_writable_earlier_in_the_list_cannot_become_a_ptp),
	    FX_TEST(declared_ptps_cannot_be_mapped_writable_in_the_same_list),
	    FX_TEST(huge_leaves_and_declares_see_each_other),
	    FX_TEST(load_cr3_then_remove_the_old_l4),
	    FX_TEST(remove_then_declare_again_at_another_level),
	    FX_TEST(a_tree_removed_top_down_with_hints),
	    FX_TEST(a_missing_or_wrong_hint_names_where_to_split),
	    FX_TEST(a_refusal_at_op_k_applies_nothing_before_it),
	    FX_TEST(every_operation_kind_can_fail_mid_list),
	    FX_TEST(list_preconditions),
	    FX_TEST(writes_past_the_data_buffer_are_refused_at_the_first_that_does_not_fit),
	    FX_TEST(a_list_too_big_for_the_shadow_names_where_to_split),
	    FX_TEST(writes_that_hold_no_checked_counter_need_no_write_table),
	    FX_TEST(the_list_and_the_write_bytes_are_copied_before_decode),
	    FX_TEST(append_only_writes_in_one_list_see_each_other),
	    FX_TEST(write_once_takes_one_write_per_list),
	    FX_TEST(the_write_log_records_the_gates_caller_and_the_outer_tag),
	    FX_TEST(a_refused_write_counts_on_its_region),
	    FX_TEST(one_flush_for_the_whole_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
