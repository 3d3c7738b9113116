/* Shared definitions of the attack modules (drivers/buggy/). */
#ifndef DRIVERS_BUGGY_H
#define DRIVERS_BUGGY_H
#include <x86/cpu.h> /* CR0_WP, CR4_SMEP, CR4_SMAP, EFER_NXE, MSR_EFER */
#endif
