/* Attack module region_direct_map_alias (write-mediation): store into the ro_after_init region
 * through the direct map. The harness reads back target "roai" (docs/modules.md); expected:
 * blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	*(volatile uint64_t *)pa_to_dm(kimg_to_pa(va_of(c->roai))) = 0xbad;
	return 0;
}

ATTACK("region_direct_map_alias", "write-mediation", "roai", ATTACK_BLOCKED, attack);
