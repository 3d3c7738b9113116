/* The GDT's selectors, shared by nk (which builds the GDT, nk/cpu.c) and the
 * outer kernel's ring-3 entry (outer/usermode.asm, through
 * tools/asm_offsets.c). Order fixed by SYSCALL/SYSRET: STAR's SYSRET base
 * 0x10 gives user SS = 0x18 and user CS = 0x20 (RPL 3). SDM Vol. 3A 3.4.2,
 * Vol. 2B SYSRET. */
#ifndef X86_SELECTORS_H
#define X86_SELECTORS_H

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x18
#define SEL_UCODE 0x20
#define SEL_TSS 0x28

#endif
