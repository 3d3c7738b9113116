/* Attack module gate_jump_mid (gates): jump into a gate at its CR0 write with interrupts on.
 * The harness reads back target "seen_cr0" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

uint64_t attack_gate_jump(const void *target, uint64_t rax);

static long attack(struct attack_ctx *c)
{
	const uint8_t *p = (const uint8_t *)nk_null;
	int i = 0;
	while (i < 64 && !(p[i] == 0x0f && p[i + 1] == 0x22 && p[i + 2] == 0xc0))
		i++;
	if (i == 64)
		return 0;
	*c->seen_cr0 = attack_gate_jump(p + i, read_cr0() & ~CR0_WP);
	if (!(*c->seen_cr0 & CR0_WP))
		return 0;
	ksnprintf(c->note, c->note_cap,
		  "gate: fixed call path, exit loop set CR0.WP again (%lu WP=0 interrupts seen)",
		  nk_view->stats.wp_violations);
	return -1;
}

ATTACK("gate_jump_mid", "gates", "seen_cr0", ATTACK_BLOCKED, attack);
