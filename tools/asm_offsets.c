/* The C constants and struct layouts NASM code uses, made once from their C
 * definitions: compiled with -S by the Makefile, whose sed turns each
 * "->NAME value" marker into `NAME equ value` in build/gen/asm_offsets.inc
 * (included by nk/cr0.inc and outer/usermode.asm). The static asserts pin
 * what NASM code assumes without naming (the trap frame's order, which
 * include/x86/gprs.inc's PUSH_GPRS builds). Not linked. */
#include <stddef.h>
#include <nk/vmmu.h>
#include <outer/trap.h>
#include <outer/smp.h>
#include <outer/errno.h>
#include <x86/cpu.h>
#include <x86/selectors.h>

#define DEFINE(name, value) __asm__ volatile("\n.ascii \"->" #name " %c0\"" ::"i"((long)(value)))

/* the trap frame as nk/entry.asm and outer/usermode.asm push it: R15 lowest,
 * RAX, then vector, error and the CPU's five words */
_Static_assert(offsetof(struct trap_frame, r15) == 0, "trap_frame: r15 first");
_Static_assert(offsetof(struct trap_frame, rax) == 14 * 8, "trap_frame: rax after 14 GPRs");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "trap_frame: vector after rax");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8,
	       "trap_frame: the CPU's frame after error");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame: 22 words");
/* the per-CPU words include/outer/smp.h reads at fixed GS offsets */
_Static_assert(offsetof(struct cpu_local, self) == 0, "cpu_local: self at 0");
_Static_assert(offsetof(struct cpu_local, cur) == 24, "cpu_local: cur at 24");
/* outer/recover.asm's recovery layout: 8 words, armed, the BKL depth */
_Static_assert(offsetof(struct recovery, armed) == 64, "recovery: armed at 64");
_Static_assert(offsetof(struct recovery, bkl_depth) == 68, "recovery: bkl_depth at 68");

/* asm_offsets: never run; compiling it emits the markers. */
void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(NK_EGATE, NK_EGATE);
	DEFINE(NK_EBUSY, NK_EBUSY);
	DEFINE(CR0_WP, CR0_WP);
	DEFINE(CR4_SMEP, CR4_SMEP);
	DEFINE(USER_CS, SEL_UCODE | 3);
	DEFINE(USER_SS, SEL_UDATA | 3);
	DEFINE(EFAULT, EFAULT);
	DEFINE(CPU_KSTACK_TOP, offsetof(struct cpu_local, kstack_top));
	DEFINE(CPU_USER_RSP, offsetof(struct cpu_local, user_rsp));
	DEFINE(CPU_INDEX, offsetof(struct cpu_local, index));
	DEFINE(CPU_BKL_DEPTH, offsetof(struct cpu_local, bkl_depth));
	DEFINE(BKL_SERVING, offsetof(struct bkl, serving));
	DEFINE(BKL_OWNER, offsetof(struct bkl, owner));
}
