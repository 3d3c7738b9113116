/* Attack module i5_mov_cr3 (gates): text holding MOV to CR3: refused at load.
 * The harness reads back target "code_frames" (docs/modules.md); expected: refused at load. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	__asm__ volatile("mov %0, %%cr3" ::"r"(0ull));
	return 0;
}

ATTACK("i5_mov_cr3", "gates", "code_frames", ATTACK_REFUSED, attack);
