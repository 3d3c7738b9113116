/* Attack module write_rodata_direct_map (memory-protection): store into kernel .rodata through its
 * direct-map alias. The harness reads back target "rodata" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	*(volatile uint64_t *)pa_to_dm(kimg_to_pa(va_of(c->ro_value))) = 0xbad;
	return 0;
}

ATTACK("write_rodata_direct_map", "memory-protection", "rodata", ATTACK_BLOCKED, attack);
