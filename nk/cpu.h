/* GDT selectors and nk's CPU setup (nk-private). */
#ifndef NK_CPU_H
#define NK_CPU_H
#include <nk/types.h>

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x18
#define SEL_UCODE 0x20
#define SEL_TSS 0x28
#define GDT_ENTRIES 7

/* nk_cpu_init: build and load the GDT, TSS (RSP0 = rsp0, IST1-3 =
 * ist_tops: #DF, NMI, #MC; virtual addresses) and IDT (every vector to its
 * nk stub), and declare each a write-once region (nk frames, every byte
 * written, sealed at nk_init_done; spec section 7). Boot only, with CR0.WP
 * clear, after nk_regions_init. Source: SDM Vol. 3A 6.14, 7.7. */
void nk_cpu_init(const uint64_t ist_tops[3], uint64_t rsp0);
#endif
