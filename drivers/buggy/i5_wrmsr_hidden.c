/* Attack module i5_wrmsr_hidden (gates): WRMSR hidden inside another instruction's immediate:
 * refused at load. The harness reads back target "code_frames" (docs/modules.md); expected: refused
 * at load. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	uint32_t v;
	/* the immediate 0x90300f90 holds 0F 30 (WRMSR) at an unaligned offset */
	__asm__ volatile("movl $0x90300f90, %0" : "=r"(v));
	return v;
}

ATTACK("i5_wrmsr_hidden", "gates", "code_frames", ATTACK_REFUSED, attack);
