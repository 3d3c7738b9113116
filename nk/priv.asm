; nk's gated page: the CR3, CR4 and MSR writes nk makes after boot, each
; followed inline by its check (nk/cr0.inc). Spec I6 (no-gadget rule); SDM
; Vol. 3A 2.5, 4.10.4.1 (a CR3 write flushes non-global TLB entries).
;
; This page (section .nk.priv, linker.ld) is mapped non-executable except
; while this CPU runs nk: arch_priv_open/close (nk/arch_x86.c) flip its PTE
; around each call, the NMI stub closes it while outer code handles an NMI
; that interrupted nk. A check after `mov cr3` cannot protect the fetch of
; its own next instruction, which goes through the tables just loaded, nor
; can a check run once EFER.NXE is clear and every NX mapping faults; so
; outer code must not reach these writes at all.
; C prototypes: nk/arch_x86.c.

%include "cr0.inc"

section .nk.priv progbits alloc exec nowrite align=16
bits 64

; void nk_priv_cr3(void): CR3 := this CPU's CR3 record (which flushes the TLB's
; non-global entries).
global nk_priv_cr3
nk_priv_cr3:
	PRIV_CR3
	ret

; void nk_priv_cr4(void): CR4 := nk_cr4.
global nk_priv_cr4
nk_priv_cr4:
	PRIV_CR4
	ret

; void nk_priv_wrmsr(uint32_t msr): MSR msr := nk's record of it.
global nk_priv_wrmsr
nk_priv_wrmsr:
	mov ecx, edi
	PRIV_WRMSR
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
