/* Cases for the file and memory calls of issue 15 item 3: pread64,
 * pwrite64, preadv, pwritev; truncate, ftruncate, fsync, fdatasync; fcntl
 * record locks; select and pselect6; mremap; statx and utimensat;
 * symlink, symlinkat, readlinkat and symlink loops; the chmod and chown
 * families and umask; the tty's VMIN/VTIME and poll with a timeout. Each
 * case checks the success path and the errors Linux gives, so a host run
 * (make user-host-test) checks the expectations themselves. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "utest.h"

#define UT_USER 1000

/* struct statx (include/uapi/linux/stat.h): musl's headers may lack it. */
struct ut_statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};
struct ut_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct ut_statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
#define UT_STATX_SIZE 0x200u
#define UT_STATX_BASIC_STATS 0x7ffu

/* KEEP(buf, abs): P(abs) copied into the array buf (P's buffers rotate). */
#define KEEP(buf, abs) (snprintf((buf), sizeof(buf), "%s", P(abs)), (const char *)(buf))

/* A fresh file path with len bytes of the pattern "0123456789..." */
static long mkfile(const char *path, size_t len)
{
	static char buf[8192];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('0' + i % 10);
	return ut_write_file(path, buf, len < sizeof(buf) ? len : sizeof(buf));
}

static void t_pread_pwrite(void)
{
	char path_buf[256];
	const char *path = KEEP(path_buf, "/tmp/ut_pread");
	REQUIRE(mkfile(path, 100) == 0);
	long fd = CHECK_OK(SC(SYS_open, path, O_RDWR));
	REQUIRE(fd >= 0);
	char buf[32];
	CHECK_EQ(SC(SYS_lseek, fd, 7, SEEK_SET), 7);
	CHECK_EQ(SC(SYS_pread64, fd, buf, 5, 40), 5);
	CHECK(!memcmp(buf, "01234", 5));
	CHECK_EQ(SC(SYS_pread64, fd, buf, 10, 95), 5); /* short at the end */
	CHECK_EQ(SC(SYS_pread64, fd, buf, 10, 100), 0);
	CHECK_EQ(SC(SYS_pread64, fd, buf, 10, 1 << 20), 0);
	CHECK_EQ(SC(SYS_pwrite64, fd, "abc", 3, 50), 3);
	CHECK_EQ(SC(SYS_pwrite64, fd, "Z", 1, 200), 1); /* grows, a hole of zeros */
	CHECK_EQ(SC(SYS_lseek, fd, 0, SEEK_CUR), 7);	/* the offset did not move */
	CHECK_EQ(SC(SYS_pread64, fd, buf, 3, 50), 3);
	CHECK(!memcmp(buf, "abc", 3));
	CHECK_EQ(SC(SYS_pread64, fd, buf, 4, 150), 4);
	CHECK(!memcmp(buf, "\0\0\0\0", 4));
	struct stat st;
	CHECK_EQ(SC(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 201);
	/* preadv/pwritev: two segments, at an offset */
	char a[3], b[4];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	CHECK_EQ(SC(SYS_preadv, fd, iov, 2, 10, 0), 7);
	CHECK(!memcmp(a, "012", 3) && !memcmp(b, "3456", 4));
	struct iovec w[2] = {{"xy", 2}, {"zw", 2}};
	CHECK_EQ(SC(SYS_pwritev, fd, w, 2, 20, 0), 4);
	CHECK_EQ(SC(SYS_pread64, fd, buf, 4, 20), 4);
	CHECK(!memcmp(buf, "xyzw", 4));
	CHECK_EQ(SC(SYS_lseek, fd, 0, SEEK_CUR), 7);
	/* errors */
	CHECK_ERR(SC(SYS_pread64, fd, buf, 1, -1), EINVAL);
	CHECK_ERR(SC(SYS_pwrite64, fd, buf, 1, -5), EINVAL);
	CHECK_ERR(SC(SYS_preadv, fd, iov, 2, -1, -1), EINVAL);
	CHECK_ERR(SC(SYS_pread64, 99, buf, 1, 0), EBADF);
	CHECK_ERR(SC(SYS_pwritev, 99, w, 2, 0, 0), EBADF);
	CHECK_ERR(SC(SYS_pread64, fd, UT_BAD_PTR, 4, 0), EFAULT);
	CHECK_ERR(SC(SYS_pwrite64, fd, UT_KERN_IMAGE, 4, 0), EFAULT);
	CHECK_ERR(SC(SYS_preadv, fd, iov, 100000, 0, 0), EINVAL);
	long ro = CHECK_OK(SC(SYS_open, path, O_RDONLY));
	CHECK_ERR(SC(SYS_pwrite64, ro, "x", 1, 0), EBADF);
	SC(SYS_close, ro);
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	CHECK_ERR(SC(SYS_pread64, p[0], buf, 1, 0), ESPIPE);
	CHECK_ERR(SC(SYS_pwrite64, p[1], "x", 1, 0), ESPIPE);
	CHECK_ERR(SC(SYS_preadv, p[0], iov, 1, 0, 0), ESPIPE);
	SC(SYS_close, p[0]);
	SC(SYS_close, p[1]);
	if (ut_on_nk) /* the suite's stdout is the console here */
		CHECK_ERR(SC(SYS_pread64, 1, buf, 1, 0), ESPIPE);
	long d = CHECK_OK(SC(SYS_open, P("/tmp"), O_RDONLY | O_DIRECTORY));
	CHECK_ERR(SC(SYS_pread64, d, buf, 1, 0), EISDIR);
	SC(SYS_close, d);
	SC(SYS_close, fd);
	SC(SYS_unlink, path);
}

static void t_truncate_fsync(void)
{
	char path_buf[256];
	const char *path = KEEP(path_buf, "/tmp/ut_trunc");
	REQUIRE(mkfile(path, 6000) == 0);
	long fd = CHECK_OK(SC(SYS_open, path, O_RDWR));
	REQUIRE(fd >= 0);
	struct stat st;
	char buf[16];
	CHECK_EQ(SC(SYS_ftruncate, fd, 10), 0);
	CHECK_EQ(SC(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 10);
	CHECKF(st.st_blocks <= 8, "st_blocks %ld after shrinking to 10 bytes", (long)st.st_blocks);
	CHECK_EQ(SC(SYS_ftruncate, fd, 9000), 0); /* grows with zeros */
	CHECK_EQ(SC(SYS_pread64, fd, buf, 4, 8), 4);
	CHECK(!memcmp(buf, "89\0\0", 4));
	CHECK_EQ(SC(SYS_pread64, fd, buf, 4, 8990), 4);
	CHECK(!memcmp(buf, "\0\0\0\0", 4));
	CHECK_EQ(SC(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 9000);
	CHECK_EQ(SC(SYS_truncate, path, 3), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK_EQ(st.st_size, 3);
	CHECK_EQ(SC(SYS_fsync, fd), 0);
	CHECK_EQ(SC(SYS_fdatasync, fd), 0);
	/* errors */
	CHECK_ERR(SC(SYS_ftruncate, fd, -1), EINVAL);
	CHECK_ERR(SC(SYS_ftruncate, 99, 0), EBADF);
	CHECK_ERR(SC(SYS_truncate, path, -1), EINVAL);
	CHECK_ERR(SC(SYS_truncate, P("/tmp/ut_nosuch"), 0), ENOENT);
	CHECK_ERR(SC(SYS_truncate, P("/tmp"), 0), EISDIR);
	CHECK_ERR(SC(SYS_truncate, UT_BAD_PTR, 0), EFAULT);
	long ro = CHECK_OK(SC(SYS_open, path, O_RDONLY));
	CHECK_ERR2(SC(SYS_ftruncate, ro, 0), EINVAL, EBADF);
	SC(SYS_close, ro);
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	CHECK_ERR(SC(SYS_ftruncate, p[1], 0), EINVAL);
	CHECK_ERR(SC(SYS_fsync, p[0]), EINVAL);
	CHECK_ERR(SC(SYS_fdatasync, p[1]), EINVAL);
	SC(SYS_close, p[0]);
	SC(SYS_close, p[1]);
	CHECK_ERR(SC(SYS_fsync, 99), EBADF);
	CHECK_ERR(SC(SYS_fdatasync, -1), EBADF);
	SC(SYS_close, fd);
	SC(SYS_unlink, path);
}

/* ---- record locks ---- */

static long lk(long fd, int cmd, int type, long start, long len)
{
	struct flock fl = {
	    .l_type = (short)type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return SC(SYS_fcntl, fd, cmd, &fl);
}

/* The child's side: with the parent holding a write lock on [0, 10) and a
 * read lock on [20, 30), check what another process sees. */
static void lock_child(long fd, int ready)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
	CHECK_EQ(SC(SYS_fcntl, fd, F_GETLK, &fl), 0);
	CHECK_EQ(fl.l_type, F_WRLCK);
	CHECK_EQ(fl.l_start, 0);
	CHECK_EQ(fl.l_len, 10);
	CHECK_EQ(fl.l_pid, SC(SYS_getppid));
	CHECK_ERR2(lk(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN, EACCES);
	CHECK_ERR2(lk(fd, F_SETLK, F_RDLCK, 9, 5), EAGAIN, EACCES);
	CHECK_EQ(lk(fd, F_SETLK, F_RDLCK, 20, 5), 0); /* read locks share */
	CHECK_ERR2(lk(fd, F_SETLK, F_WRLCK, 25, 1), EAGAIN, EACCES);
	CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 10, 10), 0); /* the gap is free */
	fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 10};
	CHECK_EQ(SC(SYS_fcntl, fd, F_GETLK, &fl), 0);
	CHECK_EQ(fl.l_type, F_UNLCK); /* our own locks never conflict */
	/* F_SETLKW waits until the parent unlocks [0, 10) (it does 100 ms
	 * after the byte below: on several CPUs the child may start late) */
	SC(SYS_write, ready, "r", 1);
	long long t0 = ut_now_ns();
	CHECK_EQ(lk(fd, F_SETLKW, F_WRLCK, 0, 10), 0);
	CHECKF(ut_now_ns() - t0 >= 50000000LL, "F_SETLKW returned after %lld ns", ut_now_ns() - t0);
}

static void t_fcntl_locks(void)
{
	char path_buf[256];
	const char *path = KEEP(path_buf, "/tmp/ut_locks");
	REQUIRE(mkfile(path, 100) == 0);
	long fd = CHECK_OK(SC(SYS_open, path, O_RDWR));
	REQUIRE(fd >= 0);
	CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_EQ(lk(fd, F_SETLK, F_RDLCK, 20, 10), 0);
	CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 0, 10), 0); /* again: ours, no conflict */
	int wfd[2];
	REQUIRE(SC(SYS_pipe, wfd) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		SC(SYS_close, wfd[0]);
		lock_child(fd, wfd[1]);
		_exit(ut_failures() ? 1 : 0);
	}
	SC(SYS_close, wfd[1]);
	char ready;
	CHECK_EQ(SC(SYS_read, wfd[0], &ready, 1), 1); /* the child is about to wait */
	ut_sleep_ms(100);
	CHECK_EQ(lk(fd, F_SETLK, F_UNLCK, 0, 10), 0);
	CHECK_EXIT(ut_wait(pid), 0);
	SC(SYS_close, wfd[0]);
	/* the child's locks went with its exit: all free again */
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	CHECK_EQ(SC(SYS_fcntl, fd, F_GETLK, &fl), 0);
	CHECK_EQ(fl.l_type, F_UNLCK);
	/* closing any descriptor of the file drops the process's locks */
	CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 0, 0), 0);
	long fd2 = CHECK_OK(SC(SYS_open, path, O_RDONLY));
	SC(SYS_close, fd2);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 50, 1), 0);
		_exit(ut_failures() ? 1 : 0);
	}
	CHECK_EXIT(ut_wait(pid), 0);
	/* a cycle of F_SETLKW waiters: the one that would close it gets EDEADLK */
	CHECK_EQ(lk(fd, F_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 0, 1), 0);
	REQUIRE(SC(SYS_pipe, wfd) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		SC(SYS_close, wfd[0]);
		CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 1, 1), 0);
		SC(SYS_write, wfd[1], "r", 1);
		CHECK_EQ(lk(fd, F_SETLKW, F_WRLCK, 0, 1), 0); /* waits for the parent */
		_exit(ut_failures() ? 1 : 0);
	}
	SC(SYS_close, wfd[1]);
	CHECK_EQ(SC(SYS_read, wfd[0], &ready, 1), 1); /* the child holds byte 1 */
	SC(SYS_close, wfd[0]);
	ut_sleep_ms(100); /* and waits for byte 0 */
	CHECK_ERR(lk(fd, F_SETLKW, F_WRLCK, 1, 1), EDEADLK);
	CHECK_EQ(lk(fd, F_SETLK, F_UNLCK, 0, 1), 0); /* lets the child through */
	CHECK_EXIT(ut_wait(pid), 0);
	/* errors */
	CHECK_ERR(lk(fd, F_SETLK, 7, 0, 1), EINVAL);
	CHECK_ERR(lk(fd, F_GETLK, F_UNLCK, 0, 1), EINVAL);
	CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, -5, 1), EINVAL);
	struct flock bad = {.l_type = F_RDLCK, .l_whence = 9};
	CHECK_ERR(SC(SYS_fcntl, fd, F_SETLK, &bad), EINVAL);
	CHECK_ERR(SC(SYS_fcntl, fd, F_SETLK, UT_BAD_PTR), EFAULT);
	CHECK_ERR(SC(SYS_fcntl, fd, F_GETLK, UT_KERN_IMAGE), EFAULT);
	CHECK_ERR(lk(99, F_SETLK, F_RDLCK, 0, 1), EBADF);
	long ro = CHECK_OK(SC(SYS_open, path, O_RDONLY));
	CHECK_ERR(lk(ro, F_SETLK, F_WRLCK, 0, 1), EBADF); /* a write lock needs write access */
	CHECK_EQ(lk(ro, F_SETLK, F_RDLCK, 0, 1), 0);
	SC(SYS_close, ro);
	long wo = CHECK_OK(SC(SYS_open, path, O_WRONLY));
	CHECK_ERR(lk(wo, F_SETLK, F_RDLCK, 0, 1), EBADF);
	SC(SYS_close, wo);
	SC(SYS_close, fd);
	SC(SYS_unlink, path);
}

/* ---- select, pselect6 ---- */

static void t_select(void)
{
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = {0, 0};
	CHECK_EQ(SC(SYS_select, p[1] + 1, &r, &w, 0, &tv), 1); /* only writable */
	CHECK(!FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	CHECK_EQ(SC(SYS_write, p[1], "x", 1), 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	CHECK_EQ(SC(SYS_select, p[1] + 1, &r, &w, 0, 0), 2);
	CHECK(FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	/* a timeout on an empty pipe: 0 after about 100 ms, the rest written back */
	char c;
	CHECK_EQ(SC(SYS_read, p[0], &c, 1), 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){0, 100000};
	long long t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_select, p[0] + 1, &r, 0, 0, &tv), 0);
	long long dt = ut_now_ns() - t0;
	CHECKF(dt >= 90000000LL && dt < 2000000000LL, "select slept %lld ns for 100 ms", dt);
	CHECK(!FD_ISSET(p[0], &r));
	CHECK_EQ(tv.tv_sec, 0);
	CHECK_EQ(tv.tv_usec, 0);
	/* pselect6: a timespec and a signal mask argument */
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	struct timespec ts = {1, 0};
	sigset_t mask;
	sigemptyset(&mask);
	struct {
		const void *ss;
		size_t len;
	} sm = {&mask, 8}, smbad = {&mask, 3};
	CHECK_EQ(SC(SYS_pselect6, p[1] + 1, 0, &w, 0, &ts, &sm), 1);
	CHECK(FD_ISSET(p[1], &w));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){0, 50000000};
	CHECK_EQ(SC(SYS_pselect6, p[0] + 1, &r, 0, 0, &ts, 0), 0);
	/* hang-up counts as readable */
	SC(SYS_close, p[1]);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_EQ(SC(SYS_select, p[0] + 1, &r, 0, 0, 0), 1);
	CHECK(FD_ISSET(p[0], &r));
	/* errors */
	CHECK_ERR(SC(SYS_select, -1, 0, 0, 0, 0), EINVAL);
	tv = (struct timeval){0, -1};
	CHECK_ERR(SC(SYS_select, 1, 0, 0, 0, &tv), EINVAL);
	tv = (struct timeval){-1, 0};
	CHECK_ERR(SC(SYS_select, 1, 0, 0, 0, &tv), EINVAL);
	ts = (struct timespec){0, 1000000000};
	CHECK_ERR(SC(SYS_pselect6, 1, 0, 0, 0, &ts, 0), EINVAL);
	ts = (struct timespec){0, 0};
	CHECK_ERR(SC(SYS_pselect6, 1, 0, 0, 0, &ts, &smbad), EINVAL);
	FD_ZERO(&r);
	FD_SET(p[1], &r); /* closed now */
	CHECK_ERR(SC(SYS_select, p[1] + 1, &r, 0, 0, 0), EBADF);
	CHECK_ERR(SC(SYS_select, 4, UT_BAD_PTR, 0, 0, 0), EFAULT);
	CHECK_ERR(SC(SYS_select, 1, 0, 0, 0, UT_BAD_PTR), EFAULT);
	CHECK_ERR(SC(SYS_pselect6, 1, 0, 0, 0, UT_KERN_IMAGE, 0), EFAULT);
	SC(SYS_close, p[0]);
}

/* ---- mremap ---- */

static void t_mremap(void)
{
	const long pg = 4096;
	char *m = (char *)SC(SYS_mmap, 0, 4 * pg, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE((long)m > 0);
	for (int i = 0; i < 4; i++)
		m[i * pg] = (char)('a' + i);
	/* shrink in place */
	CHECK_EQ(SC(SYS_mremap, m, 4 * pg, 2 * pg, 0, 0), (long)m);
	CHECK_EQ(m[pg], 'b');
	/* grow: in place if the room is free, else moved; the bytes follow */
	SC(SYS_munmap, m + 2 * pg, 8 * pg);
	char *g = (char *)SC(SYS_mremap, m, 2 * pg, 6 * pg, MREMAP_MAYMOVE, 0);
	REQUIRE((long)g > 0);
	CHECK(g[0] == 'a' && g[pg] == 'b' && g[5 * pg] == 0);
	g[5 * pg] = 'z';
	/* force a move: a mapping right after blocks growth in place */
	char *block = (char *)SC(SYS_mmap, g + 6 * pg, pg, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK_EQ((long)block, (long)(g + 6 * pg));
	CHECK_ERR(SC(SYS_mremap, g, 6 * pg, 8 * pg, 0, 0), ENOMEM);
	char *n = (char *)SC(SYS_mremap, g, 6 * pg, 64 * pg, MREMAP_MAYMOVE, 0);
	REQUIRE((long)n > 0);
	CHECK(n != g);
	CHECK(n[0] == 'a' && n[pg] == 'b' && n[5 * pg] == 'z' && n[63 * pg] == 0);
	n[63 * pg] = 'y';
	/* the old place is gone */
	CHECK_ERR(SC(SYS_mprotect, g, pg, PROT_READ), ENOMEM);
	/* a moved page after fork stays copy-on-write */
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		n[0] = 'C';
		_exit(n[0] == 'C' && n[pg] == 'b' ? 0 : 1);
	}
	CHECK_EXIT(ut_wait(pid), 0);
	CHECK_EQ(n[0], 'a');
	/* MREMAP_FIXED to a chosen place */
	char *target =
	    (char *)SC(SYS_mmap, 0, 64 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE((long)target > 0);
	char *f =
	    (char *)SC(SYS_mremap, n, 64 * pg, 64 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	CHECK_EQ((long)f, (long)target);
	CHECK(f[0] == 'a' && f[63 * pg] == 'y');
	f[1] = 'w'; /* writable as the original was */
	/* errors */
	CHECK_ERR(SC(SYS_mremap, f + 1, pg, pg, 0, 0), EINVAL);
	CHECK_ERR(SC(SYS_mremap, f, pg, 0, 0, 0), EINVAL);
	CHECK_ERR(SC(SYS_mremap, f, pg, pg, 0x40, 0), EINVAL);
	CHECK_ERR(SC(SYS_mremap, f, pg, pg, MREMAP_FIXED, target), EINVAL);
	CHECK_ERR(SC(SYS_mremap, f, 8 * pg, 8 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, f + 4 * pg),
		  EINVAL);
	CHECK_ERR(SC(SYS_mremap, g, pg, 2 * pg, MREMAP_MAYMOVE, 0), EFAULT);
	CHECK_ERR(SC(SYS_mremap, f, 128 * pg, 130 * pg, MREMAP_MAYMOVE, 0), EFAULT);
	CHECK_EQ(SC(SYS_munmap, f, 64 * pg), 0);
	SC(SYS_munmap, block, pg);
}

/* ---- statx, utimensat ---- */

static void t_statx_utimensat(void)
{
	char path_buf[256];
	const char *path = KEEP(path_buf, "/tmp/ut_times");
	REQUIRE(mkfile(path, 1234) == 0);
	struct ut_statx sx;
	memset(&sx, 0xff, sizeof(sx));
	CHECK_EQ(SC(SYS_statx, AT_FDCWD, path, 0, UT_STATX_BASIC_STATS, &sx), 0);
	CHECK((sx.stx_mask & UT_STATX_BASIC_STATS) == UT_STATX_BASIC_STATS);
	CHECK_EQ(sx.stx_size, 1234);
	CHECK(S_ISREG(sx.stx_mode));
	struct stat st;
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK_EQ(sx.stx_ino, st.st_ino);
	CHECK_EQ(sx.stx_nlink, 1);
	CHECK_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
	CHECK_EQ(sx.stx_mtime.tv_nsec, st.st_mtim.tv_nsec);
	/* a file made now has a time of now (the wall clock, item 4) */
	long now = (long)time(0);
	CHECKF(sx.stx_mtime.tv_sec >= now - 5 && sx.stx_mtime.tv_sec <= now + 1,
	       "mtime %lld, now %ld", (long long)sx.stx_mtime.tv_sec, now);
	long fd = CHECK_OK(SC(SYS_open, path, O_RDONLY));
	CHECK_EQ(SC(SYS_statx, fd, "", AT_EMPTY_PATH, UT_STATX_SIZE, &sx), 0);
	CHECK_EQ(sx.stx_size, 1234);
	/* explicit times, UTIME_OMIT, UTIME_NOW */
	struct timespec t[2] = {{1000000000, 5}, {1100000000, 700}};
	CHECK_EQ(SC(SYS_utimensat, AT_FDCWD, path, t, 0), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_atim.tv_nsec, 5);
	CHECK_EQ(st.st_mtim.tv_sec, 1100000000);
	CHECK_EQ(st.st_mtim.tv_nsec, 700);
	t[0] = (struct timespec){0, UTIME_OMIT};
	t[1] = (struct timespec){1200000000, 0};
	CHECK_EQ(SC(SYS_utimensat, fd, 0, t, 0), 0); /* NULL path: the descriptor's file */
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
	t[0] = (struct timespec){0, UTIME_NOW};
	t[1] = (struct timespec){0, UTIME_OMIT};
	CHECK_EQ(SC(SYS_utimensat, AT_FDCWD, path, t, 0), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECKF(st.st_atim.tv_sec >= now - 5, "atime %ld after UTIME_NOW", (long)st.st_atim.tv_sec);
	CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
	CHECK_EQ(SC(SYS_utimensat, AT_FDCWD, path, 0, 0), 0); /* NULL times: both now */
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK(st.st_mtim.tv_sec >= now - 5);
	/* AT_SYMLINK_NOFOLLOW changes the link, not its target */
	char ln_buf[256];
	const char *ln = KEEP(ln_buf, "/tmp/ut_times_ln");
	SC(SYS_unlink, ln);
	CHECK_EQ(SC(SYS_symlink, path, ln), 0);
	t[0] = t[1] = (struct timespec){1300000000, 0};
	CHECK_EQ(SC(SYS_utimensat, AT_FDCWD, ln, t, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ(SC(SYS_lstat, ln, &st), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1300000000);
	CHECK_EQ(SC(SYS_stat, ln, &st), 0);
	CHECK(st.st_mtim.tv_sec != 1300000000);
	CHECK_EQ(SC(SYS_statx, AT_FDCWD, ln, AT_SYMLINK_NOFOLLOW, UT_STATX_BASIC_STATS, &sx), 0);
	CHECK(S_ISLNK(sx.stx_mode));
	/* errors */
	t[0] = (struct timespec){0, 1000000000};
	CHECK_ERR(SC(SYS_utimensat, AT_FDCWD, path, t, 0), EINVAL);
	CHECK_ERR(SC(SYS_utimensat, AT_FDCWD, path, 0, 0x4), EINVAL);
	CHECK_ERR(SC(SYS_utimensat, AT_FDCWD, P("/tmp/ut_nosuch"), 0, 0), ENOENT);
	CHECK_ERR(SC(SYS_utimensat, AT_FDCWD, path, UT_BAD_PTR, 0), EFAULT);
	CHECK_ERR(SC(SYS_utimensat, 99, 0, 0, 0), EBADF);
	CHECK_ERR(SC(SYS_statx, AT_FDCWD, path, 0x1, UT_STATX_BASIC_STATS, &sx), EINVAL);
	CHECK_ERR(SC(SYS_statx, AT_FDCWD, path, 0, 0x80000000u, &sx), EINVAL);
	CHECK_ERR(SC(SYS_statx, AT_FDCWD, P("/tmp/ut_nosuch"), 0, UT_STATX_BASIC_STATS, &sx),
		  ENOENT);
	CHECK_ERR(SC(SYS_statx, AT_FDCWD, "", 0, UT_STATX_BASIC_STATS, &sx), ENOENT);
	CHECK_ERR(SC(SYS_statx, AT_FDCWD, path, 0, UT_STATX_BASIC_STATS, UT_BAD_PTR), EFAULT);
	CHECK_ERR(SC(SYS_statx, 99, "x", 0, UT_STATX_BASIC_STATS, &sx), EBADF);
	SC(SYS_close, fd);
	SC(SYS_unlink, ln);
	SC(SYS_unlink, path);
}

/* ---- symlinks ---- */

static void t_symlinks(void)
{
	char dir_buf[200];
	const char *dir = KEEP(dir_buf, "/tmp/ut_sl");
	char path[300], buf[64];
	SC(SYS_mkdir, dir, 0755);
	snprintf(path, sizeof(path), "%s/target", dir);
	REQUIRE(ut_write_file(path, "through the link", 16) == 0);
	long dfd = CHECK_OK(SC(SYS_open, dir, O_RDONLY | O_DIRECTORY));
	REQUIRE(dfd >= 0);
	CHECK_EQ(SC(SYS_symlinkat, "target", dfd, "rel"), 0);
	snprintf(path, sizeof(path), "%s/rel", dir);
	long fd = CHECK_OK(SC(SYS_open, path, O_RDONLY));
	CHECK_EQ(SC(SYS_read, fd, buf, sizeof(buf)), 16);
	CHECK(!memcmp(buf, "through the link", 16));
	SC(SYS_close, fd);
	CHECK_EQ(SC(SYS_readlinkat, dfd, "rel", buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "target", 6));
	CHECK_EQ(SC(SYS_readlinkat, dfd, "rel", buf, 3), 3); /* truncated, no NUL */
	CHECK_EQ(SC(SYS_readlink, path, buf, sizeof(buf)), 6);
	struct stat st;
	CHECK_EQ(SC(SYS_lstat, path, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_size, 6);
	CHECK_EQ(SC(SYS_newfstatat, dfd, "rel", &st, AT_SYMLINK_NOFOLLOW), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(SC(SYS_newfstatat, dfd, "rel", &st, 0), 0);
	CHECK(S_ISREG(st.st_mode));
	/* a dangling link: lstat sees it, stat does not */
	CHECK_EQ(SC(SYS_symlinkat, "nowhere", dfd, "dangling"), 0);
	CHECK_EQ(SC(SYS_newfstatat, dfd, "dangling", &st, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_ERR(SC(SYS_newfstatat, dfd, "dangling", &st, 0), ENOENT);
	/* a loop: ELOOP */
	CHECK_EQ(SC(SYS_symlinkat, "loop2", dfd, "loop1"), 0);
	CHECK_EQ(SC(SYS_symlinkat, "loop1", dfd, "loop2"), 0);
	CHECK_ERR(SC(SYS_newfstatat, dfd, "loop1", &st, 0), ELOOP);
	CHECK_ERR(SC(SYS_openat, dfd, "loop1", O_RDONLY), ELOOP);
	/* a chain of 41 links is one too deep (Linux follows 40) */
	char name[16], to[16];
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(to, sizeof(to), i ? "c%d" : "target", i - 1);
		CHECK_EQ(SC(SYS_symlinkat, to, dfd, name), 0);
	}
	CHECK_EQ(SC(SYS_newfstatat, dfd, "c39", &st, 0), 0);
	CHECK_ERR(SC(SYS_newfstatat, dfd, "c40", &st, 0), ELOOP);
	/* a symlink to a directory in the middle of a path */
	CHECK_EQ(SC(SYS_symlink, dir, P("/tmp/ut_sl_dir")), 0);
	CHECK_EQ(SC(SYS_stat, P("/tmp/ut_sl_dir/target"), &st), 0);
	CHECK_EQ(st.st_size, 16);
	/* errors */
	CHECK_ERR(SC(SYS_symlinkat, "x", dfd, "rel"), EEXIST);
	CHECK_ERR(SC(SYS_symlinkat, "x", dfd, "dangling"), EEXIST);
	CHECK_ERR(SC(SYS_symlink, "", P("/tmp/ut_sl/empty")), ENOENT);
	CHECK_ERR(SC(SYS_symlink, "x", P("/tmp/ut_nosuchdir/l")), ENOENT);
	CHECK_ERR(SC(SYS_symlink, UT_BAD_PTR, P("/tmp/ut_sl/bad")), EFAULT);
	CHECK_ERR(SC(SYS_symlink, "x", UT_BAD_PTR), EFAULT);
	CHECK_ERR(SC(SYS_symlinkat, "x", 99, "l"), EBADF);
	CHECK_ERR(SC(SYS_readlinkat, dfd, "target", buf, sizeof(buf)), EINVAL);
	CHECK_ERR(SC(SYS_readlinkat, dfd, "rel", buf, 0), EINVAL);
	CHECK_ERR(SC(SYS_readlinkat, dfd, "nosuch", buf, sizeof(buf)), ENOENT);
	CHECK_ERR(SC(SYS_readlinkat, dfd, "rel", UT_BAD_PTR, sizeof(buf)), EFAULT);
	CHECK_ERR(SC(SYS_readlinkat, 99, "rel", buf, sizeof(buf)), EBADF);
	/* clean up */
	const char *names[] = {"rel", "dangling", "loop1", "loop2", "target"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK_EQ(SC(SYS_unlinkat, dfd, names[i], 0), 0);
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		SC(SYS_unlinkat, dfd, name, 0);
	}
	SC(SYS_unlink, P("/tmp/ut_sl_dir"));
	SC(SYS_close, dfd);
	CHECK_EQ(SC(SYS_rmdir, dir), 0);
}

/* ---- modes, owners, umask ---- */

/* As uid/gid UT_USER: may chmod its own file, not root's; may not chown. */
static void attr_nonroot(long arg)
{
	(void)arg;
	char mine_buf[256], roots_buf[256];
	const char *mine = KEEP(mine_buf, "/tmp/ut_attr_mine"),
		   *roots = KEEP(roots_buf, "/tmp/ut_attr_root");
	if (SC(SYS_geteuid) == 0) {
		CHECK_EQ(SC(SYS_setgid, UT_USER), 0);
		CHECK_EQ(SC(SYS_setuid, UT_USER), 0);
	}
	REQUIRE(SC(SYS_geteuid) == UT_USER);
	CHECK_EQ(ut_write_file(mine, "m", 1), 0);
	struct stat st;
	CHECK_EQ(SC(SYS_stat, mine, &st), 0);
	CHECK_EQ(st.st_uid, UT_USER); /* made by UT_USER: owned by UT_USER */
	CHECK_EQ(st.st_gid, UT_USER);
	CHECK_EQ(SC(SYS_chmod, mine, 0600), 0);
	CHECK_ERR(SC(SYS_chmod, roots, 0666), EPERM);
	long fd = CHECK_OK(SC(SYS_open, roots, O_RDONLY));
	CHECK_ERR(SC(SYS_fchmod, fd, 0666), EPERM);
	CHECK_ERR(SC(SYS_fchown, fd, UT_USER, -1), EPERM);
	SC(SYS_close, fd);
	CHECK_ERR(SC(SYS_chown, mine, 0, -1), EPERM);	     /* giving it away */
	CHECK_ERR(SC(SYS_chown, roots, UT_USER, -1), EPERM); /* taking it */
	CHECK_EQ(SC(SYS_chown, mine, UT_USER, UT_USER), 0);  /* a no-op is allowed */
	CHECK_ERR(SC(SYS_chown, mine, -1, 0), EPERM);	     /* a group it is not in */
	/* explicit times on root's file: EPERM; now: EACCES without write access */
	struct timespec t[2] = {{1, 0}, {1, 0}};
	CHECK_ERR(SC(SYS_utimensat, AT_FDCWD, roots, t, 0), EPERM);
	CHECK_ERR(SC(SYS_utimensat, AT_FDCWD, roots, 0, 0), EACCES);
	CHECK_EQ(SC(SYS_utimensat, AT_FDCWD, mine, t, 0), 0);
	/* truncate needs write permission */
	CHECK_ERR(SC(SYS_truncate, roots, 0), EACCES);
	CHECK_EQ(SC(SYS_unlink, mine), 0);
}

static void t_chmod_chown_umask(void)
{
	char path_buf[256], roots_buf[256];
	const char *path = KEEP(path_buf, "/tmp/ut_attr"),
		   *roots = KEEP(roots_buf, "/tmp/ut_attr_root");
	long old = SC(SYS_umask, 027);
	CHECK_EQ(SC(SYS_umask, 022), 027);
	CHECK_EQ(SC(SYS_umask, 0777 | 01000), 022); /* only 0777 is kept */
	CHECK_EQ(SC(SYS_umask, 027), 0777);
	SC(SYS_unlink, path);
	long fd = CHECK_OK(SC(SYS_open, path, O_CREAT | O_RDWR, 0666));
	struct stat st;
	CHECK_EQ(SC(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0640); /* 0666 & ~027 */
	CHECK_EQ(SC(SYS_mkdir, P("/tmp/ut_attr_d"), 0777), 0);
	CHECK_EQ(SC(SYS_stat, P("/tmp/ut_attr_d"), &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0750);
	CHECK_EQ(SC(SYS_rmdir, P("/tmp/ut_attr_d")), 0);
	/* the umask is inherited on fork */
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(SC(SYS_umask, 0) == 027 ? 0 : 1);
	CHECK_EXIT(ut_wait(pid), 0);
	SC(SYS_umask, old);
	/* chmod family */
	CHECK_EQ(SC(SYS_chmod, path, 04751), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK_EQ(st.st_mode, S_IFREG | 04751);
	CHECK_EQ(SC(SYS_fchmod, fd, 0600), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(SC(SYS_fchmodat, AT_FDCWD, path, 0644), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0644);
	/* chown family (as root) */
	CHECK_EQ(SC(SYS_chown, path, 123, 456), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK(st.st_uid == 123 && st.st_gid == 456);
	CHECK_EQ(SC(SYS_fchown, fd, -1, 789), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK(st.st_uid == 123 && st.st_gid == 789);
	char ln_buf[256];
	const char *ln = KEEP(ln_buf, "/tmp/ut_attr_ln");
	SC(SYS_unlink, ln);
	CHECK_EQ(SC(SYS_symlink, path, ln), 0);
	CHECK_EQ(SC(SYS_lchown, ln, 11, 12), 0);
	CHECK_EQ(SC(SYS_lstat, ln, &st), 0);
	CHECK(st.st_uid == 11 && st.st_gid == 12);
	CHECK_EQ(SC(SYS_stat, ln, &st), 0);
	CHECK(st.st_uid == 123);			      /* the target kept its owner */
	CHECK_EQ(SC(SYS_fchownat, AT_FDCWD, ln, 0, 0, 0), 0); /* follows */
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK(st.st_uid == 0 && st.st_gid == 0);
	CHECK_EQ(SC(SYS_fchownat, fd, "", 5, 6, AT_EMPTY_PATH), 0);
	CHECK_EQ(SC(SYS_fstat, fd, &st), 0);
	CHECK(st.st_uid == 5 && st.st_gid == 6);
	/* chown clears set-user-ID */
	CHECK_EQ(SC(SYS_chmod, path, 04755), 0);
	CHECK_EQ(SC(SYS_chown, path, 0, 0), 0);
	CHECK_EQ(SC(SYS_stat, path, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0755);
	/* errors */
	CHECK_ERR(SC(SYS_chmod, P("/tmp/ut_nosuch"), 0644), ENOENT);
	CHECK_ERR(SC(SYS_chmod, UT_BAD_PTR, 0644), EFAULT);
	CHECK_ERR(SC(SYS_fchmod, 99, 0644), EBADF);
	CHECK_ERR(SC(SYS_fchmodat, 99, "x", 0644), EBADF);
	CHECK_ERR(SC(SYS_chown, P("/tmp/ut_nosuch"), 0, 0), ENOENT);
	CHECK_ERR(SC(SYS_fchown, 99, 0, 0), EBADF);
	CHECK_ERR(SC(SYS_fchownat, AT_FDCWD, path, 0, 0, 0x4), EINVAL);
	CHECK_ERR(SC(SYS_lchown, UT_KERN_IMAGE, 0, 0), EFAULT);
	SC(SYS_close, fd);
	/* as an ordinary user */
	SC(SYS_unlink, roots);
	REQUIRE(ut_write_file(roots, "r", 1) == 0);
	CHECK_EQ(SC(SYS_chmod, roots, 0644), 0);
	CHECK_EQ(SC(SYS_chmod, P("/tmp"), 01777), 0);
	CHECK_EXIT(ut_child(attr_nonroot, 0), 0);
	CHECK_EQ(SC(SYS_unlink, roots), 0);
	CHECK_EQ(SC(SYS_unlink, ln), 0);
	CHECK_EQ(SC(SYS_unlink, path), 0);
}

/* ---- the tty: VMIN/VTIME, poll with a timeout ---- */

static void t_tty_vmin_vtime(void)
{
	if (!ut_on_nk)
		ut_skip("needs the guest's console on fd 0");
	struct termios saved, t;
	REQUIRE(SC(SYS_ioctl, 0, TCGETS, &saved) == 0);
	t = saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	char buf[8];
	/* VMIN 0, VTIME 2: a read waits 200 ms for a byte, then returns 0 */
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 2;
	CHECK_EQ(SC(SYS_ioctl, 0, TCSETS, &t), 0);
	long long t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_read, 0, buf, sizeof(buf)), 0);
	long long dt = ut_now_ns() - t0;
	CHECKF(dt >= 180000000LL && dt < 3000000000LL, "VTIME 2 read took %lld ns", dt);
	/* VMIN 0, VTIME 0: returns at once */
	t.c_cc[VTIME] = 0;
	CHECK_EQ(SC(SYS_ioctl, 0, TCSETS, &t), 0);
	t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_read, 0, buf, sizeof(buf)), 0);
	CHECKF(ut_now_ns() - t0 < 50000000LL, "VMIN 0 VTIME 0 read took %lld ns", ut_now_ns() - t0);
	/* VMIN 2 with O_NONBLOCK: EAGAIN with nothing typed */
	t.c_cc[VMIN] = 2;
	CHECK_EQ(SC(SYS_ioctl, 0, TCSETS, &t), 0);
	long fd = CHECK_OK(SC(SYS_open, "/dev/console", O_RDONLY | O_NONBLOCK));
	CHECK_ERR(SC(SYS_read, fd, buf, sizeof(buf)), EAGAIN);
	/* poll on the tty with a timeout: 0 after about 150 ms */
	struct pollfd pf = {(int)fd, POLLIN, 0};
	t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_poll, &pf, 1, 150), 0);
	dt = ut_now_ns() - t0;
	CHECKF(dt >= 140000000LL && dt < 3000000000LL, "poll on the tty slept %lld ns", dt);
	CHECK_EQ(pf.revents, 0);
	/* and select on it */
	fd_set r;
	FD_ZERO(&r);
	FD_SET((int)fd, &r);
	struct timeval tv = {0, 50000};
	CHECK_EQ(SC(SYS_select, fd + 1, &r, 0, 0, &tv), 0);
	SC(SYS_close, fd);
	CHECK_EQ(SC(SYS_ioctl, 0, TCSETS, &saved), 0);
}

const struct ut_case ut_files_cases[] = {
    UT(pread_pwrite),	 UT(truncate_fsync), UT(fcntl_locks),	    UT(select),		UT(mremap),
    UT(statx_utimensat), UT(symlinks),	     UT(chmod_chown_umask), UT(tty_vmin_vtime), {0},
};
