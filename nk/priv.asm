; nk's gated page: the CR3 and MSR writes nk makes after boot, each
; followed inline by its check (nk/cr0.inc). Spec I6 (no-gadget rule); SDM
; Vol. 3A 2.5, 4.6.1 (SMEP), 4.10.4.1 (a CR3 write flushes non-global TLB
; entries).
;
; This page (section .nk.priv, linker.ld) is mapped as a user page (U=1
; in every paging entry above it, read-only, executable): with CR4.SMEP set
; ring 0 cannot fetch from it. nk clears SMEP on one CPU only, while that
; CPU runs nk and uses the page (nk_gated_cr3 and nk_gated_wrmsr in
; nk/entry.asm, through CR4_SYNC, nk/cr0.inc), and the NMI stub sets it
; again while outer code handles an NMI that interrupted nk. Being a CPU register, SMEP opens the
; page for that CPU alone: a PTE would open it for every CPU sharing the
; tables, and closing it would need a shootdown. A check after `mov cr3`
; cannot protect the fetch of its own next instruction, which goes through
; the tables just loaded, nor can a check run once EFER.NXE is clear and
; every NX mapping faults; so outer code must not reach these writes at
; all. Ring 3 may fetch from the page, where both writes fault (#GP).
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

; void nk_priv_wrmsr(uint32_t msr): MSR msr := nk's record of it.
global nk_priv_wrmsr
nk_priv_wrmsr:
	mov ecx, edi
	PRIV_WRMSR
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
