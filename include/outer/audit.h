/* The audit log: syscall entry/exit records in an append-only region
 * (include/nk/region.h), a ring that wraps as a new epoch. Kept only when
 * nk_view->audit is set (nk.audit=1, the default). Spec section 7. */
#ifndef OUTER_AUDIT_H
#define OUTER_AUDIT_H
#include <nk/types.h>

#define AUDIT_ENTRY 1u /* syscall entry: result is 0 */
#define AUDIT_EXIT 2u  /* syscall exit: result is the return value */
#define AUDIT_BOOT 3u  /* the first record: the log started */

/* One record: 32 bytes. */
struct audit_rec {
	uint64_t tsc;	/* RDTSC as the outer kernel read it */
	int64_t result; /* syscall result (AUDIT_EXIT) */
	uint32_t pid;
	uint32_t nr;   /* syscall number */
	uint32_t kind; /* AUDIT_* */
	uint32_t spare;
};

#define AUDIT_PAGES 4u
#define AUDIT_RECS (AUDIT_PAGES * 4096u / sizeof(struct audit_rec))

/* audit_init: declare the log (AUDIT_RECS records in outer .bss, named by
 * its image address) an append-only region and append an AUDIT_BOOT
 * record. Does nothing when nk_view->audit is clear. Call once, before
 * nk_init_done. Returns 0 or the nk error (the log is then off). */
long audit_init(void);

/* audit_record: append {kind, pid, nr, result, TSC} through nk_write,
 * wrapping to the start (a new epoch) when the log is full. Returns 0, 0
 * when auditing is off, or nk_write's error. */
long audit_record(uint32_t kind, uint32_t pid, uint32_t nr, int64_t result);

/* audit_count: records ever appended (the next record's index). */
uint64_t audit_count(void);

/* audit_read: copy up to max records with index >= from (0 = the oldest
 * still in the ring) to out, oldest first. Returns how many. Indexes older
 * than audit_count() - AUDIT_RECS have been overwritten by wraps. */
size_t audit_read(uint64_t from, struct audit_rec *out, size_t max);

/* audit_region: the log's region id, -1 when auditing is off. */
long audit_region(void);

/* audit_ring: the log's first record (its declared, image address). */
const struct audit_rec *audit_ring(void);
#endif
