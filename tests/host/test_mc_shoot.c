/* Host tests of the TLB-shootdown order inside nk_multicall on two CPUs
 * (nk/multicall.c nk_mc_declare_early, nk/vmmu.c perform_declare and
 * perform_remove_known). CPU 1 is a stand-in run by the fake's
 * arch_pause, which nk_shoot calls while it waits for acknowledgements: it
 * acknowledges each request and records, at that moment, the type of a
 * watched frame and one entry of a watched PTP. A flush CPU 1 made while
 * the entry already read revoked and the frame still had its old type is
 * the order I10 asks for (the revocation gone from every TLB before the
 * retype relies on it); the other order is XSA-401's. Also the kept
 * frames of NK_RM_KEEP (include/nk/vmmu.h): declared again without one.
 * Source: spec I10; issue 17 section 3 (retypes wait for the shootdown;
 * batches shoot down once). */
#include "fixture.h"

#define RIP 0xffffffff81234567ull

#define SEEN_MAX 8

/* What CPU 1 saw at each flush. */
static struct {
	paddr_t watch, ptp;
	unsigned index;
	unsigned n;
	uint8_t type[SEEN_MAX];
	pte_t entry[SEEN_MAX];
} cpu1;

static void cpu1_poll(void)
{
	struct nk_cpu *p = &nk_pcpu[1];
	if (p->shoot_req == p->shoot_ack)
		return;
	if (cpu1.n < SEEN_MAX) {
		cpu1.type[cpu1.n] = fx_frame(cpu1.watch)->type;
		cpu1.entry[cpu1.n] = fx_entries(cpu1.ptp)[cpu1.index];
		cpu1.n++;
	}
	p->shoot_ack = p->shoot_req;
}

/* CPU 1 online (after nk_smp_release: shootdowns on), with l4 loaded;
 * CPU 1's flushes record frame watch and entry index of ptp. */
static void two_cpus(paddr_t l4, paddr_t watch, paddr_t ptp, unsigned index)
{
	nk.ncpus = 2;
	nk.shoot_on = true;
	nk.shoot_root = NK_ROOT_NONE;
	nk_pcpu[1] = (struct nk_cpu){.index = 1, .state = NK_CPU_RUNNING};
	nk.cur_cr3[1] = l4;
	memset(&cpu1, 0, sizeof(cpu1));
	cpu1.watch = watch;
	cpu1.ptp = ptp;
	cpu1.index = index;
	fake_cpu.on_pause = cpu1_poll;
}

static int two_cpus_teardown(void **state)
{
	fake_cpu.on_pause = NULL;
	nk_pcpu[1] = (struct nk_cpu){0};
	return fx_teardown(state);
}

#define SHOOT_TEST(name) cmocka_unit_test_setup_teardown(name, fx_setup, two_cpus_teardown)

/* Whether one of CPU 1's flushes saw the entry revoked (0) while the
 * frame was still of type t. */
static bool flushed_between(uint8_t t)
{
	for (unsigned i = 0; i < cpu1.n; i++)
		if (cpu1.entry[i] == 0 && cpu1.type[i] == t)
			return true;
	return false;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One multicall: unlink as's L1 from its L2, then remove it, with c
 * (NK_RM_KEEP or 0). */
static long unlink_and_remove(const struct fx_user_as *as, uint64_t c)
{
	struct nk_op ops[] = {
	    {.kind = NK_OP_WRITE_PTE, .a = pa_addr(as->l2), .arg = 0, .b = 0},
	    {.kind = NK_OP_REMOVE_PTP, .a = pa_addr(as->l1), .c = c},
	};
	return nk_multicall_impl(ops, N(ops), RIP);
}

TEST(declares_in_one_list_shoot_down_once)
{
	struct fx_user_as as;
	fx_user_as(&as);
	paddr_t f[3] = {fx_data(), fx_data(), fx_data()};
	two_cpus(fx_pa(FX_MASTER_L4), f[0], as.l1, 0);
	struct nk_op ops[] = {
	    {.kind = NK_OP_DECLARE_PTP, .a = pa_addr(f[0]), .arg = 1},
	    {.kind = NK_OP_DECLARE_PTP, .a = pa_addr(f[1]), .arg = 1},
	    {.kind = NK_OP_DECLARE_PTP, .a = pa_addr(f[2]), .arg = 2},
	};
	uint64_t shoots0 = nk_view->stats.shootdowns;
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_int_equal(nk_view->stats.shootdowns - shoots0, 1);
	assert_int_equal(cpu1.n, 1);
	assert_int_equal(cpu1.type[0], NK_F_DATA); /* before the retype */
	for (int i = 0; i < 3; i++) {
		assert_false(nk.dm_ptes[pa_pfn(f[i])] & PTE_W);
		assert_int_equal(fx_frame(f[i])->type, i < 2 ? NK_F_PTP1 : NK_F_PTP2);
	}
	fx_check_ok();
}

TEST(a_revocation_before_a_declare_is_shot_down_before_the_retype)
{
	struct fx_user_as as;
	fx_user_as(&as);
	paddr_t f = fx_data();
	fx_ok(nk_write_pte_impl(as.l1, 7, pte_make(f, FX_USER_RW)));
	two_cpus(as.l4, f, as.l1, 7);
	/* the early shootdown comes before the list's first operation, so
	 * the revocation (operation 0) needs one of its own */
	struct nk_op ops[] = {
	    {.kind = NK_OP_WRITE_PTE, .a = pa_addr(as.l1), .arg = 7, .b = 0},
	    {.kind = NK_OP_DECLARE_PTP, .a = pa_addr(f), .arg = 1},
	};
	uint64_t shoots0 = nk_view->stats.shootdowns;
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	assert_true(flushed_between(NK_F_DATA));
	assert_int_equal(nk_view->stats.shootdowns - shoots0, 2);
	assert_int_equal(fx_frame(f)->type, NK_F_PTP1);
	fx_check_ok();
}

TEST(a_revocation_in_an_address_space_not_loaded_elsewhere_reaches_no_cpu)
{
	struct fx_user_as as;
	fx_user_as(&as);
	paddr_t f = fx_data(), g = fx_data();
	fx_ok(nk_write_pte_impl(as.l1, 7, pte_make(f, FX_USER_RW)));
	two_cpus(fx_pa(FX_MASTER_L4), f, as.l1, 7); /* CPU 1 runs another L4 */
	struct nk_op ops[] = {
	    {.kind = NK_OP_DECLARE_PTP, .a = pa_addr(g), .arg = 1},
	    {.kind = NK_OP_WRITE_PTE, .a = pa_addr(as.l1), .arg = 7, .b = 0},
	};
	uint64_t shoots0 = nk_view->stats.shootdowns;
	fx_ok(nk_multicall_impl(ops, N(ops), RIP));
	/* g's direct-map alias (every CPU) once; the user-half revocation
	 * only to CPUs with as.l4 loaded: none */
	assert_int_equal(nk_view->stats.shootdowns - shoots0, 1);
	assert_int_equal(cpu1.n, 1);
	fx_check_ok();
}

TEST(a_remove_after_its_unlink_is_shot_down_before_the_frame_is_data)
{
	struct fx_user_as as;
	fx_user_as(&as);
	two_cpus(as.l4, as.l1, as.l2, 0);
	uint64_t shoots0 = nk_view->stats.shootdowns;
	fx_ok(unlink_and_remove(&as, 0));
	/* CPU 1's paging-structure caches may point at the L1 until it
	 * flushes: that happens while the frame is still a PTP */
	assert_true(flushed_between(NK_F_PTP1));
	assert_int_equal(nk_view->stats.shootdowns - shoots0, 1);
	assert_int_equal(fx_frame(as.l1)->type, NK_F_DATA);
	assert_true(nk.dm_ptes[pa_pfn(as.l1)] & PTE_W);
	fx_check_ok();
}

TEST(a_kept_frame_is_declared_again_without_a_shootdown)
{
	struct fx_user_as as;
	fx_user_as(&as);
	two_cpus(as.l4, as.l1, as.l2, 0);
	fx_ok(unlink_and_remove(&as, NK_RM_KEEP));
	/* DATA, but read-only in the direct map still: the checker agrees */
	assert_int_equal(fx_frame(as.l1)->type, NK_F_DATA);
	assert_int_equal(fx_frame(as.l1)->flags, NK_FF_DMRO);
	assert_false(nk.dm_ptes[pa_pfn(as.l1)] & PTE_W);
	fx_check_ok();
	/* declared again (with another, ordinary frame): one shootdown for
	 * the ordinary frame's alias, none for the kept one */
	uint64_t shoots0 = nk_view->stats.shootdowns;
	struct nk_op kept[] = {{.kind = NK_OP_DECLARE_PTP, .a = pa_addr(as.l1), .arg = 1}};
	fx_ok(nk_multicall_impl(kept, N(kept), RIP));
	assert_int_equal(nk_view->stats.shootdowns - shoots0, 0);
	assert_int_equal(fx_frame(as.l1)->type, NK_F_PTP1);
	assert_int_equal(fx_frame(as.l1)->flags, 0);
	paddr_t g = fx_data();
	struct nk_op plain[] = {{.kind = NK_OP_DECLARE_PTP, .a = pa_addr(g), .arg = 1}};
	fx_ok(nk_multicall_impl(plain, N(plain), RIP));
	assert_int_equal(nk_view->stats.shootdowns - shoots0, 1);
	fx_check_ok();
}

TEST(a_kept_frame_is_writable_again_once_declared_and_removed_plainly)
{
	struct fx_user_as as;
	fx_user_as(&as);
	fx_ok(unlink_and_remove(&as, NK_RM_KEEP | 0x100)); /* c's other bits are ignored */
	assert_int_equal(fx_frame(as.l1)->flags, NK_FF_DMRO);
	fx_ok(nk_declare_ptp_impl(as.l1, 1));
	fx_ok(nk_remove_ptp_impl(as.l1));
	assert_int_equal(fx_frame(as.l1)->type, NK_F_DATA);
	assert_int_equal(fx_frame(as.l1)->flags, 0);
	assert_true(nk.dm_ptes[pa_pfn(as.l1)] & PTE_W);
	fx_check_ok();
}

TEST(the_checker_catches_a_writable_alias_of_a_kept_frame)
{
	struct fx_user_as as;
	fx_user_as(&as);
	fx_ok(unlink_and_remove(&as, NK_RM_KEEP));
	nk.dm_ptes[pa_pfn(as.l1)] |= PTE_W; /* what a bug in nk would leave */
	assert_int_not_equal(nk_check_invariants_impl(), 0);
	nk.dm_ptes[pa_pfn(as.l1)] &= ~PTE_W;
	fx_check_ok();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SHOOT_TEST(declares_in_one_list_shoot_down_once),
	    SHOOT_TEST(a_revocation_before_a_declare_is_shot_down_before_the_retype),
	    SHOOT_TEST(a_revocation_in_an_address_space_not_loaded_elsewhere_reaches_no_cpu),
	    SHOOT_TEST(a_remove_after_its_unlink_is_shot_down_before_the_frame_is_data),
	    SHOOT_TEST(a_kept_frame_is_declared_again_without_a_shootdown),
	    SHOOT_TEST(a_kept_frame_is_writable_again_once_declared_and_removed_plainly),
	    SHOOT_TEST(the_checker_catches_a_writable_alias_of_a_kept_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
