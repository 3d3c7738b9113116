/* Kernel coverage dump (coverage build, tools/coverage.mk). */
#ifndef OUTER_COV_H
#define OUTER_COV_H

/* cov_dump: in a coverage build (NK_COVERAGE=1), send the gcov data of
 * every instrumented object through QEMU's isa-debugcon port 0xe9 (once;
 * later calls do nothing); interrupts are disabled first. In other builds
 * it does nothing. Called by debug_exit and poweroff. Stream format:
 * outer/covdump.c; decoder: tools/gcov_stream.py. */
void cov_dump(void);

#endif
