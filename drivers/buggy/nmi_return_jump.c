/* Attack module nmi_return_jump (gates): call nk's NMI/#MC return path
 * (nk_nmi_return, nk/entry.asm) when no NMI interrupted nk, interrupts
 * off. Before the no-gadget rule it cleared CR0.WP and IRETed to whatever
 * nk's save area held (or nk panicked). Now it must set WP again, count an
 * attack and return: neither panic nor resume anything.
 * The harness reads back target "cr0" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	uint64_t before = *c->nmi_return_attacks, cr0;
	__asm__ volatile("pushfq\n\t"
			 "cli\n\t"
			 "call *%1\n\t"
			 "popfq\n\t"
			 "mov %%cr0, %0"
			 : "=r"(cr0)
			 : "r"(c->nk_nmi_return)
			 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory",
			   "cc");
	uint64_t after = *c->nmi_return_attacks;
	ksnprintf(
	    c->note, c->note_cap,
	    "nk's NMI return path refused (no NMI of nk's): CR0.WP=%d, attacks counted %lu -> %lu",
	    (cr0 & CR0_WP) != 0, before, after);
	return (cr0 & CR0_WP) && after == before + 1 ? -1 : 0;
}

ATTACK("nmi_return_jump", "gates", "cr0", ATTACK_BLOCKED, attack);
