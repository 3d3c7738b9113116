/* Attack module fault_repeatedly (containment): a driver that faults in a loop: the first fault
 * fails it, nothing runs again. The harness reads back target "rodata" (docs/modules.md); expected:
 * blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	for (int i = 0; i < 100; i++)
		*(volatile uint64_t *)c->ro_value = (uint64_t)i;
	return 0;
}

ATTACK("fault_repeatedly", "containment", "rodata", ATTACK_BLOCKED, attack);
