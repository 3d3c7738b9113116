/* Attack module demote_kernel_text (mmu-isolation): demote a boot-image CODE frame.
 * The harness reads back target "kernel_text" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	(void)c;
	paddr_t f = pa_init(align_down(pa_addr(kimg_to_pa(va_of(kprintf))), PAGE_SIZE));
	long r = nk_demote_code(&f, 1);
	if (r)
		return r;
	*(volatile uint8_t *)pa_to_dm(f) = 0xc3;
	return 0;
}

ATTACK("demote_kernel_text", "mmu-isolation", "kernel_text", ATTACK_BLOCKED, attack);
