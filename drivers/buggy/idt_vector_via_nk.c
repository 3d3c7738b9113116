/* Attack module idt_vector_via_nk (write-mediation): replace the #PF vector through nk_write
 * (sealed write-once). The harness reads back target "idt" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static long attack(struct attack_ctx *c)
{
	(void)c;
	struct dtr d;
	__asm__ volatile("sidt %0" : "=m"(d));
	static const uint8_t evil[16] = {0x90, 0x90};
	return nk_write(nk_view->region_idt, (void *)(d.base + 14 * 16), evil, sizeof(evil));
}

ATTACK("idt_vector_via_nk", "write-mediation", "idt", ATTACK_BLOCKED, attack);
