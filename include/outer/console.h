/* The kernel console (`nk>` prompt) and its commands. */
#ifndef OUTER_CONSOLE_H
#define OUTER_CONSOLE_H

/* console_run: run the command given by the kernel command line's
 * `run=` (tests, attacks), then the interactive prompt. Never returns. */
__attribute__((noreturn)) void console_run(void);

/* Commands: argc/argv as typed; return 0 on success. */
int cmd_mem(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_vmmu(int argc, char **argv);
int cmd_attack(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_fuzz(int argc, char **argv); /* outer/kfuzz.c */
#endif
