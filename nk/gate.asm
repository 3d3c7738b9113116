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

extern nk_lock_next, nk_lock_serving, nk_smp_poll_impl

section .nk.text
bits 64

; NK_LOCK: take the nk lock (nk/shoot.c: a ticket lock; the lock order is
; stated there), on nk's stack with interrupts off. The argument registers
; are kept; rax, r10 clobbered. Uncontended: four instructions.
%macro NK_LOCK 0
	mov eax, 1
	lock xadd [rel nk_lock_next], eax
	cmp eax, [rel nk_lock_serving]
	je %%held
	call nk_lock_wait
%%held:
%endmacro

; GATE name, impl[, reg]: with a third argument the caller's return address
; (above the saved RFLAGS on its stack) is passed to impl in register reg
; (rdx: its third argument, r8: its fifth). Every gate but the few that
; touch only this CPU's own state takes the nk lock around its body.
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
%assign %%locked 1
%ifidn %1, nk_null
%assign %%locked 0
%elifidn %1, nk_smp_poll
%assign %%locked 0
%elifidn %1, nk_smp_release
%assign %%locked 0
%elifidn %1, nk_apic_eoi
%assign %%locked 0
%elifidn %1, nk_apic_timer
%assign %%locked 0
%elifidn %1, nk_apic_ipi
%assign %%locked 0
%endif
%if %%locked
	NK_LOCK
	call %2
	jmp nk_gate_exit_unlock
%else
	call %2
	jmp nk_gate_exit
%endif
%endmacro

; nk_lock_wait (from NK_LOCK, eax = this CPU's ticket): spin until the
; ticket is served, acknowledging this CPU's TLB shootdowns meanwhile
; (interrupts are off: the IPI cannot come in). The argument registers
; are kept.
nk_lock_wait:
	push rdi
	push rsi
	push rdx
	push rcx
	push r8
	push r9
	push rax                        ; 7 pushes after the call: aligned for C
.spin:
	call nk_smp_poll_impl
	pause
	mov eax, [rsp]
	cmp eax, [rel nk_lock_serving]
	jne .spin
	pop rax
	pop r9
	pop r8
	pop rcx
	pop rdx
	pop rsi
	pop rdi
	ret

; The exit of a gate that holds the nk lock: serve the next ticket (only
; the holder writes it; a plain store releases on x86, SDM 8.2.2), then
; the shared exit.
nk_gate_exit_unlock:
	inc dword [rel nk_lock_serving]
	; fall through

; The exit every gate shares: out of nk, the caller's stack, nk's CR0.
global nk_gate_exit
nk_gate_exit:
	str edx
	add qword PCPU(rdx, PCPU_GS), NK_GS_EXIT ; IN_GATE clear, one more entry counted
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
