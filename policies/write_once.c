/* Policy write-once: nk performs a write only if none of its bytes was
 * written since the region was declared. One bit per byte of the region in
 * a bitmap pool in nk memory (I8); checking and marking a write are O(len).
 * A region declared `prefilled` (nk's IDT, GDT, TSS, which nk filled at
 * boot) starts with every byte written. Use: the IDT, GDT, TSS and the
 * syscall table (sealed at the end of init). Spec section 7. */
#include "policy.h"

static uint8_t pool[NK_WONCE_POOL_BYTES]; /* written bits; region r's start at r->bitmap */
static uint64_t pool_used;		  /* bytes of pool handed out */

static void write_once_reset(void)
{
	nk_memset(pool, 0, sizeof(pool));
	pool_used = 0;
}

static long write_once_can_declare(uint64_t size)
{
	return size / 8 <= sizeof(pool) - pool_used ? 0 : -NK_ENOMEM;
}

static void write_once_declare(struct nk_region *r, bool prefilled)
{
	r->bitmap = pool_used;
	pool_used += r->size / 8;
	nk_memset(&pool[r->bitmap], prefilled ? 0xff : 0, r->size / 8);
}

static bool written(const struct nk_region *r, uint64_t off)
{
	return pool[r->bitmap + off / 8] & (1u << (off % 8));
}

static long write_once_check(const struct nk_region *r, const struct nk_write_ctx *w)
{
	for (uint64_t i = w->off; i < w->off + w->len; i++)
		if (written(r, i))
			return -NK_EWRITTEN;
	return 0;
}

static void write_once_commit(struct nk_region *r, const struct nk_write_ctx *w)
{
	for (uint64_t i = w->off; i < w->off + w->len; i++)
		pool[r->bitmap + i / 8] |= (uint8_t)(1u << (i % 8));
}

const struct nk_policy_ops nk_policy_write_once = {
    .name = "write-once",
    .reset = write_once_reset,
    .can_declare = write_once_can_declare,
    .declare = write_once_declare,
    .check = write_once_check,
    .commit = write_once_commit,
    .one_write_per_list = true, /* its check reads the bitmap, outside r */
};
