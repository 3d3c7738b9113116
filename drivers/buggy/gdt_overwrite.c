/* Attack module gdt_overwrite (gates): overwrite the kernel code descriptor of the GDT.
 * The harness reads back target "gdt" (docs/modules.md); expected: blocked. */
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
	__asm__ volatile("sgdt %0" : "=m"(d));
	*(volatile uint64_t *)(d.base + 8) = 0;
	return 0;
}

ATTACK("gdt_overwrite", "gates", "gdt", ATTACK_BLOCKED, attack);
