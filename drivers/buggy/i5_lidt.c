/* Attack module i5_lidt (gates): text holding LIDT: refused at load.
 * The harness reads back target "code_frames" (docs/modules.md); expected: refused at load. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	static const struct {
		uint16_t l;
		uint64_t b;
	} __attribute__((packed)) idt = {0, 0};
	__asm__ volatile("lidt %0" ::"m"(idt));
	return 0;
}

ATTACK("i5_lidt", "gates", "code_frames", ATTACK_REFUSED, attack);
