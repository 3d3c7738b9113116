/* Policy no-write: nk performs no write once the region is sealed; before
 * that (set-up during init) every write in bounds is performed. nk refuses
 * writes to sealed regions before asking any policy (nk/region.c), so this
 * policy has nothing left to refuse. Use: data the kernel sets once at boot
 * (.data.ro_after_init, sealed by nk_init_done). Spec section 7. */
#include "policy.h"

static long no_write_check(const struct nk_region *r, const struct nk_write_ctx *w)
{
	(void)r, (void)w;
	return 0; /* unsealed: set-up writes are allowed */
}

static void no_write_commit(struct nk_region *r, const struct nk_write_ctx *w)
{
	(void)r, (void)w;
}

const struct nk_policy_ops nk_policy_no_write = {
    .name = "no-write",
    .check = no_write_check,
    .commit = no_write_commit,
};
