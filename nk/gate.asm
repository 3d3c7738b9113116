; nk's vMMU gates (nested build). Spec section 6 (gate), I6 with the
; no-gadget rule; paper section 4.1 (entry and exit gates); SDM Vol. 3A
; 2.5 (CR0.WP).
;
; Entry: pushfq; clear IF/TF/AC/DF; cli; CR0 := nk_cr0 & ~WP (GATE_ENTRY,
; nk/cr0.inc: read back, refused unless this CPU is outside nk); switch to
; this CPU's nk stack; call the fixed nk function.
; Exit (nk_gate_exit, shared): state := outside nk; switch back; CR0 :=
; nk_cr0 (CR0_RESTORE: read back until equal); popfq; ret.
; Entered at any byte, a gate either runs its fixed function with the
; caller's arguments (as a call would) or returns with nk's CR0.

%include "cr0.inc"

extern nk_declare_ptp_impl, nk_remove_ptp_impl, nk_write_pte_impl
extern nk_write_ptes_impl, nk_load_cr3_impl, nk_load_cr0_impl
extern nk_load_cr4_impl, nk_wrmsr_impl, nk_null_impl, nk_init_done_impl
extern nk_check_invariants_impl, nk_gate_stack_top
extern nk_region_declare_impl, nk_write_impl, nk_region_seal_impl
extern nk_promote_code_impl, nk_demote_code_impl

section .nk.data
align 8
global nk_stack_top
; where a gate's first push goes: 8 below the top, so the call is aligned
nk_stack_top:   dq nk_gate_stack_top - 8 ; indexed by CPU once SMP exists

section .nk.text
bits 64

; GATE name, impl[, rip]: with a third argument the caller's return address
; (above the saved RFLAGS on its stack) is passed as impl's fifth argument.
%macro GATE 2-3
global %1
%1:
	pushfq
	push 2                          ; IF=0 TF=0 AC=0 DF=0
	popfq
	GATE_ENTRY                      ; now on nk's stack, the caller's RSP in r11
%if %0 == 3
	mov r8, [r11 + 8]
%endif
	call %2
	jmp nk_gate_exit
%endmacro

; The exit every gate shares: out of nk, the caller's stack, nk's CR0.
global nk_gate_exit
nk_gate_exit:
	mov dword [rel nk_gate_state], 0
	pop rsp                         ; the caller's stack (SDM: POP RSP loads the popped value)
	CR0_RESTORE rdx
	popfq
	ret

GATE nk_declare_ptp, nk_declare_ptp_impl
GATE nk_remove_ptp, nk_remove_ptp_impl
GATE nk_write_pte, nk_write_pte_impl
GATE nk_write_ptes, nk_write_ptes_impl
GATE nk_load_cr3, nk_load_cr3_impl
GATE nk_load_cr0, nk_load_cr0_impl
GATE nk_load_cr4, nk_load_cr4_impl
GATE nk_wrmsr, nk_wrmsr_impl
GATE nk_null, nk_null_impl
GATE nk_init_done, nk_init_done_impl
GATE nk_check_invariants, nk_check_invariants_impl
GATE nk_region_declare, nk_region_declare_impl
GATE nk_write, nk_write_impl, rip
GATE nk_region_seal, nk_region_seal_impl
GATE nk_promote_code, nk_promote_code_impl
GATE nk_demote_code, nk_demote_code_impl

%ifdef NK_FUZZ ; fuzz build only (tests/fuzz/fuzz.mk): kcov, include/nk/kcov.h
extern nk_kcov_enable_impl, nk_kcov_disable_impl
GATE nk_kcov_enable, nk_kcov_enable_impl
GATE nk_kcov_disable, nk_kcov_disable_impl
%endif


section .note.GNU-stack noalloc noexec nowrite progbits
