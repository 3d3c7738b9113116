/* init: the first user process (pid 1), started by the kernel.
 *
 *   /sbin/init         load the driver modules /etc/modules names, print
 *                      a banner and /etc/motd, run the login shell
 *                      /bin/sh (busybox ash, "-sh": it reads
 *                      /etc/profile) in a session of its own with the
 *                      console as its controlling terminal; start it
 *                      again whenever it exits; reap every orphan that is
 *                      handed to init. SIGUSR2 or SIGUSR1 (busybox
 *                      poweroff and halt) and SIGTERM (reboot) make init
 *                      send SIGTERM to every other process and power off
 *                      with reboot(2), as busybox init does
 *   /sbin/init test    load /etc/modules, run the user test suite
 *                      (/tests/utest, KTAP on the console), then power off
 *                      through NKSYS_EXIT: status 0 if the suite passed, 1
 *                      if not
 *   /sbin/init bench [quick]  run the benchmark workloads (/bench/run-all,
 *                      "bench:" lines on the console; tools/bench.py),
 *                      then power off the same way; no modules are loaded,
 *                      so the kernel measured is the one that booted
 *
 * /etc/modules (as on Debian): one module name per line, '#' starts a
 * comment; each is loaded from /lib/modules/NAME.ko with finit_module.
 * A module that fails (its device is absent, say) is reported and
 * skipped; the kernel prints why. Not on a host run (no nksys).
 *
 * stdin, stdout and stderr are already open on /dev/console. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ulib.h"

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		return;
}

/* spawn - fork and exec path with argv; returns the child's pid or -1. */
static pid_t spawn(const char *path, char *const argv[])
{
	extern char **environ;
	pid_t pid = fork();
	if (pid == 0) {
		execve(path, argv, environ);
		dprintf(2, "init: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		dprintf(2, "init: fork: %s\n", strerror(errno));
	return pid;
}

/* The signal busybox poweroff, halt or reboot sent to init (0: none). */
static volatile sig_atomic_t shutdown_sig;

static void on_shutdown(int sig)
{
	shutdown_sig = sig;
}

/* shutdown - what busybox poweroff asks of init: SIGTERM to every other
 * process, a moment for them to go, then reboot(2) (this kernel powers
 * off for every command). */
static void shutdown(void)
{
	dprintf(1, "\ninit: %s: terminating the processes, powering off\n",
		u_signame(shutdown_sig));
	kill(-1, SIGTERM);
	struct timespec t = {0, 200 * 1000 * 1000};
	nanosleep(&t, NULL);
	sync();
	reboot(RB_POWER_OFF);
	dprintf(2, "init: reboot: %s\n", strerror(errno));
	shutdown_sig = 0;
}

/* wait_for - reap children (orphans included) until pid exits; returns
 * its wait status, or -1 if init has no children left. A shutdown
 * signal is acted on here. */
static int wait_for(pid_t pid)
{
	for (;;) {
		int st;
		pid_t r = waitpid(-1, &st, 0);
		if (shutdown_sig)
			shutdown();
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* spawn_shell - the login shell on the console: a new session (setsid)
 * whose controlling terminal is the console (TIOCSCTTY), as getty and
 * busybox init's askfirst do, so that the shell can run job control. */
static pid_t spawn_shell(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* the console is init's controlling tty from boot: arg 1 takes
		 * it over for the new session (root may, man 4 tty_ioctl) */
		setsid();
		ioctl(0, TIOCSCTTY, 1);
		char *argv[] = {"-sh", NULL};
		char *envp[] = {"HOME=/",     "PATH=/bin:/sbin:/usr/bin:/usr/sbin",
				"TERM=vt100", "SHELL=/bin/sh",
				"USER=root",  "LOGNAME=root",
				NULL};
		execve("/bin/sh", argv, envp);
		dprintf(2, "init: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		dprintf(2, "init: fork: %s\n", strerror(errno));
	return pid;
}

static void cat_motd(void)
{
	int fd = open("/etc/motd", O_RDONLY);
	if (fd < 0)
		return;
	char buf[512];
	long n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) < 0)
			break;
	close(fd);
}

/* load_modules - finit_module every module /etc/modules names; one line
 * "init: module NAME: loaded" or "...: <error>" each. Only on our kernel:
 * a host run (make user-host-test) must not hand our .ko files to Linux. */
static void load_modules(void)
{
	if (!nksys_present())
		return;
	FILE *f = fopen("/etc/modules", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		if (len && line[len - 1] != '\n' && !feof(f)) {
			dprintf(2, "init: /etc/modules: a line longer than %zu bytes skipped\n",
				sizeof(line) - 2);
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *name = line + strspn(line, " \t");
		name[strcspn(name, " \t\r\n")] = 0;
		if (!*name)
			continue;
		char path[128];
		snprintf(path, sizeof(path), "/lib/modules/%s.ko", name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		long r = fd < 0 ? -errno : SC(313, fd, "", 0); /* finit_module */
		if (fd >= 0)
			close(fd);
		dprintf(1, "init: module %s: %s\n", name, r ? strerror((int)-r) : "loaded");
	}
	fclose(f);
}

static int run_tests(void)
{
	/* $UTEST_ROOT (a host run) prefixes the path; the suite reads it too */
	char path[512];
	const char *root = getenv("UTEST_ROOT");
	snprintf(path, sizeof(path), "%s/tests/utest", root ? root : "");
	char *argv[] = {"utest", NULL};
	dprintf(1, "# init: running the user test suite %s\n", path);
	pid_t pid = spawn(path, argv);
	int st = pid > 0 ? wait_for(pid) : -1;
	int ok = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (st != -1 && WIFSIGNALED(st))
		dprintf(1, "# init: utest killed by %s\n", u_signame(WTERMSIG(st)));
	else if (st != -1)
		dprintf(1, "# init: utest exited %d\n", WEXITSTATUS(st));
	dprintf(1, "# init: user tests %s\n", ok ? "passed" : "FAILED");
	nksys(NKSYS_EXIT, ok ? 0 : 1, 0, 0);
	/* not the nested kernel (a host run): just exit */
	return ok ? 0 : 1;
}

/* run_bench - /bench/run-all [quick], then NKSYS_EXIT with its verdict. */
static int run_bench(const char *mode)
{
	char *argv[] = {"run-all", (char *)mode, NULL};
	dprintf(1, "# init: running /bench/run-all %s\n", mode);
	pid_t pid = spawn("/bench/run-all", argv);
	int st = pid > 0 ? wait_for(pid) : -1;
	int ok = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	nksys(NKSYS_EXIT, ok ? 0 : 1, 0, 0);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "bench"))
		return run_bench(argc > 2 ? argv[2] : "full");
	load_modules();
	if (argc > 1 && !strcmp(argv[1], "test"))
		return run_tests();
	struct sigaction sa = {.sa_handler = on_shutdown};
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	say("\ninit: nested kernel user space: busybox ash on the console (`help`, `busybox`)\n");
	cat_motd();
	for (;;) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid_t pid = spawn_shell();
		int st = pid > 0 ? wait_for(pid) : -1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (st != -1 && WIFSIGNALED(st))
			dprintf(1, "init: sh killed by %s; starting a new one\n",
				u_signame(WTERMSIG(st)));
		else
			dprintf(1, "init: sh exited; starting a new one\n");
		/* a shell that dies at once (say, missing) must not spin */
		if (t1.tv_sec - t0.tv_sec < 1) {
			struct timespec second = {1, 0};
			nanosleep(&second, NULL);
		}
	}
}
