/* Write mediation: protected regions and the writes nk performs into them
 * for the outer kernel. Spec: nested-kernel.md section 7 (and I2, I8);
 * paper: the nested kernel's write-mediation interface (nk_declare,
 * nk_write) and its write-once, append-only and write-logging policies.
 *
 * A region is [base, base + size) of kernel memory, page-aligned and a whole
 * number of 4 KiB pages, named by an address nk translates without trusting
 * outer page tables: a direct-map address, or an address of the kernel image
 * (mapped by nk's own pinned tables). Its frames become PROTECTED: read-only
 * in every mapping, the direct map included (I2). The outer kernel changes
 * a region only through nk_write, and nk performs the write only when the
 * region's policy allows it (policies/). Regions are never removed; a frame
 * belongs to at most one region.
 *
 * The nested build (NK=1) reaches nk through gates (nk/gate.asm); the native
 * build (NK=0) has the same calls as plain functions that enforce the
 * policies in software but protect no frame (nk/native.c). */
#ifndef NK_REGION_H
#define NK_REGION_H

#include <nk/types.h>

/* What decides whether nk performs a write (spec section 7). */
enum nk_policy {
	NK_POLICY_NO_WRITE = 0,	   /* no write once sealed (ro-after-init data) */
	NK_POLICY_WRITE_ONCE = 1,  /* each byte written at most once (IDT, syscall table) */
	NK_POLICY_APPEND_ONLY = 2, /* only extend the used prefix; wrap = new epoch (audit log);
				    * a record is at most 1/16 of the region */
	NK_POLICY_WRITE_LOG = 3,   /* always, recorded in nk's write log (creds, process list) */
	NK_POLICY_MAX
};

/* Flag for nk_region_declare's policy argument: nk_init_done seals it. */
#define NK_REGION_SEAL_AT_INIT 0x100u

#define NK_REGIONS_MAX 64u
#define NK_WONCE_POOL_BYTES 16384u /* write-once bitmaps: 128 KiB of regions */
#define NK_LOG_RECS 256u	   /* write-log ring, records */
#define NK_LOG_BYTES 16u	   /* old/new bytes kept per record */
/* append-only: one write (record) is at most size / NK_APPEND_RECORD_DIV
 * bytes of its region (NK_ERECORD), so one record never replaces the log */
#define NK_APPEND_RECORD_DIV 16u

/* A declared region as nk keeps it (read through nk_view->regions[id]). */
struct nk_region {
	uint64_t va;	/* base as declared: virtual, bytes, page-aligned */
	paddr_t pa;	/* physical base, bytes */
	uint64_t size;	/* bytes, a multiple of 4 KiB */
	uint8_t policy; /* enum nk_policy */
	uint8_t sealed; /* no write is performed any more */
	uint8_t seal_at_init;
	uint8_t nk_frames; /* nk's own memory (IDT, GDT, TSS): its frames stay NK */
	uint32_t spare;
	uint64_t writes;  /* writes performed */
	uint64_t refused; /* writes refused */
	/* append-only: this epoch's data is [0, used); the previous epoch's
	 * data still there is [used, wrap_end) (empty if wrap_end <= used) */
	uint64_t used;	   /* bytes */
	uint64_t epoch;	   /* wraps so far */
	uint64_t wrap_end; /* bytes */
	uint64_t appended; /* bytes ever appended (monotonic) */
	/* write-once: offset of the region's written-bit map in nk's pool */
	uint64_t bitmap; /* bytes */
};

/* One write-log record (policy write-log). */
struct nk_log_rec {
	uint64_t seq;		   /* 1, 2, ...: over all write-log regions */
	uint64_t tsc;		   /* RDTSC when nk performed the write */
	uint64_t rip;		   /* caller: the return address of the nk_write (or
				    * nk_multicall) call, as nk's gate captured it */
	uint64_t addr;		   /* dst as the caller passed it: virtual, bytes */
	uint32_t region;	   /* region id */
	uint32_t len;		   /* full length of the write, bytes */
	uint8_t old[NK_LOG_BYTES]; /* the first min(len, 16) bytes before */
	uint8_t new[NK_LOG_BYTES]; /* and after the write */
	uint64_t tag;		   /* NK_LOG_TAGGED: the op's caller tag, outer-supplied */
	uint32_t flags;		   /* NK_LOG_* */
	uint32_t spare;
};

/* nk_log_rec.flags: the write came in an nk_multicall: rip is the
 * multicall's caller (nk's own capture) and tag the operation's caller as
 * the outer kernel named it (supplied by the outer kernel, not verified). */
#define NK_LOG_TAGGED 0x1u

/* nk_region_declare: protect [base, base + size_bytes) under `policy` (enum
 * nk_policy, optionally | NK_REGION_SEAL_AT_INIT). base is a direct-map
 * address (pa_to_dm) or a kernel-image address mapped by nk's own tables;
 * heap addresses are refused (the outer kernel can remap them). Every frame
 * becomes PROTECTED and its direct-map (and image) entry read-only; the
 * region's contents stay as they are. Returns the region id (>= 0).
 * Errors, in this order: NK_EPOLICY, NK_EZERO (size 0), NK_EALIGN (base or
 * size not 4 KiB-aligned), NK_ENOMEM (table or write-once pool full),
 * NK_EVADDR (base not in the direct map or nk's image map, or not
 * physically contiguous), NK_ERANGE (a frame outside RAM), NK_EOVERLAP (a
 * frame already in a region), NK_ETYPE (a frame not DATA), NK_EWRITABLE (a
 * frame mapped writable by the outer kernel), NK_EHUGE (a frame under a
 * 2 MiB mapping). Nothing changes on error. Cost O(size / 4 KiB).
 * Source: spec 3 (I2), 7; paper (nk_declare). */
long nk_region_declare(void *base, size_t size_bytes, unsigned policy);

/* nk_write: copy len bytes from src to dst inside region `id`, if its
 * policy allows. dst is an address in the region as declared or its
 * direct-map alias; src must be mapped kernel memory outside nk's view of
 * the write (overlapping src and dst give an unspecified result inside the
 * region). Errors, in this order: NK_EREGION, NK_EZERO (len 0), NK_EBOUNDS
 * ([dst, dst+len) not inside the region), NK_EFAULT (src not mapped), then
 * NK_ESEALED, then the policy's: NK_EWRITTEN (write-once); NK_ERECORD
 * (append-only: len > region size / NK_APPEND_RECORD_DIV, i.e. 1/16),
 * NK_EREWRITE, NK_EGAP (append-only; an append that does not fit is
 * NK_EBOUNDS: wrap by writing at offset 0, which nk accepts only when the
 * record does not fit in the space left). Nothing changes on error but the
 * region's refusal count. Cost O(len); the region is found in O(1).
 * Source: spec 7; paper (nk_write). */
long nk_write(long id, void *dst, const void *src, size_t len);

/* nk_region_seal: refuse every later write to region `id` (NK_ESEALED).
 * Sealing a sealed region is a no-op. Errors: NK_EREGION.
 * Source: spec 7. */
long nk_region_seal(long id);

/* nk_log_read: copy to out (max_recs records) the write-log records of
 * region `id` (or of every region when id < 0) whose seq >= from_seq,
 * oldest first. The log is a ring of NK_LOG_RECS records; older ones are
 * gone (seq tells). Returns the number copied (0 if none). A plain
 * read-only function, no gate: it runs with the caller's rights (nk
 * promises integrity, not confidentiality, spec 2). Source: spec 7. */
long nk_log_read(long id, uint64_t from_seq, struct nk_log_rec *out, size_t max_recs);

/* nk_policy_name: "no-write", "write-once", "append-only", "write-log"
 * for policy p, "?" otherwise. Plain read-only function. */
const char *nk_policy_name(unsigned p);

#endif
