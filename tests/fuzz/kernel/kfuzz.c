/* The in-kernel, coverage-guided fuzzer of the vMMU (fuzz build: `make
 * fuzz-kernel`, tests/fuzz/fuzz.mk). Like syzkaller over Linux kcov: nk's
 * vmmu.c and ctl.c are built with -fsanitize-coverage=trace-pc and record
 * the PCs each call reaches into a buffer (nk/kcov.c, include/nk/kcov.h).
 * The driver generates random vMMU call sequences in a sandbox (a pool of
 * frames it owns, plus frames every call must refuse to take), hashes each
 * call's PCs and PC pairs into a signal map, keeps the inputs that set a new
 * bit and mutates them. After every call it runs the invariant checker,
 * after every input the MMU oracle's walker (its recount of nk's counters,
 * tests/kernel/mmu_walk.c); a failure prints the input's calls and stops.
 *
 *   fuzz SECONDS [MAX_CALLS [SEED]]   fuzz (0 = no limit); prints a summary
 *   fuzz test                         KTAP: kcov's buffer bounds
 *
 * In other builds the command says it is not there. */
#include <outer/kernel.h>
#include <outer/console.h>
#include <outer/mm.h>
#include <outer/trap.h>
#include <outer/drivers.h>
#include <outer/smp.h>
#include <nk/vmmu.h>
#include "../../../lib/fmt.h"

#if NK_FUZZ
#include <nk/kcov.h>
#include "../../kernel/ktest.h"

static int cmd_fuzz(int argc, char **argv);

#define KCOV_WORDS 16384u
#define POOL 16u
#define MAX_OPS 12u
#define CORPUS_MAX 256u
#define SIG_BITS (1u << 16)

static uint64_t kcov_area[KCOV_WORDS] __attribute__((aligned(4096)));

/* the image is loaded at its link address minus KERNEL_VMA */
static paddr_t image_pa(const void *p)
{
	return kimg_to_pa(va_of(p));
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- the sandbox ---- */

static paddr_t pool[POOL];
static paddr_t specials[16]; /* frames nk must refuse to take (never DATA the outer uses) */
static unsigned nspecials;
static paddr_t extra_targets[4]; /* entry targets only: outer DATA, outer PTPs */
static uint64_t saved_cr0, saved_cr4;
static const uint8_t rodata_probe[16] = {1}; /* a PROTECTED frame */

static bool sandbox_init(void)
{
	for (unsigned i = 0; i < POOL; i++) {
		pool[i] = frame_alloc();
		if (!pa_addr(pool[i]))
			return false;
	}
	nspecials = 0;
	specials[nspecials++] = nk_view->master_l4; /* pinned L4 */
	specials[nspecials++] =
	    pa_init(align_down(pa_addr(image_pa((void *)cmd_fuzz)), PAGE_SIZE)); /* CODE */
	specials[nspecials++] = kimg_to_pa(va_init(nk_view->nk_text_start));	 /* NK */
	specials[nspecials++] =
	    pa_init(align_down(pa_addr(image_pa(rodata_probe)), PAGE_SIZE)); /* PROTECTED */
	specials[nspecials++] = pa_init(0);				     /* HOLE */
	specials[nspecials++] =
	    pa_init(nk_view->nframes * PAGE_SIZE + 16 * PAGE_SIZE); /* past RAM */
	specials[nspecials++] = pa_init(0xfee00000);		    /* APIC MMIO */
	specials[nspecials++] = pa_init(pa_addr(pool[0]) + 8);	    /* misaligned */
	paddr_t heap_l1 = pa_init(0);
	unsigned idx;
	kfree(kmalloc(8));
	mm_leaf(nk_view->master_l4, HEAP_BASE, &heap_l1, &idx);
	extra_targets[0] = nk_view->heap_l3; /* outer's PTPs: link targets only */
	extra_targets[1] = heap_l1;
	extra_targets[2] = image_pa(kcov_area); /* outer DATA outside the pool */
	extra_targets[3] = pa_init(nk_view->nframes * PAGE_SIZE - PAGE_SIZE);
	saved_cr0 = read_cr0();
	saved_cr4 = read_cr4();
	return true;
}

/* Selectors: a byte names a frame. */
static paddr_t sel_declare(uint8_t b) /* pool or a refused special */
{
	return b % 4 ? pool[b % POOL] : specials[b % nspecials];
}

/* The n-th pool frame that is a PTP now (of nptps), for selectors that
 * prefer the sandbox's page tables: deep states need entries in them. */
static bool pool_ptp(uint8_t b, paddr_t *out)
{
	unsigned n = 0, idx[POOL];
	for (unsigned i = 0; i < POOL; i++) {
		unsigned t = nk_view->frames[pa_pfn(pool[i])].type;
		if (t >= NK_F_PTP1 && t <= NK_F_PTP4)
			idx[n++] = i;
	}
	if (!n)
		return false;
	*out = pool[idx[b % n]];
	return true;
}

static paddr_t
sel_ptp(uint8_t b) /* PTPs to write: the pool's (mostly), other pool frames, refused */
{
	paddr_t p;
	if (b % 8 && pool_ptp(b >> 3, &p))
		return p;
	return b & 0x80 ? pool[b % POOL] : specials[b % nspecials];
}

static paddr_t sel_target(uint8_t b)
{
	paddr_t p;
	if (b % 4 == 0 && pool_ptp(b >> 2, &p))
		return p;
	if (b % 8 == 1)
		return specials[b % nspecials];
	if (b % 8 == 3)
		return extra_targets[(b >> 3) % 4];
	return pool[b % POOL];
}

/* ---- inputs ---- */

enum { K_DECLARE, K_REMOVE, K_WRITE, K_BATCH, K_CR3, K_CR0, K_CR4, K_MSR, K_MULTI, K_NKINDS };

struct kop {
	uint8_t kind, a, b, c, d;
	uint16_t idx;
	uint64_t v;
};

struct kinput {
	unsigned n;
	struct kop ops[MAX_OPS];
};

static struct kinput corpus[CORPUS_MAX];
static unsigned ncorpus;

static void random_op(struct kop *o)
{
	uint64_t r = rnd();
	o->kind = (uint8_t)(r % 18);
	o->kind = o->kind >= 16	 ? K_MULTI
		  : o->kind < 3	 ? K_DECLARE
		  : o->kind < 5	 ? K_REMOVE
		  : o->kind < 10 ? K_WRITE
		  : o->kind < 12 ? K_BATCH
		  : o->kind < 13 ? K_CR3
		  : o->kind < 14 ? K_CR0
		  : o->kind < 15 ? K_CR4
				 : K_MSR;
	o->a = (uint8_t)(r >> 8);
	o->b = (uint8_t)(r >> 16);
	o->c = (uint8_t)(r >> 24);
	o->d = (uint8_t)(r >> 32);
	o->idx = (uint16_t)(r >> 40);
	o->v = rnd();
}

static void mutate(struct kinput *in)
{
	unsigned k = (unsigned)(rnd() % 5);
	if (k == 0 && in->n < MAX_OPS) { /* insert */
		unsigned at = (unsigned)(rnd() % (in->n + 1));
		for (unsigned i = in->n; i > at; i--)
			in->ops[i] = in->ops[i - 1];
		random_op(&in->ops[at]);
		in->n++;
	} else if (k == 1 && in->n > 1) { /* delete */
		unsigned at = (unsigned)(rnd() % in->n);
		for (unsigned i = at; i + 1 < in->n; i++)
			in->ops[i] = in->ops[i + 1];
		in->n--;
	} else if (k == 2 && ncorpus) { /* splice another input's tail */
		const struct kinput *o = &corpus[rnd() % ncorpus];
		unsigned at = (unsigned)(rnd() % (in->n + 1));
		for (unsigned i = 0; at < MAX_OPS && i < o->n; i++)
			in->ops[at++] = o->ops[i];
		if (at > in->n)
			in->n = at;
	} else if (in->n) { /* change fields of one op */
		struct kop *o = &in->ops[rnd() % in->n];
		uint64_t r = rnd();
		switch (r % 6) {
		case 0:
			o->a ^= (uint8_t)(1u << (r >> 8) % 8);
			break;
		case 1:
			o->b = (uint8_t)(r >> 8);
			break;
		case 2:
			o->c ^= (uint8_t)(1u << (r >> 8) % 8);
			break;
		case 3:
			o->d ^= (uint8_t)(1u << (r >> 8) % 8);
			break;
		case 4:
			o->idx = (uint16_t)(r >> 8);
			break;
		default:
			o->v ^= 1ull << (r >> 8) % 64;
		}
	} else {
		random_op(&in->ops[0]);
		in->n = 1;
	}
}

/* ---- running an input ---- */

static uint8_t sig[SIG_BITS / 8], pcs[SIG_BITS / 8];
static uint64_t calls, inputs, kept, sig_bits, pc_bits, pcs_outside;
static char failure_log[4096];
static size_t flen;

static bool set_bit(uint8_t *map, uint64_t h)
{
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	uint32_t bit = (uint32_t)(h % SIG_BITS);
	if (map[bit / 8] & (1u << (bit % 8)))
		return false;
	map[bit / 8] |= (uint8_t)(1u << (bit % 8));
	return true;
}

/* The PCs of the last call: new signal? */
static bool collect(void)
{
	uint64_t n = kcov_area[0];
	if (n > KCOV_WORDS - 1)
		n = KCOV_WORDS - 1;
	bool fresh = false;
	uint64_t prev = 0;
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t pc = kcov_area[i];
		if (pc < nk_view->nk_text_start || pc >= nk_view->nk_text_end)
			pcs_outside++;
		if (set_bit(pcs, pc))
			pc_bits++;
		if (set_bit(sig, pc * 31 + prev)) {
			sig_bits++;
			fresh = true;
		}
		prev = pc;
	}
	return fresh;
}

static void logline(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void logline(const char *f, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_vsnprintf(line, sizeof(line), f, ap);
	va_end(ap);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (flen + n < sizeof(failure_log)) {
		memcpy(failure_log + flen, line, n);
		flen += n;
		failure_log[flen] = 0;
	}
}

/* An entry from the op's flag bytes; the bits nk always refuses (G,
 * reserved) and 2 MiB leaves are rarer than the rest, so that most
 * entries reach the deeper checks. */
static pte_t make_pte(const struct kop *o, uint8_t tsel)
{
	pte_t e;
	if ((o->d & 0x48) == 0x48) /* 2 MiB: the target's region */
		e = align_down(pa_addr(sel_target(tsel)), HUGE_2M_SIZE) | PTE_PS;
	else
		e = pa_addr(sel_target(tsel));
	e |= o->c & 0x01 ? PTE_W : 0;
	e |= o->c & 0x02 ? PTE_U : 0;
	e |= o->c & 0x04 ? PTE_PWT : 0;
	e |= o->c & 0x08 ? PTE_PCD : 0;
	e |= o->c & 0x10 ? PTE_A : 0;
	e ^= (o->c & 0x60) == 0x60 ? PTE_PS : 0;
	e |= (o->c & 0x80) && (o->d & 0x80) ? 0 : PTE_P;
	e |= o->d & 0x01 ? 0 : PTE_NX;
	e |= (o->d & 0x22) == 0x22 ? PTE_G : 0;
	e |= (o->d & 0x14) == 0x14 ? 1ull << (52 + (o->d >> 2) % 11) : 0;
	return e;
}

static const uint32_t msrs[] = {0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084,
				0xc0000100, 0xc0000101, 0xc0000102, 0x1b};

/* Run one op through its gate; returns the vMMU's result. */
static long run_op(const struct kop *o)
{
	long r;
	switch (o->kind) {
	case K_DECLARE: {
		paddr_t f = sel_declare(o->a);
		/* mostly valid levels; sometimes 0 and 5..7 */
		unsigned level =
		    (o->b < 0xe0 ? (o->b & 3) + 1u : o->b & 7u) | (o->b & 8 ? NK_PTP_KERNEL : 0);
		r = nk_declare_ptp(f, level);
		logline("  declare_ptp(%lx, %x)", pa_addr(f), level);
		break;
	}
	case K_REMOVE: {
		paddr_t f = sel_declare(o->a);
		r = nk_remove_ptp(f);
		logline("  remove_ptp(%lx)", pa_addr(f));
		break;
	}
	case K_WRITE: {
		paddr_t p = sel_ptp(o->a);
		unsigned i = o->idx % 520;
		pte_t e = make_pte(o, o->b);
		r = nk_write_pte(p, i, e);
		logline("  write_pte(%lx, %u, %lx)", pa_addr(p), i, e);
		break;
	}
	case K_BATCH: {
		struct nk_pte_write w[4];
		unsigned n = 1 + o->a % 4;
		for (unsigned i = 0; i < n; i++) {
			w[i].ptp = sel_ptp((uint8_t)(o->v >> (16 * i)));
			w[i].index = (o->idx + i * (o->b % 3)) % 512;
			w[i].pte = make_pte(o, (uint8_t)(o->v >> (16 * i + 8)));
		}
		r = nk_write_ptes(w, n);
		logline("  write_ptes(%u entries, first %lx[%lu] = %lx)", n, pa_addr(w[0].ptp),
			w[0].index, w[0].pte);
		break;
	}
	case K_MULTI: {
		/* 1..4 operations of mixed kinds, byte pairs of v choosing each */
		struct nk_op m[4];
		unsigned n = 1 + o->a % 4;
		for (unsigned i = 0; i < n; i++) {
			uint8_t sel = (uint8_t)(o->v >> (16 * i)),
				arg = (uint8_t)(o->v >> (16 * i + 8));
			m[i] = (struct nk_op){.kind = NK_OP_WRITE_PTE,
					      .a = pa_addr(sel_ptp(sel)),
					      .arg = (o->idx + i) % 512,
					      .b = make_pte(o, arg)};
			if (arg % 8 == 0)
				m[i] = (struct nk_op){.kind = NK_OP_DECLARE_PTP,
						      .a = pa_addr(sel_declare(sel)),
						      .arg = (arg >> 3) % 3 + 1u};
			else if (arg % 8 == 1)
				m[i] = (struct nk_op){.kind = NK_OP_REMOVE_PTP,
						      .a = pa_addr(sel_declare(sel))};
			else if (arg % 8 == 2)
				m[i] = (struct nk_op){.kind = NK_OP_LOAD_CR3,
						      .a = pa_addr(sel_ptp(sel))};
		}
		r = nk_multicall(m, n);
		logline("  multicall(%u ops, first kind %u %lx)", n, m[0].kind, m[0].a);
		if (r < -(long)NK_EMAX) /* op k's error: report it as nk_strerror sees it */
			logline(" at op %lu", nk_mc_index(r));
		break;
	}
	case K_CR3: {
		paddr_t f = sel_ptp(o->a);
		r = nk_load_cr3(f);
		logline("  load_cr3(%lx)", pa_addr(f));
		break;
	}
	case K_CR0:
	case K_CR4: {
		uint64_t base = o->kind == K_CR0 ? saved_cr0 : saved_cr4;
		uint64_t v = base ^ (1ull << (o->a % 64)) ^ (o->b & 0x80 ? 1ull << (o->b % 64) : 0);
		r = o->kind == K_CR0 ? nk_load_cr0(v) : nk_load_cr4(v);
		logline("  load_cr%d(%lx)", o->kind == K_CR0 ? 0 : 4, v);
		break;
	}
	default: {
		uint32_t msr = msrs[o->a % ARRAY_SIZE(msrs)];
		uint64_t v = o->b & 1 ? o->v
				      : (o->b & 2 ? 0x00007fffffffffffull : DIRECT_MAP_BASE) +
					    (o->b >> 2 & 1);
		if (msr == 0xc0000080)
			v = rdmsr(msr) ^ (1ull << (o->c % 16));
		if (msr == 0xc0000101 || msr == 0xc0000102) {
			/* GS base holds this CPU's slot (outer/smp.c): put it
			 * back before an interrupt can use it */
			uint64_t fl, self = (uint64_t)this_cpu();
			__asm__ volatile("pushfq; pop %0; cli" : "=r"(fl)::"memory");
			r = nk_wrmsr(msr, v);
			nk_wrmsr(0xc0000101, self);
			nk_wrmsr(0xc0000102, 0);
			if (fl & 0x200)
				irq_enable();
		} else {
			r = nk_wrmsr(msr, v);
		}
		logline("  wrmsr(%x, %lx)", msr, v);
	}
	}
	logline(" = %ld %s\n", r, r ? nk_strerror(r) : "");
	return r;
}

/* Back to the empty sandbox: CPU state restored, every pool PTP emptied
 * and removed. Returns false if nk refused a step (reported). */
static bool reset_sandbox(void)
{
	bool ok = nk_load_cr3(nk_view->master_l4) == 0;
	ok &= nk_load_cr0(saved_cr0) == 0;
	ok &= nk_load_cr4(saved_cr4) == 0;
	nk_wrmsr(0xc0000100, 0);
	nk_wrmsr(0xc0000101, (uint64_t)this_cpu()); /* this CPU's slot (outer/smp.c) */
	nk_wrmsr(0xc0000102, 0);
	for (unsigned i = 0; i < POOL; i++) {
		unsigned t = nk_view->frames[pa_pfn(pool[i])].type;
		if (t < NK_F_PTP1 || t > NK_F_PTP4)
			continue;
		const pte_t *e = pa_to_dm(pool[i]);
		unsigned n = t == NK_F_PTP4 ? 256 : 512;
		for (unsigned j = 0; j < n; j++)
			if (e[j])
				ok &= nk_write_pte(pool[i], j, 0) == 0;
	}
	for (unsigned i = 0; i < POOL; i++) {
		unsigned t = nk_view->frames[pa_pfn(pool[i])].type;
		if (t >= NK_F_PTP1 && t <= NK_F_PTP4)
			ok &= nk_remove_ptp(pool[i]) == 0;
	}
	if (!ok)
		kprintf("kfuzz: could not reset the sandbox (see vmmu refusals)\n");
	return ok;
}

/* Run an input from the empty sandbox. 1: new coverage, 0: none, -1: an
 * invariant failed (failure_log holds the calls). */
static int run_input(const struct kinput *in)
{
	int fresh = 0;
	flen = 0;
	failure_log[0] = 0;
	for (unsigned i = 0; i < in->n; i++) {
		kcov_area[0] = 0;
		run_op(&in->ops[i]);
		calls++;
		fresh |= collect();
		if (nk_check_invariants() != 0)
			return -1;
	}
	const char *what = "";
	uint64_t pfn = 0;
	long bad = mmu_walk_check(&what, &pfn);
	if (bad) {
		kprintf(
		    "kfuzz: WALKER: %ld frames disagree with nk's counters, first pfn %lx: %s\n",
		    bad, pfn, what);
		return -1;
	}
	inputs++;
	return fresh;
}

static int report_failure(void)
{
	const struct nk_check_report *c = &nk_view->check;
	kprintf("kfuzz: INVARIANT FAILURE after call %lu: %s (at %lx)\n", calls, c->first_msg,
		c->first_bad_pa);
	kprintf("kfuzz: the input's calls, from the empty sandbox:\n%s", failure_log);
	return 1;
}

static int fuzz_run(uint64_t secs, uint64_t max_calls, uint64_t seed)
{
	rng_state = seed ? seed : rdtsc() | 1;
	if (!sandbox_init()) {
		kprintf("kfuzz: out of frames\n");
		return 1;
	}
	long r = nk_kcov_enable(image_pa(kcov_area), KCOV_WORDS);
	if (r) {
		kprintf("kfuzz: nk_kcov_enable: %s\n", nk_strerror(r));
		return 1;
	}
	kprintf("kfuzz: seed %lx, %lu s, max %lu calls; pool of %u frames\n", rng_state, secs,
		max_calls, POOL);
	uint64_t t0 = timer_ticks, next_report = t0 + 5 * TIMER_HZ;
	int failed = 0;
	while ((!secs || timer_ticks - t0 < secs * TIMER_HZ) && (!max_calls || calls < max_calls)) {
		struct kinput in;
		if (!ncorpus || rnd() % 8 == 0) {
			in.n = 1 + (unsigned)(rnd() % MAX_OPS);
			for (unsigned i = 0; i < in.n; i++)
				random_op(&in.ops[i]);
		} else {
			in = corpus[rnd() % ncorpus];
			for (unsigned k = 1 + (unsigned)(rnd() % 3); k; k--)
				mutate(&in);
		}
		int res = run_input(&in);
		if (res < 0) {
			failed = report_failure();
			break;
		}
		if (res > 0) {
			corpus[ncorpus < CORPUS_MAX ? ncorpus++ : rnd() % CORPUS_MAX] = in;
			kept++;
		}
		if (!reset_sandbox()) {
			failed = 1;
			break;
		}
		if (timer_ticks >= next_report) {
			kprintf("kfuzz: %lu calls, %lu inputs, %lu kept, %lu PCs, %lu signal\n",
				calls, inputs, kept, pc_bits, sig_bits);
			next_report += 5 * TIMER_HZ;
		}
	}
	nk_kcov_disable();
	if (!failed && nk_check_invariants() != 0)
		failed = report_failure();
	for (unsigned i = 0; i < POOL && !failed; i++)
		frame_free(pool[i]);
	uint64_t ms = (timer_ticks - t0) * 1000 / TIMER_HZ;
	cmd_vmmu(0, NULL); /* calls and refusals by error code */
	kprintf(
	    "kfuzz: done: %lu vMMU calls, %lu inputs, %lu kept for new coverage, %lu distinct PCs, "
	    "%lu signal bits, %lu PCs outside nk text, %lu ms, invariant failures %d\n",
	    calls, inputs, kept, pc_bits, sig_bits, pcs_outside, ms, failed);
	return failed || pcs_outside;
}

/* ---- `fuzz test`: kcov's bounds, as KTAP ---- */

static uint64_t t_mem[3][512] __attribute__((aligned(4096))); /* guard, buffer, guard */

static void t_fill(uint64_t pattern)
{
	for (int g = 0; g < 3; g += 2)
		for (int i = 0; i < 512; i++)
			t_mem[g][i] = pattern ^ (uint64_t)i;
}

static bool t_guards(uint64_t pattern)
{
	for (int g = 0; g < 3; g += 2)
		for (int i = 0; i < 512; i++)
			if (t_mem[g][i] != (pattern ^ (uint64_t)i))
				return KT_EXPECT(!"guard word changed");
	return true;
}

static void t_call(void)
{
	nk_write_pte(nk_view->master_l4, 0, 0); /* EPINNED: through instrumented vmmu.c */
}

static bool in_nk_text(uint64_t pc)
{
	return pc >= nk_view->nk_text_start && pc < nk_view->nk_text_end;
}

static bool t_records(void)
{
	uint64_t *a = t_mem[1];
	t_fill(0x5a5a5a5a00000000ull);
	bool ok = KT_EXPECT(nk_kcov_enable(image_pa(a), 512) == 0);
	a[0] = 0;
	t_call();
	uint64_t n = a[0];
	ok &= KT_EXPECT(n > 0 && n <= 511);
	for (uint64_t i = 1; i <= n && i < 512; i++)
		ok &= KT_EXPECT(in_nk_text(a[i]));
	ok &= t_guards(0x5a5a5a5a00000000ull);
	nk_kcov_disable();
	return ok;
}

static bool t_full(void)
{
	uint64_t *a = t_mem[1];
	t_fill(0x1111);
	bool ok = KT_EXPECT(nk_kcov_enable(image_pa(a), 512) == 0);
	a[0] = 510;
	a[511] = 0;
	t_call();
	ok &= KT_EXPECT(a[0] == 511 && in_nk_text(a[511])); /* exactly the last slot */
	t_call();
	ok &= KT_EXPECT(a[0] == 511); /* full: no more */
	ok &= t_guards(0x1111);
	nk_kcov_disable();
	return ok;
}

/* Counts a hostile outer kernel may write into the header: past the end,
 * huge, and ones whose byte offset (n + 1) * 8 wraps to the header itself
 * or to the guard page before the buffer. */
static bool t_corrupt_header(void)
{
	static const uint64_t bad[] = {512,
				       513,
				       4096,
				       1ull << 32,
				       1ull << 63,
				       ~0ull,
				       ~0ull - 1,
				       (1ull << 61) - 1,
				       (1ull << 61) - 513,
				       (1ull << 61) - 512};
	uint64_t *a = t_mem[1];
	bool ok = KT_EXPECT(nk_kcov_enable(image_pa(a), 512) == 0);
	for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
		t_fill(0x2222 + k);
		for (int i = 1; i < 512; i++)
			a[i] = 0x3333 + (uint64_t)i;
		a[0] = bad[k];
		t_call();
		ok &= KT_EXPECT(a[0] == bad[k]);
		for (int i = 1; i < 512; i++)
			ok &= KT_EXPECT(a[i] == 0x3333 + (uint64_t)i);
		ok &= t_guards(0x2222 + k);
	}
	nk_kcov_disable();
	return ok;
}

static bool t_refuses(void)
{
	paddr_t a = image_pa(t_mem[1]);
	bool ok = KT_EXPECT(nk_kcov_enable(nk_view->master_l4, 512) == -NK_ETYPE);
	ok &= KT_EXPECT(nk_kcov_enable(image_pa(rodata_probe), 2) == -NK_ETYPE);
	ok &= KT_EXPECT(
	    nk_kcov_enable(pa_init(align_down(pa_addr(image_pa((void *)cmd_fuzz)), PAGE_SIZE)),
			   512) == -NK_ETYPE);
	ok &= KT_EXPECT(nk_kcov_enable(pa_init(pa_addr(a) + 4), 512) == -NK_EALIGN);
	ok &= KT_EXPECT(nk_kcov_enable(a, 1) == -NK_ERANGE);
	ok &= KT_EXPECT(nk_kcov_enable(a, NK_KCOV_MAX_WORDS + 1) == -NK_ERANGE);
	ok &= KT_EXPECT(nk_kcov_enable(pa_init(nk_view->nframes * PAGE_SIZE - 8), 2) == -NK_ERANGE);
	return ok;
}

/* The buffer's frame becomes a page table while kcov is on: nk must not
 * write a PC into it (it would be an unchecked entry). */
static bool t_retyped(void)
{
	paddr_t f = frame_alloc();
	uint64_t *a = pa_to_dm(f);
	bool ok = KT_EXPECT(nk_kcov_enable(f, 512) == 0);
	a[0] = 0;
	ok &= KT_EXPECT(nk_declare_ptp(f, 1) == 0);
	for (int k = 0; k < 4; k++)
		t_call();
	for (int i = 0; i < 512; i++)
		ok &= KT_EXPECT(a[i] == 0); /* a zeroed, unchanged L1 */
	ok &= KT_EXPECT(nk_check_invariants() == 0);
	ok &= KT_EXPECT(nk_remove_ptp(f) == 0);
	a[0] = 0;
	t_call();
	ok &= KT_EXPECT(a[0] > 0); /* DATA again: recording resumes */
	nk_kcov_disable();
	a[0] = 0;
	t_call();
	ok &= KT_EXPECT(a[0] == 0); /* disabled */
	frame_free(f);
	return ok;
}

static const struct ktest kcov_tests[] = {
    {"kcov_records_nk_pcs", true, t_records},
    {"kcov_full_buffer_clamped", true, t_full},
    {"kcov_corrupt_header_stays_in_buffer", true, t_corrupt_header},
    {"kcov_refuses_bad_buffers", true, t_refuses},
    {"kcov_no_write_into_retyped_frame", true, t_retyped},
};

static int kcov_test(void)
{
	int failed = 0, n = (int)ARRAY_SIZE(kcov_tests);
	kprintf("KTAP version 1\n1..%d\n", n);
	for (int i = 0; i < n; i++) {
		bool ok = kcov_tests[i].fn();
		failed += !ok;
		kprintf("%s %d %s\n", ok ? "ok" : "not ok", i + 1, kcov_tests[i].name);
	}
	kprintf("# kcov: %d passed, %d failed\n", n - failed, failed);
	return failed;
}

static uint64_t num(const char *s)
{
	uint64_t v = 0;
	bool hex = s[0] == '0' && s[1] == 'x';
	for (s += hex ? 2 : 0; *s; s++) {
		unsigned d = *s >= '0' && *s <= '9'   ? (unsigned)(*s - '0')
			     : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
						      : 99;
		if (d >= (hex ? 16u : 10u))
			break;
		v = v * (hex ? 16 : 10) + d;
	}
	return v;
}

/* cmd_fuzz: `fuzz test` runs kcov's KTAP bounds test; `fuzz SECONDS
 * [MAX_CALLS [SEED]]` fuzzes for SECONDS (timer ticks) or MAX_CALLS vMMU
 * calls, 0 meaning no limit (hex with 0x). Returns 0 when every test passed
 * or the run found no invariant failure, else 1. */
static int cmd_fuzz(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "test"))
		return kcov_test();
	if (argc < 2) {
		kprintf("usage: fuzz SECONDS [MAX_CALLS [SEED]] | fuzz test\n");
		return 1;
	}
	return fuzz_run(num(argv[1]), argc > 2 ? num(argv[2]) : 0, argc > 3 ? num(argv[3]) : 0);
}

#else

/* cmd_fuzz: not the fuzz build: says so and returns 1. */
static int cmd_fuzz(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("fuzz: this kernel is not the fuzz build (make fuzz-kernel)\n");
	return 1;
}

#endif

CONSOLE_COMMAND(fuzz, "fuzz SECONDS [CALLS [SEED]] | fuzz test (fuzz build)", cmd_fuzz, true);
