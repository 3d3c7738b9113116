/* Attack module watchdog_loop (containment): a driver that never returns: the watchdog stops it.
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	for (;;)
		__asm__ volatile("pause");
	return 0;
}

ATTACK("watchdog_loop", "containment", "exec_counter", ATTACK_BLOCKED, attack);
