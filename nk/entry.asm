; nk's boot entry, hand-off to the outer kernel, and interrupt stubs (both
; builds). Spec I6, I7; SDM Vol. 3A 2.5 (CR0.WP), 6.12-6.14 (64-bit
; interrupt handling). The vMMU gates are in nk/gate.asm (nested build).

%include "cr0.inc"

%include "x86/gprs.inc"

extern nk_boot, outer_main, outer_trap, nk_fault_in_nk, nk_smp_release, nk_smp_turn, nk_apic_eoi
extern nk_smp_poll

NK_VECTOR_SHOOTDOWN equ 0xf0          ; include/nk/apic.h
extern nk_wpv_ptr, nk_trap_check_pinned, nk_nmi_in_nk_ptr
extern __nk_text_start, __nk_text_end, __nk_priv_start
extern nk_priv_cr3, nk_priv_wrmsr

section .nk.bss nobits
align 16
nk_boot_stack:  resb 16384
nk_boot_stack_top:
; each CPU's nk gate stack, CPU 0's first (nk_cpu stack_top, set by
; nk/smp.c), and each CPU's NMI save area (nk_cpu nmi_save): the
; interrupted nk state during an NMI/#MC: 15 GPRs, the 7-word frame, gate
; state (one word spare)
NK_MAX_CPUS equ 8
NK_GATE_STACK equ 16384
global nk_gate_stack_top, nk_gate_stacks, nk_nmi_saves
nk_gate_stacks:
nk_gate_stack:  resb 16384          ; CPU 0
nk_gate_stack_top:
                resb NK_GATE_STACK * (NK_MAX_CPUS - 1)
nk_nmi_saves:   resq 24 * NK_MAX_CPUS

section .nk.boot.text progbits alloc exec nowrite align=16
bits 64

; First 64-bit code in the higher half (from boot/boot.asm). Boot-only:
; non-executable once the outer kernel runs (arch_boot_end).
global nk_entry64
nk_entry64:
	mov rsp, nk_boot_stack_top
	xor ebp, ebp
	call nk_boot
.hang:	cli
	hlt
	jmp .hang

section .nk.data
nk_outer_entry: dq outer_main

section .nk.text
; void nk_cr0_sync(void): CR0_SYNC (nk/cr0.inc), for arch_set_cr0.
global nk_cr0_sync
nk_cr0_sync:
	CR0_SYNC
	ret

; void nk_cr4_sync(void): CR4_SYNC (nk/cr0.inc), for arch_set_cr4, the
; trap path and the gated page's opening and closing (below).
global nk_cr4_sync
nk_cr4_sync:
	CR4_SYNC
	ret

; void nk_gated_cr3(void), void nk_gated_wrmsr(uint32_t msr): one use of
; the gated page (nk/priv.asm) on this CPU: PRIV set in this CPU's state,
; CR4_SYNC (SMEP clear), the write there (nk_priv_cr3: CR3 := this CPU's
; record; nk_priv_wrmsr: MSR msr := its record), PRIV cleared, CR4_SYNC
; (SMEP set). Called by nk only (arch_x86.c), inside a gate or at boot,
; once nk recorded its CR4. Jumped to by outer code (WP set), the store to
; the state word faults; the page's own code is not executable there.
; rax, rcx, rdx, r8, r9 clobbered.
global nk_gated_cr3
nk_gated_cr3:
	str eax
	or dword PCPU(rax, PCPU_GS), NK_GS_PRIV
	call nk_cr4_sync
	call nk_priv_cr3
	jmp gated_close

global nk_gated_wrmsr
nk_gated_wrmsr:
	str eax
	or dword PCPU(rax, PCPU_GS), NK_GS_PRIV
	call nk_cr4_sync
	call nk_priv_wrmsr
gated_close:
	str eax
	and dword PCPU(rax, PCPU_GS), ~NK_GS_PRIV
	jmp nk_cr4_sync

; nk_handoff(rdi = outer stack top): leave nk for good at the end of boot
; (arch_boot_end): switch to the outer kernel's stack, leave the in-nk
; state, CR0 := nk_cr0 (WP set; checked), jump to outer_main.
; The outer entry is taken from nk memory and cleared there, once: jumped
; to after boot (WP set, nothing cleared), this ends in a ret.
global nk_handoff
nk_handoff:
	mov rsp, rdi
	xor ebp, ebp
	mov rbx, [rel nk_outer_entry]
	mov qword [rel nk_outer_entry], 0
	str eax
	and qword PCPU(rax, PCPU_GS), ~(NK_GS_BITS | NK_GS_PRIV) ; out of nk: WP set from here on
	CR0_RESTORE rax
	test rbx, rbx
	jz .again
	push 0                          ; no return address: outer_main never returns
	jmp rbx
.again:
	ret

; nk_ap_park(rdi = outer stack top, esi = CPU index): an AP leaves nk at
; the end of its boot (nk/smp.c nk_ap_boot): this CPU's state := outside
; nk, CR0 := nk_cr0 (WP set; checked), then it waits with interrupts off,
; polling nk memory (no privileged instruction in the loop), until
; nk_smp_release on the boot CPU gives it its turn. It then calls the
; nk_smp_release gate itself, which returns outer_ap_main's address, taken
; from nk memory and cleared there (an error when taken already), and
; jumps to it once on this CPU's outer stack with rdi = its index.
; Jumped to by outer code (WP set), the store to nk memory faults; jumped
; into the loop on a CPU that is not a parked AP, it returns (a ret, as
; nk_handoff's); on a parked AP the gate refuses and the loop goes on.
global nk_ap_park
nk_ap_park:
	mov rsp, rdi
	mov ebx, esi
	xor ebp, ebp
	str eax
	and qword PCPU(rax, PCPU_GS), ~(NK_GS_BITS | NK_GS_PRIV) ; out of nk: WP set from here on
	CR0_RESTORE rax
.poll:
	str edx
	cmp dword PCPU(rdx, PCPU_STATE), NK_CPU_PARKED_STATE
	jne .leave                      ; not a parked AP (a jump into the loop): return
	pause
	cmp [rel nk_smp_turn], ebx
	jne .poll
	call nk_smp_release
	cmp rax, -4096
	jae .poll                       ; -NK_E*: not this CPU's entry (any more)
	test rax, rax
	jz .poll
	str edx
	mov rsp, PCPU(rdx, PCPU_OSTACK)
	mov edi, PCPU(rdx, PCPU_INDEX)
	push 0                          ; no return address: outer_ap_main never returns
	jmp rax
.leave:
	ret


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
; Fast path: CR0, CR3 and CR4 are exactly the values nk recorded (CR0.WP
; set): outer code may run. Anything else is sorted out before any outer
; code runs (I7, the window between a write and its check, I6):
;  - WP clear, an NMI or #MC, RIP in nk's text, and no NMI of nk's already
;    being handled: an NMI that interrupted nk (.nmi_in_nk);
;  - WP clear, an exception, RIP in nk's text, this CPU inside a gate: an
;    nk bug (nk_fault_in_nk);
;  - anything else is a violation: a jump to one of nk's CR0 writes with a
;    register of the attacker's, interrupted before its check. WP clear is
;    counted (nk_view stats.wp_violations); CR0 is restored, and the other
;    state nk pins (CR3, CR4, the pinned MSRs) is checked by
;    nk_trap_check_pinned before the outer handler runs (CR4 is set again
;    there, the rest halts).
isr_common:
	push rax
	mov rax, cr0
	cmp rax, [rel nk_cr0]
	jne .cr0_off
	push rdx
	str edx                         ; this CPU's record (PCPU)
	mov rax, cr3                    ; CR3 is written only in the gated page (no
	cmp rax, PCPU(rdx, PCPU_CR3)    ; window after its write): a difference means
	pop rdx                         ; nk is broken: nk_trap_check_pinned halts
	jne .violation_wp_set
	mov rax, cr4                    ; CR4 differs only in the window of a jump to
	cmp rax, [rel nk_cr4]           ; CR4_SYNC's write: nk_trap_check_pinned sets
	jne .violation_wp_set           ; it again
.outer:                                 ; CR0, CR3, CR4 are nk's: outer code may run
	test byte [rsp + 32], 3
	jnz .on_ist                     ; from user mode: the outer kernel copies the frame
	mov rax, [rsp + 8]
	cmp rax, 2
	je .on_ist                      ; NMI, #DF, #MC run on their own stack
	cmp rax, 8
	je .on_ist
	cmp rax, 18
	je .on_ist
	; From kernel mode: move the frame (saved RAX, vector, error, RIP, CS,
	; RFLAGS, RSP, SS) to the interrupted stack, where a delivery without
	; IST would have put it (RSP aligned down to 16; SDM 6.14.2). CR0.WP is
	; set, so an interrupted RSP aimed at nk memory faults here; the outer
	; kernel's report of such a fault reads this frame (outer/trap.c).
	push rcx
.move_start:
	mov rcx, [rsp + 56]
	and rcx, -16
	sub rcx, 64
%assign i 0
%rep 8
	mov rax, [rsp + 8 + i * 8]
	mov [rcx + i * 8], rax
%assign i i + 1
%endrep
	mov rax, rcx
	mov rcx, [rsp]
	mov rsp, rax
.move_end:
.on_ist:
	PUSH_GPRS
	mov rbx, rsp
	and rsp, -16
	cld
	; The local APIC's EOI, before any outer code: the outer handler may
	; switch tasks and return much later. Vectors 32..254 only (not the
	; spurious 0xFF, SDM 11.9). nk_apic_eoi is a gate (nk/apic.c): it
	; reads this CPU's in-service register and writes the EOI only when the
	; vector's ISR bit is set, so an ExtINT (8259A) delivery, which the
	; APIC does not put in service (SDM 11.8.5: no EOI for ExtINT), or a
	; software INT n sends none. The vector is read from the frame, which
	; may be outer-writable: nk_apic_eoi trusts it no more than any gate
	; argument. The gate runs on nk's stack with WP cleared by its own
	; checked entry: this stub stores nothing to the APIC itself.
	mov rdi, [rbx + 15*8]           ; vector (above the 14 GPRs and RAX)
	cmp rdi, NK_VECTOR_SHOOTDOWN
	je .shootdown
	cmp rdi, 32
	jb .no_eoi
	cmp rdi, 255
	jae .no_eoi
	call nk_apic_eoi
.no_eoi:
	mov rdi, rbx                    ; struct trap_frame *
	call outer_trap
.resume:
	mov rsp, rbx
	POP_GPRS
	pop rax
	add rsp, 16
	iretq

; nk's TLB-shootdown IPI (nk/shoot.c): this CPU flushes and acknowledges
; in nk (the gate nk_smp_poll), then the EOI; no outer code runs for it.
; A forged frame naming this vector only makes nk_smp_poll look at a
; mailbox with nothing pending.
.shootdown:
	call nk_smp_poll
	mov edi, NK_VECTOR_SHOOTDOWN
	call nk_apic_eoi
	jmp .resume

.cr0_off:
	test rax, CR0_WP
	jnz .violation_wp_set           ; WP set, other bits not nk's
	mov rax, [rsp + 24]             ; RIP
	cmp rax, __nk_text_start
	jb .violation
	cmp rax, __nk_text_end
	jae .violation
	mov rax, [rsp + 8]              ; vector
	cmp rax, 2
	je .nmi
	cmp rax, 18
	je .nmi
	cmp rax, 32
	jae .violation                  ; maskable interrupt with WP=0: never nk (IF=0 there)
	str eax
	mov eax, PCPU(rax, PCPU_GS)
	and eax, NK_GS_BITS
	cmp eax, NK_GS_IN_GATE
	jne .violation                  ; not inside a gate: a hostile entry's fault
	mov rdi, [rsp + 8]              ; exception inside nk: an nk bug
	mov rsi, [rsp + 24]
	mov rdx, cr2
	and rsp, -16
	call nk_fault_in_nk
.nmi:
	str eax
	test dword PCPU(rax, PCPU_GS), NK_GS_NMI
	jz .nmi_in_nk                   ; else: nk's save area is in use
.violation:                             ; WP=0 outside nk's own sequence: attack
	mov rax, [rel nk_wpv_ptr]
	inc qword [rax]
.violation_wp_set:
	CR0_RESTORE rax
	PUSH_GPRS
	mov rbx, rsp
	and rsp, -16
	cld
	call nk_trap_check_pinned       ; halts when CR3, CR4 or a pinned MSR is not nk's
	mov rsp, rbx
	POP_GPRS
	jmp .outer

; An NMI or #MC interrupted code running with WP=0 in nk's text. Save nk's
; state in nk memory, record that this CPU handles an NMI that interrupted
; nk, close the gated page, run the outer handler with nk's CR0 (WP set) on
; this (IST) stack, then return to nk from the saved state (NMI_RETURN),
; never from the outer-writable stack.
.nmi_in_nk:
	pop rax
	push rbx                        ; on the IST stack: rbx := this CPU's save area
	str ebx
	mov rbx, PCPU(rbx, PCPU_NMISAVE)
	mov [rbx + 0*8], rax
	pop rax
	mov [rbx + 1*8], rax
	mov [rbx + 2*8], rcx
	mov [rbx + 3*8], rdx
	mov [rbx + 4*8], rsi
	mov [rbx + 5*8], rdi
	mov [rbx + 6*8], rbp
	mov [rbx + 7*8], r8
	mov [rbx + 8*8], r9
	mov [rbx + 9*8], r10
	mov [rbx + 10*8], r11
	mov [rbx + 11*8], r12
	mov [rbx + 12*8], r13
	mov [rbx + 13*8], r14
	mov [rbx + 14*8], r15
	mov rcx, 0
.save_frame:                            ; vector, error, RIP, CS, RFLAGS, RSP, SS
	mov rax, [rsp + rcx * 8]
	mov [rbx + 15*8 + rcx * 8], rax
	inc rcx
	cmp rcx, 7
	jb .save_frame
	str eax
	mov rdx, PCPU(rax, PCPU_GS)
	mov [rbx + 22*8], rdx
	or dword PCPU(rax, PCPU_GS), NK_GS_NMI
	CR4_SYNC                        ; SMEP set: the gated page is shut (nk/priv.asm)
	mov rax, [rel nk_nmi_in_nk_ptr] ; NMIs that landed inside nk (nk_view stats)
	inc qword [rax]
	CR0_RESTORE rax
	push qword [rbx + 0*8]          ; build the outer's trap frame
	mov rax, [rbx + 0*8]
	mov rbx, [rbx + 1*8]
	PUSH_GPRS
	mov rdi, rsp
	and rsp, -16
	cld
	call outer_trap
global nk_nmi_return
nk_nmi_return:
	NMI_RETURN                      ; WP clear, and an NMI of nk's is being returned from
	str ebx
	mov rax, PCPU(rbx, PCPU_NMISAVE)
	mov rdx, [rax + 22*8]
	mov PCPU(rbx, PCPU_GS), rdx     ; the state the NMI interrupted
	mov rbx, rax                    ; this CPU's save area
	CR4_SYNC                        ; the gated page open again if it was in use
	lea rsp, [rbx + 15*8 + 2*8]     ; nothing of the outer's stack is read
	; iretq pops RIP, CS, RFLAGS, RSP, SS from nk's save area itself
	mov rax, [rbx + 0*8]
	mov rcx, [rbx + 2*8]
	mov rdx, [rbx + 3*8]
	mov rsi, [rbx + 4*8]
	mov rdi, [rbx + 5*8]
	mov rbp, [rbx + 6*8]
	mov r8,  [rbx + 7*8]
	mov r9,  [rbx + 8*8]
	mov r10, [rbx + 9*8]
	mov r11, [rbx + 10*8]
	mov r12, [rbx + 11*8]
	mov r13, [rbx + 12*8]
	mov r14, [rbx + 13*8]
	mov r15, [rbx + 14*8]
	mov rbx, [rbx + 1*8]
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

; isr_common's frame move, for the outer kernel's report of a fault in it
global nk_isr_move_start, nk_isr_move_end
nk_isr_move_start equ isr_common.move_start
nk_isr_move_end equ isr_common.move_end

section .note.GNU-stack noalloc noexec nowrite progbits
