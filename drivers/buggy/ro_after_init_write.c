/* Attack module ro_after_init_write (memory-protection): store into __ro_after_init data after
 * init. The harness reads back target "roai" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	*(volatile uint64_t *)c->roai = 0xbad;
	return 0;
}

ATTACK("ro_after_init_write", "memory-protection", "roai", ATTACK_BLOCKED, attack);
