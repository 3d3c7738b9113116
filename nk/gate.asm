; nk's vMMU gates (nested build). Spec section 6 (gate), I6 with the
; no-gadget rule; paper section 4.1 (entry and exit gates); SDM Vol. 3A
; 2.5 (CR0.WP).
;
; Entry: pushfq; clear IF/TF/AC/DF; CR0 := nk_cr0 & ~WP and CLI again, for
; a jump straight to the write (GATE_ENTRY, nk/cr0.inc: read back, refused
; unless this CPU is outside nk); switch to this CPU's nk stack; call the
; fixed nk function. This CPU's state (nk_cpu) is found from TR (PCPU).
; Exit (nk_gate_exit, shared): this CPU's state := outside nk (counting
; the entry); switch back; CR0 :=
; nk_cr0 (CR0_RESTORE: read back until equal); popfq; ret.
; Entered at any byte, a gate either runs its fixed function with the
; caller's arguments (as a call would) or returns with nk's CR0.

%include "cr0.inc"

section .nk.text
bits 64

; GATE name, impl[, reg]: with a third argument the caller's return address
; (above the saved RFLAGS on its stack) is passed to impl in register reg
; (rdx: its third argument, r8: its fifth).
%macro GATE 2-3
global %1
extern %2
%1:
	pushfq
	push 2                          ; IF=0 TF=0 AC=0 DF=0
	popfq
	GATE_ENTRY                      ; now on nk's stack, the caller's RSP in r11
%if %0 == 3
	mov %3, [r11 + 8]
%endif
	call %2
	jmp nk_gate_exit
%endmacro

; The exit every gate shares: out of nk, the caller's stack, nk's CR0.
global nk_gate_exit
nk_gate_exit:
	str edx
	add qword PCPU(rdx, PCPU_GS), 3 ; IN_GATE clear, one more gate entry counted
	pop rsp                         ; the caller's stack (SDM: POP RSP loads the popped value)
	CR0_RESTORE rdx
	popfq
	ret

; one gate per call of include/nk/calls.h (build/gen/nk_gates.inc)
%include "nk_gates.inc"

%ifdef NK_FUZZ ; fuzz build only (tests/fuzz/fuzz.mk): kcov, include/nk/kcov.h
GATE nk_kcov_enable, nk_kcov_enable_impl
GATE nk_kcov_disable, nk_kcov_disable_impl
%endif


section .note.GNU-stack noalloc noexec nowrite progbits
