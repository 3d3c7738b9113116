/* Attack module idt_overwrite (gates): overwrite the #PF vector of the IDT.
 * The harness reads back target "idt" (docs/modules.md); expected: blocked. */
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
	*(volatile uint64_t *)(d.base + 14 * 16) = 0;
	return 0;
}

ATTACK("idt_overwrite", "gates", "idt", ATTACK_BLOCKED, attack);
