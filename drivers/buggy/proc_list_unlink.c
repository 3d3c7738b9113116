/* Attack module proc_list_unlink (write-mediation): hide every process by
 * clearing the real process-list head with a plain store. The harness
 * reads back target "proc_list" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->proc_list_head)
		return 0;
	*(volatile uint64_t *)c->proc_list_head = 0;
	return 0;
}

ATTACK("proc_list_unlink", "write-mediation", "proc_list", ATTACK_BLOCKED, attack);
