/* The host test machine: nk's frame table over fake physical memory (16 MiB),
 * a master L4 with nk's own pinned kernel tables, an outer-extendable heap L3,
 * a direct map, and CPU state as nk/boot.c leaves it. Every test starts from
 * fx_setup's fresh machine.
 *
 * Frame layout (2 MiB region = 512 frames):
 *   region 0:  0..255 HOLE; 256..319 NK (300..304 are nk's pinned tables and
 *              the heap L3); 320..383 CODE; 384..447 PROTECTED; 448..511 DATA
 *   regions 1-6: 512..3583 DATA, handed out by fx_data()
 *   region 7:  3584..4095 DATA, never handed out (for 2 MiB leaves) */
#ifndef NK_TESTS_FIXTURE_H
#define NK_TESTS_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_arch.h"

#define FX_NK_FIRST 256u
#define FX_MASTER_L4 300u /* PTP4, pinned */
#define FX_KERN_L3 301u	  /* PTP3, pinned, kernel half: master[511] */
#define FX_KERN_L2 302u	  /* PTP2, pinned, kernel half: KERN_L3[510] */
#define FX_KERN_L1 303u	  /* PTP1, pinned, kernel half: KERN_L2[0] maps the image */
#define FX_HEAP_L3 304u	  /* PTP3, kernel half, not pinned: master[384] */
#define FX_CODE_FIRST 320u
#define FX_PROT_FIRST 384u
#define FX_MIXED_DATA 448u /* a DATA frame in region 0 (which has non-DATA) */
#define FX_DATA_FIRST 512u
#define FX_HUGE_FIRST 3584u /* region 7: all DATA */
#define FX_HOLE 16u	    /* a HOLE frame */

#define FX_PHYS_LIMIT (1ull << 40)

/* Entry flags the tests use. */
#define FX_USER_TABLE (PTE_P | PTE_W | PTE_U) /* non-leaf, user half */
#define FX_KERN_TABLE (PTE_P | PTE_W)	      /* non-leaf, kernel half */
#define FX_KERN_RW (PTE_P | PTE_W | PTE_NX)   /* kernel data page */
#define FX_KERN_RO (PTE_P | PTE_NX)
#define FX_USER_RW (PTE_P | PTE_W | PTE_U | PTE_NX)

/* fx_setup / fx_teardown: cmocka group/test fixtures building (resetting)
 * the machine described above. Always return 0. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* fx_pa: the physical address of frame pfn. */
paddr_t fx_pa(uint64_t pfn);

/* fx_data: a fresh DATA frame from regions 1-6 (never the same twice in a
 * test). */
paddr_t fx_data(void);

/* fx_ptp: a fresh frame declared as a PTP of `level` (nk_declare_ptp
 * argument, may include NK_PTP_KERNEL); fails the test if refused. */
paddr_t fx_ptp(unsigned level);

/* fx_entries: the 512 entries of the frame at pa in fake memory. */
pte_t *fx_entries(paddr_t pa);

/* fx_frame: nk's descriptor of the frame at pa. */
struct nk_frame *fx_frame(paddr_t pa);

/* A user-half chain: l4[0] -> l3, l3[0] -> l2, l2[0] -> l1 (all through
 * nk calls), so l1 maps user VA 0..2 MiB. */
struct fx_user_as {
	paddr_t l4, l3, l2, l1;
};
void fx_user_as(struct fx_user_as *as);

/* A kernel-half chain under the heap L3: HEAP_L3[0] -> l2, l2[0] -> l1. */
struct fx_kern_as {
	paddr_t l2, l1;
};
void fx_kern_as(struct fx_kern_as *as);

/* TEST: define a cmocka test; FX_TEST: list it with the fixture. */
#define TEST(name) static void name(void **state NK_UNUSED)
#define FX_TEST(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

/* fx_ok: assert that an nk call returned 0. */
#define fx_ok(call) assert_int_equal((call), 0)

/* fx_snap: remember the whole machine state (frame table, fake memory,
 * nk and view state, fake CPU). */
void fx_snap(void);

/* fx_assert_unchanged: assert that since fx_snap exactly one call was made,
 * refused with -err (stats.refusals[err] grew by 1), and nothing else
 * changed. */
void fx_assert_unchanged(enum nk_err err);

/* ASSERT_REFUSED: `call` returns -err and changes nothing but the stats. */
#define ASSERT_REFUSED(err, call)                                                                  \
	do {                                                                                       \
		fx_snap();                                                                         \
		long r_ = (call);                                                                  \
		if (r_ != -(long)(err))                                                            \
			fail_msg("%s returned %ld (%s), want -%s", #call, r_, nk_strerror(r_),     \
				 nk_strerror(err));                                                \
		fx_assert_unchanged(err);                                                          \
	} while (0)

/* fx_check_ok: assert nk_check_invariants_impl passes; on failure print
 * the checker's first message. */
void fx_check_ok(void);

/* fake_last_log: the last line nk printed (nk_printf), NUL terminated
 * (tests/host/fake_nk.c). */
extern char fake_last_log[256];

/* fx_mc1: send op alone through nk_multicall_impl (caller rip), counting
 * the call as the single call `single` would be counted (stats.calls);
 * returns 0 or -err, as the single call does. */
long fx_mc1(struct nk_op op, enum nk_call single, uint64_t rip);

/* FX_VIA_MULTICALL (defined by tests/host/test_mc_*.c before including a
 * single-call test file): every single vMMU call and nk_write of that
 * file's tests goes through nk_multicall as a one-operation list. */
#ifdef FX_VIA_MULTICALL
#define nk_declare_ptp_impl(f, l)                                                                  \
	fx_mc1((struct nk_op){.kind = NK_OP_DECLARE_PTP, .a = pa_addr(f), .arg = (l)},             \
	       NK_CALL_DECLARE_PTP, 0)
#define nk_remove_ptp_impl(f)                                                                      \
	fx_mc1((struct nk_op){.kind = NK_OP_REMOVE_PTP, .a = pa_addr(f)}, NK_CALL_REMOVE_PTP, 0)
#define nk_write_pte_impl(p, i, e)                                                                 \
	fx_mc1((struct nk_op){.kind = NK_OP_WRITE_PTE, .a = pa_addr(p), .arg = (i), .b = (e)},     \
	       NK_CALL_WRITE_PTE, 0)
#define nk_load_cr3_impl(l4)                                                                       \
	fx_mc1((struct nk_op){.kind = NK_OP_LOAD_CR3, .a = pa_addr(l4)}, NK_CALL_LOAD_CR3, 0)
#define nk_write_impl(id, dst, src, len, rip)                                                      \
	fx_mc1((struct nk_op){.kind = NK_OP_WRITE,                                                 \
			      .a = (uint64_t)(id),                                                 \
			      .b = (uint64_t)(dst),                                                \
			      .c = (uint64_t)(src),                                                \
			      .arg = (uint32_t)(len)},                                             \
	       NK_CALL_WRITE, (rip))
#endif

#endif
