/* The interface between nk's write mediation (nk/region.c) and the policies
 * (one file each in policies/). nk-private: only nk/ and policies/ include
 * it. Spec section 7.
 *
 * nk calls a policy in the two halves of every call (style.md, seL4):
 * can_declare/check decide and change nothing; declare/commit record what
 * nk did and cannot fail. nk itself checks the region id, the bounds, the
 * source and the seal before asking the policy, and performs the copy. */
#ifndef NK_POLICY_H
#define NK_POLICY_H

#include "../nk/nk.h"
#include <nk/region.h>

/* One write nk is deciding, or has just performed. */
struct nk_write_ctx {
	long id;		   /* region id */
	uint64_t off;		   /* byte offset of the write in the region */
	uint64_t len;		   /* bytes, >= 1, off + len <= region size */
	uint64_t dst;		   /* destination as the caller named it: virtual, bytes */
	uint64_t rip;		   /* caller's return address (nk_multicall's for its writes) */
	uint64_t tag;		   /* nk_multicall: the op's outer-supplied caller tag */
	bool tagged;		   /* the write came in an nk_multicall (tag is set) */
	uint8_t old[NK_LOG_BYTES]; /* the first min(len, 16) bytes before the write */
};

struct nk_policy_ops {
	const char *name;
	/* reset: forget every region's state (boot, host tests). May be NULL. */
	void (*reset)(void);
	/* can_declare: 0 if a region `size` bytes long can get this policy's
	 * state, else -NK_ENOMEM. May be NULL (always 0). */
	long (*can_declare)(uint64_t size);
	/* declare: set up r's state; `prefilled`: the current contents count
	 * as written (nk's own tables). May be NULL. */
	void (*declare)(struct nk_region *r, bool prefilled);
	/* check: 0 if nk may perform write w into r now (r unsealed), else the
	 * policy's -NK_E* code. Changes nothing. */
	long (*check)(const struct nk_region *r, const struct nk_write_ctx *w);
	/* commit: after nk performed w (the bytes are in place): update the
	 * policy's state (and log). Cannot fail. */
	void (*commit)(struct nk_region *r, const struct nk_write_ctx *w);
	/* advance: nk_multicall's shadow: change r's own fields as commit
	 * would for w, nothing else, so that check decides a later write of
	 * the same list as it would after w. NULL when check never depends on
	 * earlier writes. */
	void (*advance)(struct nk_region *r, const struct nk_write_ctx *w);
	/* one_write_per_list: check depends on state outside r (write-once's
	 * bitmap): nk_multicall refuses a second write to r in one list
	 * (NK_EDUP). */
	bool one_write_per_list;
};

extern const struct nk_policy_ops nk_policy_no_write;
extern const struct nk_policy_ops nk_policy_write_once;
extern const struct nk_policy_ops nk_policy_append_only;
extern const struct nk_policy_ops nk_policy_write_log;

/* nk_region_bytes: nk's pointer to byte `off` of region r (through the
 * direct map on x86, fake memory on the host). */
static inline uint8_t *nk_region_bytes(const struct nk_region *r, uint64_t off)
{
	return (uint8_t *)arch_pa_va(r->pa) + off;
}

#endif
