; Boot: multiboot2 header, 32-bit entry, long mode on temporary tables,
; jump to nk's C entry in the higher half. Spec section 9; multiboot2
; specification 3.1 (header), 3.3 (machine state); SDM Vol. 3A 9.8.5
; (initializing IA-32e mode).

MB2_MAGIC   equ 0xe85250d6
MB2_ARCH    equ 0               ; i386 protected mode
BOOT_MAGIC  equ 0x36d76289      ; in EAX at entry
KERNEL_VMA  equ 0xffffffff80000000

extern nk_entry64
extern __nk_bss_phys, __nk_bss_phys_end, __bss_phys, __bss_phys_end
global _start, boot_magic, boot_mbi

section .multiboot2
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH
	dd mb2_header_end - mb2_header
	dd 0x100000000 - (MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header))
	; end tag
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

section .boot.text
bits 32
_start:
	cli
	cld
	mov esp, boot_stack_top
	mov [boot_magic], eax
	mov [boot_mbi], ebx
	cmp eax, BOOT_MAGIC
	jne .no_multiboot

	; CPUID: long mode is needed (extended leaf 0x80000001, EDX bit 29)
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; zero nk's and the outer kernel's .bss (physical addresses)
	xor eax, eax
	mov edi, __nk_bss_phys
	mov ecx, __nk_bss_phys_end
	sub ecx, edi
	rep stosb
	mov edi, __bss_phys
	mov ecx, __bss_phys_end
	sub ecx, edi
	rep stosb

	; temporary tables: identity map of 0-4 GiB, and 0-1 GiB at KERNEL_VMA,
	; both with 2 MiB pages
	mov eax, boot_pdpt_lo
	or eax, 3
	mov [boot_pml4], eax
	mov eax, boot_pdpt_hi
	or eax, 3
	mov [boot_pml4 + 511 * 8], eax
	mov ecx, 0
.pdpt:	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, 3
	mov [boot_pdpt_lo + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt
	mov eax, boot_pd
	or eax, 3
	mov [boot_pdpt_hi + 510 * 8], eax
	mov ecx, 0                      ; 2048 PD entries of 2 MiB
.pd:	mov eax, ecx
	shl eax, 21
	or eax, 0x83                    ; P | W | PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .pd

	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, 0xc0000080             ; EFER
	rdmsr
	or eax, 1 << 8                  ; LME
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | 1           ; PG | PE
	mov cr0, eax
	lgdt [boot_gdtr]
	jmp 0x08:.long_mode

.no_multiboot:
	mov esi, msg_no_mb
	jmp boot_fail
.no_long_mode:
	mov esi, msg_no_lm
	jmp boot_fail

bits 64
.long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rax, nk_entry64
	jmp rax

bits 32
; boot_fail: print the string at ESI on COM1 and halt.
boot_fail:
	mov dx, 0x3f8
.next:	lodsb
	test al, al
	jz .halt
	out dx, al
	jmp .next
.halt:	hlt
	jmp .halt

section .boot.data
align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08: 64-bit code
	dq 0x00cf92000000ffff           ; 0x10: data
boot_gdtr:
	dw boot_gdtr - boot_gdt - 1
	dd boot_gdt
boot_magic: dd 0
boot_mbi: dd 0
msg_no_mb: db "boot: not loaded by a multiboot2 loader", 10, 0
msg_no_lm: db "boot: this CPU has no long mode (x86-64)", 10, 0

section .boot.bss nobits
align 4096
boot_pml4: resb 4096
boot_pdpt_lo: resb 4096
boot_pdpt_hi: resb 4096
boot_pd: resb 4096 * 4
boot_stack: resb 4096
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
