/* Cases for the shell (/bin/sh: busybox ash) and the programs in /bin
 * (busybox's applets, and the project's forkloop and nk), run as a user
 * would: `sh -c '...'`, `sh script`, commands on sh's stdin. Output is
 * stdout and stderr together. The messages are busybox's; what is checked
 * is that this kernel runs them as Linux does (the same cases pass on the
 * host, make user-host-test). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "utest.h"

static char out[8192];

/* sh - run `sh -c cmd` (cmd is a printf format); returns its wait status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	static char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char *argv[] = {"sh", "-c", cmd, NULL};
	return ut_run(P("/bin/sh"), argv, NULL, NULL, out, sizeof(out));
}

#define CHECK_OUT(want) CHECKF(!strcmp(out, (want)), "output:\n%s\nexpected:\n%s", out, (want))

static void t_sh_echo(void)
{
	CHECK_EXIT(sh("echo hello world"), 0);
	CHECK_OUT("hello world\n");
	CHECK_EXIT(sh("  echo   spaced    out  "), 0);
	CHECK_OUT("spaced out\n");
	CHECK_EXIT(sh("echo a; echo b ;echo c # a comment"), 0);
	CHECK_OUT("a\nb\nc\n");
	CHECK_EXIT(sh("%s", ""), 0);
	CHECK_OUT("");
}

static void t_sh_quotes(void)
{
	CHECK_EXIT(sh("echo 'a  b' \"c  d\" e\\ f \"x'y\" 'x\"y' \"\\\"q\\\"\" ''"), 0);
	CHECK_OUT("a  b c  d e f x'y x\"y \"q\" \n");
	CHECK_EXIT(sh("echo '|;<>&' \"a|b\""), 0);
	CHECK_OUT("|;<>& a|b\n");
	CHECK_EXIT(sh("echo 'unterminated"), 2);
	CHECK_OUT("sh: syntax error: unterminated quoted string\n");
}

static void t_sh_vars(void)
{
	CHECK_EXIT(sh("X=abc; echo $X ${X}d \"$X\" '$X' $NOPE. $"), 0);
	CHECK_OUT("abc abcd abc $X . $\n");
	CHECK_EXIT(sh("false; echo $?; true; echo $?"), 0);
	CHECK_OUT("1\n0\n");
	CHECK_EXIT(sh("true && echo yes || echo no; false && echo yes || echo no"), 0);
	CHECK_OUT("yes\nno\n");
	CHECK_EXIT(sh("export GREETING=hi; %s/tests/argecho > %s/tmp/sh_env; cat %s/tmp/sh_env",
		      ut_root, ut_root, ut_root),
		   0);
	CHECK(strstr(out, "GREETING=hi\n") != NULL);
	CHECK(strstr(out, "HOME=/\n") != NULL);
}

static void t_sh_pipeline(void)
{
	CHECK_EXIT(sh("echo one two | cat"), 0);
	CHECK_OUT("one two\n");
	CHECK_EXIT(sh("echo through | cat | cat | cat | cat | cat"), 0);
	CHECK_OUT("through\n");
	CHECK_EXIT(sh("true | false"), 1);
	CHECK_EXIT(sh("false | true"), 0);
	CHECK_EXIT(sh("cat %s/tests/pattern.bin | cat | cat > %s/tmp/sh_pat", ut_root, ut_root), 0);
	static unsigned char copy[UT_PATTERN_SIZE + 10];
	long fd = SC(SYS_open, P("/tmp/sh_pat"), O_RDONLY);
	CHECK_EQ(SC(SYS_read, fd, copy, sizeof(copy)), UT_PATTERN_SIZE);
	SC(SYS_close, fd);
	int same = 1;
	for (unsigned long i = 0; i < UT_PATTERN_SIZE && same; i++)
		same = copy[i] == ut_pattern(i);
	CHECK(same);
	CHECK_EXIT(sh("echo x |"), 2);
	CHECK_EXIT(sh("| echo x"), 2);
	CHECK_EXIT(sh("echo x ;; echo y"), 2);
}

static void t_sh_redirect(void)
{
	char f[512], g[512], e[512]; /* not P(): sh() calls P() itself */
	snprintf(f, sizeof(f), "%s/tmp/sh_f", ut_root);
	snprintf(g, sizeof(g), "%s/tmp/sh_g", ut_root);
	snprintf(e, sizeof(e), "%s/tmp/sh_e", ut_root);
	CHECK_EXIT(sh("echo abc > %s; echo def >> %s; cat < %s; cat %s | cat > %s; cat %s", f, f, f,
		      f, g, g),
		   0);
	CHECK_OUT("abc\ndef\nabc\ndef\n");
	CHECK_EXIT(sh("echo new > %s; cat %s", f, f), 0);
	CHECK_OUT("new\n");
	CHECK_EXIT(sh("ls /no-such-dir 2> %s; cat %s", e, e), 0);
	CHECK_OUT("ls: /no-such-dir: No such file or directory\n");
	CHECK_EXIT(sh("ls /no-such-dir 2>&1 | cat > %s; echo; cat %s", e, e), 0);
	CHECK_OUT("\nls: /no-such-dir: No such file or directory\n");
	CHECK_EXIT(sh("cat < /no-such-file"), 1);
	CHECK_OUT("sh: can't open /no-such-file: no such file\n");
	CHECK_EXIT(sh("echo x > /no-such-dir/f"), 1);
	CHECK_EXIT(sh("echo x >"), 2);
	CHECK_EXIT(sh("pwd > %s; cat %s", f, f), 0); /* a built-in redirected */
	CHECK(out[0] == '/');
}

static void t_sh_not_found(void)
{
	CHECK_EXIT(sh("nosuchcmd arg"), 127);
	CHECK_OUT("sh: nosuchcmd: not found\n");
	CHECK_EXIT(sh("/no/such/prog"), 127);
	CHECK_OUT("sh: /no/such/prog: not found\n");
	CHECK_EXIT(sh("%s/etc/motd", ut_root), 126);
	CHECK(strstr(out, "Permission denied") != NULL);
	/* ENOEXEC: a text file with the execute bit runs as a script (POSIX
	 * sh); not_elf's first word is "this", no command */
	CHECK_EXIT(sh("%s/tests/bad/not_elf 2>&1 | head -n 1", ut_root), 0);
	CHECKF(strstr(out, "not_elf: line 1: this: not found\n") != NULL, "%s", out);
	CHECK_EXIT(sh("nosuchcmd; echo still here"), 0);
	CHECK_OUT("sh: nosuchcmd: not found\nstill here\n");
}

static void t_sh_exit(void)
{
	CHECK_EXIT(sh("exit 7"), 7);
	CHECK_EXIT(sh("echo a; exit 3; echo b"), 3);
	CHECK_OUT("a\n");
	CHECK_EXIT(sh("false; exit"), 1);
}

static void t_sh_signal(void)
{
	/* sh -c execs its last command in place: the signal is the status */
	int st = sh("%s/tests/argecho --segv", ut_root);
	CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == 11, "status %s", ut_status_str(st));
	CHECK_EXIT(sh("%s/tests/argecho --segv; echo after $?", ut_root), 0);
	CHECKF(strstr(out, "Segmentation fault\nafter 139\n") != NULL, "%s", out);
}

static void t_sh_script(void)
{
	const char *script = "# a comment\n"
			     "echo first\n"
			     "\n"
			     "X=2\n"
			     "echo \"x=$X\" | cat\n"
			     "exit 5\n"
			     "echo never\n";
	REQUIRE(ut_write_file(P("/tmp/sh_script"), script, strlen(script)) == 0);
	char *argv[] = {"sh", (char *)P("/tmp/sh_script"), NULL};
	CHECK_EXIT(ut_run(P("/bin/sh"), argv, NULL, NULL, out, sizeof(out)), 5);
	CHECK_OUT("first\nx=2\n");
	char *missing[] = {"sh", (char *)P("/tmp/no-such-script"), NULL};
	CHECK_EXIT(ut_run(P("/bin/sh"), missing, NULL, NULL, out, sizeof(out)), 2);
	CHECK(strstr(out, "can't open") && strstr(out, "No such file or directory"));
}

/* Commands on stdin, as on the console (no prompt: stdin is not a tty). */
static void t_sh_stdin(void)
{
	char *argv[] = {"sh", NULL};
	CHECK_EXIT(ut_run(P("/bin/sh"), argv, NULL, "echo from-stdin\necho two | cat\nfalse\n", out,
			  sizeof(out)),
		   1);
	CHECK_OUT("from-stdin\ntwo\n");
	CHECK_EXIT(ut_run(P("/bin/sh"), argv, NULL, "echo no newline at the end", out, sizeof(out)),
		   0);
	CHECK_OUT("no newline at the end\n");
	CHECK_EXIT(ut_run(P("/bin/sh"), argv, NULL, "exit 4\necho never\n", out, sizeof(out)), 4);
	CHECK_OUT("");
}

static void t_sh_cd(void)
{
	char want[700];
	CHECK_EXIT(sh("cd %s/tests && pwd && ls argecho; cd bad; pwd; cd; pwd", ut_root), 0);
	snprintf(want, sizeof(want), "%s/tests\nargecho\n%s/tests/bad\n/\n", ut_root, ut_root);
	CHECK_OUT(want);
	CHECK_EXIT(sh("cd /no-such-dir"), 2);
	CHECK_OUT("sh: cd: line 0: can't cd to /no-such-dir: No such file or directory\n");
	CHECK_EXIT(sh("cd %s/etc/motd", ut_root), 2);
	CHECK(strstr(out, "Not a directory") != NULL);
}

static void t_prog_ls(void)
{
	CHECK_EXIT(sh("ls %s/tests", ut_root), 0);
	char *a = strstr(out, "argecho\n"), *u = strstr(out, "utest\n");
	CHECK(a && u && a < u);
	CHECK(strstr(out, "pattern.bin\n") != NULL);
	CHECK(strstr(out, "\n.\n") == NULL && strncmp(out, ".\n", 2) != 0); /* no -a */
	CHECK_EXIT(sh("ls -l %s/tests/pattern.bin", ut_root), 0);
	CHECKF(!strncmp(out, "-rw-r--r--", 10) && strstr(out, " 12388 ") != NULL, "ls -l: %s", out);
	CHECK_EXIT(sh("ls -la %s/tests/bad", ut_root), 0);
	CHECK(strstr(out, " empty\n") != NULL && strstr(out, "-rwxr-xr-x") != NULL);
	CHECK_EXIT(sh("cd %s/tests; ls -a -l link", ut_root), 0);
	CHECK(strstr(out, "link -> argecho\n") != NULL);
	CHECK_EXIT(sh("ls %s/etc %s/tests/bad/empty", ut_root, ut_root), 0);
	char want[600];
	snprintf(want, sizeof(want),
		 "%s/tests/bad/empty\n\n%s/etc:\ngroup\nmodules\nmotd\npasswd\nprofile\n", ut_root,
		 ut_root);
	CHECK_OUT(want);
	CHECK_EXIT(sh("cd %s/etc; ls", ut_root), 0);
	CHECK_OUT("group\nmodules\nmotd\npasswd\nprofile\n");
	CHECK_EXIT(sh("ls /no-such"), 1);
	CHECK_OUT("ls: /no-such: No such file or directory\n");
	CHECK_EXIT(sh("ls -z"), 1);
	CHECK(strstr(out, "invalid option") != NULL);
}

static void t_prog_cat_echo(void)
{
	CHECK_EXIT(sh("echo -n abc; echo def; echo; echo -n"), 0);
	CHECK_OUT("abcdef\n\n");
	CHECK_EXIT(sh("echo one > %s/tmp/c1; echo two > %s/tmp/c2; echo mid | cat %s/tmp/c1 - "
		      "%s/tmp/c2",
		      ut_root, ut_root, ut_root, ut_root),
		   0);
	CHECK_OUT("one\nmid\ntwo\n");
	CHECK_EXIT(sh("cat /no-such-file; echo $?"), 0);
	CHECK_OUT("cat: can't open '/no-such-file': No such file or directory\n1\n");
	CHECK_EXIT(sh("cat %s/etc/motd", ut_root), 0);
	CHECK(strstr(out, "nested kernel") != NULL);
	CHECK_EXIT(sh("true; echo $?; false; echo $?"), 0);
	CHECK_OUT("0\n1\n");
}

static void t_prog_mkdir_rm(void)
{
	char d[512];
	snprintf(d, sizeof(d), "%s/tmp/sh_dir", ut_root);
	sh("rm -f %s/f", d);
	int st = sh("mkdir %s", d);
	if (strstr(out, "not implemented"))
		ut_skip("mkdir not implemented by the kernel");
	sh("mkdir -p %s/a/b", d);
	CHECK_EXIT(sh("echo hi > %s/f && cat %s/f && rm %s/f && rm %s/f", d, d, d, d), 1);
	char want[600];
	snprintf(want, sizeof(want), "hi\nrm: can't remove '%s/f': No such file or directory\n", d);
	CHECK_OUT(want);
	CHECK_EXIT(sh("rm -f %s/f", d), 0);
	CHECK_EXIT(sh("mkdir -p %s/a/b && ls %s/a", d, d), 0);
	CHECK_OUT("b\n");
	(void)st;
	CHECK_EXIT(sh("mkdir %s", d), 1); /* exists */
}

static void t_prog_sleep_kill(void)
{
	long long t0 = ut_now_ns();
	CHECK_EXIT(sh("sleep 0.05"), 0);
	CHECK((ut_now_ns() - t0) / 1000000 >= 50);
	CHECK_EXIT(sh("sleep x"), 1);
	CHECK_OUT("sleep: invalid number 'x'\n");
	CHECK_EXIT(sh("kill -0 $$"), 0);
	CHECK_EXIT(sh("kill 1073741808"), 1);
	CHECK_OUT("sh: can't kill pid 1073741808: No such process\n");
}

/* forkloop execs /tests/tiny, an absolute path: only on the nested kernel */
static void t_prog_forkloop(void)
{
	if (!ut_on_nk)
		ut_skip("forkloop execs /tests/tiny (not under the host's root)");
	CHECK_EXIT(sh("forkloop 5"), 0);
	CHECK(strstr(out, "forkloop: 5 fork+exec+wait cycles") != NULL);
	CHECK(strstr(out, " 0 failed") != NULL);
	if (ut_on_nk)
		CHECK(strstr(out, "frames_free") != NULL);
}

static void t_prog_ps_nk(void)
{
	/* busybox ps reads /proc (outer/fs/procfs.c on the nested kernel) */
	/* the heading, pid 1 and this process (a host has many more) */
	CHECK_EXIT(sh("ps | grep -e '^PID' -e '^ *1 ' -e '^ *%d '", (int)getpid()), 0);
	CHECKF(!strncmp(out, "PID   USER     COMMAND\n", 23), "ps: %s", out);
	CHECKF(strstr(out, "\n    1 root     ") != NULL, "ps: %s", out);
	char me[64];
	snprintf(me, sizeof(me), "\n%5d root     utest", (int)getpid());
	CHECKF(strstr(out, me) != NULL, "ps: no '%s' in %s", me + 1, out);
	if (!ut_on_nk) {
		CHECK_EXIT(sh("nk mem"), 2);
		CHECK_OUT("nk: not running on the nested kernel (no nksys)\n");
		return;
	}
	CHECK_EXIT(sh("nk no-such-command"), 2);
	CHECK(strstr(out, "nk: unknown command") != NULL);
	CHECK_EXIT(sh("nk check"), 0);
}

const struct ut_case ut_sh_cases[] = {
    UT(sh_echo),       UT(sh_quotes),	  UT(sh_vars),
    UT(sh_pipeline),   UT(sh_redirect),	  UT(sh_not_found),
    UT(sh_exit),       UT(sh_signal),	  UT(sh_script),
    UT(sh_stdin),      UT(sh_cd),	  UT(prog_ls),
    UT(prog_cat_echo), UT(prog_mkdir_rm), UT(prog_sleep_kill),
    UT(prog_forkloop), UT(prog_ps_nk),	  {0},
};
