/* Policy append-only: nk performs a write only if it extends the region's
 * used prefix [0, used): it must start exactly at `used` (and, as every
 * write, end by the region's end). A ring (the audit log) wraps by writing
 * at offset 0, and only when the record does not fit in the space left
 * (used + len > size): that starts a new epoch rather than counting as a
 * rewrite. nk counts the epochs and the bytes ever appended, and keeps
 * where the previous epoch's data ends, so a reader knows exactly what the
 * wrap overwrote. Nothing else rewrites the prefix.
 *
 * One record (one nk_write) is at most 1/16 of the region
 * (NK_APPEND_RECORD_DIV): a larger one is NK_ERECORD wherever it is
 * written. So a wrap happens only once the log is at least 15/16 full, a
 * wrap replaces at most 1/16 of it, and overwriting the oldest record
 * means appending (visibly: `appended`, `epoch`) until the whole log has
 * been filled first. No single write can replace the log.
 *
 *   len > size / 16                          -> NK_ERECORD
 *   write at used, used + len <= size        -> ok, used += len
 *   write at 0, used > 0, used + len > size  -> wrap: epoch++, wrap_end = used, used = len
 *   write at < used (not the wrap)           -> NK_EREWRITE
 *   write at > used                          -> NK_EGAP
 *
 * Use: the audit log of syscall entry/exit records (32-byte records in a
 * 16 KiB log). Spec section 7 (append-only row). */
#include "policy.h"

/* Whether w is the wrap: at 0 while an append of w->len at `used` would
 * not fit. */
static bool is_wrap(const struct nk_region *r, const struct nk_write_ctx *w)
{
	return w->off == 0 && r->used != 0 && r->used + w->len > r->size;
}

static long append_only_check(const struct nk_region *r, const struct nk_write_ctx *w)
{
	if (w->len > r->size / NK_APPEND_RECORD_DIV)
		return -NK_ERECORD;
	if (is_wrap(r, w))
		return 0;
	if (w->off < r->used)
		return -NK_EREWRITE;
	if (w->off > r->used)
		return -NK_EGAP;
	return 0;
}

static void append_only_commit(struct nk_region *r, const struct nk_write_ctx *w)
{
	if (is_wrap(r, w)) {
		r->epoch++;
		r->wrap_end = r->used;
		r->used = w->len;
	} else {
		r->used += w->len;
	}
	r->appended += w->len;
}

const struct nk_policy_ops nk_policy_append_only = {
    .name = "append-only",
    .check = append_only_check,
    .commit = append_only_commit,
    .advance = append_only_commit, /* commit changes r's own fields alone */
};
