/* kcov-style coverage of nk's vMMU code, for the in-kernel fuzzer
 * (tests/fuzz/kernel/kfuzz.c). Only in the fuzz build (`make fuzz-kernel`: NK_FUZZ=1,
 * nk's vmmu.c and ctl.c compiled with -fsanitize-coverage=trace-pc); the
 * normal builds have neither these calls nor the callback.
 * Like Linux kcov (Documentation/dev-tools/kcov.rst), the buffer is an
 * array of 64-bit words: word 0 is the number of PCs recorded, words 1..
 * the PCs (return addresses of __sanitizer_cov_trace_pc calls) in order.
 * The outer kernel owns the buffer: it resets word 0 before a call and
 * reads the PCs after it. */
#ifndef NK_KCOV_H
#define NK_KCOV_H

#include <nk/types.h>

/* nk_kcov_enable: record the PCs of instrumented nk code into the buffer
 * of `words` (2..NK_KCOV_MAX_WORDS) 64-bit words at physical address `buf`
 * (8-byte aligned, physically contiguous, every frame DATA). Replaces an
 * earlier buffer. nk keeps base and size in its own memory; it reads only
 * the count from the buffer, clamps it, and writes a word only while the
 * outer kernel could write it itself (a DATA frame with a writable
 * direct-map alias), so neither a corrupted header nor a frame retyped
 * since (say, declared a PTP) can steer a write elsewhere.
 * Errors: NK_EALIGN (buf not 8-byte aligned), NK_ERANGE (words out of
 * range, or the buffer leaves RAM), NK_ETYPE (a frame is not DATA).
 * Source: Linux kcov (KCOV_INIT_TRACE, KCOV_ENABLE); GCC
 * -fsanitize-coverage=trace-pc. */
long nk_kcov_enable(paddr_t buf, uint64_t words);

/* nk_kcov_disable: stop recording. Returns 0. */
long nk_kcov_disable(void);

#define NK_KCOV_MAX_WORDS (1u << 20)

#endif
