; The reference copy of every checked privileged-write site (nk/cr0.inc),
; one instance per register variant nk uses. tools/i5scan --sites compares
; each site in nk's linked text with these, byte for byte, relocations
; resolved against the kernel's symbols (spec I6, the no-gadget rule).
; Assembled for the build only; never linked.

%include "cr0.inc"

section .text
bits 64
	CR0_RESTORE rax
	CR0_RESTORE rdx
	CR0_RESTORE r10
	CR0_SYNC
	GATE_ENTRY
	NMI_RETURN
	PRIV_CR3
	CR4_SYNC
	PRIV_WRMSR

section .note.GNU-stack noalloc noexec nowrite progbits
