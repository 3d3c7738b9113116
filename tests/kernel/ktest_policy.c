/* In-kernel tests of write mediation (KTAP, registered with cmd_test in
 * tests/kernel/ktest.c): the regions nk and the outer kernel declare at boot,
 * legitimate writes through nk, refusals with distinct codes, direct
 * stores that fault (nested build), the write log and the audit log.
 * Policy logic is covered in depth by tests/host/test_policy.c.
 * Every test declares fresh regions (regions are never removed).
 * Spec section 7; include/nk/region.h. */
#include <outer/kernel.h>
#include <outer/audit.h>
#include "ktest.h"
#include <outer/mm.h>
#include <outer/trap.h>
#include <nk/vmmu.h>
#include <nk/region.h>
#include <outer/nkq.h>

/* Set once at boot, then sealed: the ro_after_init store target. */
static uint64_t kt_roai_canary __ro_after_init = 0x5eed0fa11ull;

static const struct nk_region *region(long id)
{
	return &nk_view->regions[id];
}

/* A fresh one-page region of policy p over a new frame, at its direct-map
 * address; *id gets the id (or the error). */
static uint8_t *fresh_region(unsigned p, long *id)
{
	paddr_t f = frame_alloc();
	if (!pa_addr(f)) {
		*id = -NK_ERANGE;
		return NULL;
	}
	uint8_t *va = pa_to_dm(f);
	*id = nk_region_declare(va, PAGE_SIZE, p);
	return va;
}

/* Whether a store of `v` to p faults (under a recovery point) and leaves
 * the 8 bytes at p as they were. */
static bool store_faults(volatile uint64_t *p, uint64_t v)
{
	struct recovery rec;
	uint64_t before = *p;
	volatile bool faulted = false;
	if (recover_arm(&rec) == 0) {
		*p = v;
		recover_disarm();
	} else {
		faulted = rec.fault.vector == 14;
	}
	irq_enable();
	bool ok = faulted && *p == before;
	if (!ok)
		kprintf("    # store to %p: %s, value %s\n", (void *)p,
			faulted ? "faulted" : "went through",
			*p == before ? "unchanged" : "CHANGED");
	return ok;
}

static bool t_regions_at_boot(void)
{
	const struct nk_view *v = nk_view;
	bool ok = KT_EXPECT(v->region_idt >= 0 && v->region_gdt >= 0 && v->region_tss >= 0);
	ok &= KT_EXPECT(v->region_ro_after_init >= 0);
	if (!ok)
		return false;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr, gdtr;
	__asm__ volatile("sidt %0; sgdt %1" : "=m"(idtr), "=m"(gdtr));
	ok &= KT_EXPECT(region(v->region_idt)->va == idtr.base);
	ok &= KT_EXPECT(region(v->region_gdt)->va == gdtr.base);
	for (long id = 0; id < (long)v->nregions; id++) {
		const struct nk_region *r = region(id);
		if (id == v->region_idt || id == v->region_gdt || id == v->region_tss) {
			ok &= KT_EXPECT(r->policy == NK_POLICY_WRITE_ONCE && r->sealed &&
					r->nk_frames);
			ok &= KT_EXPECT(v->frames[pa_pfn(r->pa)].type == NK_F_NK);
		}
	}
	const struct nk_region *ro = region(v->region_ro_after_init);
	uint64_t c = (uint64_t)&kt_roai_canary;
	ok &= KT_EXPECT(ro->policy == NK_POLICY_NO_WRITE && ro->sealed);
	ok &= KT_EXPECT(c >= ro->va && c < ro->va + ro->size);
	ok &= KT_EXPECT(kt_roai_canary == 0x5eed0fa11ull);
	if (v->nested)
		ok &= KT_EXPECT(v->frames[pa_pfn(ro->pa)].type == NK_F_PROTECTED);
	/* the audit log exists exactly when nk.audit=1 */
	ok &= KT_EXPECT((audit_region() >= 0) == v->audit);
	if (audit_region() >= 0)
		ok &= KT_EXPECT(region(audit_region())->policy == NK_POLICY_APPEND_ONLY);
	return ok;
}

static bool t_region_declare_refusals(void)
{
	const struct nk_view *v = nk_view;
	const struct nk_region *idt = region(v->region_idt);
	bool ok = KT_EXPECT(nk_region_declare((void *)idt->va, PAGE_SIZE, NK_POLICY_WRITE_LOG) ==
			    -NK_EOVERLAP);
	ok &= KT_EXPECT(nk_region_declare(pa_to_dm(idt->pa), PAGE_SIZE, NK_POLICY_WRITE_LOG) ==
			-NK_EOVERLAP);
	paddr_t f = frame_alloc();
	uint8_t *d = pa_to_dm(f);
	ok &= KT_EXPECT(nk_region_declare(d, PAGE_SIZE, 7) == -NK_EPOLICY);
	ok &= KT_EXPECT(nk_region_declare(d, 0, NK_POLICY_WRITE_LOG) == -NK_EZERO);
	ok &= KT_EXPECT(nk_region_declare(d + 8, PAGE_SIZE, NK_POLICY_WRITE_LOG) == -NK_EALIGN);
	ok &= KT_EXPECT(nk_region_declare(d, 100, NK_POLICY_WRITE_LOG) == -NK_EALIGN);
	uint8_t *heap = kmalloc(5000); /* a page of its own, heap-mapped */
	void *hp = (void *)align_up((uint64_t)heap, PAGE_SIZE);
	ok &= KT_EXPECT(nk_region_declare(hp, PAGE_SIZE, NK_POLICY_WRITE_LOG) == -NK_EVADDR);
	ok &= KT_EXPECT(nk_region_declare(pa_to_dm(nk_view->master_l4), PAGE_SIZE,
					  NK_POLICY_WRITE_LOG) == -NK_ETYPE);
	if (v->nested) {
		/* the heap page's frame through the direct map: mapped writable */
		paddr_t l1;
		unsigned idx;
		ok &= KT_EXPECT(mm_leaf(nk_view->master_l4, (uint64_t)hp, &l1, &idx));
		paddr_t hf = pte_frame(((pte_t *)pa_to_dm(l1))[idx], 1);
		ok &= KT_EXPECT(nk_region_declare(pa_to_dm(hf), PAGE_SIZE, NK_POLICY_WRITE_LOG) ==
				-NK_EWRITABLE);
	}
	kfree(heap);
	frame_free(f);
	return ok;
}

static bool t_legit_writes_through_nk(void)
{
	static const unsigned pols[] = {NK_POLICY_NO_WRITE, NK_POLICY_WRITE_ONCE,
					NK_POLICY_APPEND_ONLY, NK_POLICY_WRITE_LOG};
	bool ok = true;
	for (unsigned i = 0; i < ARRAY_SIZE(pols); i++) {
		long id;
		uint8_t *va = fresh_region(pols[i], &id);
		if (!KT_EXPECT(id >= 0))
			return false;
		uint64_t calls = nk_view->stats.calls[NK_CALL_WRITE];
		ok &= KT_EXPECT(nk_write(id, va, "hello", 5) == 0);
		ok &= KT_EXPECT(nk_write(id, va + 5, ", nk", 4) == 0);
		ok &= KT_EXPECT(memcmp(va, "hello, nk", 9) == 0);
		ok &= KT_EXPECT(region(id)->writes == 2);
		ok &= KT_EXPECT(nk_view->stats.calls[NK_CALL_WRITE] == calls + 2);
		uint8_t t = nk_view->frames[pa_pfn(dm_to_pa(va))].type;
		ok &= KT_EXPECT(t == (nk_view->nested ? NK_F_PROTECTED : NK_F_DATA));
	}
	return ok;
}

static bool t_refusals_have_distinct_codes(void)
{
	long wo, ao, nw, a2;
	uint8_t *w = fresh_region(NK_POLICY_WRITE_ONCE, &wo);
	uint8_t *a = fresh_region(NK_POLICY_APPEND_ONLY, &ao);
	uint8_t *n = fresh_region(NK_POLICY_NO_WRITE, &nw);
	if (!KT_EXPECT(wo >= 0 && ao >= 0 && nw >= 0))
		return false;
	bool ok = KT_EXPECT(nk_write(wo, w, "once", 4) == 0);
	ok &= KT_EXPECT(nk_write(wo, w, "TWICE", 5) == -NK_EWRITTEN);
	ok &= KT_EXPECT(nk_write(wo, w + 3, "x", 1) == -NK_EWRITTEN);
	ok &= KT_EXPECT(memcmp(w, "once\0", 5) == 0);

	ok &= KT_EXPECT(nk_write(ao, a, "rec0", 4) == 0);
	ok &= KT_EXPECT(nk_write(ao, a, "FAKE", 4) == -NK_EREWRITE);
	ok &= KT_EXPECT(nk_write(ao, a + 8, "gap!", 4) == -NK_EGAP);
	ok &= KT_EXPECT(nk_write(ao, a + 4, "rec1", 4) == 0);
	ok &= KT_EXPECT(memcmp(a, "rec0rec1", 8) == 0);
	/* a record over 1/16 of the log, even one that would not fit (the
	 * old forced wrap), is NK_ERECORD */
	static uint8_t big[PAGE_SIZE - 8];
	ok &= KT_EXPECT(nk_write(ao, a, big, sizeof(big)) == -NK_ERECORD);
	ok &= KT_EXPECT(nk_write(ao, a + 8, big, PAGE_SIZE / NK_APPEND_RECORD_DIV + 1) ==
			-NK_ERECORD);
	ok &= KT_EXPECT(nk_view->regions[ao].epoch == 0 && memcmp(a, "rec0rec1", 8) == 0);

	ok &= KT_EXPECT(nk_write(nw, n, "init", 4) == 0);
	ok &= KT_EXPECT(nk_region_seal(nw) == 0);
	ok &= KT_EXPECT(nk_write(nw, n, "evil", 4) == -NK_ESEALED);
	ok &= KT_EXPECT(memcmp(n, "init", 4) == 0);

	ok &= KT_EXPECT(nk_write(wo, w + PAGE_SIZE - 2, "abcd", 4) == -NK_EBOUNDS);
	ok &= KT_EXPECT(nk_write(wo, w, "x", 0) == -NK_EZERO);
	ok &= KT_EXPECT(nk_write(NK_REGIONS_MAX, w, "x", 1) == -NK_EREGION);
	ok &= KT_EXPECT(nk_write(wo, w + 100, (void *)0x1000, 1) == -NK_EFAULT);
	/* nk's own tables are sealed since nk_init_done */
	const struct nk_region *idt = region(nk_view->region_idt);
	uint8_t before[16];
	memcpy(before, (void *)(idt->va + 14 * 16), 16);
	ok &= KT_EXPECT(nk_write(nk_view->region_idt, (void *)(idt->va + 14 * 16),
				 "0123456789abcdef", 16) == -NK_ESEALED);
	ok &= KT_EXPECT(memcmp(before, (void *)(idt->va + 14 * 16), 16) == 0);
	/* writes that run out of a region (straddling two regions is in the
	 * host tests: frame_alloc rarely hands out adjacent frames) */
	const struct nk_region *ro = region(nk_view->region_ro_after_init);
	ok &= KT_EXPECT(nk_write(nk_view->region_ro_after_init, (void *)(ro->va + ro->size - 1),
				 "ab", 2) == -NK_EBOUNDS);
	uint8_t *a2v = fresh_region(NK_POLICY_WRITE_LOG, &a2);
	ok &= KT_EXPECT(a2 >= 0 && nk_write(a2, a2v - 1, "ab", 2) == -NK_EBOUNDS);
	return ok;
}

static bool t_direct_stores_fault(void)
{
	const struct nk_view *v = nk_view;
	bool ok = true;
	/* IDT: vector 200 (unused), GDT: the kernel data descriptor's accessed
	 * bit, TSS: RSP1 (unused): harmless if a store ever went through */
	volatile uint64_t *idt = (uint64_t *)(region(v->region_idt)->va + 200 * 16);
	volatile uint64_t *gdt = (uint64_t *)(region(v->region_gdt)->va + 16);
	volatile uint64_t *tss = (uint64_t *)(region(v->region_tss)->va + 12);
	ok &= KT_EXPECT(store_faults(idt, *idt ^ 1));
	ok &= KT_EXPECT(store_faults(gdt, *gdt ^ (1ull << 40)));
	ok &= KT_EXPECT(store_faults(tss, *tss ^ 1));
	ok &= KT_EXPECT(store_faults(&kt_roai_canary, 0xbad));
	/* and through the direct-map alias of the image address */
	volatile uint64_t *canary_dm = pa_to_dm(kimg_to_pa(va_of(&kt_roai_canary)));
	ok &= KT_EXPECT(store_faults(canary_dm, 0xbad));
	static const unsigned pols[] = {NK_POLICY_NO_WRITE, NK_POLICY_WRITE_ONCE,
					NK_POLICY_APPEND_ONLY, NK_POLICY_WRITE_LOG};
	for (unsigned i = 0; i < ARRAY_SIZE(pols); i++) {
		long id;
		uint8_t *va = fresh_region(pols[i], &id);
		if (!KT_EXPECT(id >= 0))
			return false;
		ok &= KT_EXPECT(store_faults((uint64_t *)(va + 64), 0xbad));
	}
	if (audit_region() >= 0) {
		volatile uint64_t *rec = (uint64_t *)audit_ring();
		ok &= KT_EXPECT(store_faults(rec, 0xbad));
		ok &= KT_EXPECT(store_faults(pa_to_dm(kimg_to_pa(va_of(rec))), 0xbad));
	}
	ok &= KT_EXPECT(nk_check_invariants() == 0);
	return ok;
}

/* Three writes, three records: region, address, length, old and new bytes,
 * sequence, TSC order, and the caller's RIP inside outer text. */
static bool t_write_log_matches_the_writes(void)
{
	long id;
	uint8_t *va = fresh_region(NK_POLICY_WRITE_LOG, &id);
	if (!KT_EXPECT(id >= 0))
		return false;
	uint64_t recs0 = nk_view->log_records;
	static const char *const vals[] = {"uid=1000", "uid=0", "gid=0, groups=wheel..."};
	static const uint64_t offs[] = {0, 0, 64};
	for (int i = 0; i < 3; i++)
		if (!KT_EXPECT(nk_write(id, va + offs[i], vals[i], strlen(vals[i])) == 0))
			return false;
	struct nk_log_rec out[4];
	long n = nk_log_read(id, 0, out, 4);
	if (!nk_view->audit)
		return KT_EXPECT(n == 0) & KT_EXPECT(nk_view->log_records == recs0);
	bool ok = KT_EXPECT(n == 3) & KT_EXPECT(nk_view->log_records == recs0 + 3);
	if (!ok)
		return false;
	extern char __text_start[], __text_end[];
	for (int i = 0; i < 3; i++) {
		size_t len = strlen(vals[i]), cap = len < NK_LOG_BYTES ? len : NK_LOG_BYTES;
		ok &= KT_EXPECT(out[i].region == (uint32_t)id && out[i].len == len);
		ok &= KT_EXPECT(out[i].addr == (uint64_t)(va + offs[i]));
		ok &= KT_EXPECT(memcmp(out[i].new, vals[i], cap) == 0);
		ok &= KT_EXPECT(out[i].rip >= (uint64_t)__text_start &&
				out[i].rip < (uint64_t)__text_end);
		if (i > 0)
			ok &= KT_EXPECT(out[i].seq == out[i - 1].seq + 1 &&
					out[i].tsc >= out[i - 1].tsc);
	}
	ok &= KT_EXPECT(memcmp(out[1].old, "uid=1", 5) == 0); /* the second write's old bytes */
	ok &= KT_EXPECT(memcmp(va, "uid=0000", 8) == 0);      /* "uid=0" over "uid=1000" */
	return ok;
}

static bool t_audit_log(void)
{
	if (!nk_view->audit)
		return KT_EXPECT(audit_region() < 0) & KT_EXPECT(audit_count() == 0) &
		       KT_EXPECT(audit_record(AUDIT_ENTRY, 1, 2, 0) == 0) &
		       KT_EXPECT(audit_count() == 0);
	long id = audit_region();
	uint64_t n0 = audit_count();
	bool ok = KT_EXPECT(n0 >= 1);
	ok &= KT_EXPECT(audit_record(AUDIT_ENTRY, 7, 39, 0) == 0);
	ok &= KT_EXPECT(audit_record(AUDIT_EXIT, 7, 39, -2) == 0);
	ok &= KT_EXPECT(audit_count() == n0 + 2);
	struct audit_rec out[2];
	ok &= KT_EXPECT(audit_read(n0, out, 2) == 2);
	ok &= KT_EXPECT(out[0].kind == AUDIT_ENTRY && out[0].pid == 7 && out[0].nr == 39);
	ok &=
	    KT_EXPECT(out[1].kind == AUDIT_EXIT && out[1].result == -2 && out[1].tsc >= out[0].tsc);
	/* the boot record cannot be rewritten */
	struct audit_rec forged = {.kind = AUDIT_BOOT, .pid = 666};
	const struct audit_rec *first = audit_ring();
	struct audit_rec keep = *first;
	ok &= KT_EXPECT(nk_write(id, (void *)first, &forged, sizeof(forged)) == -NK_EREWRITE);
	ok &= KT_EXPECT(memcmp(&keep, first, sizeof(keep)) == 0);
	return ok;
}

static bool t_audit_log_wraps(void)
{
	if (!nk_view->audit)
		return true;
	const struct nk_region *r = region(audit_region());
	uint64_t epoch = r->epoch, n0 = audit_count();
	bool ok = true;
	for (uint32_t i = 0; i < AUDIT_RECS + 3 && ok; i++)
		ok &= KT_EXPECT(audit_record(AUDIT_ENTRY, 1, i, 0) == 0);
	ok &= KT_EXPECT(r->epoch >= epoch + 1);
	ok &= KT_EXPECT(audit_count() == n0 + AUDIT_RECS + 3);
	struct audit_rec out[4];
	/* the oldest indexes are gone; the newest three are there, in order */
	ok &= KT_EXPECT(audit_read(0, out, 1) == 1 && out[0].nr == 3);
	ok &= KT_EXPECT(audit_read(audit_count() - 3, out, 4) == 3);
	ok &= KT_EXPECT(out[0].nr == AUDIT_RECS && out[2].nr == AUDIT_RECS + 2);
	return ok;
}

/* Calls counted by nk so far (gate crossings in the nested build), less
 * the EOIs nk's interrupt stubs send, which come whenever an interrupt
 * does. */
static uint64_t calls_now(void)
{
	uint64_t n = 0;
	for (int c = 0; c < NK_CALL_MAX; c++)
		if (c != NK_CALL_APIC_EOI)
			n += nk_view->stats.calls[c];
	return n;
}

/* An exit record rides in the crossing of what the call left queued and
 * is sent at once: nothing waits in the queue after it, the record is in
 * nk's log, and the queued operation was performed in the same crossing
 * (issue 19: the exit record reaches nk before control returns to user
 * mode, with the call's last vMMU changes). */
static bool t_audit_exit_record_rides_with_the_queue(void)
{
	if (!nk_view->audit || !KT_EXPECT(nkq_pending() == 0))
		return true;
	uint64_t n0 = audit_count(), calls0 = calls_now();
	uint64_t mc0 = nk_view->stats.calls[NK_CALL_MULTICALL];
	uint64_t cr3_0 = nk_view->stats.mc_ops[NK_OP_LOAD_CR3];
	nkq_cr3(cr3_l4(read_cr3())); /* harmless: the address space already loaded */
	bool ok = KT_EXPECT(nkq_pending() == 1);
	ok &= KT_EXPECT(audit_record(AUDIT_EXIT, 9, 39, 1234) == 0);
	ok &= KT_EXPECT(nkq_pending() == 0); /* no record is left for a later event */
	ok &= KT_EXPECT(calls_now() == calls0 + 1);
	ok &= KT_EXPECT(nk_view->stats.calls[NK_CALL_MULTICALL] == mc0 + 1);
	ok &= KT_EXPECT(nk_view->stats.mc_ops[NK_OP_LOAD_CR3] == cr3_0 + 1);
	struct audit_rec out;
	ok &= KT_EXPECT(audit_count() == n0 + 1 && audit_read(n0, &out, 1) == 1);
	ok &= KT_EXPECT(out.kind == AUDIT_EXIT && out.pid == 9 && out.result == 1234);
	return ok;
}

/* With nothing queued (a system call's entry: the previous call's exit
 * sent everything), a record is one single nk_write: in nk's log before
 * audit_record returns, before the call does its work. */
static bool t_audit_entry_record_is_logged_at_once(void)
{
	if (!nk_view->audit || !KT_EXPECT(nkq_pending() == 0))
		return true;
	uint64_t n0 = audit_count(), w0 = nk_view->stats.calls[NK_CALL_WRITE];
	bool ok = KT_EXPECT(audit_record(AUDIT_ENTRY, 9, 40, 0) == 0);
	ok &= KT_EXPECT(nk_view->stats.calls[NK_CALL_WRITE] == w0 + 1);
	struct audit_rec out;
	ok &= KT_EXPECT(audit_read(n0, &out, 1) == 1 && out.kind == AUDIT_ENTRY && out.nr == 40);
	return ok & KT_EXPECT(nkq_pending() == 0);
}

/* A queued write's bytes are taken when it is queued: a change of the
 * source between the event and the flush does not reach the region or
 * the write log; the record names the flush's caller (rip) and, marked
 * as outer-supplied, nkq_write's caller (tag), both in outer text. */
static bool t_queued_write_is_taken_when_queued(void)
{
	long id;
	uint8_t *va = fresh_region(NK_POLICY_WRITE_LOG, &id);
	if (!KT_EXPECT(id >= 0))
		return false;
	char src[8] = "euid=0!";
	nkq_write(id, va, src, sizeof(src));
	nkq_write(id, va + 8, "gid=0", 5);   /* two: one multicall */
	memcpy(src, "euid=66", sizeof(src)); /* after the event, before the flush */
	nkq_flush();
	bool ok = KT_EXPECT(memcmp(va, "euid=0!", 8) == 0) & KT_EXPECT(nkq_pending() == 0);
	if (!nk_view->audit)
		return ok;
	struct nk_log_rec rec[2];
	ok &= KT_EXPECT(nk_log_read(id, 0, rec, 2) == 2);
	extern char __text_start[], __text_end[];
	ok &= KT_EXPECT(memcmp(rec[0].new, "euid=0!", 8) == 0);
	for (int i = 0; i < 2 && ok; i++) {
		ok &= KT_EXPECT(rec[i].flags == NK_LOG_TAGGED);
		ok &= KT_EXPECT(rec[i].rip >= (uint64_t)__text_start &&
				rec[i].rip < (uint64_t)__text_end);
		ok &= KT_EXPECT(rec[i].tag >= (uint64_t)__text_start &&
				rec[i].tag < (uint64_t)__text_end);
	}
	return ok;
}

static const struct ktest tests[] = {
    {"regions_at_boot", false, t_regions_at_boot},
    {"region_declare_refusals", false, t_region_declare_refusals},
    {"legit_writes_through_nk", false, t_legit_writes_through_nk},
    {"refusals_have_distinct_codes", false, t_refusals_have_distinct_codes},
    {"direct_stores_to_regions_fault", true, t_direct_stores_fault},
    {"write_log_matches_the_writes", false, t_write_log_matches_the_writes},
    {"audit_log", false, t_audit_log},
    {"audit_log_wraps", false, t_audit_log_wraps},
    {"audit_exit_record_rides_with_the_queue", false, t_audit_exit_record_rides_with_the_queue},
    {"audit_entry_record_is_logged_at_once", false, t_audit_entry_record_is_logged_at_once},
    {"queued_write_is_taken_when_queued", false, t_queued_write_is_taken_when_queued},
};

const struct ktest_group ktest_policy_group = {tests, ARRAY_SIZE(tests)};
