/* Attack module exec_direct_map (memory-protection): execute code through the direct map.
 * The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	static const uint8_t inc_rdi_ret[] = {0xff, 0x07, 0xc3};
	memcpy(pa_to_dm(c->data), inc_rdi_ret, sizeof(inc_rdi_ret));
	((void (*)(volatile uint32_t *))pa_to_dm(c->data))(c->exec_counter);
	return 0;
}

ATTACK("exec_direct_map", "memory-protection", "exec_counter", ATTACK_BLOCKED, attack);
