; nk's boot entry, hand-off to the outer kernel, and interrupt stubs (both
; builds). Spec I6, I7; SDM Vol. 3A 2.5 (CR0.WP), 6.12-6.14 (64-bit
; interrupt handling). The vMMU gates are in nk/gate.asm (nested build).

%include "cr0.inc"

%include "x86/gprs.inc"

extern nk_boot, outer_main, outer_trap, nk_fault_in_nk
extern nk_wpv_ptr
extern __nk_text_start, __nk_text_end

section .nk.bss nobits
align 16
nk_boot_stack:  resb 16384
nk_boot_stack_top:
global nk_gate_stack_top
nk_gate_stack:  resb 16384          ; per-CPU nk stack (CPU 0)
nk_gate_stack_top:
nk_nmi_save:    resq 24             ; interrupted nk state during an NMI/#MC

section .nk.text
bits 64

; First 64-bit code in the higher half (from boot/boot.asm).
global nk_entry64
nk_entry64:
	mov rsp, nk_boot_stack_top
	xor ebp, ebp
	call nk_boot
.hang:	cli
	hlt
	jmp .hang

; nk_handoff(rdi = outer stack top): leave nk for good at the end of boot:
; switch to the outer kernel's stack, set WP (checked), jump to outer_main.
global nk_handoff
nk_handoff:
	mov rsp, rdi
	xor ebp, ebp
	SET_WP rax
	push 0                          ; no return address: outer_main never returns
	jmp outer_main


section .nk.text
; ---- interrupt and exception entry (I7) ----
; Vectors with a CPU error code: 8, 10-14, 17, 21, 29, 30.
%macro ISR 1
isr_%1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
ISR v
%assign v v + 1
%endrep

; Stack at isr_common: vector, error, RIP, CS, RFLAGS, RSP, SS.
isr_common:
	push rax
	mov rax, cr0
	test rax, CR0_WP
	jz .wp_clear
.outer:                                 ; WP is set: outer code may run
	PUSH_GPRS
	mov rdi, rsp                    ; struct trap_frame *
	mov rbx, rsp
	and rsp, -16
	cld
	call outer_trap
	mov rsp, rbx
	POP_GPRS
	pop rax
	add rsp, 16
	iretq

.wp_clear:
	mov rax, [rsp + 8]              ; vector
	cmp rax, 2
	je .nmi_in_nk
	cmp rax, 18
	je .nmi_in_nk
	cmp rax, 32
	jae .violation                  ; maskable interrupt with WP=0: never nk (IF=0 there)
	mov rax, [rsp + 24]             ; RIP
	cmp rax, __nk_text_start
	jb .violation
	cmp rax, __nk_text_end
	jae .violation
	mov rdi, [rsp + 8]              ; exception inside nk: an nk bug
	mov rsi, [rsp + 24]
	mov rdx, cr2
	and rsp, -16
	call nk_fault_in_nk
.violation:                             ; WP=0 outside nk's own sequence: attack
	mov rax, [rel nk_wpv_ptr]
	inc qword [rax]
	SET_WP rax
	jmp .outer

; An NMI or #MC interrupted code running with WP=0 (nk). Save nk's state in
; nk memory, run the outer handler with WP=1 on this (IST) stack, then
; return to nk from the saved state, never from the outer-writable stack.
.nmi_in_nk:
	pop rax
	mov [rel nk_nmi_save + 0*8], rax
	mov [rel nk_nmi_save + 1*8], rbx
	mov [rel nk_nmi_save + 2*8], rcx
	mov [rel nk_nmi_save + 3*8], rdx
	mov [rel nk_nmi_save + 4*8], rsi
	mov [rel nk_nmi_save + 5*8], rdi
	mov [rel nk_nmi_save + 6*8], rbp
	mov [rel nk_nmi_save + 7*8], r8
	mov [rel nk_nmi_save + 8*8], r9
	mov [rel nk_nmi_save + 9*8], r10
	mov [rel nk_nmi_save + 10*8], r11
	mov [rel nk_nmi_save + 11*8], r12
	mov [rel nk_nmi_save + 12*8], r13
	mov [rel nk_nmi_save + 13*8], r14
	mov [rel nk_nmi_save + 14*8], r15
	mov rcx, 0
	lea rdx, [rel nk_nmi_save]
.save_frame:                            ; vector, error, RIP, CS, RFLAGS, RSP, SS
	mov rax, [rsp + rcx * 8]
	mov [rdx + 15*8 + rcx * 8], rax
	inc rcx
	cmp rcx, 7
	jb .save_frame
	SET_WP rax
	push qword [rel nk_nmi_save + 0*8]      ; build the outer's trap frame
	mov rax, [rel nk_nmi_save + 0*8]
	PUSH_GPRS
	mov rdi, rsp
	and rsp, -16
	cld
	call outer_trap
.back_to_nk:
	mov rax, cr0
	and rax, ~CR0_WP
	mov cr0, rax
	lea rsp, [rel nk_nmi_save + 15*8 + 2*8] ; nothing of the outer's stack is read
	; iretq pops RIP, CS, RFLAGS, RSP, SS from nk's save area itself
	mov rax, [rel nk_nmi_save + 0*8]
	mov rbx, [rel nk_nmi_save + 1*8]
	mov rcx, [rel nk_nmi_save + 2*8]
	mov rdx, [rel nk_nmi_save + 3*8]
	mov rsi, [rel nk_nmi_save + 4*8]
	mov rdi, [rel nk_nmi_save + 5*8]
	mov rbp, [rel nk_nmi_save + 6*8]
	mov r8,  [rel nk_nmi_save + 7*8]
	mov r9,  [rel nk_nmi_save + 8*8]
	mov r10, [rel nk_nmi_save + 9*8]
	mov r11, [rel nk_nmi_save + 10*8]
	mov r12, [rel nk_nmi_save + 11*8]
	mov r13, [rel nk_nmi_save + 12*8]
	mov r14, [rel nk_nmi_save + 13*8]
	mov r15, [rel nk_nmi_save + 14*8]
	iretq

section .nk.rodata
align 8
global nk_isr_table
nk_isr_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
