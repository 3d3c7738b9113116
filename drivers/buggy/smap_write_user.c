/* Attack module smap_write_user (memory-protection): write a user page without stac.
 * The harness reads back target "user_pg" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	long r = nk_load_cr3(c->l4);
	if (r)
		return r;
	*(volatile uint64_t *)0x400000 = 0xbad;
	return 0;
}

ATTACK("smap_write_user", "memory-protection", "user_pg", ATTACK_BLOCKED, attack);
