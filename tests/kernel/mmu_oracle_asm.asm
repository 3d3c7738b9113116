; The MMU oracle's ring-3 probe (tests/kernel/mmu_oracle.c): enter ring 3
; at a copy of a tiny user stub, which makes one access and stops with UD2;
; the fault (UD2's #UD, or the access's #PF) returns to the test's recovery
; point (outer/trap.c takes a ring-3 trap there when no process runs).
; Source: SDM Vol. 2A IRET (64-bit mode), Vol. 3A 6.14.
%include "asm_offsets.inc"         ; USER_CS, USER_SS

section .text
bits 64
global oracle_enter_ring3, oracle_r3_stub, oracle_r3_stub_end

; noreturn void oracle_enter_ring3(uint64_t rip, uint64_t rsp, uint64_t va, uint64_t op)
; Interrupts stay off in ring 3 (RFLAGS = 2): the only way back is a fault.
; SWAPGS as user_return does: outer_trap swaps back for a trap from ring 3
; (outer/smp.c, GS).
oracle_enter_ring3:
	push qword USER_SS
	push rsi                        ; user RSP
	push qword 2                    ; RFLAGS: IF=0, AC=0
	push qword USER_CS
	push rdi                        ; user RIP
	mov rdi, rdx
	mov rsi, rcx
	swapgs
	iretq

; The user stub, copied into a user page (position independent):
; rdi = the address probed, esi = 0 read, 1 write (the byte it read), 2 execute
; (a call to a RET there).
oracle_r3_stub:
	cmp esi, 1
	je .write
	ja .exec
	mov al, [rdi]
	ud2
.write:
	mov al, [rdi]
	mov [rdi], al
	ud2
.exec:
	call rdi
	ud2
oracle_r3_stub_end:

section .note.GNU-stack noalloc noexec nowrite progbits
