/* Shared definitions of the attack modules (drivers/buggy/). */
#ifndef DRIVERS_BUGGY_H
#define DRIVERS_BUGGY_H
#define CR0_WP (1ull << 16)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define EFER_NXE (1ull << 11)
#define MSR_EFER 0xc0000080u
#endif
