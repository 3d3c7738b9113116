/* Races between two CPUs calling nk at once (issue 17, section 6), run
 * with smp_call_pair (outer/smp.c): CPU 0 and CPU 1 in nk's gates at the
 * same time, neither holding the outer kernel's lock.
 *   race_map_declare: CPU 1 maps frame F writable and unmaps it while CPU
 *     0 declares F a PTP and removes it again. Each round exactly one
 *     side may win; F never is a PTP with a writable mapping.
 *   race_stale_tlb: CPU 1 keeps writing F through its direct-map alias
 *     while CPU 0 declares F a PTP; once the declare has returned, no
 *     write of CPU 1's may succeed (its TLB was shot down) and the PTP
 *     reads back zeroed.
 *   race_stale_mc: the same with an outer mapping of F that a multicall
 *     revokes just before it declares F (and carries on after).
 *   race_batches: both CPUs write batches into the same L1 at once.
 * After each round the invariant checker and the walker's recount of the
 * frame table (mmu_walk_check) run. The console's `stress SECONDS` runs
 * the four until the time is up (make stress).
 * Every loop that spins with interrupts off polls nk's shootdown mailbox
 * (smp_spin_poll), as outer code must (include/nk/vmmu.h nk_smp_poll).
 * Source: spec I1, I2, I10; issue 17 section 6; XSA-401. */
#include <outer/kernel.h>
#include <outer/console.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/smp.h>
#include <outer/trap.h>
#include <nk/vmmu.h>
#include "ktest.h"

#define USER_TABLE (PTE_P | PTE_W | PTE_U)
#define USER_RW (PTE_P | PTE_W | PTE_U | PTE_NX)

/* A private user-half chain L4 -> L3 -> L2 -> L1 (loaded by no CPU), and
 * the frames the races use. */
struct chain {
	paddr_t l4, l3, l2, l1;
};

static long chain_make(struct chain *c)
{
	paddr_t f[4];
	for (int i = 0; i < 4; i++)
		if (!pa_addr(f[i] = frame_alloc()))
			return -1;
	c->l4 = f[0], c->l3 = f[1], c->l2 = f[2], c->l1 = f[3];
	long r = nk_declare_ptp(c->l4, 4);
	r = r ?: nk_declare_ptp(c->l3, 3);
	r = r ?: nk_declare_ptp(c->l2, 2);
	r = r ?: nk_declare_ptp(c->l1, 1);
	r = r ?: nk_write_pte(c->l4, 1, pte_make(c->l3, USER_TABLE));
	r = r ?: nk_write_pte(c->l3, 0, pte_make(c->l2, USER_TABLE));
	r = r ?: nk_write_pte(c->l2, 0, pte_make(c->l1, USER_TABLE));
	return r;
}

static void chain_free(struct chain *c)
{
	nk_write_pte(c->l2, 0, 0);
	nk_write_pte(c->l3, 0, 0);
	nk_write_pte(c->l4, 1, 0);
	paddr_t f[4] = {c->l1, c->l2, c->l3, c->l4};
	for (int i = 0; i < 4; i++) {
		nk_remove_ptp(f[i]);
		frame_free(f[i]);
	}
}

/* The invariants after a round: nk's checker and the walker's recount. */
static bool round_ok(const char *race, unsigned long round)
{
	const char *what = NULL;
	uint64_t pfn = 0;
	if (nk_check_invariants() != 0) {
		kprintf("    # %s round %lu: %s\n", race, round, nk_view->check.first_msg);
		return false;
	}
	if (mmu_walk_check(&what, &pfn)) {
		kprintf("    # %s round %lu: walker: %s (pfn %lx)\n", race, round, what, pfn);
		return false;
	}
	return true;
}

/* ---- race 1: map writable against declare ---- */

struct map_declare {
	struct chain c;
	paddr_t f;
	unsigned rounds;
	volatile unsigned started;
	unsigned long maps, map_refused, declares, declare_refused, odd;
};

static void mapper(void *arg)
{
	struct map_declare *s = arg;
	s->started = 1;
	for (unsigned i = 0; i < s->rounds; i++) {
		long r = nk_write_pte(s->c.l1, 7, pte_make(s->f, USER_RW));
		if (r == 0) {
			s->maps++;
			if (nk_write_pte(s->c.l1, 7, 0))
				s->odd++;
		} else if (r == -NK_EPROT) {
			s->map_refused++; /* F was a PTP then */
		} else {
			s->odd++;
		}
		smp_spin_poll();
	}
}

static void declarer(void *arg)
{
	struct map_declare *s = arg;
	while (!s->started)
		smp_spin_poll();
	for (unsigned i = 0; i < s->rounds; i++) {
		long r = nk_declare_ptp(s->f, 1);
		if (r == 0) {
			s->declares++;
			if (nk_remove_ptp(s->f))
				s->odd++;
		} else if (r == -NK_EWRITABLE) {
			s->declare_refused++; /* F was mapped writable then */
		} else {
			s->odd++;
		}
		smp_spin_poll();
	}
}

static bool race_map_declare(unsigned rounds, unsigned long *done)
{
	struct map_declare s = {.rounds = rounds};
	if (chain_make(&s.c) || !pa_addr(s.f = frame_alloc()))
		return KT_EXPECT(0);
	long r = smp_call_pair(1, mapper, &s, 0, declarer, &s);
	bool ok = KT_EXPECT(r == 0) & KT_EXPECT(s.odd == 0);
	ok &= KT_EXPECT(s.maps + s.map_refused == rounds);
	ok &= KT_EXPECT(s.declares + s.declare_refused == rounds);
	const struct nk_frame *fr = &nk_view->frames[pa_pfn(s.f)];
	ok &= KT_EXPECT(fr->type == NK_F_DATA) & KT_EXPECT(fr->wcount == 0);
	ok &= round_ok("map_declare", *done);
	kprintf("    # map_declare: %u rounds: %lu maps (%lu refused), %lu declares (%lu "
		"refused)\n",
		rounds, s.maps, s.map_refused, s.declares, s.declare_refused);
	chain_free(&s.c);
	frame_free(s.f);
	*done += rounds;
	return ok;
}

/* ---- race 2: a stale writable TLB entry on the other CPU ---- */

/* CPU 1's writes in races 2 and 2b, and what they saw. */
struct stale_writes {
	volatile unsigned declared, done; /* set by CPU 0: the declare returned, its call ended */
	unsigned long writes, writes_after, faults;
	struct recovery rec;
};

/* CPU 1's side of races 2 and 2b: write through w until a write faults
 * (counted in faults, the fault in rec), until w has stayed writable for
 * 1000 writes after the declare (stale for good: no point going on), or
 * until CPU 0's call ended without declaring (done, refused). */
static void write_until_fault(volatile uint64_t *w, struct stale_writes *s)
{
	if (recover_arm(&s->rec) == 0) {
		for (uint64_t i = 1; i < (1ull << 32); i++) {
			unsigned after = s->declared;
			if (s->done && !after)
				break;
			w[i & 511] = i; /* faults once the mapping is read-only here */
			s->writes++;
			s->writes_after += after;
			if (after && s->writes_after > 1000)
				break;
			smp_spin_poll();
		}
		recover_disarm();
	} else {
		s->faults++;
	}
}

struct stale {
	paddr_t f;
	volatile uint64_t *alias; /* F through the direct map */
	volatile unsigned started;
	struct stale_writes wr;
};

static void stale_writer(void *arg)
{
	struct stale *s = arg;
	s->started = 1;
	write_until_fault(s->alias, &s->wr);
}

static void stale_declarer(void *arg)
{
	struct stale *s = arg;
	while (!s->started || s->wr.writes < 100)
		smp_spin_poll();
	if (nk_declare_ptp(s->f, 1) == 0)
		s->wr.declared = 1;
	s->wr.done = 1;
}

static bool race_stale_tlb(unsigned long *done)
{
	struct stale s = {.f = frame_alloc()};
	if (!pa_addr(s.f))
		return KT_EXPECT(0);
	s.alias = (volatile uint64_t *)pa_to_dm(s.f);
	long r = smp_call_pair(1, stale_writer, &s, SMP_CALL_BKL, stale_declarer, &s);
	bool ok = KT_EXPECT(r == 0) & KT_EXPECT(s.wr.declared) & KT_EXPECT(s.wr.faults == 1) &
		  KT_EXPECT(s.wr.writes_after == 0);
	/* the oracle: nk zeroed the PTP after the shootdown; a stale write
	 * after that would show here */
	bool zero = true;
	for (int i = 0; i < 512; i++)
		zero &= s.alias[i] == 0;
	ok &= KT_EXPECT(zero);
	ok &= KT_EXPECT(s.wr.rec.fault.vector == 14);
	ok &= KT_EXPECT(nk_remove_ptp(s.f) == 0);
	ok &= round_ok("stale_tlb", *done);
	frame_free(s.f);
	*done += 1;
	return ok;
}

/* ---- race 2b: the same through a multicall and an outer mapping ----
 * CPU 1 loads the chain's L4 and keeps writing F through a writable user
 * mapping of it (L1 entry 7) while CPU 0 sends one multicall: the write
 * that revokes that mapping, the declare of F (with a second frame G,
 * declared too: nk shoots both direct-map aliases down at once, before
 * the list's first operation), with MC_FILL other writes around them
 * that keep the multicall going before the revocation and after the
 * declares. The revocation is not covered by the declares' early
 * shootdown (it comes later in the list), so the declare must shoot it
 * down itself before F is a PTP (nk/vmmu.c perform_declare). Two oracles:
 *  - the order, deterministic, in a round where CPU 1 only looks: it
 *    reads its mailbox, then F's type, then (when asked to flush) the
 *    revoked entry before it flushes; F seen a PTP before any flush asked
 *    after the revocation is the XSA-401 order (nk_view's frame table is
 *    nk's own, read-only);
 *  - the effect, in a round where CPU 1 writes: after the multicall no
 *    write of CPU 1's succeeded, and F
 *    reads back as nk zeroed it (a stale write in the window would show;
 *    whether one lands there depends on the host's scheduling). */

#define MC_FILL 256
#define STALE_VA ((1ull << 39) + 7 * PAGE_SIZE) /* L4 1, L3 0, L2 0, L1 7 */

struct stale_mc {
	struct chain c;
	paddr_t f, g, fill;
	bool write; /* the effect oracle's round, else the order's */
	volatile unsigned started;
	struct stale_writes wr;
	unsigned long unordered, covered, unknown, acks;
	long mc;
};

/* One look of CPU 1's at the order (the first oracle above). It flushes
 * only for the request it read (nk_smp_poll, not smp_spin_poll, which
 * reads the mailbox again): a flush counts as after the revocation when
 * the entry read revoked before it; one that also took a newer request
 * leaves the order unknown, and the check is off for the round. F's
 * type counts only after the first flush, the declares' early shootdown
 * at the start of the perform: nk's decode writes the types it checks in
 * place and puts them back (nk/mc.h), so F reads a PTP for a while
 * before the perform too. */
static void stale_mc_observe(struct stale_mc *s)
{
	const struct nk_cpu *me = &nk_view->cpus[this_cpu()->index];
	uint64_t req = __atomic_load_n(&me->shoot_req, __ATOMIC_ACQUIRE);
	bool ptp =
	    __atomic_load_n(&nk_view->frames[pa_pfn(s->f)].type, __ATOMIC_ACQUIRE) == NK_F_PTP1;
	if (ptp && s->acks && !s->covered && !s->unknown)
		s->unordered++;
	if (req == me->shoot_ack)
		return;
	bool revoked = ((volatile const pte_t *)pa_to_dm(s->c.l1))[7] == 0;
	nk_smp_poll();
	s->acks++;
	if (revoked)
		s->covered++;
	else if (me->shoot_ack != req)
		s->unknown++;
}

static void stale_mc_writer(void *arg)
{
	struct stale_mc *s = arg;
	paddr_t cr3 = pa_init(read_cr3());
	if (nk_load_cr3(s->c.l4)) {
		s->started = 2; /* refused: the declarer gives up */
		return;
	}
	volatile uint64_t *w = (volatile uint64_t *)STALE_VA;
	s->started = 1;
	if (!s->write) {
		/* no write, no fault, no interrupt (nk's stub would flush for
		 * the IPI): every flush of this CPU's is one of these */
		uint64_t flags;
		__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
		while (!s->wr.done)
			stale_mc_observe(s);
		if (flags & 0x200)
			irq_enable();
	} else {
		__asm__ volatile("stac" ::: "memory", "cc"); /* a user page (SMAP) */
		write_until_fault(w, &s->wr);
		__asm__ volatile("clac" ::: "memory", "cc");
	}
	while (!s->wr.done)
		smp_spin_poll();
	nk_load_cr3(cr3);
}

static void stale_mc_declarer(void *arg)
{
	struct stale_mc *s = arg;
	while (!s->started || (s->started == 1 && s->write && s->wr.writes < 100))
		smp_spin_poll();
	if (s->started != 1)
		return;
	/* the fill before the revocation: CPU 1 caches the mapping again
	 * after the shootdown the declares' early pass sends */
	static struct nk_op ops[3 + MC_FILL];
	unsigned n = 0;
	for (unsigned i = 0; i < MC_FILL; i++) {
		if (i == MC_FILL / 2) {
			ops[n++] = (struct nk_op){
			    .kind = NK_OP_WRITE_PTE, .a = pa_addr(s->c.l1), .arg = 7};
			ops[n++] =
			    (struct nk_op){.kind = NK_OP_DECLARE_PTP, .a = pa_addr(s->f), .arg = 1};
			ops[n++] =
			    (struct nk_op){.kind = NK_OP_DECLARE_PTP, .a = pa_addr(s->g), .arg = 1};
		}
		ops[n++] = (struct nk_op){.kind = NK_OP_WRITE_PTE,
					  .a = pa_addr(s->c.l1),
					  .arg = 256 + i,
					  .b = pte_make(s->fill, PTE_P | PTE_U | PTE_NX)};
	}
	s->mc = nk_multicall(ops, n);
	if (s->mc == 0)
		s->wr.declared = 1;
	s->wr.done = 1;
}

static bool race_stale_mc(bool write, unsigned long *done)
{
	struct stale_mc s = {.write = write};
	if (chain_make(&s.c) || !pa_addr(s.f = frame_alloc()) || !pa_addr(s.g = frame_alloc()) ||
	    !pa_addr(s.fill = frame_alloc()))
		return KT_EXPECT(0);
	bool ok = KT_EXPECT(nk_write_pte(s.c.l1, 7, pte_make(s.f, USER_RW)) == 0);
	long r = smp_call_pair(1, stale_mc_writer, &s, SMP_CALL_BKL, stale_mc_declarer, &s);
	ok &= KT_EXPECT(r == 0) & KT_EXPECT(s.started == 1) & KT_EXPECT(s.mc == 0);
	ok &= KT_EXPECT(s.wr.declared);
	if (write)
		ok &= KT_EXPECT(s.wr.faults == 1) & KT_EXPECT(s.wr.writes_after == 0) &
		      KT_EXPECT(s.wr.rec.fault.vector == 14);
	else
		ok &= KT_EXPECT(s.unordered == 0) & KT_EXPECT(s.covered || s.unknown);
	if (s.unknown)
		kprintf("    # stale_mc round %lu: order unknown (one flush took two requests)\n",
			*done);
	/* the oracle: the PTP as nk zeroed it */
	const volatile uint64_t *t = (const volatile uint64_t *)pa_to_dm(s.f);
	bool zero = true;
	for (int i = 0; i < 512; i++)
		zero &= t[i] == 0;
	ok &= KT_EXPECT(zero);
	static struct nk_pte_write w[MC_FILL]; /* 6 KiB: not on the stack */
	for (unsigned i = 0; i < MC_FILL; i++)
		w[i] = (struct nk_pte_write){.ptp = s.c.l1, .index = 256 + i, .pte = 0};
	ok &= KT_EXPECT(nk_write_ptes(w, MC_FILL) == 0);
	ok &= KT_EXPECT(nk_remove_ptp(s.f) == 0) & KT_EXPECT(nk_remove_ptp(s.g) == 0);
	ok &= round_ok("stale_mc", *done);
	chain_free(&s.c);
	frame_free(s.f);
	frame_free(s.g);
	frame_free(s.fill);
	*done += 1;
	return ok;
}

/* ---- race 3: batches into the same L1 from both CPUs ---- */

#define BATCH 32

struct batches {
	struct chain c;
	paddr_t data[2][BATCH];
	unsigned rounds;
	volatile unsigned started;
	unsigned long odd;
};

static void batch_side(struct batches *s, int side)
{
	struct nk_pte_write w[BATCH];
	for (unsigned i = 0; i < s->rounds; i++) {
		for (int k = 0; k < BATCH; k++)
			w[k] = (struct nk_pte_write){
			    .ptp = s->c.l1,
			    .index = (unsigned)(side * 256 + k),
			    .pte = pte_make(s->data[side][(k + i) % BATCH], USER_RW)};
		if (nk_write_ptes(w, BATCH))
			s->odd++;
		for (int k = 0; k < BATCH; k++)
			w[k].pte = 0;
		if (nk_write_ptes(w, BATCH))
			s->odd++;
		smp_spin_poll();
	}
}

static void batch_remote(void *arg)
{
	struct batches *s = arg;
	s->started = 1;
	batch_side(s, 1);
}

static void batch_local(void *arg)
{
	struct batches *s = arg;
	while (!s->started)
		smp_spin_poll();
	batch_side(s, 0);
}

static bool race_batches(unsigned rounds, unsigned long *done)
{
	struct batches s = {.rounds = rounds};
	if (chain_make(&s.c))
		return KT_EXPECT(0);
	for (int side = 0; side < 2; side++)
		for (int k = 0; k < BATCH; k++)
			if (!pa_addr(s.data[side][k] = frame_alloc()))
				return KT_EXPECT(0);
	long r = smp_call_pair(1, batch_remote, &s, 0, batch_local, &s);
	bool ok = KT_EXPECT(r == 0) & KT_EXPECT(s.odd == 0);
	for (int side = 0; side < 2; side++)
		for (int k = 0; k < BATCH; k++) {
			ok &= KT_EXPECT(nk_view->frames[pa_pfn(s.data[side][k])].wcount == 0);
			frame_free(s.data[side][k]);
		}
	ok &= round_ok("batches", *done);
	chain_free(&s.c);
	*done += rounds;
	return ok;
}

/* Whether a second CPU runs the outer kernel (the races need one), nk
 * having brought up more than one (nk_view->ncpus): the first AP may still
 * be on its way into the outer kernel when the console starts, so it is
 * waited for, up to a second of PIT ticks. Without the wait a late AP made
 * the races pass without running. */
static bool two_cpus(void)
{
	if (nk_view->ncpus < 2)
		return false;
	irq_enable();
	for (uint64_t t = timer_ticks; smp_cpus_online() < 2 && timer_ticks < t + TIMER_HZ;)
		__asm__ volatile("hlt");
	return smp_cpus_online() >= 2;
}

static bool t_smp_races(void)
{
	if (nk_view->ncpus < 2) {
		kprintf("    # one CPU: the races need two (they run at -smp 2 and 4)\n");
		return true;
	}
	if (!two_cpus()) {
		kprintf("    # nk brought up %u CPUs, but no AP came online in the outer kernel\n",
			nk_view->ncpus);
		return KT_EXPECT(0);
	}
	unsigned long n = 0;
	bool ok = race_map_declare(1000, &n);
	ok &= race_stale_tlb(&n);
	ok &= race_stale_mc(false, &n);
	ok &= race_stale_mc(true, &n);
	ok &= race_batches(200, &n);
	return ok;
}

static const struct ktest smp_tests[] = {
    {"smp_races", true, t_smp_races},
};
const struct ktest_group ktest_smp_group = {smp_tests, ARRAY_SIZE(smp_tests)};

/* `stress SECONDS`: the four races in turn until SECONDS have passed
 * (make stress), the invariant checker after each round. Prints the
 * rounds and failures; returns 0 when none failed. */
static int cmd_stress(int argc, char **argv)
{
	unsigned long secs = 0;
	for (const char *d = argc > 1 ? argv[1] : "60"; *d >= '0' && *d <= '9'; d++)
		secs = secs * 10 + (unsigned long)(*d - '0');
	if (!nk_view->nested || !two_cpus()) {
		kprintf("stress: needs the nested build and two CPUs\n");
		return 1;
	}
	/* the races run with interrupts off, so the PIT's ticks stop meanwhile:
	 * time the run by the TSC, calibrated against 10 ticks first */
	irq_enable();
	uint64_t t = timer_ticks;
	while (timer_ticks == t)
		__asm__ volatile("hlt");
	uint64_t tsc0 = rdtsc(), t0 = timer_ticks;
	while (timer_ticks < t0 + 10)
		__asm__ volatile("hlt");
	uint64_t per_sec = (rdtsc() - tsc0) * TIMER_HZ / 10;
	uint64_t end = rdtsc() + secs * per_sec;
	unsigned long rounds = 0, failures = 0, passes = 0;
	while (rdtsc() < end) {
		/* short passes: smp_call bounds how long a remote function runs */
		bool ok = race_map_declare(500, &rounds);
		ok &= race_stale_tlb(&rounds);
		ok &= race_stale_mc(false, &rounds);
		ok &= race_stale_mc(true, &rounds);
		ok &= race_batches(100, &rounds);
		failures += !ok;
		passes++;
		if (passes % 20 == 0)
			kprintf("stress: pass %lu: %lu rounds so far, %lu failed passes\n", passes,
				rounds, failures);
	}
	kprintf("stress: %lu rounds in %lu passes over %lu s: %lu invariant failures\n", rounds,
		passes, secs, failures);
	return failures ? 1 : 0;
}
CONSOLE_COMMAND(stress, "race nk on two CPUs for SECONDS (make stress)", cmd_stress, false);
