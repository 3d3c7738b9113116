; nk-trusted sections: .boot and .nk.* with allowed and not-allowed functions,
; and the same allowed name in an outer section.
bits 64
section .boot progbits alloc exec nowrite align=16
global boot_load_gdt
boot_load_gdt:
	lgdt [rdi]
	ret
section .nk.text progbits alloc exec nowrite align=16
global nk_gate_entry, nk_helper
nk_gate_entry:
	mov cr0, rax
	ret
nk_helper:
	mov cr4, rax            ; not in the allow list
	ret
section .text
global outer_fake
outer_fake:
	wrmsr                   ; in the allow list, but outside nk
	ret
