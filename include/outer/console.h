/* The kernel console (`nk>` prompt) and its commands. */
#ifndef OUTER_CONSOLE_H
#define OUTER_CONSOLE_H

/* console_run: run the command given by the kernel command line's
 * `run=` (tests, attacks), then the interactive prompt. Never returns. */
__attribute__((noreturn)) void console_run(void);

/* console_exec: run one command line (split in place at spaces); returns
 * the command's status (0 ok, 1 failed) or -1 for an unknown command. */
int console_exec(char *line);

/* console_needs_root: whether the command line's first word (leading
 * spaces skipped) names a command that changes state: attack, test, fuzz,
 * bench, poweroff. nksys (NKSYS_CONSOLE) runs those only for euid 0 and
 * returns -EPERM otherwise; the read-only ones (help, mem, vmmu, check,
 * regions, audit, wlog) and unknown words give false. line is not
 * changed. Source: Linux's root-only reboot(2) and init_module(2). */
bool console_needs_root(const char *line);

/* Commands: argc/argv as typed; return 0 on success. */
int cmd_mem(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_vmmu(int argc, char **argv);
int cmd_attack(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_wlog(int argc, char **argv);
int cmd_regions(int argc, char **argv); /* outer/regions.c */
int cmd_fuzz(int argc, char **argv); /* outer/kfuzz.c */
/* cmd_bench: `bench [quick]`: the vMMU microbenchmarks (outer/kbench.c):
 * gate round trip, one nk_write_pte, a batch of 512 (per PTE),
 * declare+remove PTP, CR3 load; one "bench:" line each, in TSC ticks per
 * operation (instructions under QEMU -icount shift=0). 15 samples, 1 with
 * `quick`. Returns 0, or 1 if memory ran out or nk refused a call. */
int cmd_bench(int argc, char **argv);
#endif
