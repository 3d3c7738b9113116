; The application processors' way into nk (boot-only: section
; .nk.boot.text, non-executable once the outer kernel runs; spec I6, the
; no-gadget rule). Source: SDM Vol. 3A 8.4.4 (MP initialization: INIT,
; SIPI), 9.9.1 (switching to protected mode), 9.8.5 (initializing IA-32e
; mode).
;
; nk_trampoline .. nk_trampoline_end is copied by the boot CPU
; (arch_boot_start_aps, nk/arch_x86.c) to a page below 1 MiB, where a
; SIPI starts each AP in real mode at its first byte (CS = page >> 4,
; IP = 0). Its last 16 bytes are patched there: the boot tables' CR3
; (boot/boot.asm: identity map of 4 GiB and the image at KERNEL_VMA) and
; the address of nk_ap_entry64. Real mode -> protected mode (its own
; GDT) -> long mode on the boot tables (PAE, LME, NXE, PG) -> a jump to
; nk_ap_entry64 in the higher half. CR0.WP stays clear: the AP runs nk.

TRAMP_PA equ 0x8000             ; nk/smp.c SMP_TRAMPOLINE_PA
NK_MAX_CPUS equ 8
AP_BOOT_STACK equ 8192
%define T(x) (TRAMP_PA + (x) - nk_trampoline)

extern nk_ap_boot

section .nk.boot.text
global nk_trampoline, nk_trampoline_end, nk_ap_entry64

bits 16
nk_trampoline:
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [T(tr_gdtr)]
	mov eax, cr0
	or eax, 1                       ; PE
	mov cr0, eax
	jmp dword 0x08:T(tr_pm32)

bits 32
tr_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, [T(tr_cr3)]
	mov cr3, eax
	mov ecx, 0xc0000080             ; EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11)    ; LME, NXE
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | 1           ; PG, PE
	mov cr0, eax
	jmp 0x18:T(tr_lm64)

bits 64
tr_lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rax, [T(tr_entry)]
	jmp rax

align 8
tr_gdt:
	dq 0
	dq 0x00cf9a000000ffff           ; 0x08: 32-bit code
	dq 0x00cf92000000ffff           ; 0x10: data
	dq 0x00af9a000000ffff           ; 0x18: 64-bit code
tr_gdtr:
	dw tr_gdtr - tr_gdt - 1
	dd T(tr_gdt)
align 8
tr_cr3:   dq 0                      ; patched: the boot tables
tr_entry: dq 0                      ; patched: nk_ap_entry64
nk_trampoline_end:

; nk_ap_entry64: an AP, in long mode on the boot tables, interrupts off.
; Check in: its index is the number of APs before it plus one. The boot
; CPU closes the check-in (bit 31 of nk_smp_checkin) when it stops
; waiting: later APs, and those past NK_MAX_CPUS - 1, halt here. The
; others run nk_ap_boot(index) (nk/smp.c) on a boot stack of their own.
nk_ap_entry64:
	mov eax, 1
	lock xadd [rel nk_smp_checkin], eax
	test eax, eax
	js .halt                        ; closed
	inc eax
	cmp eax, NK_MAX_CPUS
	jae .halt
	mov edi, eax
	imul rax, rax, AP_BOOT_STACK
	lea rsp, [rel ap_boot_stacks - AP_BOOT_STACK]
	add rsp, rax                    ; the top of stack index - 1
	xor ebp, ebp
	call nk_ap_boot
.halt:	cli
	hlt
	jmp .halt

section .nk.data
align 4
global nk_smp_checkin
nk_smp_checkin: dd 0                ; APs checked in; bit 31: check-in closed

section .nk.bss nobits
align 16
ap_boot_stacks: resb AP_BOOT_STACK * (NK_MAX_CPUS - 1)

section .note.GNU-stack noalloc noexec nowrite progbits
