/* The user-space test suite's harness (utest.h): KTAP on stdout, one forked
 * child per case, a watchdog per case, and the helpers every test file uses.
 *
 *   utest [ROOT [FILTER]]
 *
 * ROOT prefixes the rootfs paths ("" in the guest, build/user/rootfs on the
 * host; also $UTEST_ROOT); FILTER runs only the cases whose name contains it.
 * Exit status 0 when every case passed or was skipped, else 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "utest.h"

#ifndef UT_TIMEOUT_MS
#define UT_TIMEOUT_MS 90000 /* the SMP runs: 4 CPUs on a 2-core host */
#endif

int ut_on_nk;
const char *ut_root = "";

static const struct ut_case *groups[] = {
    ut_misc_cases,   ut_fs_cases,   ut_fd_cases,    ut_mm_cases,     ut_proc_cases,  ut_elf_cases,
    ut_sh_cases,     ut_priv_cases, ut_edu_cases,   ut_nk_cases,     ut_files_cases, ut_clock_cases,
    ut_signal_cases, ut_jobs_cases, ut_rtsig_cases, ut_procfs_cases,
};

/* State of the case running in this (child) process. */
static const char *cur_name = "?";
static int cur_failed;
static int result_fd = -1;

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		long r = SC(SYS_write, fd, p, n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return;
		p += r;
		n -= (size_t)r;
	}
}

void ut_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	write_all(1, buf, (size_t)n);
}

void ut_diag(const char *fmt, ...)
{
	char buf[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ut_printf("# %s: %s\n", cur_name, buf);
}

void ut_fail_at(const char *file, int line, const char *fmt, ...)
{
	char buf[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	const char *base = strrchr(file, '/');
	ut_printf("# %s: %s:%d: %s\n", cur_name, base ? base + 1 : file, line, buf);
	cur_failed++;
}

void ut_skip(const char *reason)
{
	if (cur_failed)
		_exit(1);
	if (result_fd >= 0)
		write_all(result_fd, reason, strlen(reason));
	_exit(77);
}

int ut_failures(void)
{
	return cur_failed;
}

void ut_abort(void)
{
	_exit(1);
}

static const char *res_str(long r)
{
	static char buf[64];
	if (r < 0 && r > -4096)
		snprintf(buf, sizeof(buf), "-%s", u_errname((int)-r));
	else
		snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

void ut_check_err(const char *file, int line, const char *expr, long r, int e1, int e2)
{
	if (r == -e1 || (e2 && r == -e2))
		return;
	if (e2)
		ut_fail_at(file, line, "%s returned %s, expected -%s or -%s", expr, res_str(r),
			   u_errname(e1), u_errname(e2));
	else
		ut_fail_at(file, line, "%s returned %s, expected -%s", expr, res_str(r),
			   u_errname(e1));
}

long ut_check_ok(const char *file, int line, const char *expr, long r)
{
	if (r < 0 && r > -4096)
		ut_fail_at(file, line, "%s failed: %s", expr, res_str(r));
	return r;
}

const char *ut_status_str(int status)
{
	static char buf[64];
	if (status == -1)
		snprintf(buf, sizeof(buf), "no status");
	else if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by %s (%d)", u_signame(WTERMSIG(status)),
			 WTERMSIG(status));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}

void ut_check_status(const char *file, int line, int status, int sig, int code)
{
	if (sig) {
		if (status == -1 || !WIFSIGNALED(status) || WTERMSIG(status) != sig)
			ut_fail_at(file, line, "child %s, expected killed by %s",
				   ut_status_str(status), u_signame(sig));
	} else if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != code) {
		ut_fail_at(file, line, "child %s, expected exited %d", ut_status_str(status), code);
	}
}

const char *P(const char *abs)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s%s", ut_root, abs);
	return b;
}

int ut_wait(pid_t pid)
{
	int status;
	long r;
	do
		r = SC(SYS_wait4, pid, &status, 0, 0);
	while (r == -EINTR);
	if (r != pid) {
		ut_fail_at(__FILE__, __LINE__, "wait4(%d) returned %s", (int)pid, res_str(r));
		return -1;
	}
	return status;
}

int ut_child(void (*fn)(long), long arg)
{
	pid_t pid = fork();
	if (pid < 0) {
		ut_fail_at(__FILE__, __LINE__, "fork: %s", u_errname(errno));
		return -1;
	}
	if (pid == 0) {
		if (result_fd >= 0)
			close(result_fd);
		fn(arg);
		_exit(0);
	}
	return ut_wait(pid);
}

char *const *ut_env(void)
{
	static char path[1100];
	static char *env[] = {path, "HOME=/", "TERM=vt100", NULL};
	snprintf(path, sizeof(path), "PATH=%s/bin:%s/sbin", ut_root, ut_root);
	return env;
}

int ut_run(const char *path, char *const argv[], char *const envp[], const char *input, char *out,
	   size_t outsz)
{
	int in[2], o[2];
	if (pipe(in) || pipe(o)) {
		ut_fail_at(__FILE__, __LINE__, "pipe: %s", u_errname(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		ut_fail_at(__FILE__, __LINE__, "fork: %s", u_errname(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(o[1], 2);
		close(in[0]), close(in[1]), close(o[0]), close(o[1]);
		if (result_fd >= 0)
			close(result_fd);
		long r = SC(SYS_execve, path, argv, envp ? envp : ut_env());
		char msg[600];
		int n =
		    snprintf(msg, sizeof(msg), "ut_run: execve %s: %s\n", path, u_errname((int)-r));
		write_all(2, msg, (size_t)n);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	if (input)
		write_all(in[1], input, strlen(input));
	close(in[1]);
	size_t len = 0;
	for (;;) {
		char tmp[512];
		long r = read(o[0], tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (long i = 0; i < r; i++)
			if (len + 1 < outsz)
				out[len++] = tmp[i];
	}
	if (outsz)
		out[len] = 0;
	close(o[0]);
	return ut_wait(pid);
}

long long ut_now_ns(void)
{
	struct timespec ts;
	SC(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void ut_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (SC(SYS_nanosleep, &ts, &ts) == -EINTR)
		;
}

void ut_set_disp(int sig, void (*h)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = flags;
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
}

long ut_write_file(const char *path, const void *data, size_t len)
{
	long fd = SC(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fd;
	long r = SC(SYS_write, fd, data, len);
	SC(SYS_close, fd);
	if (r < 0)
		return r;
	return r == (long)len ? 0 : -EIO;
}

void ut_nk_info(struct nksys_info *info)
{
	long r = nksys(NKSYS_INFO, (long)info, 0, 0);
	if (r < 0) {
		ut_fail_at(__FILE__, __LINE__, "NKSYS_INFO returned %s", res_str(r));
		ut_abort();
	}
}

enum { R_PASS, R_SKIP, R_FAIL };

/* run_case - run one case in a child under a watchdog; print its KTAP line. */
static int run_case(int n, const struct ut_case *c)
{
	if ((c->flags & UT_NKSYS) && !ut_on_nk) {
		ut_printf("ok %d %s # SKIP no nksys\n", n, c->name);
		return R_SKIP;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC)) {
		ut_printf("# %s: pipe2: %s\nnot ok %d %s\n", c->name, u_errname(errno), n, c->name);
		return R_FAIL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		ut_printf("# %s: fork: %s\nnot ok %d %s\n", c->name, u_errname(errno), n, c->name);
		close(p[0]), close(p[1]);
		return R_FAIL;
	}
	if (pid == 0) {
		close(p[0]);
		result_fd = p[1];
		cur_name = c->name;
		cur_failed = 0;
		c->fn();
		_exit(cur_failed ? 1 : 0);
	}
	close(p[1]);
	/* The child holds the write end until it exits (or writes a skip
	 * reason): poll wakes then, or the watchdog fires. Every 100 ms the
	 * child is also checked with WNOHANG, in case the hang-up is missed
	 * (or a grandchild still holds the pipe). */
	char reason[200] = "";
	size_t rlen = 0;
	long long deadline = ut_now_ns() + UT_TIMEOUT_MS * 1000000LL;
	int timed_out = 0, reaped = 0, status = 0;
	struct pollfd pf = {p[0], POLLIN, 0};
	for (;;) {
		long long left_ms = (deadline - ut_now_ns()) / 1000000;
		if (left_ms <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		pf.revents = 0;
		int r = poll(&pf, 1, left_ms < 100 ? (int)left_ms : 100);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break; /* no poll: just wait */
		if (r > 0) {
			long got = read(p[0], reason + rlen, sizeof(reason) - 1 - rlen);
			if (got <= 0)
				break;
			rlen += (size_t)got;
			if (rlen >= sizeof(reason) - 1)
				break;
			continue;
		}
		if (SC(SYS_wait4, pid, &status, WNOHANG, 0) == pid) {
			reaped = 1;
			break;
		}
	}
	pf.revents = 0;
	if (reaped && rlen < sizeof(reason) - 1 && poll(&pf, 1, 0) > 0) {
		long got = read(p[0], reason + rlen, sizeof(reason) - 1 - rlen);
		if (got > 0)
			rlen += (size_t)got;
	}
	reason[rlen] = 0;
	close(p[0]);
	long r = pid;
	while (!reaped && (r = SC(SYS_wait4, pid, &status, 0, 0)) == -EINTR)
		;
	if (r != pid) {
		ut_printf("# %s: wait4: %s\nnot ok %d %s\n", c->name, res_str(r), n, c->name);
		return R_FAIL;
	}
	if (timed_out) {
		ut_printf("# %s: timed out after %d s\nnot ok %d %s\n", c->name,
			  UT_TIMEOUT_MS / 1000, n, c->name);
		return R_FAIL;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ut_printf("ok %d %s\n", n, c->name);
		return R_PASS;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		ut_printf("ok %d %s # SKIP %s\n", n, c->name, reason);
		return R_SKIP;
	}
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 1))
		ut_printf("# %s: case %s\n", c->name, ut_status_str(status));
	ut_printf("not ok %d %s\n", n, c->name);
	return R_FAIL;
}

static int selected(const struct ut_case *c, const char *filter)
{
	return !filter || strstr(c->name, filter);
}

int main(int argc, char **argv)
{
	static char rootbuf[1024];
	const char *root = argc > 1 ? argv[1] : getenv("UTEST_ROOT");
	const char *filter = argc > 2 ? argv[2] : NULL;
	if (root && *root && *root != '/') {
		char cwd[512];
		if (!getcwd(cwd, sizeof(cwd)))
			cwd[0] = 0;
		snprintf(rootbuf, sizeof(rootbuf), "%s/%s", cwd, root);
		root = rootbuf;
	}
	if (root && strcmp(root, "/") != 0)
		ut_root = root;
	ut_on_nk = nksys_present();

	int total = 0;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const struct ut_case *c = groups[g]; c->name; c++)
			total += selected(c, filter);
	ut_printf("KTAP version 1\n1..%d\n", total);
	ut_printf("# utest: root '%s', nested kernel syscall %s, pid %d\n", ut_root,
		  ut_on_nk ? "present" : "absent (host run: nk cases skip)", (int)getpid());

	int n = 0, passed = 0, failed = 0, skipped = 0;
	long long t0 = ut_now_ns();
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const struct ut_case *c = groups[g]; c->name; c++) {
			if (!selected(c, filter))
				continue;
			int r = run_case(++n, c);
			passed += r != R_FAIL;
			failed += r == R_FAIL;
			skipped += r == R_SKIP;
		}
	ut_printf("# utest: %d skipped, %lld ms\n", skipped, (ut_now_ns() - t0) / 1000000);
	ut_printf("# utest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
