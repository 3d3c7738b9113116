; An aligned MOV to CR3 inside an outer-kernel function. outer_load_cr3 is
; local, so it precedes outer_before in the symbol table: the scanner must pick
; the nearest symbol by address, not the last one it reads.
bits 64
section .text
global outer_before
outer_before:
	xor eax, eax
	ret
outer_load_cr3:
	push rbp
	mov cr3, rax            ; 0F 22 D8 at outer_load_cr3+0x1
	pop rbp
	ret
