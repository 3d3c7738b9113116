; module_stack_call(fn, arg, sp): call fn(arg) on the stack ending at sp
; (the module stack, outer/module.c), then return on the caller's stack.
section .text
bits 64
global module_stack_call

module_stack_call:
	push rbp
	mov rbp, rsp
	and rdx, -16
	mov rsp, rdx
	mov rax, rdi
	mov rdi, rsi
	call rax
	mov rsp, rbp
	pop rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
