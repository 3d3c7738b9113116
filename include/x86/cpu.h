/* x86-64 control-register, MSR and page-fault error-code bits: the one
 * place they are written, for nk and the outer kernel alike. Source: Intel
 * SDM Vol. 3A 2.5 (CR0, CR4), 2.2.1 (EFER), 4.7 (#PF error code), 11.11
 * (MTRRs), 11.12 (PAT); Vol. 4 (MSR numbers); Vol. 2B SYSCALL. */
#ifndef X86_CPU_H
#define X86_CPU_H

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR4_TSD (1ull << 2)
#define CR4_DE (1ull << 3)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_PCE (1ull << 8)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define MSR_APIC_BASE 0x1bu
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_DEBUGCTL 0x1d9u
#define MSR_MTRRCAP 0xfeu
#define MSR_MTRR_PHYSBASE0 0x200u
#define MSR_MTRR_FIX64K 0x250u
#define MSR_MTRR_FIX16K_80000 0x258u
#define MSR_MTRR_FIX16K_A0000 0x259u
#define MSR_MTRR_FIX4K_C0000 0x268u
#define MSR_PAT 0x277u
#define MSR_MTRR_DEF_TYPE 0x2ffu
#define MSR_TSC_AUX 0xc0000103u

/* The page-fault error code (SDM Vol. 3A 4.7). */
#define PFERR_P (1ull << 0)    /* the page was present (a protection fault) */
#define PFERR_W (1ull << 1)    /* a write */
#define PFERR_U (1ull << 2)    /* from user mode */
#define PFERR_RSVD (1ull << 3) /* a reserved bit in a paging entry */
#define PFERR_I (1ull << 4)    /* an instruction fetch */

#endif
