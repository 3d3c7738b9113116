; One outer function per remaining forbidden encoding.
bits 64
section .text
global outer_lidt, outer_ltr, outer_mov_dr7, outer_lmsw, outer_wrmsr
global outer_lgdt, outer_lldt, outer_mov_cr4, outer_mov_cr8
outer_lidt:
	lidt [rax]
	ret
outer_ltr:
	ltr ax
	ret
outer_mov_dr7:
	mov dr7, rax
	ret
outer_lmsw:
	lmsw ax
	ret
outer_wrmsr:
	wrmsr
	ret
outer_lgdt:
	lgdt [rdi + 16]
	ret
outer_lldt:
	lldt ax
	ret
outer_mov_cr4:
	mov cr4, rax
	ret
outer_mov_cr8:
	mov cr8, rax            ; REX.R 0F 22 /0: reported as CR0 (conservative)
	ret
