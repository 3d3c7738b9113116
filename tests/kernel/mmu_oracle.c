/* The MMU oracle (issue 16): an enumeration of page-table entries that asks
 * nk, through the real gate (nk_write_pte), to write each one into a scratch
 * table, checks nk's answer against a table of the spec's preconditions
 * (below, written from the spec, not from nk's headers), and, when nk
 * accepts, lets QEMU's MMU say what the entry grants: ring-0 read, write
 * and execute, the same with STAC for user pages, and ring 3 through a
 * tiny user stub. The oracle, per case:
 *   - no observed right is a write to a PTP, CODE, NK or PROTECTED frame
 *     or an nk-owned device page (I2, spec 4), nor a ring-0 execute of
 *     anything but CODE (I4); HOLE frames and MMIO are writable by design;
 *   - what the hardware does equals what a second walker (mmu_walk.c,
 *     SDM 4.5/4.6, no nk code) predicts from the tables nk wrote, also
 *     after a TLB fill and nk's downgrade or retype (I10), and a read
 *     returns the bytes of the frame the walker names;
 *   - a write that takes a right away is followed by a TLB flush nk counts
 *     (nk_stats.tlb_flushes): QEMU's TCG drops its whole TLB whenever
 *     CR0.WP changes, which every gate crossing does, so a flush nk left out
 *     would not show in the probes here (it would on hardware, where only
 *     a change of CR0.PG flushes, SDM 4.10.4.1);
 *   - a refusal carries a code of a violated precondition, an acceptance
 *     violates none, a refusal changes nothing;
 *   - nk's counters (wcount, maps, refs per frame; huge_maps, nondata per
 *     2 MiB) equal the walker's: per case for the frames the case touched
 *     (a shadow the walker keeps), and a full recount every few thousand
 *     cases and at the end.
 * Where: an L1 leaf, a 2 MiB and a 1 GiB leaf, a non-leaf entry at L2, L3
 * and L4, in the user and the kernel half, and an L4's kernel half. What:
 * DATA, a PTP of each level and half, nk's own (pinned) PTPs, CODE, NK,
 * PROTECTED, a HOLE frame in RAM, a frame below 1 MiB and the IOMMU's
 * registers (nk-owned device pages), MMIO above RAM; 2 MiB ranges of
 * DATA, with CODE, with PTPs, the first 2 MiB, above RAM, the IOMMU's.
 * `test mmu_oracle` runs a deterministic subset (make test, 69 k cases,
 * under a second); `test mmu_oracle_full` (make differential) the whole
 * enumeration (1.6 M cases, about 20 s). Both need the kernel console
 * (run=test:NAME) for everything: the ring-3 stub is entered with no
 * process; from a process (`nk test mmu_oracle`) the ring-3 probes are
 * skipped and interrupts stay off while it runs. One summary line reports
 * the cases, acceptances, refusals by code, probes and mismatches.
 *
 * Pruning (as kvm-unit-tests x86/access.c's ac_test_legal): an entry with
 * P=0 grants nothing whatever its other bits (SDM 4.5), so two stand for all
 * (zero, and every other bit set). Every combination of R/W, U/S, XD, G,
 * PWT, PCD, PAT, A and D (and PS in an L4 entry) is run. The high classes
 * (52-58 ignored, 59-62 key, MAXPHYADDR-51 reserved), bits 13-20 of a 2 MiB
 * leaf and 13-29 of a 1 GiB one are refused whatever the low bits: the
 * subset crosses one bit of each class with R/W, U/S and XD only, the full
 * run every bit with every low combination. An ancestor's R/W matters only
 * under a writable entry and its XD only under an executable one, and
 * ancestors in a half have the half's U (any other is refused), so each
 * ancestor's R/W and XD are taken away only there. The TLB-fill steps
 * (drop R/W, set XD, clear P, retype) follow every acceptance; the subset
 * skips them for leaves with a memory-type or history bit set (PWT, PCD,
 * PAT, A, D change no right, SDM 4.6, 11.12).
 * Source: issue 16; spec sections 3 (I1, I2, I4, I9, I10), 4, 5, 8; SDM
 * Vol. 3A 4.5, 4.6 (SMEP, SMAP), 4.10 (TLBs). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/trap.h>
#include <nk/vmmu.h>
#include <nk/region.h>
#include <x86/cpu.h>
#include <outer/drivers.h> /* TIMER_HZ */
#include "ktest.h"
#include "mmu_walk.h"

NK_NORETURN void oracle_enter_ring3(uint64_t rip, uint64_t rsp, uint64_t va, uint64_t op);
extern char oracle_r3_stub[], oracle_r3_stub_end[];

#define BIT(n) (1ull << (n))
#define HIGH_52_62 0x7ff0000000000000ull
#define MiB2 (1ull << 21)
#define GiB1 (1ull << 30)
#define RET 0xc3 /* the byte every execute probe jumps to (RET, SDM Vol. 2B) */

/* ---- The expected-code table: spec preconditions, each with its code ----
 * Written from ../shared/spec/nested-kernel.md and the SDM; the codes are
 * the names the vMMU ABI gives each precondition (spec 5: "a negative NK_E*
 * code that names the failed precondition"). A case violating several may
 * be refused with any of their codes. */
enum pre {
	PRE_KERNHALF, /* I9: entries 256-511 of an L4 are the master's */
	PRE_RSVD,     /* SDM 4.5: a reserved bit (MAXPHYADDR-51, PS in L4, 2M 20:13) */
	PRE_UNSUPP,   /* bits 52-62: ignored / protection key: nk names no frame with them */
	PRE_GLOBAL,   /* I10: nk flushes with a CR3 load, which keeps G entries (SDM 4.10.4.1) */
	PRE_HALF,     /* spec 8, I9: user half U=1, kernel half U=0, tables of the same half */
	PRE_NOTPTP,   /* I1: a non-leaf entry points to a declared PTP ... */
	PRE_LEVEL,    /* I1: ... of the level below */
	PRE_PINNED,   /* I8, I9: nk's own tables are linked by nk only */
	PRE_1G,	      /* spec 4 (nk's API): 1 GiB pages are nk's alone */
	PRE_HUGE,     /* spec 4: a huge leaf covers only DATA frames */
	PRE_DEVICE,   /* spec 4: no leaf of any size maps an nk-owned device page */
	PRE_PROT,     /* I2: no writable mapping of a PTP, NK, CODE or PROTECTED frame */
	PRE_EXEC,     /* I4: only CODE frames are supervisor-executable */
	PRE_N
};
static const struct {
	const char *what;
	int code;
} pre_table[PRE_N] = {
    [PRE_KERNHALF] = {"L4 kernel half", NK_EKERNHALF},
    [PRE_RSVD] = {"reserved bit", NK_ERESERVED},
    [PRE_UNSUPP] = {"bits 52-62", NK_ERESERVED},
    [PRE_GLOBAL] = {"G bit", NK_EGLOBAL},
    [PRE_HALF] = {"half", NK_EHALF},
    [PRE_NOTPTP] = {"non-leaf to a non-PTP", NK_ENOTPTP},
    [PRE_LEVEL] = {"non-leaf to a PTP of another level", NK_EWRONGLEVEL},
    [PRE_PINNED] = {"non-leaf to nk's own PTP", NK_EPINNED},
    [PRE_1G] = {"1 GiB leaf", NK_EHUGE},
    [PRE_HUGE] = {"2 MiB leaf over non-DATA", NK_EHUGE},
    [PRE_DEVICE] = {"nk-owned device page", NK_EDEVICE},
    [PRE_PROT] = {"writable leaf to a protected type", NK_EPROT},
    [PRE_EXEC] = {"supervisor-executable non-CODE", NK_EEXEC},
};

/* ---- state ---- */

enum acc { ACC_R, ACC_W, ACC_X };

/* What a target frame is, as the test set it up (checked against nk's
 * frame table once, at setup). */
struct target {
	const char *name;
	uint64_t pa;  /* 4 KiB frame, or the 2 MiB / 1 GiB base */
	int ret_off;  /* offset of a RET byte in it, -1 none known */
	unsigned ptp; /* 1..4 when it is a PTP */
	bool khalf, pinned;
};

/* An entry above the one enumerated (its value while the probes run). */
struct anc {
	paddr_t ptp;
	unsigned index, level;
	uint64_t val;
};

/* Where the entry sits: entry `index` of PTP `ptp` (level, half); va the
 * address the probes use (va_x for execute: a non-leaf position's tree
 * holds a RET there); the entries above it whose R/W and XD are varied
 * (anc[0] the parent). */
struct pos {
	const char *name;
	unsigned level;
	bool khalf, leaf, probe;
	paddr_t ptp;
	unsigned index;
	uint64_t va, va_x;
	struct anc anc[3];
	unsigned nanc;
};

#define TARGETS_MAX 24
#define POS_MAX 16
static struct oracle {
	bool full, ring3;
	struct mw_machine m;
	struct mw_counts sh, rc; /* the shadow, a recount */
	paddr_t l4u, l3u, l2u, l1u, l3s, l2s, l1s, k2, k1, heap_l3;
	unsigned hk, hk2;
	paddr_t d, dt, sc, ss;
	paddr_t t1u, t2u, t3u, t4, t1k, t2k, t3k;
	uint64_t stub_va, stack_top, iommu_pfn, above;
	bool has_iommu;
	struct target t4k[TARGETS_MAX], t2m[8], t1g[2];
	unsigned n4k, n2m, n1g;
	struct pos pos[POS_MAX];
	unsigned npos;
	int code_ret;
	paddr_t code;
	/* the report */
	uint64_t cases, accepted, refused[NK_EMAX], mismatches, probes, skipped, recounts,
	    i10_steps, violations, last_recount;
	uint64_t granted[2][3]; /* [ring 3][acc]: probes the hardware let through */
	unsigned printed;
	bool setup_failed;
} o;

/* A mismatch: counted; the first few printed as KTAP diagnostics. */
#define mismatch(...)                                                                              \
	do {                                                                                       \
		o.mismatches++;                                                                    \
		if (o.printed++ < 12) {                                                            \
			kprintf("    # mismatch: ");                                               \
			kprintf(__VA_ARGS__);                                                      \
			kprintf("\n");                                                             \
		}                                                                                  \
	} while (0)

static bool removes_right(unsigned level, uint64_t old, uint64_t new);

/* ---- small helpers ---- */

static const uint64_t *dm_table(void *ctx, uint64_t pa)
{
	(void)ctx;
	return pa_to_dm(pa_init(pa));
}

static uint64_t *slot_of(paddr_t ptp, unsigned index)
{
	return (uint64_t *)pa_to_dm(ptp) + index;
}

static uint8_t ftype(uint64_t pa)
{
	uint64_t pfn = pa >> 12;
	return pfn < nk_view->nframes ? nk_view->frames[pfn].type : (uint8_t)NK_F_HOLE;
}

/* The nk-owned device pages of spec 4 this machine has: the IOMMU's
 * register page, and the frames below 1 MiB (nk's: legacy, trampoline). */
static bool nkdev(uint64_t pa)
{
	uint64_t pfn = pa >> 12;
	return pfn < 0x100 || (o.has_iommu && pfn == o.iommu_pfn);
}

/* Offset of the first RET byte in the 4 KiB RAM frame at pa, -1 none. */
static int find_ret(uint64_t pa)
{
	if (ftype(pa) == NK_F_HOLE)
		return -1;
	const uint8_t *b = pa_to_dm(pa_init(pa));
	for (int i = 0; i < 4096; i++)
		if (b[i] == RET)
			return i;
	return -1;
}

/* ---- the model: which preconditions entry e at p violates ---- */

static uint64_t violated(const struct pos *p, uint64_t e, const struct target *t)
{
	uint64_t v = 0;
	if (p->level == 4 && p->index >= 256)
		return BIT(PRE_KERNHALF);
	if (!(e & SDM_P))
		return 0;
	if (mw_rsvd_bits(&o.m, p->level, e))
		v |= BIT(PRE_RSVD);
	if (e & HIGH_52_62)
		v |= BIT(PRE_UNSUPP);
	if (e & SDM_G)
		v |= BIT(PRE_GLOBAL);
	if (!!(e & SDM_US) == p->khalf)
		v |= BIT(PRE_HALF);
	bool sup_exec = !(e & SDM_US) && !(e & SDM_XD);
	if (!mw_leaf(p->level, e)) {
		if (!t->ptp)
			v |= BIT(PRE_NOTPTP);
		else if (t->ptp != p->level - 1)
			v |= BIT(PRE_LEVEL);
		else {
			if (t->khalf != p->khalf)
				v |= BIT(PRE_HALF);
			if (t->pinned)
				v |= BIT(PRE_PINNED);
		}
		return v;
	}
	if (p->level == 3)
		return v | BIT(PRE_1G);
	if (p->level == 2) {
		for (uint64_t pa = t->pa; pa < t->pa + MiB2; pa += PAGE_SIZE) {
			if ((pa >> 12) < nk_view->nframes && ftype(pa) != NK_F_DATA)
				v |= BIT(PRE_HUGE);
			if (nkdev(pa))
				v |= BIT(PRE_DEVICE);
		}
		return sup_exec ? v | BIT(PRE_EXEC) : v;
	}
	uint8_t ty = ftype(t->pa);
	if (nkdev(t->pa))
		v |= BIT(PRE_DEVICE);
	if ((e & SDM_RW) && ty != NK_F_DATA && ty != NK_F_HOLE)
		v |= BIT(PRE_PROT);
	if (sup_exec && ty != NK_F_CODE)
		v |= BIT(PRE_EXEC);
	return v;
}

/* ---- the counters: the shadow, per case, and full recounts ---- */

/* The walker's view of this machine: nk's tables through the direct map. */
static void machine_init(struct mw_machine *m)
{
	const struct nk_view *v = nk_view;
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u));
	*m = (struct mw_machine){dm_table,
				 NULL,
				 v->frames,
				 v->nframes,
				 pa_addr(v->master_l4),
				 v->direct_map_base,
				 v->nframes * PAGE_SIZE,
				 a & 0xff};
}

static void counters_alloc(struct mw_counts *c, uint64_t n)
{
	c->wcount = kmalloc(n * 4);
	c->maps = kmalloc(n * 4);
	c->refs = kmalloc(n * 4);
	c->huge = kmalloc(n / 512 * 4 + 4);
	c->nondata = kmalloc(n / 512 * 4 + 4);
	c->seen = kmalloc(n);
}

static void counters_free(struct mw_counts *c)
{
	kfree(c->wcount);
	kfree(c->maps);
	kfree(c->refs);
	kfree(c->huge);
	kfree(c->nondata);
	kfree(c->seen);
}

static bool counters_ok(const struct mw_counts *c)
{
	return c->wcount && c->maps && c->refs && c->huge && c->nondata && c->seen;
}

/* Full recount; compare with nk; the shadow becomes the recount. */
static void recount(const char *when)
{
	mw_recount(&o.m, &o.rc);
	o.recounts++;
	uint64_t first = 0;
	const char *what = "";
	uint64_t bad = mw_compare(&o.m, &o.rc, nk_view->frames, nk_view->frames2m, &first, &what);
	if (bad)
		mismatch("recount (%s): %lu frames differ, first pfn %lx (%s: nk %u/%u/%u, "
			 "walker %u/%u/%u wcount/maps/refs)",
			 when, bad, first, what, nk_view->frames[first].wcount,
			 nk_view->frames[first].maps, nk_view->frames[first].refs,
			 o.rc.wcount[first], o.rc.maps[first], o.rc.refs[first]);
	if (o.rc.i1_bad || o.rc.i9_bad || o.rc.rsvd)
		mismatch("walker (%s): %lu entries to non-PTPs, %lu kernel-half copies differ, %lu "
			 "reserved, first at %lx",
			 when, o.rc.i1_bad, o.rc.i9_bad, o.rc.rsvd, o.rc.bad_pa);
	struct mw_counts t = o.sh;
	o.sh = o.rc;
	o.rc = t;
}

static void check_frame(uint64_t pa, const char *why)
{
	const char *what = "";
	uint64_t pfn = pa >> 12;
	if (!mw_compare_frame(&o.m, &o.sh, nk_view->frames, nk_view->frames2m, pfn, &what))
		mismatch("counter %s of pfn %lx after %s: nk %u/%u/%u huge %u, walker %u/%u/%u "
			 "huge %u",
			 what, pfn, why, nk_view->frames[pfn].wcount, nk_view->frames[pfn].maps,
			 nk_view->frames[pfn].refs, nk_view->frames2m[pfn >> 9].huge_maps,
			 o.sh.wcount[pfn], o.sh.maps[pfn], o.sh.refs[pfn], o.sh.huge[pfn >> 9]);
}

/* An nk_write_pte the enumeration relies on (scaffolding): must succeed;
 * the shadow follows it. */
static bool owrite(paddr_t ptp, unsigned level, unsigned index, uint64_t e)
{
	uint64_t old = *slot_of(ptp, index), flushes = nk_view->stats.tlb_flushes;
	long r = nk_write_pte(ptp, index, e);
	if (r == 0 && removes_right(level, old, e) && nk_view->stats.tlb_flushes == flushes)
		mismatch("I10: %lx[%u] %lx -> %lx takes a right away, no TLB flush", pa_addr(ptp),
			 index, old, e);
	if (r) {
		mismatch("scaffolding write %lx[%u] = %lx: %s", pa_addr(ptp), index, e,
			 nk_strerror(r));
		return false;
	}
	mw_entry_delta(&o.m, &o.sh, level, old, -1);
	mw_entry_delta(&o.m, &o.sh, level, e, +1);
	return true;
}

/* ---- probes ---- */

static inline void stac(void)
{
	__asm__ volatile("stac" ::: "memory", "cc");
}
static inline void clac(void)
{
	__asm__ volatile("clac" ::: "memory", "cc");
}

/* A fault came back with interrupts off (an interrupt gate): on again,
 * unless a process is current (its timer tick could switch CR3 away from
 * the scratch L4 in the middle of a case). */
static void irq_after_fault(void)
{
	if (o.ring3)
		irq_enable();
}

/* 1 when a ring-0 access of kind acc at va went through, 0 when a #PF at
 * va's page stopped it, -1 for any other fault. *val: the 8 bytes read. */
static int probe_r0(uint64_t va, enum acc acc, bool ac, uint64_t *val)
{
	struct recovery rec;
	volatile uint64_t v = 0;
	o.probes++;
	if (recover_arm(&rec) == 0) {
		if (ac)
			stac();
		if (acc == ACC_X) {
			__asm__ volatile("call *%0"
					 :
					 : "r"(va)
					 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
					   "r11", "memory", "cc");
		} else {
			uint64_t x;
			__asm__ volatile("movq (%1), %0" : "=r"(x) : "r"(va & ~7ull) : "memory");
			v = x;
			if (acc == ACC_W) {
				uint8_t b = *(volatile uint8_t *)va;
				*(volatile uint8_t *)va = b; /* the same byte back */
			}
		}
		clac();
		recover_disarm();
		*val = v;
		return 1;
	}
	clac();
	irq_after_fault();
	if (rec.fault.vector == 14 && (rec.fault.addr >> 12) == (va >> 12))
		return 0;
	mismatch("ring-0 %s at %lx: vector %lu error %lx at %lx (%s)",
		 acc == ACC_R	? "read"
		 : acc == ACC_W ? "write"
				: "exec",
		 va, rec.fault.vector, rec.fault.error, rec.fault.addr, rec.fault.why);
	return -1;
}

/* The same from ring 3 through the user stub: UD2 after the access (#UD in
 * the stub's page) means it went through. */
static int probe_r3(uint64_t va, enum acc acc)
{
	struct recovery rec;
	o.probes++;
	if (recover_arm(&rec) == 0)
		oracle_enter_ring3(o.stub_va, o.stack_top, va, acc);
	irq_after_fault();
	if (rec.fault.vector == 6 && (rec.fault.rip >> 12) == (o.stub_va >> 12))
		return 1;
	if (rec.fault.vector == 14 && (rec.fault.addr >> 12) == (va >> 12))
		return 0;
	mismatch("ring-3 %s at %lx: vector %lu error %lx rip %lx addr %lx",
		 acc == ACC_R	? "read"
		 : acc == ACC_W ? "write"
				: "exec",
		 va, rec.fault.vector, rec.fault.error, rec.fault.rip, rec.fault.addr);
	return -1;
}

/* Whether a write the hardware allowed is one I2/spec 4 allows. */
static bool write_allowed(uint64_t pa)
{
	if (nkdev(pa))
		return false;
	uint8_t t = ftype(pa);
	return t == NK_F_DATA || t == NK_F_HOLE;
}

/* One probe compared: the hardware's answer `got` with the walker's
 * prediction `want`, and the I2/I4 rule on what was granted. */
static const char *const acc_names[] = {"read", "write", "execute"};

static void judge(const char *who, enum acc acc, int got, bool want, uint64_t va,
		  const struct mw_xlate *x, const char *cname)
{
	if (got < 0)
		return;
	if (got)
		o.granted[who[5] == '3'][acc]++;
	if (got != (int)want)
		mismatch("%s: %s %s at %lx: hardware %s, walker %s (tables nk wrote)", cname, who,
			 acc_names[acc], va, got ? "allowed" : "faulted",
			 want ? "allows" : "faults");
	if (got && acc == ACC_W && !write_allowed(x->pa)) {
		o.violations++;
		mismatch("%s: I2: %s write to pa %lx (type %s)", cname, who, x->pa,
			 ftype_name(ftype(x->pa)));
	}
	if (got && acc == ACC_X && who[5] == '0' && ftype(x->pa) != NK_F_CODE) { /* ring-0* */
		o.violations++;
		mismatch("%s: I4: ring-0 execute of pa %lx (type %s)", cname, x->pa,
			 ftype_name(ftype(x->pa)));
	}
}

/* Probe va (reads, writes) and va_x (execute) at every privilege the entry
 * may grant, and judge each. */
static void probe_all(uint64_t va, uint64_t va_x, const char *cname)
{
	struct mw_xlate x, xx;
	uint64_t l4 = read_cr3() & ~0xfffull, val = 0;
	mw_translate(&o.m, l4, va, &x);
	if (x.i1)
		mismatch("%s: the walk of %lx goes through a frame nk did not declare", cname, va);
	if (x.rsvd) {
		/* a reserved bit: the hardware faults with RSVD=1, which the outer
		 * kernel's fault handler would retry forever (spurious_pf); the
		 * acceptance itself is the mismatch */
		o.skipped++;
		return;
	}
	bool pr = x.present;
	/* ring 0, no STAC: a user page is out of reach (SMAP, SMEP) */
	int g = probe_r0(va, ACC_R, false, &val);
	judge("ring-0", ACC_R, g, pr && !x.u, va, &x, cname);
	if (g == 1 && ftype(x.pa) != NK_F_HOLE &&
	    val != *(const uint64_t *)pa_to_dm(pa_init(x.pa & ~7ull)))
		mismatch("%s: read at %lx returned %lx, not pa %lx's bytes (a stale translation)",
			 cname, va, val, x.pa);
	if (!nkdev(x.pa)) {
		g = probe_r0(va, ACC_W, false, &val);
		judge("ring-0", ACC_W, g, pr && !x.u && x.w, va, &x, cname);
	} else
		o.skipped++;
	if (va_x) {
		mw_translate(&o.m, l4, va_x, &xx);
		bool prx = xx.present && !xx.rsvd;
		bool ret_there = prx && ftype(xx.pa) != NK_F_HOLE &&
				 *(const uint8_t *)pa_to_dm(pa_init(xx.pa)) == RET;
		if (ret_there || !prx) {
			g = probe_r0(va_x, ACC_X, false, &val);
			judge("ring-0", ACC_X, g, prx && !xx.u && xx.x, va_x, &xx, cname);
		} else
			o.skipped++;
		if (xx.u && o.ring3 && (ret_there || !prx)) {
			g = probe_r3(va_x, ACC_X);
			judge("ring-3", ACC_X, g, prx && xx.x, va_x, &xx, cname);
		}
	}
	if (!x.u)
		return;
	/* a user page: ring 0 with STAC, then ring 3 */
	g = probe_r0(va, ACC_R, true, &val);
	judge("ring-0+stac", ACC_R, g, pr, va, &x, cname);
	if (!nkdev(x.pa)) {
		g = probe_r0(va, ACC_W, true, &val);
		judge("ring-0+stac", ACC_W, g, pr && x.w, va, &x, cname);
	}
	if (!o.ring3)
		return;
	g = probe_r3(va, ACC_R);
	judge("ring-3", ACC_R, g, pr, va, &x, cname);
	if (!nkdev(x.pa)) {
		g = probe_r3(va, ACC_W);
		judge("ring-3", ACC_W, g, pr && x.w, va, &x, cname);
	}
}

/* ---- one case ---- */

/* The addresses a case's probes use: a leaf's page at its target's RET
 * (reads and writes there too), a non-leaf position's fixed tree; va_x 0:
 * no RET known, no execute probe. */
static void probe_addrs(const struct pos *p, const struct target *t, uint64_t *va, uint64_t *va_x)
{
	if (!p->leaf) {
		*va = p->va;
		*va_x = p->va_x;
		return;
	}
	*va = p->va + (t->ret_off > 0 ? (uint64_t)t->ret_off : 0);
	*va_x = t->ret_off >= 0 ? p->va + (uint64_t)t->ret_off : 0;
}

/* Count one of nk's answers (0 or -NK_E*) in the report. */
static void count_answer(long r)
{
	o.cases++;
	if (r == 0)
		o.accepted++;
	else if (-r < NK_EMAX)
		o.refused[-r]++;
}

static void codes_of(uint64_t v, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < PRE_N; i++)
		if (v & BIT(i))
			n += (size_t)ksnprintf(buf + n, cap - n, "%s%s", n ? "|" : "",
					       nk_strerror(pre_table[i].code));
}

/* Whether replacing entry old (at level) by new takes a right away that a
 * TLB or paging-structure cache may hold: the frame, presence, size, R/W,
 * U/S or XD (SDM 4.10.4.3: such a change needs an invalidation; adding a
 * right does not, memory-type bits are not rights). */
static bool removes_right(unsigned level, uint64_t old, uint64_t new)
{
	if (!(old & SDM_P))
		return false;
	if (!(new &SDM_P) || mw_frame(&o.m, level, old) != mw_frame(&o.m, level, new) ||
	    mw_leaf(level, old) != mw_leaf(level, new))
		return true;
	return ((old & SDM_RW) && !(new &SDM_RW)) || ((old & SDM_US) && !(new &SDM_US)) ||
	       (!(old & SDM_XD) && (new &SDM_XD));
}

/* Ask nk to write e at p (target t); judge the answer; probe an
 * acceptance. Returns nk's answer. QEMU's TCG flushes its whole TLB when
 * CR0.WP changes, which every gate crossing does, so a flush nk leaves out
 * is invisible to the probes here (it is not on hardware, SDM 4.10.4.1):
 * nk's flush count (nk_stats.tlb_flushes) must grow when a right goes. */
static long run_case(const struct pos *p, uint64_t e, const struct target *t)
{
	uint64_t *slot = slot_of(p->ptp, p->index), old = *slot;
	uint64_t v = violated(p, e, t);
	uint64_t flushes = nk_view->stats.tlb_flushes;
	long r = nk_write_pte(p->ptp, p->index, e);
	count_answer(r);
	char want[96];
	if (r == 0) {
		if (v) {
			codes_of(v, want, sizeof(want));
			mismatch("%s %s e=%lx: accepted, spec: %s", p->name, t->name, e, want);
		}
		if (*slot != e)
			mismatch("%s: accepted but the entry reads %lx", p->name, *slot);
		mw_entry_delta(&o.m, &o.sh, p->level, old, -1);
		mw_entry_delta(&o.m, &o.sh, p->level, e, +1);
		check_frame(mw_frame(&o.m, p->level, old), p->name);
		check_frame(mw_frame(&o.m, p->level, e), p->name);
		if (removes_right(p->level, old, e) && nk_view->stats.tlb_flushes == flushes)
			mismatch("%s %s: I10: %lx -> %lx takes a right away, no TLB flush", p->name,
				 t->name, old, e);
	} else {
		uint64_t code = (uint64_t)-r;
		bool in = false;
		for (int i = 0; i < PRE_N; i++)
			in |= (v & BIT(i)) && pre_table[i].code == (int)code;
		if (!in) {
			codes_of(v, want, sizeof(want));
			mismatch("%s %s e=%lx: refused %s, spec: %s", p->name, t->name, e,
				 nk_strerror(r), v ? want : "accept");
		}
		if (*slot != old)
			mismatch("%s: refused but the entry changed %lx -> %lx", p->name, old,
				 *slot);
	}
	if (r == 0 && p->probe && (e & SDM_P)) {
		char cname[48];
		ksnprintf(cname, sizeof(cname), "%s %s e=%lx", p->name, t->name, e);
		uint64_t va, va_x;
		probe_addrs(p, t, &va, &va_x);
		probe_all(va, va_x, cname);
	}
	return r;
}

/* The probes again with each ancestor's R/W, then its XD, taken away. */
static void vary_parents(const struct pos *p, uint64_t e, const struct target *t)
{
	uint64_t va, va_x;
	probe_addrs(p, t, &va, &va_x);
	for (unsigned i = 0; i < p->nanc; i++) {
		const struct anc *a = &p->anc[i];
		if (e & SDM_RW) {
			if (owrite(a->ptp, a->level, a->index, a->val & ~SDM_RW))
				probe_all(va, va_x, i ? "ancestor R/W=0" : "parent R/W=0");
			owrite(a->ptp, a->level, a->index, a->val);
		}
		if (!(e & SDM_XD)) {
			if (owrite(a->ptp, a->level, a->index, a->val | SDM_XD))
				probe_all(va, va_x, i ? "ancestor XD=1" : "parent XD=1");
			owrite(a->ptp, a->level, a->index, a->val);
		}
	}
}

/* After the probes filled the TLB: nk downgrades or retypes, the probes
 * must see it (I10). */
static void tlb_steps(const struct pos *p, uint64_t e, const struct target *t)
{
	o.i10_steps++;
	bool is_d = p->level == 1 && t->pa == pa_addr(o.d);
	if (e & SDM_RW) {
		if (is_d) { /* a writable mapping exists: no retype (I2) */
			long r = nk_declare_ptp(o.d, 1);
			count_answer(r);
			if (r != -NK_EWRITABLE)
				mismatch("%s: declare of a writably mapped DATA frame: %s", p->name,
					 nk_strerror(r));
			if (r == 0)
				nk_remove_ptp(o.d);
		}
		run_case(p, e & ~SDM_RW, t);
	}
	if (is_d && !(*slot_of(p->ptp, p->index) & SDM_RW)) {
		unsigned lv = 1 | (p->khalf ? NK_PTP_KERNEL : 0);
		long r = nk_declare_ptp(o.d, lv);
		count_answer(r);
		if (r) {
			mismatch("%s: declare of a read-only mapped DATA frame: %s", p->name,
				 nk_strerror(r));
		} else {
			o.sh.nondata[pa_pfn(o.d) >> 9]++;
			probe_all(p->va, 0, "retyped to PTP");
			r = nk_remove_ptp(o.d);
			if (r)
				mismatch("remove_ptp of the retyped frame: %s", nk_strerror(r));
			else
				o.sh.nondata[pa_pfn(o.d) >> 9]--;
			uint8_t *b = pa_to_dm(o.d);
			b[0] = RET;
			memcpy(b + 1, "oracle", 7);
		}
	}
	if (!(e & SDM_XD))
		run_case(p, *slot_of(p->ptp, p->index) | SDM_XD, t);
	run_case(p, 0, t);
}

/* ---- the enumeration ---- */

/* The bits of one case, apart from the frame: every combination of P=1
 * with R/W, U/S, XD, G, PWT, PCD, PAT, A, D (and PS in an L4 entry).
 * Returns how many it wrote into out. */
static unsigned low_variants(const struct pos *p, uint64_t *out, unsigned cap)
{
	uint64_t dims[10];
	unsigned nd = 0;
	dims[nd++] = SDM_RW;
	dims[nd++] = SDM_US;
	dims[nd++] = SDM_XD;
	dims[nd++] = SDM_G;
	uint64_t pat = p->leaf ? (p->level == 1 ? SDM_PS : SDM_PAT2M) : 0;
	dims[nd++] = SDM_PWT;
	dims[nd++] = SDM_PCD;
	if (pat)
		dims[nd++] = pat;
	dims[nd++] = SDM_A;
	dims[nd++] = SDM_D;
	if (p->level == 4)
		dims[nd++] = SDM_PS; /* reserved in an L4 entry */
	unsigned n = 0;
	for (uint64_t m = 0; m < (1ull << nd) && n < cap; m++) {
		uint64_t e = SDM_P | (p->leaf && p->level > 1 ? SDM_PS : 0);
		for (unsigned i = 0; i < nd; i++)
			if (m & BIT(i))
				e |= dims[i];
		out[n++] = e;
	}
	return n;
}

/* The classes refused whatever the low bits: each bit (MAXPHYADDR-51,
 * 52-58, 59-62, 13-20 of a 2 MiB leaf, 13-29 of a 1 GiB one) crossed with
 * R/W, U/S, XD in the subset (one bit per class) and with every low
 * combination in the full run (every bit). */
static unsigned high_variants(const struct pos *p, const uint64_t *low, unsigned nlow,
			      uint64_t *out, unsigned cap)
{
	uint64_t bits[64];
	unsigned nb = 0;
	unsigned m = o.m.maxphyaddr;
	if (o.full) {
		for (unsigned b = 52; b <= 62; b++)
			bits[nb++] = BIT(b);
		for (unsigned b = m; b <= 51; b++)
			bits[nb++] = BIT(b);
		if (p->leaf && p->level == 2)
			for (unsigned b = 13; b <= 20; b++)
				bits[nb++] = BIT(b);
		if (p->leaf && p->level == 3)
			for (unsigned b = 13; b <= 29; b++)
				bits[nb++] = BIT(b);
	} else {
		bits[nb++] = BIT(52);
		bits[nb++] = BIT(SDM_PK_SHIFT);
		if (m <= 51)
			bits[nb++] = BIT(m);
		if (p->leaf && p->level == 2)
			bits[nb++] = BIT(13);
		if (p->leaf && p->level == 3)
			bits[nb++] = BIT(29);
	}
	unsigned n = 0;
	if (o.full) { /* every class bit with every low combination */
		for (unsigned i = 0; i < nb; i++)
			for (unsigned k = 0; k < nlow && n < cap; k++)
				out[n++] = low[k] | bits[i];
		return n;
	}
	for (unsigned i = 0; i < nb; i++)
		for (unsigned k = 0; k < 8 && n < cap; k++) {
			uint64_t e = SDM_P | (p->leaf && p->level > 1 ? SDM_PS : 0) | bits[i];
			e |= (k & 1 ? SDM_RW : 0) | (k & 2 ? SDM_US : 0) | (k & 4 ? SDM_XD : 0);
			out[n++] = e;
		}
	return n;
}

static uint64_t variants[1024 + 48 * 1024];

static void run_position(const struct pos *p)
{
	const struct target *ts = o.t4k;
	unsigned nt = o.n4k;
	if (p->leaf && p->level == 2) {
		ts = o.t2m;
		nt = o.n2m;
	} else if (p->leaf && p->level == 3) {
		ts = o.t1g;
		nt = o.n1g;
	}
	unsigned nlow = low_variants(p, variants, ARRAY_SIZE(variants));
	const uint64_t pat = p->level == 1 ? SDM_PS : SDM_PAT2M;
	unsigned nv =
	    nlow + high_variants(p, variants, nlow, variants + nlow, ARRAY_SIZE(variants) - nlow);
	for (unsigned ti = 0; ti < nt; ti++) {
		const struct target *t = &ts[ti];
		/* not present: nothing, or every other bit */
		run_case(p, 0, t);
		run_case(p, ~SDM_P, t);
		for (unsigned i = 0; i < nv; i++) {
			uint64_t bits = variants[i];
			uint64_t e = t->pa | bits;
			long r = run_case(p, e, t);
			/* memory type and history bits change no right: the
			 * TLB-fill and ancestor steps skip them in the subset */
			bool plain = o.full || !p->leaf ||
				     !(bits & (SDM_PWT | SDM_PCD | SDM_A | SDM_D | pat));
			if (r == 0 && p->probe && plain && i < nlow) {
				vary_parents(p, e, t);
				tlb_steps(p, e, t);
			}
			if (o.cases - o.last_recount >= (o.full ? 1024 : 4096)) {
				o.last_recount = o.cases;
				recount("during the enumeration");
			}
		}
		run_case(p, 0, t);
	}
}

/* ---- setup and teardown ---- */

static paddr_t new_ptp(unsigned level)
{
	paddr_t f = frame_alloc();
	if (!pa_addr(f) || nk_declare_ptp(f, level)) {
		o.setup_failed = true;
		kprintf("    # setup: cannot declare a level-%u PTP\n", level & 0xff);
	}
	return f;
}

static void add_target(struct target *arr, unsigned *n, const char *name, uint64_t pa, int ret,
		       unsigned ptp, bool khalf, bool pinned)
{
	if (*n >= TARGETS_MAX)
		return;
	arr[(*n)++] = (struct target){name, pa, ret, ptp, khalf, pinned};
}

/* The PTP a walk of va from the master L4 reaches at `level` (image tables). */
static uint64_t master_table(uint64_t va, unsigned level)
{
	uint64_t t = pa_addr(nk_view->master_l4);
	for (unsigned l = 4; l > level; l--) {
		uint64_t e = dm_table(NULL, t)[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(e & SDM_P) || mw_leaf(l, e))
			return 0;
		t = mw_frame(&o.m, l, e);
	}
	return t;
}

static struct pos *add_pos(const char *name, unsigned level, bool khalf, bool leaf, paddr_t ptp,
			   unsigned index, uint64_t va, uint64_t va_x)
{
	struct pos *p = &o.pos[o.npos++];
	*p = (struct pos){.name = name,
			  .level = level,
			  .khalf = khalf,
			  .leaf = leaf,
			  .probe = true,
			  .ptp = ptp,
			  .index = index,
			  .va = va,
			  .va_x = va_x};
	return p;
}

/* Add the entry ptp[index] (at level, holding val) above p. */
static void add_anc(struct pos *p, paddr_t ptp, unsigned index, unsigned level, uint64_t val)
{
	p->anc[p->nanc++] = (struct anc){ptp, index, level, val};
}

#define UTAB (SDM_P | SDM_RW | SDM_US)
#define KTAB (SDM_P | SDM_RW)

static bool setup(void)
{
	const struct nk_view *v = nk_view;
	machine_init(&o.m);
	counters_alloc(&o.sh, v->nframes);
	counters_alloc(&o.rc, v->nframes);
	if (!counters_ok(&o.sh) || !counters_ok(&o.rc)) {
		kprintf("    # setup: no memory for the walker's counters\n");
		return false;
	}
	/* two free kernel L3 slots of the heap's 512 GiB (its low end grows up,
	 * MMIO takes the upper half) */
	o.heap_l3 = v->heap_l3;
	o.hk = o.hk2 = 0;
	for (unsigned i = 255; i > 1 && !o.hk2; i--)
		if (!*slot_of(o.heap_l3, i)) {
			if (!o.hk)
				o.hk = i;
			else
				o.hk2 = i;
		}
	if (!o.hk2) {
		kprintf("    # setup: no free heap L3 slot\n");
		return false;
	}
	o.l4u = new_ptp(4);
	o.l3u = new_ptp(3);
	o.l2u = new_ptp(2);
	o.l1u = new_ptp(1);
	o.l3s = new_ptp(3);
	o.l2s = new_ptp(2);
	o.l1s = new_ptp(1);
	o.k2 = new_ptp(2 | NK_PTP_KERNEL);
	o.k1 = new_ptp(1 | NK_PTP_KERNEL);
	o.t1u = new_ptp(1);
	o.t2u = new_ptp(2);
	o.t3u = new_ptp(3);
	o.t4 = new_ptp(4);
	o.t1k = new_ptp(1 | NK_PTP_KERNEL);
	o.t2k = new_ptp(2 | NK_PTP_KERNEL);
	o.t3k = new_ptp(3 | NK_PTP_KERNEL);
	o.d = frame_alloc();
	o.dt = frame_alloc();
	o.sc = frame_alloc();
	o.ss = frame_alloc();
	if (o.setup_failed || !pa_addr(o.d) || !pa_addr(o.dt) || !pa_addr(o.sc) || !pa_addr(o.ss))
		return false;
	for (paddr_t f = o.d;; f = o.dt) {
		uint8_t *p = pa_to_dm(f);
		memset(p, 0, PAGE_SIZE);
		p[0] = RET;
		memcpy(p + 1, f.pa == o.d.pa ? "oracle" : "target", 7);
		if (f.pa == o.dt.pa)
			break;
	}
	memset(pa_to_dm(o.sc), 0, PAGE_SIZE);
	memcpy(pa_to_dm(o.sc), oracle_r3_stub,
	       (size_t)((uint64_t)oracle_r3_stub_end - (uint64_t)oracle_r3_stub));
	mw_recount(&o.m, &o.sh); /* the shadow starts from the tables */

	const uint64_t base_u = 1ull << 39, kbase = HEAP_BASE + (uint64_t)o.hk * GiB1;
	o.code = kimg_to_pa(va_init((uint64_t)&kprintf & ~0xfffull));
	o.code_ret = find_ret(pa_addr(o.code));
	bool ok = true;
	/* the scaffolding: user chain, stub, kernel chain, target trees */
	ok &= owrite(o.l4u, 4, 1, pa_addr(o.l3u) | UTAB);
	ok &= owrite(o.l3u, 3, 0, pa_addr(o.l2u) | UTAB);
	ok &= owrite(o.l2u, 2, 0, pa_addr(o.l1u) | UTAB);
	ok &= owrite(o.l4u, 4, 2, pa_addr(o.l3s) | UTAB);
	ok &= owrite(o.l3s, 3, 0, pa_addr(o.l2s) | UTAB);
	ok &= owrite(o.l2s, 2, 0, pa_addr(o.l1s) | UTAB);
	ok &= owrite(o.l1s, 1, 0, pa_addr(o.sc) | SDM_P | SDM_US);
	ok &= owrite(o.l1s, 1, 1, pa_addr(o.ss) | SDM_P | SDM_RW | SDM_US | SDM_XD);
	ok &= owrite(o.heap_l3, 3, o.hk, pa_addr(o.k2) | KTAB);
	ok &= owrite(o.k2, 2, 0, pa_addr(o.k1) | KTAB);
	ok &= owrite(o.t1u, 1, 0, pa_addr(o.dt) | SDM_P | SDM_RW | SDM_US);
	ok &= owrite(o.t2u, 2, 0, pa_addr(o.t1u) | UTAB);
	ok &= owrite(o.t3u, 3, 0, pa_addr(o.t2u) | UTAB);
	ok &= owrite(o.t1k, 1, 0, pa_addr(o.dt) | SDM_P | SDM_RW | SDM_XD);
	ok &= owrite(o.t1k, 1, 1, pa_addr(o.code) | SDM_P);
	ok &= owrite(o.t2k, 2, 0, pa_addr(o.t1k) | KTAB);
	ok &= owrite(o.t3k, 3, 0, pa_addr(o.t2k) | KTAB);
	/* a RET byte in each target PTP: a not-present entry holds any bits */
	const paddr_t tps[] = {o.t1u, o.t2u, o.t3u, o.t4, o.t1k, o.t2k, o.t3k};
	const unsigned tlv[] = {1, 2, 3, 4, 1, 2, 3};
	for (unsigned i = 0; i < ARRAY_SIZE(tps); i++)
		ok &= owrite(tps[i], tlv[i], 100, 0xc3c3c3c3c3c3c3c2ull);
	if (!ok)
		return false;
	o.stub_va = 2ull << 39; /* its own L4 entry: no varied ancestor above it */
	o.stack_top = o.stub_va + 2 * PAGE_SIZE - 64;

	/* 4 KiB targets */
	add_target(o.t4k, &o.n4k, "DATA", pa_addr(o.d), 0, 0, false, false);
	add_target(o.t4k, &o.n4k, "PTP1u", pa_addr(o.t1u), 801, 1, false, false);
	add_target(o.t4k, &o.n4k, "PTP2u", pa_addr(o.t2u), 801, 2, false, false);
	add_target(o.t4k, &o.n4k, "PTP3u", pa_addr(o.t3u), 801, 3, false, false);
	add_target(o.t4k, &o.n4k, "PTP4", pa_addr(o.t4), 801, 4, false, false);
	add_target(o.t4k, &o.n4k, "PTP1k", pa_addr(o.t1k), 801, 1, true, false);
	add_target(o.t4k, &o.n4k, "PTP2k", pa_addr(o.t2k), 801, 2, true, false);
	add_target(o.t4k, &o.n4k, "PTP3k", pa_addr(o.t3k), 801, 3, true, false);
	const uint64_t img = (uint64_t)&kprintf;
	uint64_t pin[4] = {0, master_table(img, 1), master_table(img, 2), master_table(img, 3)};
	static const char *const pin_names[4] = {"", "PIN1", "PIN2", "PIN3"};
	for (unsigned l = 1; l <= 3; l++)
		if (pin[l])
			add_target(o.t4k, &o.n4k, pin_names[l], pin[l], find_ret(pin[l]), l, true,
				   true);
	add_target(o.t4k, &o.n4k, "CODE", pa_addr(o.code), o.code_ret, 0, false, false);
	uint64_t nkf = pa_addr(kimg_to_pa(va_init((uint64_t)nk_view & ~0xfffull)));
	add_target(o.t4k, &o.n4k, "NK", nkf, find_ret(nkf), 0, false, false);
	uint64_t prot = 0, hole = 0;
	for (uint64_t pfn = 0x100; pfn < v->nframes && (!prot || !hole); pfn++) {
		if (!prot && v->frames[pfn].type == NK_F_PROTECTED)
			prot = pfn << 12;
		if (!hole && v->frames[pfn].type == NK_F_HOLE)
			hole = pfn << 12;
	}
	if (prot)
		add_target(o.t4k, &o.n4k, "PROTECTED", prot, find_ret(prot), 0, false, false);
	if (hole)
		add_target(o.t4k, &o.n4k, "HOLE", hole, -1, 0, false, false);
	add_target(o.t4k, &o.n4k, "LOW", 0x10000, -1, 0, false, false);
	o.has_iommu = v->iommu.on;
	o.iommu_pfn = pa_pfn(v->iommu.reg_base);
	if (o.has_iommu)
		add_target(o.t4k, &o.n4k, "IOMMU", pa_addr(v->iommu.reg_base), -1, 0, false, false);
	o.above = (v->nframes * PAGE_SIZE + MiB2 - 1) & ~(MiB2 - 1);
	if (o.above < (4ull << 30))
		o.above = 4ull << 30;
	add_target(o.t4k, &o.n4k, "ABOVE", o.above, -1, 0, false, false);
	uint8_t tys[] = {NK_F_DATA, NK_F_PTP1, NK_F_PTP2, NK_F_PTP3, NK_F_PTP4};
	for (unsigned i = 0; i < o.n4k; i++) {
		const struct target *t = &o.t4k[i];
		if (i <= 7 && ftype(t->pa) != tys[i < 5 ? i : i - 4]) {
			kprintf("    # setup: target %s is %s\n", t->name,
				ftype_name(ftype(t->pa)));
			return false;
		}
	}
	if (ftype(pa_addr(o.code)) != NK_F_CODE || ftype(nkf) != NK_F_NK) {
		kprintf("    # setup: CODE/NK targets are %s/%s\n",
			ftype_name(ftype(pa_addr(o.code))), ftype_name(ftype(nkf)));
		return false;
	}
	/* 2 MiB targets: an all-DATA range (not the one of the test's DATA
	 * frame, which is retyped), one holding CODE, the first 2 MiB (HOLE
	 * and nk's), above RAM, the IOMMU's */
	uint64_t all_data = 0;
	for (uint64_t r = 1; r < v->nframes / 512 && !all_data; r++) {
		bool dataonly = r != pa_pfn(o.d) >> 9;
		for (uint64_t i = r * 512; i < r * 512 + 512 && dataonly; i++)
			dataonly = v->frames[i].type == NK_F_DATA;
		if (dataonly)
			all_data = r << 21;
	}
	int ret = -1;
	for (unsigned k = 0; k < 64 && all_data && ret < 0; k++) {
		ret = find_ret(all_data + k * PAGE_SIZE);
		if (ret >= 0)
			ret += (int)(k * PAGE_SIZE);
	}
	if (all_data)
		add_target(o.t2m, &o.n2m, "DATA2M", all_data, ret, 0, false, false);
	uint64_t code2m = pa_addr(o.code) & ~(MiB2 - 1);
	add_target(o.t2m, &o.n2m, "CODE2M", code2m, -1, 0, false, false);
	add_target(o.t2m, &o.n2m, "PTP2M", pa_addr(o.t1u) & ~(MiB2 - 1), -1, 0, false, false);
	add_target(o.t2m, &o.n2m, "LOW2M", 0, -1, 0, false, false);
	add_target(o.t2m, &o.n2m, "ABOVE2M", o.above, -1, 0, false, false);
	if (o.has_iommu)
		add_target(o.t2m, &o.n2m, "IOMMU2M", pa_addr(v->iommu.reg_base) & ~(MiB2 - 1), -1,
			   0, false, false);
	add_target(o.t1g, &o.n1g, "RAM1G", 0, -1, 0, false, false);
	add_target(o.t1g, &o.n1g, "ABOVE1G", 4ull << 30, -1, 0, false, false);

	/* positions, and the entries above each (the scaffolding's values) */
	const uint64_t a4 = pa_addr(o.l3u) | UTAB, a3 = pa_addr(o.l2u) | UTAB;
	const uint64_t a2 = pa_addr(o.l1u) | UTAB, k3 = pa_addr(o.k2) | KTAB;
	struct pos *q = add_pos("L1u", 1, false, true, o.l1u, 5, base_u + 5 * PAGE_SIZE, 0);
	add_anc(q, o.l2u, 0, 2, a2);
	add_anc(q, o.l3u, 0, 3, a3);
	add_anc(q, o.l4u, 1, 4, a4);
	q = add_pos("L1k", 1, true, true, o.k1, 5, kbase + 5 * PAGE_SIZE, 0);
	add_anc(q, o.k2, 0, 2, pa_addr(o.k1) | KTAB);
	add_anc(q, o.heap_l3, o.hk, 3, k3);
	q = add_pos("L2leaf-u", 2, false, true, o.l2u, 1, base_u + MiB2, 0);
	add_anc(q, o.l3u, 0, 3, a3);
	add_anc(q, o.l4u, 1, 4, a4);
	q = add_pos("L2leaf-k", 2, true, true, o.k2, 1, kbase + MiB2, 0);
	add_anc(q, o.heap_l3, o.hk, 3, k3);
	q = add_pos("L3leaf-u", 3, false, true, o.l3u, 3, base_u + 3 * GiB1, 0);
	add_anc(q, o.l4u, 1, 4, a4);
	uint64_t k2va = HEAP_BASE + (uint64_t)o.hk2 * GiB1;
	add_pos("L3leaf-k", 3, true, true, o.heap_l3, o.hk2, k2va, 0);
	q = add_pos("L2table-u", 2, false, false, o.l2u, 2, base_u + 2 * MiB2, base_u + 2 * MiB2);
	add_anc(q, o.l3u, 0, 3, a3);
	add_anc(q, o.l4u, 1, 4, a4);
	q = add_pos("L2table-k", 2, true, false, o.k2, 2, kbase + 2 * MiB2,
		    kbase + 2 * MiB2 + PAGE_SIZE + (uint64_t)o.code_ret);
	add_anc(q, o.heap_l3, o.hk, 3, k3);
	q = add_pos("L3table-u", 3, false, false, o.l3u, 2, base_u + 2 * GiB1, base_u + 2 * GiB1);
	add_anc(q, o.l4u, 1, 4, a4);
	add_pos("L3table-k", 3, true, false, o.heap_l3, o.hk2, k2va,
		k2va + PAGE_SIZE + (uint64_t)o.code_ret);
	add_pos("L4table-u", 4, false, false, o.l4u, 3, 3ull << 39, 3ull << 39);
	add_pos("L4-kernel-half", 4, false, false, o.l4u, 300, 0, 0)->probe = false;
	for (unsigned i = 0; i < o.npos; i++)
		if (o.code_ret < 0 && o.pos[i].khalf && !o.pos[i].leaf)
			o.pos[i].va_x = 0; /* no RET known in the kernel tree's CODE leaf */
	return true;
}

static void teardown(void)
{
	/* every slot the positions used, the scaffolding, then the PTPs */
	for (unsigned i = 0; i < o.npos; i++)
		if (o.pos[i].index < 256 || o.pos[i].level != 4)
			if (*slot_of(o.pos[i].ptp, o.pos[i].index))
				owrite(o.pos[i].ptp, o.pos[i].level, o.pos[i].index, 0);
	const struct {
		paddr_t *ptp;
		unsigned level, index;
	} links[] = {{&o.l4u, 4, 1},	    {&o.l3u, 3, 0},	   {&o.l2u, 2, 0}, {&o.l4u, 4, 2},
		     {&o.l3s, 3, 0},	    {&o.l2s, 2, 0},	   {&o.l1s, 1, 0}, {&o.l1s, 1, 1},
		     {&o.heap_l3, 3, o.hk}, {&o.k2, 2, 0},	   {&o.t1u, 1, 0}, {&o.t2u, 2, 0},
		     {&o.t3u, 3, 0},	    {&o.t1k, 1, 0},	   {&o.t1k, 1, 1}, {&o.t2k, 2, 0},
		     {&o.t3k, 3, 0},	    {&o.heap_l3, 3, o.hk2}};
	for (unsigned i = 0; i < ARRAY_SIZE(links); i++)
		if (pa_addr(*links[i].ptp) && *slot_of(*links[i].ptp, links[i].index))
			owrite(*links[i].ptp, links[i].level, links[i].index, 0);
	paddr_t ptps[] = {o.l4u, o.l3u, o.l2u, o.l1u, o.l3s, o.l2s, o.l1s, o.k2,
			  o.k1,	 o.t1u, o.t2u, o.t3u, o.t4,  o.t1k, o.t2k, o.t3k};
	for (unsigned i = 0; i < ARRAY_SIZE(ptps); i++) {
		if (!pa_addr(ptps[i]))
			continue;
		if (nk_view->frames[pa_pfn(ptps[i])].type != NK_F_DATA) {
			long r = nk_remove_ptp(ptps[i]);
			if (r)
				mismatch("teardown: remove_ptp %lx: %s", pa_addr(ptps[i]),
					 nk_strerror(r));
		}
		frame_free(ptps[i]);
	}
	paddr_t datas[] = {o.d, o.dt, o.sc, o.ss};
	for (unsigned i = 0; i < ARRAY_SIZE(datas); i++)
		if (pa_addr(datas[i]))
			frame_free(datas[i]);
}

static bool oracle_run(bool full)
{
	memset(&o, 0, sizeof(o));
	o.full = full;
	o.ring3 = current == NULL;
	if (!o.ring3)
		irq_disable(); /* `nk test mmu_oracle` from a process: no task switch */
	uint64_t t0 = timer_ticks;
	uint64_t cr3 = read_cr3() & ~0xfffull;
	if (read_cr4() & BIT(22)) /* CR4.PKE: the key bits would mean something */
		kprintf("    # CR4.PKE is set: bits 59-62 are protection keys\n");
	bool ok = setup();
	if (ok && nk_load_cr3(o.l4u)) {
		kprintf("    # cannot load the scratch L4\n");
		ok = false;
	}
	if (ok) {
		recount("after setup");
		for (unsigned i = 0; i < o.npos; i++) {
			run_position(&o.pos[i]);
			const struct pos *p = &o.pos[i];
			if (p->index < 256 || p->level != 4)
				if (*slot_of(p->ptp, p->index))
					owrite(p->ptp, p->level, p->index, 0);
		}
		recount("after the enumeration");
		nk_load_cr3(pa_init(cr3));
	}
	teardown();
	if (counters_ok(&o.sh) && counters_ok(&o.rc))
		recount("after teardown");
	counters_free(&o.sh);
	counters_free(&o.rc);
	irq_enable();
	if (nk_check_invariants() != 0)
		mismatch("invariant checker: %s", nk_view->check.first_msg);
	char codes[256];
	size_t n = 0;
	uint64_t refused = 0;
	codes[0] = 0;
	for (int e = 1; e < NK_EMAX; e++)
		if (o.refused[e]) {
			refused += o.refused[e];
			n += (size_t)ksnprintf(codes + n, sizeof(codes) - n, "%s%s %lu",
					       n ? ", " : "", nk_strerror(e), o.refused[e]);
		}
	kprintf("    # %s: %lu cases, %lu accepted, %lu refused (%s); %lu probes (%lu skipped%s; "
		"granted: ring 0 r/w/x %lu/%lu/%lu, ring 3 r/w/x %lu/%lu/%lu), "
		"%lu TLB-fill steps, %lu recounts; %lu violations, %lu mismatches; %lu ms%s\n",
		full ? "mmu_oracle_full" : "mmu_oracle", o.cases, o.accepted, refused, codes,
		o.probes, o.skipped, o.ring3 ? "" : ", no ring 3: a process is current",
		o.granted[0][0], o.granted[0][1], o.granted[0][2], o.granted[1][0], o.granted[1][1],
		o.granted[1][2], o.i10_steps, o.recounts, o.violations, o.mismatches,
		(timer_ticks - t0) * 1000 / TIMER_HZ, o.ring3 ? "" : " (no ticks: interrupts off)");
	return ok && o.mismatches == 0 && o.cases > 0 && o.accepted > 0 && refused > 0;
}

long mmu_walk_check(const char **what, uint64_t *pfn)
{
	static struct mw_counts c;
	static struct mw_machine m;
	if (!c.seen) {
		machine_init(&m);
		counters_alloc(&c, m.nframes);
		if (!counters_ok(&c)) {
			counters_free(&c);
			c.seen = NULL;
			*what = "no memory for the walker's counters";
			return 1;
		}
	}
	mw_recount(&m, &c);
	*pfn = 0;
	long bad = (long)mw_compare(&m, &c, nk_view->frames, nk_view->frames2m, pfn, what);
	if (!bad && (c.i1_bad || c.i9_bad || c.rsvd)) {
		*what = "an entry the SDM walk rejects (non-PTP table, kernel half, reserved bit)";
		*pfn = c.bad_pa >> 12;
		bad = (long)(c.i1_bad + c.i9_bad + c.rsvd);
	}
	return bad;
}

static bool t_mmu_oracle(void)
{
	return oracle_run(false);
}

static bool t_mmu_oracle_full(void)
{
	return oracle_run(true);
}

static const struct ktest tests[] = {
    {"mmu_oracle", true, t_mmu_oracle},
    {"mmu_oracle_full", true, t_mmu_oracle_full},
};

const struct ktest_group ktest_oracle_group = {tests, ARRAY_SIZE(tests)};
