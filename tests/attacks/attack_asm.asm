; Helpers for attacks that need exact control of registers and the stack.
section .text
bits 64

; uint64_t attack_gate_jump(void *target, uint64_t rax_value)
; Jump into the middle of a gate with interrupts on, the stack laid out as
; the gate's exit expects (saved RFLAGS, then a return address). Returns
; CR0 as the attacker sees it right after the gate returns.
global attack_gate_jump
attack_gate_jump:
	lea r11, [rel .back]
	push r11
	sti
	pushfq
	mov rax, rsi
	jmp rdi
.back:
	mov rax, cr0
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
