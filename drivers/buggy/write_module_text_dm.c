/* Attack module write_module_text_dm (memory-protection): patch another module's text through the
 * direct map. The harness reads back target "victim_text" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->victim_text)
		return 0;
	paddr_t l1;
	unsigned i;
	if (!mm_leaf(nk_view->master_l4, (uint64_t)c->victim_text, &l1, &i))
		return 0;
	paddr_t f = pte_frame(((pte_t *)pa_to_dm(l1))[i], 1);
	*(volatile uint8_t *)pa_to_dm(f) = 0xc3;
	return 0;
}

ATTACK("write_module_text_dm", "memory-protection", "victim_text", ATTACK_BLOCKED, attack);
