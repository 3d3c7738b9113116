/* gadget_jump: the module through which the gadget sweep
 * (tests/attacks/attack_sweep.c, attacks.md "reach every privileged-write site in
 * nk's text directly") reaches each site: a `jmp` from module code with
 * every register as the harness chose (struct sweep_shot,
 * include/outer/attack_api.h). The harness enumerates the sites and reads
 * the oracle; this module only makes the jump. */
#include <outer/kernel.h>
#include <outer/attack_api.h>

uint64_t gadget_jump_asm(struct sweep_shot *s);

/* Saves the callee-saved registers and RFLAGS, sprays 64 landing
 * addresses, loads every register, jumps (with irq, after `delay` turns
 * of a two-instruction loop with interrupts on, and `pad` one more). `landing` (reached by any ret)
 * stores RAX, restores the stack and flags and returns 0. A fault instead
 * goes to the harness's recovery point. */
__asm__(
    ".text\n"
    ".globl gadget_jump_asm\n"
    "gadget_jump_asm:\n"
    "	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
    "	pushfq\n"
    "	mov %rsp, gj_saved_rsp(%rip)\n"
    "	mov %rdi, gj_shot(%rip)\n"
    "	lea gj_landing(%rip), %rax\n"
    "	mov $64, %ecx\n"
    "1:	push %rax\n"
    "	dec %ecx\n"
    "	jnz 1b\n"
    "	mov (%rdi), %rax\n"
    "	mov %rax, gj_target(%rip)\n"
    "	cmpq $0, 144(%rdi)\n" /* irq */
    "	je 3f\n"
    "	mov 152(%rdi), %rcx\n" /* delay */
    "	sti\n"
    "2:	dec %rcx\n"
    "	jnz 2b\n"
    "	cmpq $0, 168(%rdi)\n" /* pad: shifts the jump by one instruction */
    "	je 3f\n"
    "	nop\n"
    "3:	cmpq $0, 136(%rdi)\n" /* rsp_hostile */
    "	je 4f\n"
    "	mov 40(%rdi), %rsp\n"
    "4:	mov 8(%rdi), %rax\n	mov 16(%rdi), %rcx\n	mov 24(%rdi), %rdx\n"
    "	mov 32(%rdi), %rbx\n	mov 48(%rdi), %rbp\n	mov 56(%rdi), %rsi\n"
    "	mov 72(%rdi), %r8\n	mov 80(%rdi), %r9\n	mov 88(%rdi), %r10\n"
    "	mov 96(%rdi), %r11\n	mov 104(%rdi), %r12\n	mov 112(%rdi), %r13\n"
    "	mov 120(%rdi), %r14\n	mov 128(%rdi), %r15\n	mov 64(%rdi), %rdi\n"
    "	jmp *gj_target(%rip)\n"
    "gj_landing:\n"
    "	mov gj_saved_rsp(%rip), %rsp\n"
    "	mov gj_shot(%rip), %rdi\n"
    "	mov %rax, 160(%rdi)\n" /* rax_after */
    "	popfq\n"
    "	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
    "	xor %eax, %eax\n"
    "	ret\n"
    ".data\n"
    ".balign 8\n"
    "gj_saved_rsp: .quad 0\n"
    "gj_shot: .quad 0\n"
    "gj_target: .quad 0\n"
    ".text\n");

_Static_assert(__builtin_offsetof(struct sweep_shot, rsp_hostile) == 136, "shot layout");
_Static_assert(__builtin_offsetof(struct sweep_shot, irq) == 144, "shot layout");
_Static_assert(__builtin_offsetof(struct sweep_shot, rax_after) == 160, "shot layout");
_Static_assert(__builtin_offsetof(struct sweep_shot, pad) == 168, "shot layout");

static long jump(struct attack_ctx *c)
{
	return c->shot ? (long)gadget_jump_asm(c->shot) : 0;
}

ATTACK("gadget_jump", "gates", "none", ATTACK_BLOCKED, jump);
