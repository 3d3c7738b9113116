/* Cases for descriptors: pipe, pipe2, dup, dup2, dup3, close-on-exec, poll,
 * ppoll, ioctl (TCGETS, TIOCGWINSZ) and the console device. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "utest.h"

static void t_pipe(void)
{
	int p[2] = {-1, -1};
	char buf[16];
	REQUIRE(CHECK_OK(SC(SYS_pipe, p)) == 0);
	CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1]);
	CHECK_EQ(SC(SYS_write, p[1], "hello", 5), 5);
	CHECK_EQ(SC(SYS_read, p[0], buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "hello", 5));
	CHECK_ERR(SC(SYS_read, p[1], buf, 1), EBADF); /* wrong end */
	CHECK_ERR(SC(SYS_write, p[0], "x", 1), EBADF);
	CHECK_EQ(SC(SYS_write, p[1], "ab", 2), 2);
	CHECK_EQ(SC(SYS_close, p[1]), 0);
	CHECK_EQ(SC(SYS_read, p[0], buf, sizeof(buf)), 2); /* data before EOF */
	CHECK_EQ(SC(SYS_read, p[0], buf, sizeof(buf)), 0); /* then EOF */
	CHECK_ERR(SC(SYS_pipe, 0), EFAULT);
	CHECK_ERR(SC(SYS_pipe, UT_KERN_IMAGE), EFAULT);
	CHECK_ERR(SC(SYS_pipe2, p, 0x12340000 & ~O_CLOEXEC), EINVAL);
	CHECK_ERR(SC(SYS_pipe2, p, O_RDWR), EINVAL);
	CHECK_ERR(SC(SYS_pipe2, 0, 0), EFAULT);
	/* O_NONBLOCK: an empty pipe says EAGAIN; a full one too */
	REQUIRE(CHECK_OK(SC(SYS_pipe2, p, O_NONBLOCK)) == 0);
	CHECK_ERR(SC(SYS_read, p[0], buf, 1), EAGAIN);
	static char chunk[4096];
	long total = 0, r = 0;
	while (total < (4L << 20) && (r = SC(SYS_write, p[1], chunk, sizeof(chunk))) > 0)
		total += r;
	CHECK_ERR(r, EAGAIN);
	CHECKF(total >= 4096, "pipe took %ld bytes before EAGAIN", total);
	long back = 0;
	while ((r = SC(SYS_read, p[0], chunk, sizeof(chunk))) > 0)
		back += r;
	CHECK_EQ(back, total);
	CHECK_ERR(r, EAGAIN);
}

/* 200000 bytes through a pipe in odd-sized pieces: both sides block and
 * wake each other many times; the bytes arrive in order. */
static void t_pipe_stream(void)
{
	enum { TOTAL = 200000 };
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		static unsigned char out[3001];
		SC(SYS_close, p[0]);
		for (long off = 0; off < TOTAL;) {
			long n = TOTAL - off < 3001 ? TOTAL - off : 3001;
			for (long i = 0; i < n; i++)
				out[i] = ut_pattern((unsigned long)(off + i));
			for (long done = 0; done < n;) {
				long w = SC(SYS_write, p[1], out + done, n - done);
				if (w <= 0)
					_exit(2);
				done += w;
			}
			off += n;
		}
		_exit(0);
	}
	SC(SYS_close, p[1]);
	static unsigned char in[1777];
	long got = 0, bad = -1, r;
	while ((r = SC(SYS_read, p[0], in, sizeof(in))) > 0) {
		for (long i = 0; i < r; i++)
			if (bad < 0 && in[i] != ut_pattern((unsigned long)(got + i)))
				bad = got + i;
		got += r;
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(got, TOTAL);
	CHECKF(bad < 0, "first wrong byte at %ld", bad);
	CHECK_EXIT(ut_wait(pid), 0);
}

/* Writing to a pipe nobody can read: SIGPIPE kills the writer (Linux) or the
 * write fails with EPIPE. */
static void write_to_closed_pipe(long unused)
{
	(void)unused;
	int p[2];
	if (SC(SYS_pipe, p))
		_exit(3);
	SC(SYS_close, p[0]);
	long r = SC(SYS_write, p[1], "x", 1);
	_exit(r == -EPIPE ? 32 : 4);
}

static void t_pipe_broken(void)
{
	int st = ut_child(write_to_closed_pipe, 0);
	CHECKF((WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE) ||
		   (WIFEXITED(st) && WEXITSTATUS(st) == 32),
	       "writer %s, expected killed by SIGPIPE or EPIPE (exit 32)", ut_status_str(st));
}

static int run_argecho_fd(const char *mode, int fd)
{
	char num[16], out[256];
	snprintf(num, sizeof(num), "%d", fd);
	char *argv[] = {"argecho", (char *)mode, num, NULL};
	return ut_run(P("/tests/argecho"), argv, NULL, NULL, out, sizeof(out));
}

static void t_cloexec(void)
{
	int c[2], o[2];
	REQUIRE(CHECK_OK(SC(SYS_pipe2, c, O_CLOEXEC)) == 0);
	REQUIRE(CHECK_OK(SC(SYS_pipe, o)) == 0);
	CHECK_EXIT(run_argecho_fd("--fd-closed", c[0]), 0);
	CHECK_EXIT(run_argecho_fd("--fd-closed", c[1]), 0);
	CHECK_EXIT(run_argecho_fd("--fd-open", o[0]), 0);
	CHECK_EXIT(run_argecho_fd("--fd-closed", o[0]), 1); /* the helper can fail */
	long f = CHECK_OK(SC(SYS_open, "/dev/null", O_RDONLY | O_CLOEXEC));
	CHECK_EXIT(run_argecho_fd("--fd-closed", (int)f), 0);
	long d = CHECK_OK(SC(SYS_dup3, o[0], 40, O_CLOEXEC));
	CHECK_EXIT(run_argecho_fd("--fd-closed", (int)d), 0);
	long e = CHECK_OK(SC(SYS_dup, c[0])); /* dup clears close-on-exec */
	CHECK_EXIT(run_argecho_fd("--fd-open", (int)e), 0);
}

static void t_dup(void)
{
	unsigned char a[10], b[10];
	long fd = CHECK_OK(SC(SYS_open, P("/tests/pattern.bin"), O_RDONLY));
	REQUIRE(fd >= 0);
	long d = CHECK_OK(SC(SYS_dup, fd));
	CHECK(d >= 0 && d != fd);
	/* one open file, one offset */
	CHECK_EQ(SC(SYS_read, fd, a, 10), 10);
	CHECK_EQ(SC(SYS_read, d, b, 10), 10);
	CHECK(a[0] == ut_pattern(0) && b[0] == ut_pattern(10));
	CHECK_EQ(SC(SYS_lseek, d, 0, SEEK_CUR), 20);
	/* dup takes the lowest free number */
	SC(SYS_close, d);
	CHECK_EQ(SC(SYS_dup, fd), d);
	CHECK_ERR(SC(SYS_dup, -1), EBADF);
	CHECK_ERR(SC(SYS_dup, 3333), EBADF);
	/* closing the original leaves the copy working */
	long d2 = CHECK_OK(SC(SYS_dup, fd));
	SC(SYS_close, fd);
	CHECK_EQ(SC(SYS_read, d2, a, 1), 1);
}

static void t_dup2_dup3(void)
{
	int p[2];
	char buf[8];
	REQUIRE(SC(SYS_pipe, p) == 0);
	long n = CHECK_OK(SC(SYS_open, "/dev/null", O_WRONLY));
	CHECK_EQ(SC(SYS_dup2, p[1], 50), 50);
	CHECK_EQ(SC(SYS_write, 50, "via50", 5), 5);
	CHECK_EQ(SC(SYS_read, p[0], buf, sizeof(buf)), 5);
	/* dup2 onto an open descriptor closes it first */
	CHECK_EQ(SC(SYS_dup2, p[1], n), n);
	CHECK_EQ(SC(SYS_write, n, "vn", 2), 2);
	CHECK_EQ(SC(SYS_read, p[0], buf, sizeof(buf)), 2);
	CHECK_EQ(SC(SYS_dup2, p[0], p[0]), p[0]);
	CHECK_ERR(SC(SYS_dup2, 2222, 51), EBADF);
	CHECK_ERR(SC(SYS_dup2, 2222, 2222), EBADF);
	CHECK_ERR(SC(SYS_dup2, p[0], -1), EBADF);
	CHECK_ERR(SC(SYS_dup2, p[0], 1 << 20), EBADF);
	CHECK_EQ(SC(SYS_dup3, p[1], 52, 0), 52);
	CHECK_EQ(SC(SYS_dup3, p[1], 53, O_CLOEXEC), 53);
	CHECK_ERR(SC(SYS_dup3, p[1], p[1], 0), EINVAL);
	CHECK_ERR(SC(SYS_dup3, p[1], 54, 0x1234), EINVAL);
	CHECK_ERR(SC(SYS_dup3, 2222, 54, 0), EBADF);
	CHECK_ERR(SC(SYS_dup3, p[1], -5, 0), EBADF);
	/* the copies keep the pipe's write side open */
	SC(SYS_close, p[1]);
	SC(SYS_close, n);
	SC(SYS_close, 50);
	SC(SYS_close, 52);
	CHECK_EQ(SC(SYS_write, 53, "k", 1), 1);
	CHECK_EQ(SC(SYS_read, p[0], buf, sizeof(buf)), 1);
	SC(SYS_close, 53);
	CHECK_EQ(SC(SYS_read, p[0], buf, sizeof(buf)), 0);
}

/* dup2 redirection as a shell does it: a child's stdout into a pipe, then
 * exec; the parent reads what the program printed. */
static void t_dup2_redirect(void)
{
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (SC(SYS_dup2, p[1], 1) != 1)
			_exit(3);
		SC(SYS_close, p[0]);
		SC(SYS_close, p[1]);
		SC(SYS_write, 1, "raw;", 4);
		char *argv[] = {"echo", "redirected", NULL};
		SC(SYS_execve, P("/bin/echo"), argv, ut_env());
		_exit(4);
	}
	SC(SYS_close, p[1]);
	char buf[64];
	long len = 0, r;
	while ((r = SC(SYS_read, p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += r;
	buf[len] = 0;
	CHECKF(!strcmp(buf, "raw;redirected\n"), "read '%s'", buf);
	CHECK_EXIT(ut_wait(pid), 0);
}

static void t_poll(void)
{
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	struct pollfd f[3] = {{p[0], POLLIN, -1}, {p[1], POLLOUT, -1}, {-1, POLLIN, -1}};
	CHECK_EQ(SC(SYS_poll, f, 1, 0), 0);
	CHECK_EQ(f[0].revents, 0);
	CHECK_EQ(SC(SYS_poll, f, 3, 0), 1);
	CHECK_EQ(f[0].revents, 0);
	CHECK(f[1].revents & POLLOUT);
	CHECK_EQ(f[2].revents, 0); /* negative fds are ignored */
	CHECK_EQ(SC(SYS_write, p[1], "x", 1), 1);
	CHECK_EQ(SC(SYS_poll, f, 2, 0), 2);
	CHECK(f[0].revents & POLLIN);
	/* the writer gone: readable (EOF), POLLHUP set */
	SC(SYS_close, p[1]);
	char c;
	SC(SYS_read, p[0], &c, 1);
	CHECK_EQ(SC(SYS_poll, f, 1, 0), 1);
	CHECK(f[0].revents & POLLHUP);
	/* a bad descriptor is reported, not an error */
	struct pollfd bad = {7777, POLLIN, 0};
	CHECK_EQ(SC(SYS_poll, &bad, 1, 0), 1);
	CHECK_EQ(bad.revents, POLLNVAL);
	CHECK_ERR(SC(SYS_poll, 0, 1, 0), EFAULT);
	CHECK_ERR(SC(SYS_poll, UT_KERN_IMAGE, 1, 0), EFAULT);
	CHECK_EQ(SC(SYS_poll, 0, 0, 0), 0);
	/* stdout (the console in the guest) can be written */
	struct pollfd out = {1, POLLOUT, 0};
	CHECK_EQ(SC(SYS_poll, &out, 1, 0), 1);
	CHECK(out.revents & POLLOUT);
}

static void t_poll_timeout(void)
{
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	struct pollfd f = {p[0], POLLIN, 0};
	long long t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_poll, &f, 1, 40), 0);
	long long ms = (ut_now_ns() - t0) / 1000000;
	CHECKF(ms >= 39 && ms < 3000, "40 ms poll took %lld ms", ms);
	/* a blocking poll is woken by a write from another process */
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		ut_sleep_ms(30);
		SC(SYS_write, p[1], "w", 1);
		_exit(0);
	}
	t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_poll, &f, 1, -1), 1);
	CHECK(f.revents & POLLIN);
	ms = (ut_now_ns() - t0) / 1000000;
	CHECKF(ms < 3000, "woken after %lld ms", ms);
	CHECK_EXIT(ut_wait(pid), 0);
}

static void t_ppoll(void)
{
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	struct pollfd f = {p[0], POLLIN, 0};
	struct timespec ts = {0, 30 * 1000000L};
	long long t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_ppoll, &f, 1, &ts, 0, 8), 0);
	long long ms = (ut_now_ns() - t0) / 1000000;
	CHECKF(ms >= 29 && ms < 3000, "30 ms ppoll took %lld ms", ms);
	struct timespec zero = {0, 0};
	CHECK_EQ(SC(SYS_ppoll, &f, 1, &zero, 0, 8), 0);
	SC(SYS_write, p[1], "y", 1);
	CHECK_EQ(SC(SYS_ppoll, &f, 1, 0, 0, 8), 1); /* no timeout: data is there */
	CHECK(f.revents & POLLIN);
	struct timespec bad = {0, 2000000000L};
	CHECK_ERR(SC(SYS_ppoll, &f, 1, &bad, 0, 8), EINVAL);
	CHECK_ERR(SC(SYS_ppoll, &f, 1, UT_BAD_PTR, 0, 8), EFAULT);
	CHECK_ERR(SC(SYS_ppoll, 0, 1, &zero, 0, 8), EFAULT);
}

static void t_ioctl(void)
{
	struct termios t;
	struct winsize ws;
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	long n = CHECK_OK(SC(SYS_open, "/dev/null", O_RDWR));
	long f = CHECK_OK(SC(SYS_open, P("/etc/motd"), O_RDONLY));
	CHECK_ERR(SC(SYS_ioctl, n, TCGETS, &t), ENOTTY);
	CHECK_ERR(SC(SYS_ioctl, n, TIOCGWINSZ, &ws), ENOTTY);
	CHECK_ERR(SC(SYS_ioctl, p[0], TCGETS, &t), ENOTTY);
	CHECK_ERR(SC(SYS_ioctl, f, TCGETS, &t), ENOTTY);
	CHECK_ERR(SC(SYS_ioctl, -1, TCGETS, &t), EBADF);
	CHECK_ERR(SC(SYS_ioctl, 6666, TIOCGWINSZ, &ws), EBADF);
}

/* The console (guest only: the host's console is not ours to poke). */
static void t_console(void)
{
	struct termios t;
	struct winsize ws;
	struct stat st;
	long c = CHECK_OK(SC(SYS_open, "/dev/console", O_RDWR));
	REQUIRE(c >= 0);
	CHECK_EQ(SC(SYS_fstat, c, &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	memset(&t, 0, sizeof(t));
	CHECK_EQ(SC(SYS_ioctl, c, TCGETS, &t), 0);
	CHECKF(t.c_lflag & ICANON, "console c_lflag %#x: ICANON not set", t.c_lflag);
	CHECK_EQ(SC(SYS_ioctl, c, TIOCGWINSZ, &ws), 0);
	CHECK_ERR(SC(SYS_ioctl, c, TCGETS, 0), EFAULT);
	CHECK_ERR(SC(SYS_ioctl, c, TCGETS, UT_KERN_IMAGE), EFAULT);
	CHECK_ERR2(SC(SYS_ioctl, c, 0x5401ff, &t), ENOTTY, EINVAL);
	for (int fd = 0; fd < 3; fd++)
		CHECKF(SC(SYS_ioctl, fd, TCGETS, &t) == 0, "fd %d is not the console", fd);
	CHECK_ERR(SC(SYS_lseek, c, 0, SEEK_SET), ESPIPE);
	struct pollfd pf = {(int)c, POLLOUT | POLLIN, 0};
	CHECK_EQ(SC(SYS_poll, &pf, 1, 0), 1);
	CHECK(pf.revents & POLLOUT);
	CHECK(!(pf.revents & POLLIN)); /* nobody typed anything */
	CHECK_EQ(SC(SYS_write, c, "# console: write ok\n", 20), 20);
}

const struct ut_case ut_fd_cases[] = {
    UT(pipe),
    UT(pipe_stream),
    UT(pipe_broken),
    UT(cloexec),
    UT(dup),
    UT(dup2_dup3),
    UT(dup2_redirect),
    UT(poll),
    UT(poll_timeout),
    UT(ppoll),
    UT(ioctl),
    UT_NK(console),
    {0},
};
