/* Policy write-log: nk always performs the write and records it in a ring
 * of NK_LOG_RECS records in nk memory (I8): sequence number, TSC, the
 * caller's return address, the destination, the full length and the first
 * 16 bytes before and after. With nk.audit=0 on the command line the
 * writes are performed but not recorded (for the benchmark). Use: process
 * credentials and process-list links. Spec section 7. */
#include "policy.h"

static struct nk_log_rec ring[NK_LOG_RECS];
static uint64_t next_seq = 1; /* seq of the next record */

static void write_log_reset(void)
{
	nk_memset(ring, 0, sizeof(ring));
	next_seq = 1;
	nk_view_store.log_records = 0;
}

static long write_log_check(const struct nk_region *r, const struct nk_write_ctx *w)
{
	(void)r, (void)w;
	return 0;
}

static void write_log_commit(struct nk_region *r, const struct nk_write_ctx *w)
{
	if (!nk_view_store.audit)
		return;
	uint64_t seq = next_seq;
	struct nk_log_rec *e = &ring[seq % NK_LOG_RECS];
	uint64_t n = w->len < NK_LOG_BYTES ? w->len : NK_LOG_BYTES;
	nk_memset(e, 0, sizeof(*e));
	e->tsc = arch_rdtsc();
	e->rip = w->rip;
	e->tag = w->tag;
	e->flags = w->tagged ? NK_LOG_TAGGED : 0;
	e->addr = w->dst;
	e->region = (uint32_t)w->id;
	e->len = w->len > UINT32_MAX ? UINT32_MAX : (uint32_t)w->len;
	nk_memcpy(e->old, w->old, n);
	nk_memcpy(e->new, nk_region_bytes(r, w->off), n);
	e->seq = seq;
	next_seq = seq + 1;
	nk_view_store.log_records++;
}

const struct nk_policy_ops nk_policy_write_log = {
    .name = "write-log",
    .reset = write_log_reset,
    .check = write_log_check,
    .commit = write_log_commit,
};

long nk_log_read(long id, uint64_t from_seq, struct nk_log_rec *out, size_t max_recs)
{
	uint64_t end = next_seq;
	uint64_t seq = end > NK_LOG_RECS ? end - NK_LOG_RECS : 1;
	if (seq < from_seq)
		seq = from_seq;
	size_t n = 0;
	for (; seq < end && n < max_recs; seq++) {
		const struct nk_log_rec *e = &ring[seq % NK_LOG_RECS];
		if (id >= 0 && e->region != (uint64_t)id)
			continue;
		nk_memcpy(&out[n], e, sizeof(*e));
		if (out[n].seq != seq)
			break; /* overwritten while we copied (a write from an interrupt) */
		n++;
	}
	return (long)n;
}
