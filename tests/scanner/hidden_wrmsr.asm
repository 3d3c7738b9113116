; WRMSR (0F 30) hidden inside an immediate: B8 90 0F 30 90.
bits 64
section .text
global outer_imm
outer_imm:
	xor eax, eax            ; 2 bytes
	mov eax, 0x90300f90     ; 0F 30 at .text+0x4
	ret
