; MOV to CR0 in an nk section: allowed only if nk_set_cr0 is in the allow list.
bits 64
section .nk.text progbits alloc exec nowrite align=16
global nk_set_cr0
nk_set_cr0:
	mov cr0, rax            ; 0F 22 C0
	ret
