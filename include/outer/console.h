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
 * spaces skipped) names a command registered as root-only (it changes
 * state: attack, test, fuzz, bench, poweroff). nksys (NKSYS_CONSOLE) runs those only for euid 0 and
 * returns -EPERM otherwise; the read-only ones (help, mem, vmmu, check,
 * regions, audit, wlog) and unknown words give false. line is not
 * changed. Source: Linux's root-only reboot(2) and init_module(2). */
bool console_needs_root(const char *line);

/* A console command: name (the first word typed), one line of help, the
 * function (argc/argv as typed, argv[0] the name; returns 0 on success,
 * 1 on failure) and root (true: changes state, nksys refuses it to a
 * process whose euid is not 0; false: only reads). */
struct console_cmd {
	const char *name, *help;
	int (*fn)(int argc, char **argv);
	bool root;
};

/* CONSOLE_COMMAND(name, help, fn, root_only): register command `name` (a
 * bare word) from any object linked into the image: a struct console_cmd
 * in section .console_cmds.<name>, which linker.ld gathers, sorted by name,
 * between __console_cmds_start and __console_cmds_end in the protected
 * .rodata. So an optional component (the harnesses under tests/, Makefile
 * HARNESS=1) brings its own commands; the outer kernel names none of them.
 * Two commands of one name: the first in name order wins. */
#define CONSOLE_COMMAND(nm, hlp, func, root_only)                                                  \
	static const struct console_cmd __console_cmd_##nm                                         \
	    __attribute__((section(".console_cmds." #nm), used, aligned(8))) = {#nm, hlp, func,    \
										root_only}

/* The outer kernel's read-only commands (also called directly: boot
 * prints mem and check); argc/argv as typed, 0 on success. */
int cmd_mem(int argc, char **argv);
int cmd_check(int argc, char **argv);
/* cmd_cpus: one line per CPU from nk_view cpus (outer/smp_ap.c). */
int cmd_cpus(int argc, char **argv);
int cmd_vmmu(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_wlog(int argc, char **argv);
int cmd_regions(int argc, char **argv); /* outer/regions.c */
#endif
