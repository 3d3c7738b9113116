/* libFuzzer harness of nk's vMMU validation logic on the host (fake
 * physical memory: tests/host/fixture.c and fake_arch.c). Each input is a
 * sequence of vMMU calls (declare/remove PTP, write_pte, write_ptes
 * batches, load_cr3, load_cr0/cr4, wrmsr, init_done, multicalls of the
 * first four, checked against the same operations as single calls) run
 * from the fixture's
 * fresh machine. The oracles, after every call:
 *   - the invariant checker (nk_check_invariants_impl: I1, I2, I4, I9 and
 *     the frame table's counters), plus I3 modelled on the fake CPU;
 *   - a second walker, the MMU oracle's (tests/kernel/mmu_walk.c, from the
 *     SDM, no nk code): its recount of every counter (wcount, maps, refs,
 *     huge_maps, nondata) equals nk's, and no entry in a declared table has
 *     a reserved bit or leads to a frame that is not a PTP of its level;
 *   - a refused call changes nothing (frame table, direct map, memory nk
 *     may write, nk's state, the fake CPU), spec 5: validate, then mutate;
 *   - an accepted call has its documented effect (the entry reads back, the
 *     PTP is zeroed with the master's kernel half, CR3/CR0/CR4/MSR hold the
 *     value, a removed right was flushed from the TLB before return: I10).
 * A failure prints the input's call sequence and aborts (libFuzzer saves
 * the input). The number of vMMU calls made is printed at exit;
 * FUZZ_VMMU_TRACE=1 prints every input's calls (to read a replayed input).
 * Build and run: tests/fuzz/fuzz.mk (`make fuzz SECONDS=N`). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "mmu_walk.h"

#define MAX_OPS 256
#define LOG_BYTES 65536

static uint64_t calls_total, inputs_total, mc_total, mc_accepted, mc_kept;
static struct timespec t_start;

/* ---- frames the harness names ---- */

#define POOL_FIRST FX_DATA_FIRST /* DATA frames used as PTPs and pages */
#define POOL_N 24u
#define HUGE_N 4u /* DATA frames in region 7, the all-DATA 2 MiB region */

static paddr_t ftab[64];
static unsigned nftab;
static uint64_t dirty[64]; /* frames nk may write: restored per input */
static unsigned ndirty;

static void add_frame(uint64_t pa)
{
	ftab[nftab++] = pa_init(pa);
}

static void tables_init(void)
{
	for (unsigned i = 0; i < POOL_N; i++) {
		add_frame((POOL_FIRST + i) * PAGE_SIZE);
		dirty[ndirty++] = POOL_FIRST + i;
	}
	for (unsigned i = 0; i < HUGE_N; i++) {
		add_frame((FX_HUGE_FIRST + i) * PAGE_SIZE);
		dirty[ndirty++] = FX_HUGE_FIRST + i;
	}
	add_frame((FAKE_NFRAMES - 1) * PAGE_SIZE); /* last frame of RAM */
	dirty[ndirty++] = FAKE_NFRAMES - 1;
	add_frame(FX_MIXED_DATA * PAGE_SIZE);
	dirty[ndirty++] = FX_MIXED_DATA;
	dirty[ndirty++] = FX_HEAP_L3;
	/* frames every call must refuse to take or change */
	add_frame(FX_MASTER_L4 * PAGE_SIZE);
	add_frame(FX_KERN_L3 * PAGE_SIZE);
	add_frame(FX_KERN_L2 * PAGE_SIZE);
	add_frame(FX_KERN_L1 * PAGE_SIZE);
	add_frame(FX_HEAP_L3 * PAGE_SIZE);
	add_frame(FX_NK_FIRST * PAGE_SIZE);
	add_frame(FX_CODE_FIRST * PAGE_SIZE);
	add_frame(FX_PROT_FIRST * PAGE_SIZE);
	add_frame(FX_HOLE * PAGE_SIZE);
	add_frame(0);
	add_frame(FAKE_MEM_BYTES);	       /* just past RAM: MMIO */
	add_frame(FAKE_MEM_BYTES * 64);	       /* far past RAM */
	add_frame(POOL_FIRST * PAGE_SIZE + 8); /* misaligned */
	add_frame(FX_PHYS_LIMIT - PAGE_SIZE);  /* top of MAXPHYADDR */
	add_frame(FX_PHYS_LIMIT);	       /* beyond MAXPHYADDR */
	add_frame(0xfee00000);		       /* APIC MMIO */
}

/* 2 MiB leaf targets. */
static const uint64_t huge_bases[] = {
    0,				     /* region 0: HOLE, NK, CODE, ... */
    512 * PAGE_SIZE,		     /* region 1: the pool */
    FX_HUGE_FIRST *PAGE_SIZE,	     /* region 7: DATA unless declared */
    FAKE_MEM_BYTES,		     /* past RAM: MMIO */
    FX_HUGE_FIRST *PAGE_SIZE + 8192, /* not 2 MiB aligned (bits 13-20) */
    FX_PHYS_LIMIT - HUGE_2M_SIZE,
};

/* ---- the fresh machine, saved once and restored per input ---- */

struct machine {
	struct nk_frame frames[FAKE_NFRAMES];
	struct nk_frame2m f2m[FAKE_NFRAMES / PTES_PER_PTP];
	pte_t dm_ptes[FAKE_NFRAMES];
	uint64_t ptp_groups[FAKE_NFRAMES];
	uint32_t ptp_parent[FAKE_NFRAMES];
	struct nk_state nk;
	struct nk_view view;
	struct fake_cpu cpu;
	uint8_t mem[64][PAGE_SIZE];
};
static struct machine base, pre;

static void save(struct machine *s, bool with_view)
{
	memcpy(s->frames, nk.frames, sizeof(s->frames));
	memcpy(s->f2m, nk.f2m, sizeof(s->f2m));
	memcpy(s->dm_ptes, nk.dm_ptes, sizeof(s->dm_ptes));
	memcpy(s->ptp_groups, nk.ptp_groups, sizeof(s->ptp_groups));
	memcpy(s->ptp_parent, nk.ptp_parent, sizeof(s->ptp_parent));
	memcpy(&s->nk, &nk, offsetof(struct nk_state, batch));
	if (with_view)
		s->view = nk_view_store;
	s->cpu = fake_cpu;
	for (unsigned i = 0; i < ndirty; i++)
		memcpy(s->mem[i], fake_mem() + dirty[i] * PAGE_SIZE, PAGE_SIZE);
}

static void restore_from(const struct machine *s)
{
	memcpy(nk.frames, s->frames, sizeof(s->frames));
	memcpy(nk.f2m, s->f2m, sizeof(s->f2m));
	memcpy(nk.dm_ptes, s->dm_ptes, sizeof(s->dm_ptes));
	memcpy(nk.ptp_groups, s->ptp_groups, sizeof(s->ptp_groups));
	memcpy(nk.ptp_parent, s->ptp_parent, sizeof(s->ptp_parent));
	memcpy(&nk, &s->nk, offsetof(struct nk_state, batch));
	nk_view_store = s->view;
	fake_cpu = s->cpu;
	for (unsigned i = 0; i < ndirty; i++)
		memcpy(fake_mem() + dirty[i] * PAGE_SIZE, s->mem[i], PAGE_SIZE);
}

static void restore(void)
{
	restore_from(&base);
}

/* ---- the call log and the oracles ---- */

static char logbuf[LOG_BYTES];
static size_t loglen;

static void logf_(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	if (loglen < LOG_BYTES)
		loglen += (size_t)vsnprintf(logbuf + loglen, LOG_BYTES - loglen, f, ap);
	va_end(ap);
	if (loglen > LOG_BYTES)
		loglen = LOG_BYTES;
}

static void failure(const char *what) __attribute__((noreturn));
static void failure(const char *what)
{
	fprintf(stderr, "\n==== fuzz_vmmu: ORACLE FAILURE: %s\n", what);
	fprintf(stderr, "==== checker: %s (at %#llx)\n", nk_view_store.check.first_msg,
		(unsigned long long)nk_view_store.check.first_bad_pa);
	fprintf(stderr, "==== call sequence (from the fixture's fresh machine):\n%.*s", (int)loglen,
		logbuf);
	fprintf(stderr, "==== %llu vMMU calls before this input\n",
		(unsigned long long)calls_total);
	abort();
}

/* I3 on the fake CPU (arch_check_cpu is empty on the host); CR0.WP is the
 * exit gate's, so it is not checked here. */
static void check_cpu(void)
{
	if ((fake_cpu.cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG))
		failure("I3: CR0.PE or CR0.PG clear");
	if ((fake_cpu.cr4 & nk.cr4_required) != nk.cr4_required)
		failure("I3: CR4.PAE, SMEP or SMAP clear");
	if ((fake_cpu.efer & (EFER_NXE | EFER_LME)) != (EFER_NXE | EFER_LME))
		failure("I3: EFER.NXE or EFER.LME clear");
	if (fake_cpu.cr3 != pa_addr(nk.cur_cr3[0]))
		failure("I3: CR3 is not the L4 nk recorded");
}

/* A refused call changed nothing but the stats and the batch buffer. */
static void check_unchanged(void)
{
	if (memcmp(pre.frames, nk.frames, sizeof(pre.frames)))
		failure("refused call changed the frame table");
	if (memcmp(pre.f2m, nk.f2m, sizeof(pre.f2m)))
		failure("refused call changed the per-2 MiB counts");
	if (memcmp(pre.dm_ptes, nk.dm_ptes, sizeof(pre.dm_ptes)))
		failure("refused call changed the direct map");
	if (memcmp(&pre.nk, &nk, offsetof(struct nk_state, batch)))
		failure("refused call changed nk's state");
	if (memcmp(&pre.cpu, &fake_cpu, sizeof(pre.cpu)))
		failure("refused call changed the CPU (registers or TLB)");
	for (unsigned i = 0; i < ndirty; i++)
		if (memcmp(pre.mem[i], fake_mem() + dirty[i] * PAGE_SIZE, PAGE_SIZE))
			failure("refused call changed physical memory");
	if (memcmp(pre.view.type_count, nk_view_store.type_count, sizeof(pre.view.type_count)))
		failure("refused call changed the per-type counts");
}

/* The walker's view of the fake machine, and its counters. */
static uint32_t mw_wcount[FAKE_NFRAMES], mw_maps[FAKE_NFRAMES], mw_refs[FAKE_NFRAMES];
static uint32_t mw_huge[FAKE_NFRAMES / 512], mw_nondata[FAKE_NFRAMES / 512];
static uint8_t mw_seen[FAKE_NFRAMES];

static const uint64_t *mw_fake_table(void *ctx, uint64_t pa)
{
	(void)ctx;
	return arch_pa_va(pa_init(pa));
}

/* The second oracle: the walker's recount equals nk's counters (the fake
 * machine has no direct-map tables: nk.dm_ptes is an array). */
static void check_walker(void)
{
	struct mw_machine m = {
	    mw_fake_table,	   NULL, nk.frames, nk.nframes,
	    pa_addr(nk.master_l4), 0,	 0,	    (unsigned)__builtin_ctzll(nk.phys_limit)};
	struct mw_counts c = {mw_wcount, mw_maps, mw_refs, mw_huge, mw_nondata,
			      mw_seen,	 0,	  0,	   0,	    0};
	mw_recount(&m, &c);
	uint64_t pfn = 0;
	const char *what = "";
	static char msg[160];
	if (mw_compare(&m, &c, nk.frames, nk.f2m, &pfn, &what)) {
		snprintf(msg, sizeof(msg),
			 "walker: counter %s of pfn %#llx: nk %u/%u/%u/%u, walker %u/%u/%u/%u "
			 "(wcount/maps/refs/huge_maps)",
			 what, (unsigned long long)pfn, nk.frames[pfn].wcount, nk.frames[pfn].maps,
			 nk.frames[pfn].refs, nk.f2m[pfn / 512].huge_maps, mw_wcount[pfn],
			 mw_maps[pfn], mw_refs[pfn], mw_huge[pfn / 512]);
		failure(msg);
	}
	if (c.i1_bad || c.i9_bad || c.rsvd) {
		snprintf(msg, sizeof(msg),
			 "walker: %llu entries to non-PTPs, %llu kernel-half copies differ, %llu "
			 "reserved (first at %#llx)",
			 (unsigned long long)c.i1_bad, (unsigned long long)c.i9_bad,
			 (unsigned long long)c.rsvd, (unsigned long long)c.bad_pa);
		failure(msg);
	}
}

/* Before a call: remember the state a refusal must leave. */
static void before(void)
{
	save(&pre, true);
}

/* After a call: count it, run the oracles. */
static void after(long r)
{
	calls_total++;
	logf_(" = %ld%s%s\n", r, r ? " " : "", r ? nk_strerror(r) : "");
	if (r > 0 || r <= -(long)NK_EMAX)
		failure("return value is not 0 or a -NK_E* code");
	if (r)
		check_unchanged();
	check_cpu();
	if (nk_check_invariants_impl() != 0)
		failure("invariant checker");
	check_walker();
}

/* ---- input decoding ---- */

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint64_t u64(struct rd *r)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)u8(r) << (8 * i);
	return v;
}

/* PTPs declared by this input, preferred as PTP and non-leaf targets. */
static paddr_t declared[64];
static unsigned ndeclared;

static paddr_t pick_frame(uint8_t b)
{
	return ftab[b % nftab];
}

static paddr_t pick_ptp(uint8_t b)
{
	if (b < 0xc0 && ndeclared)
		return declared[b % ndeclared];
	return pick_frame(b);
}

static unsigned pick_index(struct rd *r)
{
	uint8_t a = u8(r), b = u8(r);
	unsigned i = (unsigned)(a | (b << 8));
	return b & 0x80 ? i % 520 : i % 512; /* 512..519: out of range */
}

static pte_t make_pte(struct rd *r)
{
	uint8_t sel = u8(r), fl = u8(r), fl2 = u8(r);
	if (fl2 == 0xff)
		return u64(r); /* raw */
	pte_t e;
	if (fl2 & 0x40)
		e = huge_bases[sel % (sizeof(huge_bases) / sizeof(huge_bases[0]))] | PTE_PS;
	else
		e = pa_addr(sel < 0x80 ? pick_ptp(sel) : pick_frame(sel));
	e |= fl & 0x01 ? PTE_W : 0;
	e |= fl & 0x02 ? PTE_U : 0;
	e |= fl & 0x04 ? PTE_PWT : 0;
	e |= fl & 0x08 ? PTE_PCD : 0;
	e |= fl & 0x10 ? PTE_A : 0;
	e |= fl & 0x20 ? PTE_D : 0;
	e ^= fl & 0x40 ? PTE_PS : 0;
	e |= fl & 0x80 ? 0 : PTE_P;
	e |= fl2 & 0x01 ? 0 : PTE_NX;
	e |= fl2 & 0x02 ? PTE_G : 0;
	e |= fl2 & 0x04 ? 1ull << (52 + (fl2 >> 3) % 11) : 0; /* reserved/ignored */
	e |= fl2 & 0x08 ? 1ull << (13 + (fl2 >> 4) % 8) : 0;  /* 2 MiB reserved */
	if (fl2 & 0x10)
		e |= pa_addr(pick_frame(sel)) & PTE_ADDR_4K; /* a second frame's bits */
	return e;
}

/* ---- the calls ---- */

static void do_declare(struct rd *r)
{
	paddr_t f = pick_frame(u8(r));
	uint8_t b = u8(r);
	unsigned level = (b & 7) | (b & 8 ? NK_PTP_KERNEL : 0) | (b == 0xff ? 0x200 : 0);
	logf_("declare_ptp(%#llx, %#x)", (unsigned long long)pa_addr(f), level);
	before();
	long res = nk_declare_ptp_impl(f, level);
	after(res);
	if (res)
		return;
	const pte_t *t = arch_pa_va(f), *m = arch_pa_va(nk.master_l4);
	if (nk_ptp_level(fx_frame(f)->type) != (level & 0xff))
		failure("declared frame has the wrong type");
	for (unsigned i = 0; i < PTES_PER_PTP; i++)
		if (t[i] != ((level & 0xff) == 4 && i >= 256 ? m[i] : 0))
			failure(
			    "declared PTP is not zeroed (with the master's kernel half for an L4)");
	if (pte_writable(nk.dm_ptes[pa_pfn(f)]))
		failure("declared PTP is still writable in the direct map");
	if (ndeclared < 64)
		declared[ndeclared++] = f;
}

static void do_remove(struct rd *r)
{
	uint8_t b = u8(r);
	paddr_t f = b < 0x80 ? pick_ptp(b) : pick_frame(b);
	logf_("remove_ptp(%#llx)", (unsigned long long)pa_addr(f));
	before();
	long res = nk_remove_ptp_impl(f);
	after(res);
	if (!res && (fx_frame(f)->type != NK_F_DATA || !pte_writable(nk.dm_ptes[pa_pfn(f)])))
		failure("removed PTP is not a writable DATA frame");
}

/* Accepted writes: each entry reads back; a removed right was flushed. */
static void check_written(const struct nk_pte_write *w, const pte_t *old, size_t n,
			  uint64_t flushes)
{
	bool need = false;
	for (size_t i = 0; i < n; i++) {
		if (((const pte_t *)arch_pa_va(w[i].ptp))[w[i].index] != w[i].pte) {
			/* a later write of the batch to the same slot wins */
			bool later = false;
			for (size_t j = i + 1; j < n; j++)
				later |= pa_addr(w[j].ptp) == pa_addr(w[i].ptp) &&
					 w[j].index == w[i].index;
			if (!later)
				failure("accepted write does not read back");
		}
		need |= pte_needs_flush(old[i], w[i].pte);
	}
	if (need && fake_cpu.flush_tlb_calls == flushes)
		failure("I10: a removed right was not flushed from the TLB");
}

static void do_write_pte(struct rd *r)
{
	struct nk_pte_write w;
	w.ptp = pick_ptp(u8(r));
	w.index = pick_index(r);
	w.pte = make_pte(r);
	logf_("write_pte(%#llx, %llu, %#llx)", (unsigned long long)pa_addr(w.ptp),
	      (unsigned long long)w.index, (unsigned long long)w.pte);
	pte_t old = 0;
	if (nk_frame_ok(w.ptp) == 0 && w.index < PTES_PER_PTP)
		old = ((const pte_t *)arch_pa_va(w.ptp))[w.index];
	uint64_t flushes = fake_cpu.flush_tlb_calls;
	before();
	long res = nk_write_pte_impl(w.ptp, (unsigned)w.index, w.pte);
	after(res);
	if (!res)
		check_written(&w, &old, 1, flushes);
}

static void do_write_ptes(struct rd *r)
{
	static struct nk_pte_write w[NK_BATCH_MAX + 1];
	static pte_t old[NK_BATCH_MAX + 1];
	uint8_t mode = u8(r);
	size_t n = 1 + mode % 8;
	const struct nk_pte_write *arg = w;
	if (mode >= 0xfc) { /* bad batches */
		n = mode == 0xfc ? 0 : mode == 0xfd ? NK_BATCH_MAX + 1 : 1;
		arg = mode == 0xfe ? NULL : w;
	}
	for (size_t i = 0; i < n && i < 8; i++) {
		w[i].ptp = pick_ptp(u8(r));
		w[i].index = pick_index(r);
		w[i].pte = make_pte(r);
	}
	bool unreadable = mode == 0xff;
	logf_("write_ptes(%s, %zu:", arg ? (unreadable ? "<unreadable>" : "w") : "NULL", n);
	for (size_t i = 0; i < n && i < 8; i++) {
		logf_(" {%#llx, %llu, %#llx}", (unsigned long long)pa_addr(w[i].ptp),
		      (unsigned long long)w[i].index, (unsigned long long)w[i].pte);
		old[i] = 0;
		if (nk_frame_ok(w[i].ptp) == 0 && w[i].index < PTES_PER_PTP)
			old[i] = ((const pte_t *)arch_pa_va(w[i].ptp))[w[i].index];
	}
	logf_(")");
	uint64_t flushes = fake_cpu.flush_tlb_calls;
	fake_cpu.unreadable = unreadable;
	before();
	long res = nk_write_ptes_impl(arg, n);
	fake_cpu.unreadable = false;
	pre.cpu.unreadable = false;
	after(res);
	if (!res) {
		/* the old values as the batch sees them, slot by slot */
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (pa_addr(w[j].ptp) == pa_addr(w[i].ptp) &&
				    w[j].index == w[i].index)
					old[i] = w[j].pte;
		check_written(w, old, n, flushes);
	}
}

static void do_load_cr3(struct rd *r)
{
	uint8_t b = u8(r);
	paddr_t f = b < 0x80 ? pick_ptp(b) : pick_frame(b);
	logf_("load_cr3(%#llx)", (unsigned long long)pa_addr(f));
	before();
	long res = nk_load_cr3_impl(f);
	after(res);
	if (!res && fake_cpu.cr3 != pa_addr(f))
		failure("accepted load_cr3 did not load CR3");
}

/* A multicall of 1..8 vMMU operations, against the same operations made
 * one by one as single calls from the same state (the oracle): when every
 * single call is accepted, the multicall is, and leaves the same frame
 * table, memory, nk state and CR3; when single call k is the first
 * refused, with e, the multicall is refused naming k and e, and changes
 * nothing. (NK_EMCFULL, the shadow's capacity, is allowed and changes
 * nothing.) */
static struct machine mc_seq;

static void do_multicall(struct rd *r)
{
	struct nk_op ops[8];
	size_t n = 1 + u8(r) % 8;
	logf_("multicall(%zu:", n);
	for (size_t i = 0; i < n; i++) {
		uint8_t b = u8(r);
		struct nk_op *o = &ops[i];
		memset(o, 0, sizeof(*o));
		o->kind = 1 + b % 4;
		if (b >= 0xfc)
			o->kind = b == 0xfc ? 0 : NK_OP_MAX + (b & 1); /* unknown kinds */
		if (o->kind == NK_OP_DECLARE_PTP) {
			uint8_t l = u8(r);
			o->a = pa_addr(pick_frame(u8(r)));
			o->arg = (l & 7) | (l & 8 ? NK_PTP_KERNEL : 0);
		} else if (o->kind == NK_OP_WRITE_PTE) {
			o->a = pa_addr(pick_ptp(u8(r)));
			o->arg = pick_index(r);
			o->b = make_pte(r);
		} else {
			uint8_t f = u8(r);
			o->a = pa_addr(f < 0x80 ? pick_ptp(f) : pick_frame(f));
			if (o->kind == NK_OP_REMOVE_PTP && (f & 1)) { /* a hint */
				o->b = pa_addr(pick_ptp(u8(r)));
				o->arg = pick_index(r);
			}
			if (o->kind == NK_OP_REMOVE_PTP && (f & 2))
				o->c = NK_RM_KEEP; /* the frame stays read-only (NK_FF_DMRO) */
		}
		logf_(" {%u, %#llx, %u, %#llx, %#llx}", o->kind, (unsigned long long)o->a, o->arg,
		      (unsigned long long)o->b, (unsigned long long)o->c);
	}
	logf_(")");
	before();
	long want = 0;
	size_t k;
	for (k = 0; k < n && !want; k++) {
		const struct nk_op *o = &ops[k];
		paddr_t a = pa_init(o->a);
		switch (o->kind) {
		case NK_OP_DECLARE_PTP:
			want = nk_declare_ptp_impl(a, o->arg);
			break;
		case NK_OP_REMOVE_PTP: /* NK_RM_KEEP: only a multicall has it */
			if (o->c) {
				long r1 = nk_multicall_impl(o, 1, 0);
				want = r1 ? -(long)nk_mc_error(r1) : 0;
			} else {
				want = nk_remove_ptp_impl(a);
			}
			break;
		case NK_OP_WRITE_PTE:
			want = nk_write_pte_impl(a, o->arg, o->b);
			break;
		case NK_OP_LOAD_CR3:
			want = nk_load_cr3_impl(a);
			break;
		default:
			want = -NK_EOP;
		}
	}
	save(&mc_seq, false);
	restore_from(&pre);
	long res = nk_multicall_impl(ops, n, 0);
	calls_total++;
	mc_total++;
	mc_accepted += res == 0 && n > 1;
	for (size_t i = 0; i < n && res == 0; i++)
		mc_kept += ops[i].kind == NK_OP_REMOVE_PTP && ops[i].c; /* NK_RM_KEEP performed */
	logf_(" = op %lu %s (singles: op %zu %s)\n", nk_mc_index(res), nk_strerror(res), k - 1,
	      nk_strerror(want));
	if (res && nk_mc_error(res) == NK_EMCFULL) {
		check_unchanged();
		return;
	}
	if (want) {
		if (nk_mc_index(res) != k - 1 || nk_mc_error(res) != -want)
			failure("multicall refusal differs from the single calls' first refusal");
		check_unchanged();
	} else {
		if (res)
			failure("multicall refused a list the single calls accept");
		if (memcmp(mc_seq.frames, nk.frames, sizeof(mc_seq.frames)) ||
		    memcmp(mc_seq.f2m, nk.f2m, sizeof(mc_seq.f2m)) ||
		    memcmp(mc_seq.dm_ptes, nk.dm_ptes, sizeof(mc_seq.dm_ptes)) ||
		    memcmp(&mc_seq.nk, &nk, offsetof(struct nk_state, batch)))
			failure("multicall's state differs from the single calls'");
		for (unsigned i = 0; i < ndirty; i++)
			if (memcmp(mc_seq.mem[i], fake_mem() + dirty[i] * PAGE_SIZE, PAGE_SIZE))
				failure("multicall's memory differs from the single calls'");
		if (fake_cpu.cr3 != mc_seq.cpu.cr3)
			failure("multicall's CR3 differs from the single calls'");
		for (size_t i = 0; i < n; i++)
			if (ops[i].kind == NK_OP_DECLARE_PTP && ndeclared < 64)
				declared[ndeclared++] = pa_init(ops[i].a);
	}
	check_cpu();
	if (nk_check_invariants_impl() != 0)
		failure("invariant checker");
}

/* A value near `cur`: one or two bits flipped, or raw. */
static uint64_t near_value(struct rd *r, uint64_t cur)
{
	uint8_t a = u8(r), b = u8(r);
	if (a == 0xff)
		return u64(r);
	uint64_t v = cur ^ (1ull << (a % 64));
	if (b & 0x80)
		v ^= 1ull << (b % 64);
	return v;
}

static void do_load_cr0(struct rd *r)
{
	uint64_t v = near_value(r, fake_cpu.cr0 | CR0_WP);
	logf_("load_cr0(%#llx)", (unsigned long long)v);
	before();
	long res = nk_load_cr0_impl(v);
	after(res);
	if (!res && fake_cpu.cr0 != (v & ~CR0_WP))
		failure("accepted load_cr0 did not write CR0 (WP left to the exit gate)");
	fake_cpu.cr0 |= CR0_WP; /* what the exit gate does */
}

static void do_load_cr4(struct rd *r)
{
	uint64_t v = near_value(r, fake_cpu.cr4);
	logf_("load_cr4(%#llx)", (unsigned long long)v);
	before();
	long res = nk_load_cr4_impl(v);
	after(res);
	if (!res && fake_cpu.cr4 != v)
		failure("accepted load_cr4 did not write CR4");
}

static const uint32_t msrs[] = {
    MSR_EFER,
    MSR_STAR,
    MSR_LSTAR,
    MSR_CSTAR,
    MSR_SFMASK,
    MSR_FS_BASE,
    MSR_GS_BASE,
    MSR_KERNEL_GS_BASE,
    0x1b /* APIC base */,
    0x10 /* TSC */,
    0xc0000103 /* TSC_AUX */,
    0x277 /* PAT */,
};

static void do_wrmsr(struct rd *r)
{
	uint32_t msr = msrs[u8(r) % (sizeof(msrs) / sizeof(msrs[0]))];
	const uint64_t *slot = fake_msr_slot(msr);
	uint8_t m = u8(r);
	uint64_t v = near_value(r, slot ? *slot : 0);
	if (m & 1) /* canonical edges */
		v = (m & 2) ? 0x00007fffffffffffull + (m >> 2 & 1)
			    : 0xffff800000000000ull - (m >> 2 & 1);
	logf_("wrmsr(%#x, %#llx)", msr, (unsigned long long)v);
	before();
	long res = nk_wrmsr_impl(msr, v);
	after(res);
	if (!res && (!slot || *slot != v))
		failure("accepted wrmsr did not write the MSR");
}

static void do_init_done(void)
{
	logf_("init_done()");
	before();
	long res = nk_init_done_impl();
	after(res);
	if (res || !nk.msrs_locked)
		failure("init_done did not lock the MSRs");
}

/* ---- libFuzzer entry points ---- */

static void report(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	double secs = (double)(t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
	printf("fuzz_vmmu: %llu vMMU calls in %llu inputs, %.1f s (%.0f calls/s), %llu multicalls "
	       "(%llu of 2+ operations accepted, %llu kept removes performed), no oracle failure\n",
	       (unsigned long long)calls_total, (unsigned long long)inputs_total, secs,
	       secs > 0 ? (double)calls_total / secs : 0.0, (unsigned long long)mc_total,
	       (unsigned long long)mc_accepted, (unsigned long long)mc_kept);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fx_setup(NULL);
	tables_init();
	save(&base, true);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	atexit(report);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	restore();
	loglen = 0;
	ndeclared = 0;
	inputs_total++;
	for (int op = 0; r.n && op < MAX_OPS; op++) {
		switch (u8(&r) % 11) {
		case 0:
		case 1:
			do_declare(&r);
			break;
		case 2:
			do_remove(&r);
			break;
		case 3:
		case 4:
			do_write_pte(&r);
			break;
		case 5:
			do_write_ptes(&r);
			break;
		case 6:
			do_load_cr3(&r);
			break;
		case 7:
			if (u8(&r) & 1)
				do_load_cr0(&r);
			else
				do_load_cr4(&r);
			break;
		case 8:
			do_wrmsr(&r);
			break;
		case 10:
			do_multicall(&r);
			break;
		default:
			do_init_done();
		}
	}
	if (getenv("FUZZ_VMMU_TRACE")) /* print the sequence of a replayed input */
		printf("%.*s", (int)loglen, logbuf);
	return 0;
}
