/* Job control: process groups and sessions (setpgid, setsid, getpgid,
 * getsid), kill and wait4 by group, stopping and continuing (WUNTRACED,
 * WCONTINUED, SIGCHLD's CLD_STOPPED and CLD_CONTINUED, SA_NOCLDSTOP,
 * SIGKILL of a stopped process, orphaned groups), and the console as the
 * controlling tty (TIOCGPGRP, TIOCSPGRP, TIOCGSID, TIOCSCTTY, SIGTTIN on a
 * background read, SIGTTOU under TOSTOP and for tcsetattr). Linux
 * semantics: the suite passes natively too (make user-host-test), where
 * the cases that need a controlling tty are skipped when there is none.
 * The cases that change the tty put its foreground group and termios
 * back. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "utest.h"

/* ---- helpers ---- */

static volatile int chld_hits, chld_code, chld_status, chld_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	chld_hits++;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_pid = si->si_pid;
}

static void catch_chld(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
	REQUIRE(sigaction(SIGCHLD, &sa, NULL) == 0);
	chld_hits = 0;
}

/* Fork a child that sits in pause() until a signal ends it. */
static pid_t idle_child(void)
{
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		for (;;)
			pause();
	}
	return c;
}

/* Fork a child that joins group pgid (0: its own) before anything else;
 * the parent sets it too, so that it holds when fork returns (the usual
 * shell idiom). The child then pauses. */
static pid_t child_in_group(pid_t pgid)
{
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		setpgid(0, pgid);
		for (;;)
			pause();
	}
	CHECK_OK(SC(SYS_setpgid, c, pgid));
	return c;
}

/* Reap pid after killing it; returns its status. */
static int kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	return ut_wait(pid);
}

/* wait4 with options, retrying EINTR; returns pid or -errno. */
static long wait_opt(pid_t pid, int *st, int options)
{
	long r;
	while ((r = SC(SYS_wait4, pid, st, options, 0)) == -EINTR)
		;
	return r;
}

/* A pid that names no process: a child's, once reaped. */
static pid_t dead_pid(void)
{
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0)
		_exit(0);
	ut_wait(c);
	return c;
}

/* ---- ids ---- */

static void t_ids_basic(void)
{
	pid_t me = getpid();
	long pg = SC(SYS_getpgrp);
	CHECK_OK(pg);
	CHECK_EQ(SC(SYS_getpgid, 0), pg);
	CHECK_EQ(SC(SYS_getpgid, me), pg);
	long sid = SC(SYS_getsid, 0);
	CHECK_OK(sid);
	CHECK_EQ(SC(SYS_getsid, me), sid);
	pid_t gone = dead_pid();
	CHECK_ERR(SC(SYS_getpgid, gone), ESRCH);
	CHECK_ERR(SC(SYS_getsid, gone), ESRCH);
	CHECK_ERR(SC(SYS_getpgid, -1), ESRCH);
	/* fork keeps both */
	int p[2];
	REQUIRE(pipe(p) == 0);
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		long v[2] = {SC(SYS_getpgrp), SC(SYS_getsid, 0)};
		_exit(write(p[1], v, sizeof(v)) == sizeof(v) ? 0 : 1);
	}
	long v[2] = {0, 0};
	CHECK_EQ(read(p[0], v, sizeof(v)), sizeof(v));
	CHECK_EXIT(ut_wait(c), 0);
	CHECK_EQ(v[0], pg);
	CHECK_EQ(v[1], sid);
	/* another process's ids */
	c = idle_child();
	CHECK_EQ(SC(SYS_getpgid, c), pg);
	CHECK_EQ(SC(SYS_getsid, c), sid);
	kill_reap(c);
	close(p[0]), close(p[1]);
}

static void t_setpgid_rules(void)
{
	pid_t me = getpid();
	long pg = SC(SYS_getpgrp);
	CHECK_ERR(SC(SYS_setpgid, 0, -1), EINVAL);
	CHECK_ERR(SC(SYS_setpgid, dead_pid(), 0), ESRCH);
	CHECK_ERR(SC(SYS_setpgid, getppid(), 0), ESRCH);  /* not our child */
	CHECK_ERR(SC(SYS_setpgid, 0, dead_pid()), EPERM); /* no such group */
	/* a child into its own group and back into ours */
	pid_t c = idle_child();
	CHECK_OK(SC(SYS_setpgid, c, 0));
	CHECK_EQ(SC(SYS_getpgid, c), c);
	CHECK_OK(SC(SYS_setpgid, c, pg));
	CHECK_EQ(SC(SYS_getpgid, c), pg);
	/* a second child into the first one's group */
	CHECK_OK(SC(SYS_setpgid, c, c));
	pid_t d = idle_child();
	CHECK_OK(SC(SYS_setpgid, d, c));
	CHECK_EQ(SC(SYS_getpgid, d), c);
	kill_reap(d);
	kill_reap(c);
	/* the caller itself: its own group, then back */
	if (pg != me) {
		CHECK_OK(SC(SYS_setpgid, 0, 0));
		CHECK_EQ(SC(SYS_getpgrp), me);
		CHECK_OK(SC(SYS_setpgid, me, pg));
		CHECK_EQ(SC(SYS_getpgrp), pg);
	}
	/* EACCES once the child has execed (the CLOEXEC pipe's end closes;
	 * a zombie that execed counts too, as on Linux) */
	int p[2];
	REQUIRE(pipe2(p, O_CLOEXEC) == 0);
	c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		close(p[0]);
		char *argv[] = {"argecho", NULL};
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execve(P("/tests/argecho"), argv, ut_env());
		_exit(127);
	}
	close(p[1]);
	char b;
	CHECK_EQ(read(p[0], &b, 1), 0);
	close(p[0]);
	CHECK_ERR(SC(SYS_setpgid, c, c), EACCES);
	CHECK_EXIT(ut_wait(c), 1); /* argecho exits argc */
}

/* In a child: setsid makes a session and group, no controlling tty. */
static void setsid_child(long arg)
{
	(void)arg;
	pid_t me = getpid();
	CHECK_EQ(SC(SYS_setsid), me);
	CHECK_EQ(SC(SYS_getsid, 0), me);
	CHECK_EQ(SC(SYS_getpgrp), me);
	CHECK_ERR(SC(SYS_setsid), EPERM);	 /* now a group leader */
	CHECK_ERR(SC(SYS_setpgid, 0, 0), EPERM); /* a session leader */
	int pg;
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCGPGRP, &pg), ENOTTY);
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCSPGRP, &pg), ENOTTY);
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCGSID, &pg), ENOTTY);
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCNOTTY, 0), ENOTTY);
	CHECK_ERR(SC(SYS_open, "/dev/tty", O_RDWR | O_NOCTTY), ENXIO);
	_exit(ut_failures() ? 1 : 0);
}

/* In a child: a group leader may not make a session. */
static void leader_child(long arg)
{
	(void)arg;
	CHECK_OK(SC(SYS_setpgid, 0, 0));
	CHECK_ERR(SC(SYS_setsid), EPERM);
	_exit(ut_failures() ? 1 : 0);
}

static void t_setsid_rules(void)
{
	CHECK_EXIT(ut_child(setsid_child, 0), 0);
	CHECK_EXIT(ut_child(leader_child, 0), 0);
	/* a child in another session: the parent may not move it */
	int p[2];
	REQUIRE(pipe(p) == 0);
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		long s = SC(SYS_setsid);
		if (write(p[1], &s, sizeof(s)) != sizeof(s))
			_exit(1);
		for (;;)
			pause();
	}
	long s = 0;
	CHECK_EQ(read(p[0], &s, sizeof(s)), sizeof(s));
	CHECK_EQ(s, c);
	CHECK_EQ(SC(SYS_getsid, c), c);
	CHECK_ERR(SC(SYS_setpgid, c, c), EPERM);
	CHECK_ERR(SC(SYS_setpgid, c, SC(SYS_getpgrp)), EPERM);
	/* nor join its group (another session's) */
	pid_t d = idle_child();
	CHECK_ERR(SC(SYS_setpgid, d, c), EPERM);
	kill_reap(d);
	kill_reap(c);
	close(p[0]), close(p[1]);
}

/* ---- kill and wait4 by group ---- */

static void t_kill_pgrp(void)
{
	pid_t a = child_in_group(0);
	pid_t b = child_in_group(a);
	pid_t c = idle_child(); /* in our group: must survive */
	CHECK_OK(SC(SYS_kill, -a, 0));
	CHECK_ERR(SC(SYS_kill, -a, 65), EINVAL);
	CHECK_OK(SC(SYS_kill, -a, SIGUSR1));
	CHECK_SIG(ut_wait(a), SIGUSR1);
	CHECK_SIG(ut_wait(b), SIGUSR1);
	int st;
	CHECK_EQ(wait_opt(c, &st, WNOHANG), 0);
	CHECK_SIG(kill_reap(c), SIGKILL);
	CHECK_ERR(SC(SYS_kill, -a, SIGUSR1), ESRCH);
	CHECK_ERR(SC(SYS_kill, -a, 0), ESRCH);
	CHECK_ERR(SC(SYS_kill, (int)0x80000000, 0), ESRCH); /* INT_MIN */
}

static volatile int usr2_hits;
static void on_usr2(int sig)
{
	(void)sig;
	usr2_hits++;
}

/* In a child leading its own group with two members: kill(0, sig)
 * reaches all three. */
static void kill0_child(long arg)
{
	(void)arg;
	REQUIRE(SC(SYS_setpgid, 0, 0) == 0);
	pid_t g[2];
	for (int i = 0; i < 2; i++) { /* forked before the handler: SIG_DFL */
		g[i] = fork();
		REQUIRE(g[i] >= 0);
		if (g[i] == 0)
			for (;;)
				pause();
	}
	ut_set_disp(SIGUSR2, on_usr2, 0);
	CHECK_OK(SC(SYS_kill, 0, SIGUSR2));
	CHECK_SIG(ut_wait(g[0]), SIGUSR2);
	CHECK_SIG(ut_wait(g[1]), SIGUSR2);
	CHECK_EQ(usr2_hits, 1);
	_exit(ut_failures() ? 1 : 0);
}

static void t_kill_zero(void)
{
	CHECK_EXIT(ut_child(kill0_child, 0), 0);
}

static void t_wait_pgrp(void)
{
	pid_t c = fork(); /* our group: exits at once */
	REQUIRE(c >= 0);
	if (c == 0)
		_exit(7);
	pid_t a = fork();
	REQUIRE(a >= 0);
	if (a == 0) {
		setpgid(0, 0);
		ut_sleep_ms(50);
		_exit(1);
	}
	CHECK_OK(SC(SYS_setpgid, a, a));
	pid_t b = fork();
	REQUIRE(b >= 0);
	if (b == 0) {
		setpgid(0, a);
		ut_sleep_ms(80);
		_exit(2);
	}
	CHECK_OK(SC(SYS_setpgid, b, a));
	int st = 0, got = 0;
	for (int i = 0; i < 2; i++) {
		long r = wait_opt(-a, &st, 0);
		CHECKF(r == a || r == b, "wait4(-%d) gave %ld", a, r);
		if (r == a)
			CHECK_EXIT(st, 1), got |= 1;
		if (r == b)
			CHECK_EXIT(st, 2), got |= 2;
	}
	CHECK_EQ(got, 3);
	CHECK_ERR(wait_opt(-a, &st, 0), ECHILD);
	CHECK_EQ(wait_opt(0, &st, 0), c); /* our group */
	CHECK_EXIT(st, 7);
	CHECK_ERR(wait_opt(0, &st, WNOHANG), ECHILD);
}

/* ---- stopping and continuing ---- */

/* A child that writes a byte to fd every 10 ms, and 'C' from its SIGCONT
 * handler. */
static int tick_fd;
static void on_cont(int sig)
{
	(void)sig;
	char c = 'C';
	if (write(tick_fd, &c, 1) < 0)
		_exit(3);
}

static pid_t ticker(int fd)
{
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		tick_fd = fd;
		ut_set_disp(SIGCONT, on_cont, SA_RESTART);
		for (;;) {
			char t = 't';
			if (write(fd, &t, 1) < 0)
				_exit(2);
			ut_sleep_ms(10);
		}
	}
	return c;
}

/* Read what is in the pipe now (non-blocking); how many bytes, and
 * whether a 'C' was among them. */
static int drain(int fd, int *saw_c)
{
	char buf[256];
	int n = 0;
	long r;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (long i = 0; i < r; i++, n++)
			if (buf[i] == 'C' && saw_c)
				*saw_c = 1;
	return n;
}

static void t_stop_cont(void)
{
	int p[2];
	REQUIRE(pipe2(p, O_NONBLOCK) == 0);
	catch_chld(0);
	pid_t c = ticker(p[1]);
	ut_sleep_ms(50);
	CHECK_OK(SC(SYS_kill, c, SIGSTOP));
	int st = 0;
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "status 0x%x", st);
	CHECK_EQ(st, 0x137f);
	CHECK_EQ(wait_opt(c, &st, WNOHANG | WUNTRACED), 0); /* reported once */
	for (int i = 0; i < 50 && !chld_hits; i++)
		ut_sleep_ms(2);
	CHECK_EQ(chld_hits, 1);
	CHECK_EQ(chld_code, CLD_STOPPED);
	CHECK_EQ(chld_status, SIGSTOP);
	CHECK_EQ(chld_pid, c);
	/* stopped: it does not run */
	drain(p[0], NULL);
	ut_sleep_ms(100);
	CHECK_EQ(drain(p[0], NULL), 0);
	chld_hits = 0;
	CHECK_OK(SC(SYS_kill, c, SIGCONT));
	CHECK_EQ(wait_opt(c, &st, WCONTINUED), c);
	CHECKF(WIFCONTINUED(st), "status 0x%x", st);
	CHECK_EQ(st, 0xffff);
	CHECK_EQ(wait_opt(c, &st, WNOHANG | WCONTINUED | WUNTRACED), 0);
	for (int i = 0; i < 50 && !chld_hits; i++)
		ut_sleep_ms(2);
	CHECK_EQ(chld_hits, 1);
	CHECK_EQ(chld_code, CLD_CONTINUED);
	CHECK_EQ(chld_status, SIGCONT);
	/* it runs again, and its SIGCONT handler ran */
	ut_sleep_ms(60);
	int saw_c = 0;
	CHECK(drain(p[0], &saw_c) > 0);
	CHECK(saw_c);
	/* a continue of a running process reports nothing */
	CHECK_OK(SC(SYS_kill, c, SIGCONT));
	ut_sleep_ms(20);
	CHECK_EQ(wait_opt(c, &st, WNOHANG | WCONTINUED), 0);
	/* without WUNTRACED a stop is not reported */
	CHECK_OK(SC(SYS_kill, c, SIGSTOP));
	ut_sleep_ms(20);
	CHECK_EQ(wait_opt(c, &st, WNOHANG), 0);
	CHECK_SIG(kill_reap(c), SIGKILL);
	signal(SIGCHLD, SIG_DFL);
	close(p[0]), close(p[1]);
}

static void t_nocldstop(void)
{
	catch_chld(SA_NOCLDSTOP);
	pid_t c = idle_child();
	CHECK_OK(SC(SYS_kill, c, SIGSTOP));
	int st = 0;
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECK(WIFSTOPPED(st));
	CHECK_OK(SC(SYS_kill, c, SIGCONT));
	CHECK_EQ(wait_opt(c, &st, WCONTINUED), c);
	CHECK(WIFCONTINUED(st));
	ut_sleep_ms(20);
	CHECK_EQ(chld_hits, 0);
	kill_reap(c);
	CHECK_EQ(chld_hits, 1); /* the exit is still signalled */
	CHECK_EQ(chld_code, CLD_KILLED);
	signal(SIGCHLD, SIG_DFL);
}

static void t_kill_stopped(void)
{
	pid_t c = idle_child();
	CHECK_OK(SC(SYS_kill, c, SIGSTOP));
	int st = 0;
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECK(WIFSTOPPED(st));
	/* a stopped process keeps other signals pending; SIGKILL ends it */
	CHECK_OK(SC(SYS_kill, c, SIGTERM));
	ut_sleep_ms(20);
	CHECK_EQ(wait_opt(c, &st, WNOHANG), 0);
	CHECK_OK(SC(SYS_kill, c, SIGKILL));
	CHECK_EQ(wait_opt(c, &st, 0), c);
	CHECK_SIG(st, SIGKILL);
}

/* A nanosleep that a stop interrupts sleeps on to its deadline once
 * continued: no EINTR, as Linux restarts it (restart_syscall). */
static void t_stop_sleep(void)
{
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		long long t0 = ut_now_ns();
		struct timespec req = {0, 300000000L}, rem = {0, 0};
		long r = SC(SYS_nanosleep, &req, &rem);
		long long ms = (ut_now_ns() - t0) / 1000000;
		_exit(r == 0 && ms >= 290 ? 0 : r == -EINTR ? 2 : 3);
	}
	ut_sleep_ms(50);
	CHECK_OK(SC(SYS_kill, c, SIGSTOP));
	int st = 0;
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECK(WIFSTOPPED(st));
	ut_sleep_ms(100);
	CHECK_OK(SC(SYS_kill, c, SIGCONT));
	CHECK_EQ(wait_opt(c, &st, 0), c);
	CHECK_EXIT(st, 0);
}

/* In a child: SIGCONT discards a pending (blocked) stop signal, and a stop
 * signal a pending SIGCONT. */
static void discard_child(long arg)
{
	(void)arg;
	sigset_t s, pend;
	sigemptyset(&s);
	sigaddset(&s, SIGTSTP);
	sigaddset(&s, SIGCONT);
	REQUIRE(sigprocmask(SIG_BLOCK, &s, NULL) == 0);
	pid_t me = getpid();
	kill(me, SIGTSTP);
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGTSTP));
	kill(me, SIGCONT);
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGTSTP));
	CHECK(sigismember(&pend, SIGCONT));
	kill(me, SIGTSTP);
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGTSTP));
	CHECK(!sigismember(&pend, SIGCONT));
	_exit(ut_failures() ? 1 : 0);
}

static void t_stop_discards(void)
{
	CHECK_EXIT(ut_child(discard_child, 0), 0);
}

/* SIGTSTP stops a process in a group with a parent in another group of
 * its session; in an orphaned group (a new session) it is discarded,
 * while SIGSTOP still stops. */
static void t_tstp_orphaned(void)
{
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		setpgid(0, 0);
		raise(SIGTSTP);
		_exit(5);
	}
	int st = 0;
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP, "status 0x%x", st);
	CHECK_OK(SC(SYS_kill, c, SIGCONT));
	CHECK_EQ(wait_opt(c, &st, 0), c);
	CHECK_EXIT(st, 5);
	c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		setsid();
		raise(SIGTSTP); /* orphaned: discarded */
		raise(SIGTTIN);
		raise(SIGTTOU);
		raise(SIGSTOP);
		_exit(6);
	}
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "status 0x%x", st);
	CHECK_OK(SC(SYS_kill, c, SIGCONT));
	CHECK_EQ(wait_opt(c, &st, 0), c);
	CHECK_EXIT(st, 6);
}

/* ---- the controlling tty ---- */

/* Skip unless fd 0 is our controlling tty with our group in the
 * foreground; returns that group. */
static int need_ctty(void)
{
	int pg = -1;
	if (SC(SYS_ioctl, 0, TIOCGPGRP, &pg) != 0)
		ut_skip("fd 0 is not the controlling tty");
	if (pg != SC(SYS_getpgrp))
		ut_skip("not in the tty's foreground group");
	return pg;
}

/* Put the foreground group back to fg (blocking SIGTTOU: the caller may
 * be in the background now). */
static void restore_fg(int fg)
{
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, SIGTTOU);
	sigprocmask(SIG_BLOCK, &s, &old);
	CHECK_OK(SC(SYS_ioctl, 0, TIOCSPGRP, &fg));
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void t_tty_pgrp(void)
{
	int fg = need_ctty();
	int v = -1;
	CHECK_OK(SC(SYS_ioctl, 0, TIOCGSID, &v));
	CHECK_EQ(v, SC(SYS_getsid, 0));
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCSCTTY, 0), EPERM); /* not a session leader */
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCSPGRP, UT_BAD_PTR), EFAULT);
	v = -1;
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCSPGRP, &v), EINVAL);
	v = dead_pid();
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCSPGRP, &v), ESRCH);
	/* another session's group */
	int p[2];
	REQUIRE(pipe(p) == 0);
	pid_t s = fork();
	REQUIRE(s >= 0);
	if (s == 0) {
		setsid();
		close(p[1]);
		char b;
		_exit(read(p[0], &b, 1) < 0);
	}
	while (SC(SYS_getsid, s) != s)
		ut_sleep_ms(2);
	v = s;
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCSPGRP, &v), EPERM);
	close(p[1]);
	CHECK_EXIT(ut_wait(s), 0);
	close(p[0]);
	/* a child's group to the foreground, and back */
	pid_t c = child_in_group(0);
	v = c;
	CHECK_OK(SC(SYS_ioctl, 0, TIOCSPGRP, &v));
	v = -1;
	CHECK_OK(SC(SYS_ioctl, 0, TIOCGPGRP, &v));
	CHECK_EQ(v, c);
	/* we are in the background now: TIOCSPGRP would send us SIGTTOU */
	restore_fg(fg);
	v = -1;
	CHECK_OK(SC(SYS_ioctl, 0, TIOCGPGRP, &v));
	CHECK_EQ(v, fg);
	kill_reap(c);
}

/* A background child doing op (0 read, 1 write, 2 tcsetattr) on fd 0/1
 * with SIGTTIN and SIGTTOU as disp; returns its pid (stopped or exited:
 * the caller waits with WUNTRACED). Exit 0: the call succeeded, 10+errno
 * otherwise. */
static pid_t background(int op, void (*disp)(int))
{
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		setpgid(0, 0);
		signal(SIGTTIN, disp);
		signal(SIGTTOU, disp);
		long r;
		if (op == 0) {
			char b;
			r = SC(SYS_read, 0, &b, 1);
		} else if (op == 1) {
			r = SC(SYS_write, 1, "#\n", 2);
		} else {
			struct termios t;
			r = tcgetattr(0, &t) ? -errno : SC(SYS_ioctl, 0, TCSETS, &t);
		}
		_exit(r >= 0 ? 0 : 10 + (int)-r);
	}
	CHECK_OK(SC(SYS_setpgid, c, c));
	return c;
}

static void t_tty_sigttin(void)
{
	need_ctty();
	int st = 0;
	pid_t c = background(0, SIG_DFL);
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN, "status 0x%x", st);
	kill_reap(c);
	c = background(0, SIG_IGN); /* ignored: EIO */
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECK_EXIT(st, 10 + EIO);
	/* tcsetattr from the background stops it with SIGTTOU, TOSTOP or not */
	c = background(2, SIG_DFL);
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU, "status 0x%x", st);
	kill_reap(c);
	c = background(2, SIG_IGN); /* ignored: allowed */
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECK_EXIT(st, 0);
}

static void t_tty_tostop(void)
{
	need_ctty();
	struct termios t, saved;
	REQUIRE(tcgetattr(0, &saved) == 0);
	int st = 0;
	/* without TOSTOP a background write goes out */
	t = saved;
	t.c_lflag &= ~(tcflag_t)TOSTOP;
	REQUIRE(tcsetattr(0, TCSANOW, &t) == 0);
	pid_t c = background(1, SIG_DFL);
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECK_EXIT(st, 0);
	t.c_lflag |= TOSTOP;
	REQUIRE(tcsetattr(0, TCSANOW, &t) == 0);
	c = background(1, SIG_DFL);
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU, "status 0x%x", st);
	kill_reap(c);
	c = background(1, SIG_IGN); /* ignored: the write goes out */
	CHECK_EQ(wait_opt(c, &st, WUNTRACED), c);
	CHECK_EXIT(st, 0);
	/* the foreground writes as ever */
	CHECK_EQ(write(1, "#\n", 2), 2);
	CHECK_OK(tcsetattr(0, TCSANOW, &saved));
}

/* In a child (not a session leader): TIOCNOTTY gives the controlling
 * tty up for it alone. */
static void notty_child(long arg)
{
	(void)arg;
	long fd = SC(SYS_open, "/dev/tty", O_RDWR);
	CHECK_OK(fd);
	if (fd >= 0)
		close((int)fd);
	CHECK_OK(SC(SYS_ioctl, 0, TIOCNOTTY, 0));
	int pg;
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCGPGRP, &pg), ENOTTY);
	CHECK_ERR(SC(SYS_ioctl, 0, TIOCNOTTY, 0), ENOTTY);
	CHECK_ERR(SC(SYS_open, "/dev/tty", O_RDWR), ENXIO);
	_exit(ut_failures() ? 1 : 0);
}

static void t_tty_notty(void)
{
	int fg = need_ctty();
	CHECK_EXIT(ut_child(notty_child, 0), 0);
	int v = -1;
	CHECK_OK(SC(SYS_ioctl, 0, TIOCGPGRP, &v)); /* ours is untouched */
	CHECK_EQ(v, fg);
}

const struct ut_case ut_jobs_cases[] = {
    UT(ids_basic),
    UT(setpgid_rules),
    UT(setsid_rules),
    UT(kill_pgrp),
    UT(kill_zero),
    UT(wait_pgrp),
    UT(stop_cont),
    UT(nocldstop),
    UT(kill_stopped),
    UT(stop_discards),
    UT(stop_sleep),
    UT(tstp_orphaned),
    UT(tty_pgrp),
    UT(tty_sigttin),
    UT(tty_tostop),
    UT(tty_notty),
    {0},
};
