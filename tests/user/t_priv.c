/* Privilege: what a process whose euid is not 0 may not do (Linux
 * semantics without CAP_SYS_MODULE). It may not load or unload a module
 * (init_module, finit_module, delete_module: EPERM before any other check)
 * nor run the nested kernel's state-changing console commands (attack,
 * test, fuzz, bench, poweroff) or NKSYS_EXIT through nksys (EPERM); the
 * read-only commands (check, mem, vmmu, regions, audit, wlog, help) stay
 * open. Each case drops to uid UT_USER with setuid in a child.
 *
 * This is also the attack suite's "insmod by a non-root user" row
 * (attacks.md, privilege): a user-space attack, which a kernel attack
 * module cannot express. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "utest.h"

#define UT_USER 1000
#define NR_QUERY_MODULE 178 /* ours: the lsmod text (docs/modules.md) */

/* A module call's result: -EPERM; on a host run also -ENOSYS (a kernel
 * without modules, or a sandbox that refuses the call). */
#define CHECK_PERM(r)                                                                              \
	do {                                                                                       \
		if (ut_on_nk)                                                                      \
			CHECK_ERR(r, EPERM);                                                       \
		else                                                                               \
			CHECK_ERR2(r, EPERM, ENOSYS);                                              \
	} while (0)

/* Become uid/gid UT_USER (setgid first, while still root). On a host run
 * that is not root the process already is an ordinary user. Aborts the
 * case if the euid is still 0: nothing below may run as root. */
static void drop_root(void)
{
	if (SC(SYS_geteuid) == 0) {
		CHECK_EQ(SC(SYS_setgid, UT_USER), 0);
		CHECK_EQ(SC(SYS_setuid, UT_USER), 0);
	}
	REQUIRE(SC(SYS_geteuid) != 0);
	if (ut_on_nk) {
		CHECK_EQ(SC(SYS_getuid), UT_USER);
		CHECK_EQ(SC(SYS_geteuid), UT_USER);
		/* and back is refused */
		CHECK_ERR(SC(SYS_setuid, 0), EPERM);
		CHECK_EQ(SC(SYS_geteuid), UT_USER);
	}
}

/* Whether module `name` is loaded (lsmod's text from query_module). */
static int loaded(const char *name)
{
	static char buf[4096];
	long n = SC(NR_QUERY_MODULE, buf, sizeof(buf) - 1);
	if (n < 0)
		return 0;
	buf[n] = 0;
	size_t len = strlen(name);
	for (const char *l = buf; *l;) {
		if (!strncmp(l, name, len) && l[len] == ' ')
			return 1;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return 0;
}

/* Run program path (argv[0] and one argument); checks that it fails with
 * exit status `code` and that its output says "Operation not permitted". */
static void run_refused(const char *path, const char *arg, int code)
{
	char out[512];
	char *argv[] = {(char *)path, (char *)arg, NULL};
	if (!arg)
		arg = "";
	int st = ut_run(P(path), argv, NULL, NULL, out, sizeof(out));
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == code, "%s %s: %s, expected exit %d; output '%s'",
	       path, arg, ut_status_str(st), code, out);
	CHECKF(strstr(out, "Operation not permitted") != NULL, "%s %s printed '%s'", path, arg,
	       out);
}

/* In a child as UT_USER: every module call is EPERM, whatever its
 * arguments; insmod and rmmod say so. arg: 1 when memdev is loaded. */
static void nonroot_module_calls(long memdev_loaded)
{
	drop_root();
	static char img[64 * 1024];
	long len = 64;
	long fd = SC(SYS_open, P("/lib/modules/victim.ko"), O_RDONLY);
	if (fd >= 0) {
		len = CHECK_OK(SC(SYS_read, fd, img, sizeof(img)));
		CHECK(len > 0 && len < (long)sizeof(img));
	}
	CHECK_PERM(SC(SYS_init_module, img, len, ""));
	CHECK_PERM(SC(SYS_init_module, UT_BAD_PTR, len, "")); /* before EFAULT */
	if (fd >= 0)
		CHECK_PERM(SC(SYS_finit_module, fd, "", 0));
	CHECK_PERM(SC(SYS_finit_module, -1, "", 0)); /* before EBADF */
	CHECK_PERM(SC(SYS_delete_module, "memdev", 0));
	CHECK_PERM(SC(SYS_delete_module, "no_such_module", 0)); /* before ENOENT */
	if (ut_on_nk) {
		CHECK(loaded("memdev") == (int)memdev_loaded);
		CHECK(!loaded("victim"));
		run_refused("/sbin/insmod", "/lib/modules/victim.ko", 1);
		run_refused("/sbin/rmmod", "memdev", 1);
	}
	if (fd >= 0)
		SC(SYS_close, fd);
	_exit(ut_failures() ? 1 : 0);
}

/* insmod by a non-root user: root loads memdev, a child as UT_USER cannot
 * load victim nor unload memdev; afterwards memdev is still there, victim
 * is not, and root unloads memdev. */
static void t_priv_modules_nonroot(void)
{
	int memdev = 0;
	if (ut_on_nk) {
		REQUIRE(SC(SYS_geteuid) == 0);
		long fd = SC(SYS_open, P("/lib/modules/memdev.ko"), O_RDONLY);
		REQUIRE(CHECK_OK(fd) >= 0);
		memdev = CHECK_OK(SC(SYS_finit_module, fd, "", 0)) == 0;
		SC(SYS_close, fd);
	}
	CHECK_EXIT(ut_child(nonroot_module_calls, memdev), 0);
	if (ut_on_nk) {
		CHECK(loaded("memdev") == memdev);
		CHECK(!loaded("victim"));
		if (memdev)
			CHECK_EQ(SC(SYS_delete_module, "memdev", 0), 0);
		CHECK(!loaded("memdev"));
	}
}

static long console(const char *line)
{
	return nksys(NKSYS_CONSOLE, (long)line, 0, 0);
}

/* The harness's root-only commands (attack, test, fuzz, bench): absent
 * from a kernel built without the harnesses (make HARNESS=0), where the
 * console knows no such word (EINVAL). */
static int is_harness_cmd(const char *line)
{
	while (*line == ' ')
		line++;
	static const char *const words[] = {"attack", "test", "fuzz", "bench"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		if (!strncmp(line, words[i], n) && (line[n] == ' ' || !line[n]))
			return 1;
	}
	return 0;
}

/* `nk attack`, `nk test` and poweroff through nksys as UT_USER: EPERM;
 * `nk check` and the other read-only commands still work. On a kernel
 * without the harnesses (probed as UT_USER: `attack list` is EINVAL, not
 * EPERM) the harness commands are reported as SKIP; poweroff still EPERM. */
static void t_priv_nksys_nonroot(void)
{
	drop_root();
	int harness = console("attack list") != -EINVAL;
	if (!harness)
		ut_printf("# SKIP priv_nksys_nonroot: attack, test, fuzz and bench are not in this "
			  "kernel (built with HARNESS=0); their EPERM checks are skipped\n");
	static const char *const refused[] = {
	    "attack all", "attack null_write",	  "attack modules", "attack list",
	    "test all",	  "test region_policies", "fuzz 1",	    "bench quick",
	    "poweroff",	  "  poweroff now",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		long r = console(refused[i]);
		if (!harness && is_harness_cmd(refused[i])) {
			CHECKF(
			    r == -EINVAL,
			    "nksys console '%s' without the harness returned %ld, expected -EINVAL",
			    refused[i], r);
			continue;
		}
		CHECKF(r == -EPERM, "nksys console '%s' as uid %d returned %ld, expected -EPERM",
		       refused[i], UT_USER, r);
	}
	/* status 1: were it performed, QEMU would report a failure */
	CHECK_ERR(nksys(NKSYS_EXIT, 1, 0, 0), EPERM);
	CHECK_ERR(SC(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, 0), EPERM);
	/* the read-only commands, and the other nksys calls */
	ut_printf("# priv_nksys_nonroot: kernel console output follows\n");
	static const char *const open_cmds[] = {"check",   "mem",    "vmmu", "regions",
						"audit 2", "wlog 2", "help"};
	for (size_t i = 0; i < sizeof(open_cmds) / sizeof(open_cmds[0]); i++) {
		long r = console(open_cmds[i]);
		CHECKF(r == 0, "nksys console '%s' as uid %d returned %ld, expected 0",
		       open_cmds[i], UT_USER, r);
	}
	CHECK_ERR(console("no-such-command"), EINVAL); /* unknown stays EINVAL */
	struct nksys_info info;
	CHECK_EQ(nksys(NKSYS_INFO, (long)&info, 0, 0), 0);
	static struct nksys_proc ps[64];
	CHECK(CHECK_OK(nksys(NKSYS_PS, (long)ps, 64, 0)) > 0);
	/* the nk program, as a user would type it */
	char out[256];
	char *chk[] = {"nk", "check", NULL};
	CHECK_EXIT(ut_run(P("/bin/nk"), chk, NULL, NULL, out, sizeof(out)), 0);
	if (harness) {
		char *att[] = {"nk", "attack", "all", NULL};
		int st = ut_run(P("/bin/nk"), att, NULL, NULL, out, sizeof(out));
		CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 2, "nk attack all: %s; output '%s'",
		       ut_status_str(st), out);
		CHECKF(strstr(out, "Operation not permitted") != NULL, "nk attack all printed '%s'",
		       out);
		run_refused("/bin/nk", "test", 2);
	} else {
		ut_printf("# SKIP priv_nksys_nonroot: nk attack all, nk test (no harness in this "
			  "kernel)\n");
	}
	/* busybox poweroff signals init (SIGUSR2): refused to a non-root user */
	run_refused("/sbin/poweroff", NULL, 1);
}

const struct ut_case ut_priv_cases[] = {
    UT(priv_modules_nonroot),
    UT_NK(priv_nksys_nonroot),
    {0},
};
