/* The audit log of syscall entry/exit records: an append-only region
 * written only through nk_write (policies/append_only.c). The outer kernel
 * reads it directly (regions are read-only, not hidden) and copies records
 * out for user space. Spec section 7. */
#include <outer/kernel.h>
#include <outer/audit.h>
#include <nk/vmmu.h>
#include <nk/region.h>
#include <outer/nkq.h>

static struct audit_rec ring[AUDIT_RECS] __attribute__((aligned(4096)));
static long audit_id __ro_after_init = -1;

_Static_assert(sizeof(struct audit_rec) == 32, "audit records are 32 bytes");
_Static_assert(sizeof(ring) % 4096 == 0, "the log is whole pages");
_Static_assert(sizeof(struct audit_rec) <= sizeof(ring) / NK_APPEND_RECORD_DIV,
	       "one record is at most 1/16 of the log (append-only bound, NK_ERECORD)");

long audit_region(void)
{
	return audit_id;
}

const struct audit_rec *audit_ring(void)
{
	return ring;
}

long audit_init(void)
{
	if (!nk_view->audit || audit_id >= 0)
		return 0;
	long id = nk_region_declare(ring, sizeof(ring), NK_POLICY_APPEND_ONLY);
	if (id < 0) {
		kprintf("audit: cannot protect the log: %s; auditing off\n", nk_strerror(id));
		return id;
	}
	audit_id = id;
	return audit_record(AUDIT_BOOT, 0, 0, 0);
}

long audit_record(uint32_t kind, uint32_t pid, uint32_t nr, int64_t result)
{
	if (audit_id < 0)
		return 0;
	const struct nk_region *r = &nk_view->regions[audit_id];
	struct audit_rec rec = {
	    .tsc = rdtsc(), .result = result, .pid = pid, .nr = nr, .kind = kind};
	uint64_t off = r->used + sizeof(rec) <= r->size ? r->used : 0; /* 0: wrap, a new epoch */
	/* in the same crossing as everything queued so far (an exit record:
	 * the call's last vMMU changes), sent now: an entry record reaches nk
	 * before the call does its work, an exit record before the return to
	 * user mode, and no record waits in the queue for a later event */
	if (!nkq_pending()) /* alone: the single call */
		return nk_write(audit_id, (uint8_t *)ring + off, &rec, sizeof(rec));
	nkq_write(audit_id, (uint8_t *)ring + off, &rec, sizeof(rec));
	nkq_flush();
	return 0;
}

uint64_t audit_count(void)
{
	return audit_id < 0 ? 0 : nk_view->regions[audit_id].appended / sizeof(struct audit_rec);
}

size_t audit_read(uint64_t from, struct audit_rec *out, size_t max)
{
	uint64_t end = audit_count();
	uint64_t k = end > AUDIT_RECS ? end - AUDIT_RECS : 0;
	if (k < from)
		k = from;
	size_t n = 0;
	/* the ring wraps exactly when full, so record k is in slot k % AUDIT_RECS */
	for (; k < end && n < max; k++)
		out[n++] = ring[k % AUDIT_RECS];
	return n;
}
