; Ordinary outer-kernel code with no I5 encoding at any byte offset, including
; 0F 01 / 0F 00 / 0F 20 / 0F 21 neighbours of the forbidden forms.
bits 64
section .text
global outer_clean
outer_clean:
	push rbp
	mov rbp, rsp
	add rax, rbx
	mov rcx, [rdi + 8]
	call .helper
	swapgs                  ; 0F 01 F8
	xgetbv                  ; 0F 01 D0 (group 7 /2, register form)
	stac                    ; 0F 01 CB
	clac                    ; 0F 01 CA
	rdtscp                  ; 0F 01 F9
	rdmsr                   ; 0F 32 (reading is allowed)
	mov rax, cr3            ; 0F 20 D8 (read CR3)
	mov rax, dr7            ; 0F 21 F8 (read DR7)
	sgdt [rax]              ; 0F 01 /0
	sidt [rax]              ; 0F 01 /1
	smsw ax                 ; 0F 01 /4
	invlpg [rax]            ; 0F 01 /7
	sldt ax                 ; 0F 00 /0
	str ax                  ; 0F 00 /1
	syscall                 ; 0F 05
	cpuid                   ; 0F A2
	pop rbp
	ret
.helper:
	xor eax, eax
	ret
