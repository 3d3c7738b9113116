/* Cases for the file system calls: read, write, readv, writev, open,
 * openat, close, lseek, fstat, stat, newfstatat, getdents64, getcwd, chdir,
 * readlink, access, faccessat; and the writable tmpfs over the initramfs.
 * Files used: /tests/pattern.bin (ut_pattern), /tests/argecho (0755),
 * /etc/motd (0644), /tests/link -> argecho, /tests/overlay.txt, /tmp. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "utest.h"

static long open_pattern(void)
{
	long fd = SC(SYS_open, P("/tests/pattern.bin"), O_RDONLY);
	if (fd < 0) {
		ut_fail_at(__FILE__, __LINE__, "open %s: %s", P("/tests/pattern.bin"),
			   u_errname((int)-fd));
		ut_abort();
	}
	return fd;
}

static int pattern_ok(const unsigned char *p, unsigned long off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ut_pattern(off + i))
			return 0;
	return 1;
}

/* A user page that is certainly unmapped: mapped, then unmapped. */
static void *unmapped_page(void)
{
	void *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE(munmap(p, 4096) == 0);
	return p;
}

static void t_read(void)
{
	static unsigned char buf[8192];
	long fd = open_pattern();
	CHECK_EQ(SC(SYS_read, fd, buf, 100), 100);
	CHECK(pattern_ok(buf, 0, 100));
	CHECK_EQ(SC(SYS_read, fd, buf, 0), 0);
	/* across a page boundary of the file and of the buffer */
	CHECK_EQ(SC(SYS_read, fd, buf + 4000, 4096), 4096);
	CHECK(pattern_ok(buf + 4000, 100, 4096));
	CHECK_EQ(SC(SYS_read, fd, buf, 8192), UT_PATTERN_SIZE - 4196);
	CHECK(pattern_ok(buf, 4196, UT_PATTERN_SIZE - 4196));
	CHECK_EQ(SC(SYS_read, fd, buf, 10), 0); /* end of file */
	SC(SYS_lseek, fd, 0, SEEK_SET);
	CHECK_ERR(SC(SYS_read, fd, 0, 10), EFAULT);
	CHECK_ERR(SC(SYS_read, fd, UT_KERN_DIRECT, 10), EFAULT);
	CHECK_ERR(SC(SYS_read, fd, UT_KERN_IMAGE, 10), EFAULT);
	CHECK_ERR(SC(SYS_read, fd, UT_NONCANON, 10), EFAULT);
	CHECK_ERR(SC(SYS_read, fd, unmapped_page(), 10), EFAULT);
	CHECK_ERR(SC(SYS_read, fd, (char *)UT_KERN_DIRECT - 4, 10), EFAULT); /* straddles */
	CHECK_ERR(SC(SYS_read, -1, buf, 10), EBADF);
	CHECK_ERR(SC(SYS_read, 12345, buf, 10), EBADF);
	long dfd = CHECK_OK(SC(SYS_open, P("/tests"), O_RDONLY | O_DIRECTORY));
	CHECK_ERR(SC(SYS_read, dfd, buf, 10), EISDIR);
	long wfd = CHECK_OK(SC(SYS_open, "/dev/null", O_WRONLY));
	CHECK_ERR(SC(SYS_read, wfd, buf, 10), EBADF);
	long nfd = CHECK_OK(SC(SYS_open, "/dev/null", O_RDONLY));
	CHECK_EQ(SC(SYS_read, nfd, buf, 10), 0);
}

static void t_write(void)
{
	const char *f = P("/tmp/ut_write");
	char buf[64];
	long fd = CHECK_OK(SC(SYS_open, f, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	REQUIRE(fd >= 0);
	CHECK_EQ(SC(SYS_write, fd, "hello, tmpfs", 12), 12);
	CHECK_EQ(SC(SYS_write, fd, "", 0), 0);
	CHECK_ERR(SC(SYS_write, fd, 0, 10), EFAULT);
	CHECK_ERR(SC(SYS_write, fd, UT_KERN_IMAGE, 16), EFAULT);
	CHECK_ERR(SC(SYS_write, fd, UT_KERN_DIRECT, 16), EFAULT);
	CHECK_ERR(SC(SYS_write, fd, unmapped_page(), 16), EFAULT);
	CHECK_ERR(SC(SYS_read, fd, buf, 10), EBADF); /* write-only */
	CHECK_EQ(SC(SYS_close, fd), 0);
	fd = CHECK_OK(SC(SYS_open, f, O_RDONLY));
	CHECK_EQ(SC(SYS_read, fd, buf, sizeof(buf)), 12);
	CHECK(!memcmp(buf, "hello, tmpfs", 12));
	CHECK_ERR(SC(SYS_write, fd, "x", 1), EBADF); /* read-only */
	SC(SYS_close, fd);
	CHECK_ERR(SC(SYS_write, -1, "x", 1), EBADF);
	CHECK_ERR(SC(SYS_write, 4321, "x", 1), EBADF);
	long nfd = CHECK_OK(SC(SYS_open, "/dev/null", O_WRONLY));
	CHECK_EQ(SC(SYS_write, nfd, buf, 64), 64);
	/* O_APPEND writes at the end whatever the offset; O_TRUNC empties */
	fd = CHECK_OK(SC(SYS_open, f, O_WRONLY | O_APPEND));
	SC(SYS_lseek, fd, 0, SEEK_SET);
	CHECK_EQ(SC(SYS_write, fd, "++", 2), 2);
	SC(SYS_close, fd);
	struct stat st;
	CHECK_EQ(SC(SYS_stat, f, &st), 0);
	CHECK_EQ(st.st_size, 14);
	fd = CHECK_OK(SC(SYS_open, f, O_RDONLY));
	CHECK_EQ(SC(SYS_read, fd, buf, sizeof(buf)), 14);
	CHECK(!memcmp(buf, "hello, tmpfs++", 14));
	SC(SYS_close, fd);
	fd = CHECK_OK(SC(SYS_open, f, O_RDWR | O_TRUNC));
	CHECK_EQ(SC(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 0);
	/* a write past the end leaves a hole that reads as zeros */
	CHECK_EQ(SC(SYS_lseek, fd, 5000, SEEK_SET), 5000);
	CHECK_EQ(SC(SYS_write, fd, "z", 1), 1);
	CHECK_EQ(SC(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 5001);
	static char big[5001];
	memset(big, 'q', sizeof(big));
	CHECK_EQ(SC(SYS_lseek, fd, 0, SEEK_SET), 0);
	CHECK_EQ(SC(SYS_read, fd, big, sizeof(big)), 5001);
	int zeros = 1;
	for (int i = 0; i < 5000; i++)
		zeros &= big[i] == 0;
	CHECK(zeros && big[5000] == 'z');
	SC(SYS_close, fd);
	SC(SYS_unlink, f);
}

static void t_readv_writev(void)
{
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	char a[2], b[10];
	struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
	struct iovec in[2] = {{a, 2}, {b, 10}};
	CHECK_EQ(SC(SYS_writev, p[1], out, 3), 5);
	CHECK_EQ(SC(SYS_readv, p[0], in, 2), 5);
	CHECK(!memcmp(a, "ab", 2) && !memcmp(b, "cde", 3));
	CHECK_ERR(SC(SYS_writev, -1, out, 3), EBADF);
	CHECK_ERR(SC(SYS_readv, 999, in, 2), EBADF);
	CHECK_ERR(SC(SYS_writev, p[1], out, -1), EINVAL);
	CHECK_ERR(SC(SYS_writev, p[1], out, 100000), EINVAL);
	CHECK_ERR(SC(SYS_readv, p[0], in, -1), EINVAL);
	CHECK_ERR(SC(SYS_writev, p[1], 0, 1), EFAULT);
	CHECK_ERR(SC(SYS_readv, p[0], UT_KERN_IMAGE, 1), EFAULT);
	struct iovec badbase = {UT_KERN_IMAGE, 16};
	CHECK_ERR(SC(SYS_writev, p[1], &badbase, 1), EFAULT);
	CHECK_EQ(SC(SYS_writev, p[1], out, 0), 0);
	/* readv from a file, in pieces across a page boundary */
	long fd = open_pattern();
	static unsigned char x[4090], y[20];
	struct iovec fin[2] = {{x, sizeof(x)}, {y, sizeof(y)}};
	CHECK_EQ(SC(SYS_readv, fd, fin, 2), 4110);
	CHECK(pattern_ok(x, 0, sizeof(x)) && pattern_ok(y, sizeof(x), sizeof(y)));
	char tiny[4];
	struct iovec badin[2] = {{tiny, 4}, {UT_KERN_DIRECT, 4}};
	long r = SC(SYS_readv, fd, badin, 2);
	CHECKF(r == 4 || r == -EFAULT, "readv into a good then a kernel buffer returned %ld", r);
}

static void t_open(void)
{
	static char longpath[5000];
	long fd = open_pattern();
	CHECK(fd >= 3);
	CHECK_ERR(SC(SYS_open, P("/tests/no-such-file"), O_RDONLY), ENOENT);
	CHECK_ERR(SC(SYS_open, P("/no-such-dir/x"), O_RDONLY), ENOENT);
	CHECK_ERR(SC(SYS_open, P("/no-such-dir/x"), O_WRONLY | O_CREAT, 0644), ENOENT);
	CHECK_ERR(SC(SYS_open, P("/etc/motd/x"), O_RDONLY), ENOTDIR);
	CHECK_ERR(SC(SYS_open, P("/etc/motd"), O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(SC(SYS_open, P("/tests"), O_WRONLY), EISDIR);
	CHECK_ERR(SC(SYS_open, P("/tests"), O_RDWR), EISDIR);
	CHECK_ERR(SC(SYS_open, P("/tests/argecho"), O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK_ERR(SC(SYS_open, "", O_RDONLY), ENOENT);
	CHECK_ERR(SC(SYS_open, 0, O_RDONLY), EFAULT);
	CHECK_ERR(SC(SYS_open, UT_KERN_IMAGE, O_RDONLY), EFAULT);
	CHECK_ERR(SC(SYS_open, UT_KERN_DIRECT, O_RDONLY), EFAULT);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	CHECK_ERR(SC(SYS_open, longpath, O_RDONLY), ENAMETOOLONG);
	/* the lowest free descriptor is used */
	long a = CHECK_OK(SC(SYS_open, "/dev/null", O_RDONLY));
	long b = CHECK_OK(SC(SYS_open, "/dev/null", O_RDONLY));
	CHECK(a >= 0 && b > a);
	SC(SYS_close, a);
	CHECK_EQ(SC(SYS_open, "/dev/null", O_RDONLY), a);
	/* directories open read-only; "." and ".." resolve */
	long d = CHECK_OK(SC(SYS_open, P("/tests/."), O_RDONLY | O_DIRECTORY));
	SC(SYS_close, d);
	d = CHECK_OK(SC(SYS_open, P("/tests/bad/../argecho"), O_RDONLY));
	SC(SYS_close, d);
	d = CHECK_OK(SC(SYS_open, "/", O_RDONLY | O_DIRECTORY));
	SC(SYS_close, d);
	/* O_CLOEXEC is accepted */
	d = CHECK_OK(SC(SYS_open, "/dev/null", O_RDONLY | O_CLOEXEC));
	SC(SYS_close, d);
}

static void t_openat(void)
{
	long dfd = CHECK_OK(SC(SYS_open, P("/tests"), O_RDONLY | O_DIRECTORY));
	REQUIRE(dfd >= 0);
	long fd = CHECK_OK(SC(SYS_openat, dfd, "argecho", O_RDONLY));
	SC(SYS_close, fd);
	fd = CHECK_OK(SC(SYS_openat, dfd, "bad/empty", O_RDONLY));
	SC(SYS_close, fd);
	CHECK_ERR(SC(SYS_openat, dfd, "no-such-file", O_RDONLY), ENOENT);
	CHECK_ERR(SC(SYS_openat, -1, "argecho", O_RDONLY), EBADF);
	CHECK_ERR(SC(SYS_openat, 9999, "argecho", O_RDONLY), EBADF);
	long ffd = open_pattern();
	CHECK_ERR(SC(SYS_openat, ffd, "argecho", O_RDONLY), ENOTDIR);
	/* an absolute path ignores dirfd, even a bad one */
	fd = CHECK_OK(SC(SYS_openat, 9999, P("/tests/argecho"), O_RDONLY));
	SC(SYS_close, fd);
	CHECK_ERR(SC(SYS_openat, dfd, 0, O_RDONLY), EFAULT);
	REQUIRE(SC(SYS_chdir, P("/tests")) == 0);
	fd = CHECK_OK(SC(SYS_openat, AT_FDCWD, "pattern.bin", O_RDONLY));
	SC(SYS_close, fd);
	/* creation relative to a directory */
	long tdir = CHECK_OK(SC(SYS_open, P("/tmp"), O_RDONLY | O_DIRECTORY));
	fd = CHECK_OK(SC(SYS_openat, tdir, "ut_openat", O_WRONLY | O_CREAT | O_TRUNC, 0600));
	CHECK_EQ(SC(SYS_write, fd, "ok", 2), 2);
	SC(SYS_close, fd);
	struct stat st;
	CHECK_EQ(SC(SYS_stat, P("/tmp/ut_openat"), &st), 0);
	CHECK_EQ(st.st_size, 2);
	SC(SYS_unlink, P("/tmp/ut_openat"));
}

static void t_close(void)
{
	long fd = CHECK_OK(SC(SYS_open, "/dev/null", O_RDONLY));
	CHECK_EQ(SC(SYS_close, fd), 0);
	CHECK_ERR(SC(SYS_close, fd), EBADF);
	CHECK_ERR(SC(SYS_read, fd, &fd, 1), EBADF);
	CHECK_ERR(SC(SYS_close, -1), EBADF);
	CHECK_ERR(SC(SYS_close, 100000), EBADF);
	/* closing one end of a pipe leaves the other working */
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	CHECK_EQ(SC(SYS_close, p[0]), 0);
	CHECK_EQ(SC(SYS_close, p[1]), 0);
}

static void t_lseek(void)
{
	unsigned char c;
	long fd = open_pattern();
	CHECK_EQ(SC(SYS_lseek, fd, 100, SEEK_SET), 100);
	CHECK_EQ(SC(SYS_read, fd, &c, 1), 1);
	CHECK_EQ(c, ut_pattern(100));
	CHECK_EQ(SC(SYS_lseek, fd, -1, SEEK_CUR), 100);
	CHECK_EQ(SC(SYS_lseek, fd, 4000, SEEK_CUR), 4100);
	CHECK_EQ(SC(SYS_read, fd, &c, 1), 1);
	CHECK_EQ(c, ut_pattern(4100));
	CHECK_EQ(SC(SYS_lseek, fd, 0, SEEK_END), UT_PATTERN_SIZE);
	CHECK_EQ(SC(SYS_lseek, fd, -10, SEEK_END), UT_PATTERN_SIZE - 10);
	CHECK_EQ(SC(SYS_read, fd, &c, 1), 1);
	CHECK_EQ(c, ut_pattern(UT_PATTERN_SIZE - 10));
	CHECK_EQ(SC(SYS_lseek, fd, UT_PATTERN_SIZE + 1000, SEEK_SET), UT_PATTERN_SIZE + 1000);
	CHECK_EQ(SC(SYS_read, fd, &c, 1), 0);
	CHECK_ERR(SC(SYS_lseek, fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(SC(SYS_lseek, fd, -(UT_PATTERN_SIZE + 1), SEEK_END), EINVAL);
	CHECK_ERR(SC(SYS_lseek, fd, 0, 7), EINVAL);
	CHECK_EQ(SC(SYS_lseek, fd, 0, SEEK_CUR), UT_PATTERN_SIZE + 1000); /* unchanged */
	CHECK_ERR(SC(SYS_lseek, -1, 0, SEEK_SET), EBADF);
	CHECK_ERR(SC(SYS_lseek, 777, 0, SEEK_SET), EBADF);
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	CHECK_ERR(SC(SYS_lseek, p[0], 0, SEEK_SET), ESPIPE);
	CHECK_ERR(SC(SYS_lseek, p[1], 0, SEEK_CUR), ESPIPE);
}

static void t_fstat(void)
{
	struct stat st;
	long fd = open_pattern();
	CHECK_EQ(SC(SYS_fstat, fd, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_size, UT_PATTERN_SIZE);
	CHECK_EQ(st.st_mode & 0777, 0644);
	long e = CHECK_OK(SC(SYS_open, P("/tests/argecho"), O_RDONLY));
	CHECK_EQ(SC(SYS_fstat, e, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0755);
	long d = CHECK_OK(SC(SYS_open, P("/tests"), O_RDONLY | O_DIRECTORY));
	CHECK_EQ(SC(SYS_fstat, d, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	CHECK_EQ(SC(SYS_fstat, p[0], &st), 0);
	CHECK(S_ISFIFO(st.st_mode));
	long n = CHECK_OK(SC(SYS_open, "/dev/null", O_RDWR));
	CHECK_EQ(SC(SYS_fstat, n, &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_ERR(SC(SYS_fstat, -1, &st), EBADF);
	CHECK_ERR(SC(SYS_fstat, 5555, &st), EBADF);
	CHECK_ERR(SC(SYS_fstat, fd, 0), EFAULT);
	CHECK_ERR(SC(SYS_fstat, fd, UT_KERN_IMAGE), EFAULT);
}

static void t_stat(void)
{
	struct stat st;
	CHECK_EQ(SC(SYS_stat, P("/tests/pattern.bin"), &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_size, UT_PATTERN_SIZE);
	CHECK_EQ(SC(SYS_stat, "/", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(SC(SYS_stat, P("/tests/bad"), &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(SC(SYS_stat, "/dev/null", &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(SC(SYS_stat, P("/tests/bad/empty"), &st), 0);
	CHECK_EQ(st.st_size, 0);
	CHECK_ERR(SC(SYS_stat, P("/tests/missing"), &st), ENOENT);
	CHECK_ERR(SC(SYS_stat, P("/etc/motd/x"), &st), ENOTDIR);
	CHECK_ERR(SC(SYS_stat, "", &st), ENOENT);
	CHECK_ERR(SC(SYS_stat, 0, &st), EFAULT);
	CHECK_ERR(SC(SYS_stat, UT_KERN_DIRECT, &st), EFAULT);
	CHECK_ERR(SC(SYS_stat, P("/tests/pattern.bin"), 0), EFAULT);
	CHECK_ERR(SC(SYS_stat, P("/tests/pattern.bin"), UT_KERN_IMAGE), EFAULT);
}

static void t_newfstatat(void)
{
	struct stat st;
	CHECK_EQ(SC(SYS_newfstatat, AT_FDCWD, P("/tests/pattern.bin"), &st, 0), 0);
	CHECK_EQ(st.st_size, UT_PATTERN_SIZE);
	long d = CHECK_OK(SC(SYS_open, P("/tests"), O_RDONLY | O_DIRECTORY));
	CHECK_EQ(SC(SYS_newfstatat, d, "pattern.bin", &st, 0), 0);
	CHECK_EQ(st.st_size, UT_PATTERN_SIZE);
	CHECK_EQ(SC(SYS_newfstatat, d, "pattern.bin", &st, AT_SYMLINK_NOFOLLOW), 0);
	CHECK(S_ISREG(st.st_mode));
	/* AT_EMPTY_PATH stats the descriptor itself (glibc's fstat does this) */
	long fd = open_pattern();
	memset(&st, 0, sizeof(st));
	CHECK_EQ(SC(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH), 0);
	CHECK_EQ(st.st_size, UT_PATTERN_SIZE);
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	CHECK_EQ(SC(SYS_newfstatat, p[1], "", &st, AT_EMPTY_PATH), 0);
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_ERR(SC(SYS_newfstatat, fd, "", &st, 0), ENOENT);
	CHECK_ERR(SC(SYS_newfstatat, d, "missing", &st, 0), ENOENT);
	CHECK_ERR(SC(SYS_newfstatat, -1, "pattern.bin", &st, 0), EBADF);
	CHECK_ERR(SC(SYS_newfstatat, 8888, "", &st, AT_EMPTY_PATH), EBADF);
	CHECK_ERR(SC(SYS_newfstatat, fd, "x", &st, 0), ENOTDIR);
	CHECK_ERR(SC(SYS_newfstatat, d, "pattern.bin", &st, 0x12345000), EINVAL);
	CHECK_ERR(SC(SYS_newfstatat, d, 0, &st, 0), EFAULT);
	CHECK_ERR(SC(SYS_newfstatat, d, "pattern.bin", UT_KERN_IMAGE, 0), EFAULT);
}

/* A getdents64 record (struct dirent in libc has a fixed 256-byte name). */
struct ld64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

struct names {
	int argecho, utest, bad, total;
	int reclen_ok, type_ok;
};

static void scan_dirents(const char *buf, long n, struct names *s)
{
	for (long off = 0; off < n;) {
		const struct ld64 *d = (const void *)(buf + off);
		if (d->reclen == 0 || d->reclen % 8 || off + d->reclen > n ||
		    strnlen(d->name, d->reclen) >= d->reclen - offsetof(struct ld64, name)) {
			s->reclen_ok = 0;
			return;
		}
		s->total++;
		if (!strcmp(d->name, "argecho")) {
			s->argecho++;
			s->type_ok &= d->type == DT_REG || d->type == DT_UNKNOWN;
		}
		if (!strcmp(d->name, "utest"))
			s->utest++;
		if (!strcmp(d->name, "bad")) {
			s->bad++;
			s->type_ok &= d->type == DT_DIR || d->type == DT_UNKNOWN;
		}
		off += d->reclen;
	}
}

static void t_getdents64(void)
{
	static char buf[128]; /* small: several calls are needed */
	struct names s = {0, 0, 0, 0, 1, 1};
	long d = CHECK_OK(SC(SYS_open, P("/tests"), O_RDONLY | O_DIRECTORY));
	REQUIRE(d >= 0);
	int calls = 0;
	long n;
	while ((n = SC(SYS_getdents64, d, buf, sizeof(buf))) > 0 && calls < 1000) {
		scan_dirents(buf, n, &s);
		calls++;
	}
	CHECK_EQ(n, 0);
	CHECK(s.reclen_ok);
	CHECK(s.type_ok);
	CHECK_EQ(s.argecho, 1);
	CHECK_EQ(s.utest, 1);
	CHECK_EQ(s.bad, 1);
	CHECKF(calls >= 2, "%d entries came in %d call(s) of 128 bytes", s.total, calls);
	CHECK_EQ(SC(SYS_getdents64, d, buf, sizeof(buf)), 0); /* still at the end */
	long f = open_pattern();
	CHECK_ERR(SC(SYS_getdents64, f, buf, sizeof(buf)), ENOTDIR);
	CHECK_ERR(SC(SYS_getdents64, -1, buf, sizeof(buf)), EBADF);
	CHECK_ERR(SC(SYS_getdents64, 4444, buf, sizeof(buf)), EBADF);
	long d2 = CHECK_OK(SC(SYS_open, P("/tests/bad"), O_RDONLY | O_DIRECTORY));
	CHECK_ERR(SC(SYS_getdents64, d2, buf, 1), EINVAL); /* too small for one entry */
	CHECK_ERR(SC(SYS_getdents64, d2, 0, sizeof(buf)), EFAULT);
	CHECK_ERR(SC(SYS_getdents64, d2, UT_KERN_IMAGE, sizeof(buf)), EFAULT);
	/* a new file shows up in its directory */
	REQUIRE(ut_write_file(P("/tmp/ut_dents_new"), "x", 1) == 0);
	long t = CHECK_OK(SC(SYS_open, P("/tmp"), O_RDONLY | O_DIRECTORY));
	int found = 0;
	static char big[4096];
	while ((n = SC(SYS_getdents64, t, big, sizeof(big))) > 0)
		for (long off = 0; off < n;) {
			const struct ld64 *e = (const void *)(big + off);
			found += !strcmp(e->name, "ut_dents_new");
			off += e->reclen ? e->reclen : n;
		}
	CHECK_EQ(found, 1);
	SC(SYS_unlink, P("/tmp/ut_dents_new"));
}

static void t_getcwd_chdir(void)
{
	char buf[600];
	REQUIRE(CHECK_OK(SC(SYS_chdir, "/")) == 0);
	CHECK_EQ(SC(SYS_getcwd, buf, sizeof(buf)), 2);
	CHECK(!strcmp(buf, "/"));
	REQUIRE(CHECK_OK(SC(SYS_chdir, P("/tests"))) == 0);
	long n = SC(SYS_getcwd, buf, sizeof(buf));
	CHECK_EQ(n, (long)strlen(P("/tests")) + 1);
	CHECKF(!strcmp(buf, P("/tests")), "getcwd '%s'", buf);
	long fd = CHECK_OK(SC(SYS_open, "argecho", O_RDONLY));
	SC(SYS_close, fd);
	CHECK_EQ(SC(SYS_chdir, "bad"), 0);
	fd = CHECK_OK(SC(SYS_open, "empty", O_RDONLY));
	SC(SYS_close, fd);
	CHECK_EQ(SC(SYS_chdir, ".."), 0);
	CHECK_EQ(SC(SYS_getcwd, buf, sizeof(buf)), (long)strlen(P("/tests")) + 1);
	CHECK(!strcmp(buf, P("/tests")));
	CHECK_ERR(SC(SYS_chdir, P("/etc/motd")), ENOTDIR);
	CHECK_ERR(SC(SYS_chdir, P("/no-such-dir")), ENOENT);
	CHECK_ERR(SC(SYS_chdir, ""), ENOENT);
	CHECK_ERR(SC(SYS_chdir, 0), EFAULT);
	CHECK_ERR(SC(SYS_chdir, UT_KERN_IMAGE), EFAULT);
	CHECK_ERR(SC(SYS_getcwd, buf, 1), ERANGE);
	CHECK_ERR(SC(SYS_getcwd, 0, sizeof(buf)), EFAULT);
	CHECK_ERR(SC(SYS_getcwd, UT_KERN_IMAGE, sizeof(buf)), EFAULT);
	/* the failed calls left the directory alone */
	CHECK_EQ(SC(SYS_getcwd, buf, sizeof(buf)), (long)strlen(P("/tests")) + 1);
	/* a child inherits the working directory */
	pid_t pid = fork();
	if (pid == 0)
		_exit(SC(SYS_open, "argecho", O_RDONLY) >= 0 ? 0 : 1);
	CHECK_EXIT(ut_wait(pid), 0);
}

static void t_readlink(void)
{
	char buf[64];
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(SC(SYS_readlink, P("/tests/link"), buf, sizeof(buf)), 7);
	CHECKF(!memcmp(buf, "argecho", 7), "link reads '%s'", buf);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(SC(SYS_readlink, P("/tests/link"), buf, 3), 3);
	CHECK(!memcmp(buf, "arg", 3) && buf[3] == 0);
	struct stat st, lst, target;
	CHECK_EQ(SC(SYS_stat, P("/tests/link"), &st), 0);
	CHECK_EQ(SC(SYS_stat, P("/tests/argecho"), &target), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_size, target.st_size);
	CHECK_EQ(SC(SYS_newfstatat, AT_FDCWD, P("/tests/link"), &lst, AT_SYMLINK_NOFOLLOW), 0);
	CHECK(S_ISLNK(lst.st_mode));
	long fd = CHECK_OK(SC(SYS_open, P("/tests/link"), O_RDONLY));
	SC(SYS_close, fd);
	CHECK_ERR(SC(SYS_readlink, P("/tests/argecho"), buf, sizeof(buf)), EINVAL);
	CHECK_ERR(SC(SYS_readlink, P("/tests/missing"), buf, sizeof(buf)), ENOENT);
	CHECK_ERR(SC(SYS_readlink, P("/tests/link"), buf, 0), EINVAL);
	CHECK_ERR(SC(SYS_readlink, P("/tests/link"), 0, sizeof(buf)), EFAULT);
	CHECK_ERR(SC(SYS_readlink, P("/tests/link"), UT_KERN_IMAGE, sizeof(buf)), EFAULT);
	CHECK_ERR(SC(SYS_readlink, 0, buf, sizeof(buf)), EFAULT);
}

static void t_access(void)
{
	CHECK_EQ(SC(SYS_access, P("/etc/motd"), F_OK), 0);
	CHECK_EQ(SC(SYS_access, P("/etc/motd"), R_OK | W_OK), 0);
	CHECK_EQ(SC(SYS_access, P("/tests/argecho"), X_OK), 0);
	CHECK_EQ(SC(SYS_access, P("/tests"), X_OK), 0);
	CHECK_ERR(SC(SYS_access, P("/etc/motd"), X_OK), EACCES); /* 0644, even for root */
	CHECK_ERR(SC(SYS_access, P("/tests/missing"), F_OK), ENOENT);
	CHECK_ERR(SC(SYS_access, P("/etc/motd/x"), F_OK), ENOTDIR);
	CHECK_ERR(SC(SYS_access, P("/etc/motd"), 0x10), EINVAL);
	CHECK_ERR(SC(SYS_access, 0, F_OK), EFAULT);
	CHECK_ERR(SC(SYS_access, UT_KERN_IMAGE, F_OK), EFAULT);
}

static void t_faccessat(void)
{
	long d = CHECK_OK(SC(SYS_open, P("/tests"), O_RDONLY | O_DIRECTORY));
	CHECK_EQ(SC(SYS_faccessat, d, "argecho", X_OK), 0);
	CHECK_EQ(SC(SYS_faccessat, d, "bad", F_OK), 0);
	CHECK_EQ(SC(SYS_faccessat, AT_FDCWD, P("/etc/motd"), R_OK), 0);
	CHECK_EQ(SC(SYS_faccessat, 9999, P("/etc/motd"), R_OK), 0); /* absolute path */
	CHECK_ERR(SC(SYS_faccessat, d, "missing", F_OK), ENOENT);
	CHECK_ERR(SC(SYS_faccessat, d, "pattern.bin", X_OK), EACCES);
	CHECK_ERR(SC(SYS_faccessat, -1, "argecho", F_OK), EBADF);
	long f = CHECK_OK(SC(SYS_open, P("/etc/motd"), O_RDONLY));
	CHECK_ERR(SC(SYS_faccessat, f, "x", F_OK), ENOTDIR);
	CHECK_ERR(SC(SYS_faccessat, d, "argecho", 0x10), EINVAL);
	CHECK_ERR(SC(SYS_faccessat, d, 0, F_OK), EFAULT);
}

/* The initramfs is writable through the tmpfs over it: an existing file can
 * be rewritten (the original is put back at the end). */
static void t_tmpfs_overlay(void)
{
	const char *f = P("/tests/overlay.txt");
	const char *orig = "original overlay contents\n";
	char buf[64];
	long fd = CHECK_OK(SC(SYS_open, f, O_RDONLY));
	REQUIRE(fd >= 0);
	long n = SC(SYS_read, fd, buf, sizeof(buf));
	SC(SYS_close, fd);
	CHECK_EQ(n, (long)strlen(orig));
	CHECK(n > 0 && !memcmp(buf, orig, (size_t)n));
	CHECK_EQ(ut_write_file(f, "changed\n", 8), 0);
	fd = CHECK_OK(SC(SYS_open, f, O_RDONLY));
	CHECK_EQ(SC(SYS_read, fd, buf, sizeof(buf)), 8);
	SC(SYS_close, fd);
	CHECK(!memcmp(buf, "changed\n", 8));
	CHECK_EQ(ut_write_file(f, orig, strlen(orig)), 0);
	/* and a new file next to initramfs files */
	CHECK_EQ(ut_write_file(P("/tests/ut_new_file"), "new", 3), 0);
	struct stat st;
	CHECK_EQ(SC(SYS_stat, P("/tests/ut_new_file"), &st), 0);
	CHECK_EQ(st.st_size, 3);
	SC(SYS_unlink, P("/tests/ut_new_file"));
}

/* mkdir and unlink (outside the required list: skip when unimplemented). */
static void t_mkdir_unlink(void)
{
	const char *d = P("/tmp/ut_dir"), *f = P("/tmp/ut_dir/f");
	SC(SYS_unlink, f);
	SC(SYS_rmdir, d);
	long r = SC(SYS_mkdir, d, 0755);
	if (r == -ENOSYS)
		ut_skip("mkdir not implemented");
	CHECK_EQ(r, 0);
	CHECK_ERR(SC(SYS_mkdir, d, 0755), EEXIST);
	CHECK_ERR(SC(SYS_mkdir, P("/tmp/no-such/x"), 0755), ENOENT);
	CHECK_EQ(ut_write_file(f, "in a new dir", 12), 0);
	struct stat st;
	CHECK_EQ(SC(SYS_stat, f, &st), 0);
	CHECK_EQ(SC(SYS_unlink, f), 0);
	CHECK_ERR(SC(SYS_stat, f, &st), ENOENT);
	CHECK_ERR(SC(SYS_unlink, f), ENOENT);
	CHECK_ERR2(SC(SYS_unlink, d), EISDIR, EPERM);
	r = SC(SYS_rmdir, d); /* rmdir may be missing: then the directory stays */
	if (r != -ENOSYS) {
		CHECK_EQ(r, 0);
		CHECK_ERR(SC(SYS_stat, d, &st), ENOENT);
	}
}

const struct ut_case ut_fs_cases[] = {
    UT(read),	       UT(write),	 UT(readv_writev),
    UT(open),	       UT(openat),	 UT(close),
    UT(lseek),	       UT(fstat),	 UT(stat),
    UT(newfstatat),    UT(getdents64),	 UT(getcwd_chdir),
    UT(readlink),      UT(access),	 UT(faccessat),
    UT(tmpfs_overlay), UT(mkdir_unlink), {0},
};
