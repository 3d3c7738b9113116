/* Preprocessed (gcc -E -P) by the Makefile into build/gen/nk_gates.inc: one
 * NASM `GATE` line per call of include/nk/calls.h, for nk/gate.asm. Not
 * compiled. */
#include <nk/calls.h>
#define GATE_0(fn) GATE nk_##fn, nk_##fn##_impl @
#define GATE_3(fn) GATE nk_##fn, nk_##fn##_impl, rdx @
#define GATE_5(fn) GATE nk_##fn, nk_##fn##_impl, r8 @
#define X(fn, call, rip, exported) GATE_##rip(fn)
NK_CALLS(X)
