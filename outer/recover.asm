; Recovery points for the attack harness: recover_arm saves the callee-saved
; registers (setjmp-like); recover_jump returns to them with 1. The
; BKL depth (include/outer/smp.h) goes with them: a jump out of a trap
; handler leaves the levels the trap took.
%include "asm_offsets.inc"         ; CPU_BKL_DEPTH

section .text
bits 64
extern recover_current
global recover_arm, recover_jump

; int recover_arm(struct recovery *r)
recover_arm:
	mov [rdi + 0], rbx
	mov [rdi + 8], rbp
	mov [rdi + 16], r12
	mov [rdi + 24], r13
	mov [rdi + 32], r14
	mov [rdi + 40], r15
	lea rax, [rsp + 8]
	mov [rdi + 48], rax             ; caller's RSP after return
	mov rax, [rsp]
	mov [rdi + 56], rax             ; return address
	mov dword [rdi + 64], 1         ; armed
	mov eax, [gs:CPU_BKL_DEPTH]
	mov [rdi + 68], eax             ; bkl_depth
	mov [rel recover_current], rdi
	xor eax, eax
	ret

; noreturn void recover_jump(struct recovery *r)
recover_jump:
	mov rbx, [rdi + 0]
	mov rbp, [rdi + 8]
	mov r12, [rdi + 16]
	mov r13, [rdi + 24]
	mov r14, [rdi + 32]
	mov r15, [rdi + 40]
	mov rsp, [rdi + 48]
	mov dword [rdi + 64], 0
	mov eax, [rdi + 68]
	mov [gs:CPU_BKL_DEPTH], eax
	mov eax, 1
	jmp [rdi + 56]

section .note.GNU-stack noalloc noexec nowrite progbits
