/* Attack module i5_ltr (gates): text holding LTR: refused at load.
 * The harness reads back target "code_frames" (docs/modules.md); expected: refused at load. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	__asm__ volatile("ltr %0" ::"r"((uint16_t)0x28));
	return 0;
}

ATTACK("i5_ltr", "gates", "code_frames", ATTACK_REFUSED, attack);
