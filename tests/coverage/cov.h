/* Kernel coverage dump (coverage build, tools/coverage.mk): part of the
 * harness, tests/coverage/covdump.c, which registers it as an EXIT_HOOK. */
#ifndef TESTS_COV_H
#define TESTS_COV_H

/* cov_dump: in a coverage build (NK_COVERAGE=1), send the gcov data of
 * every instrumented object through QEMU's isa-debugcon port 0xe9 (once;
 * later calls do nothing); interrupts are disabled first. In other builds
 * it does nothing. Run by debug_exit and poweroff (EXIT_HOOK). Stream
 * format: tests/coverage/covdump.c; decoder: tools/gcov_stream.py. */
void cov_dump(void);

#endif
