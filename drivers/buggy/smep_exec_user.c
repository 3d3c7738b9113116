/* Attack module smep_exec_user (memory-protection): execute a user page from ring 0.
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
	((void (*)(void))0x400000)();
	return 0;
}

ATTACK("smep_exec_user", "memory-protection", "user_pg", ATTACK_BLOCKED, attack);
