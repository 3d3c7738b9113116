/* Host tests of the file system calls (outer/fs/sys_*.c) as a user program
 * sees them: return values and errno per the Linux man pages, struct
 * layouts (stat, linux_dirent64), descriptor tables, and no state change
 * on -EFAULT. User pointers are host pointers (fs_stubs.c). */
#include <stdio.h>
#include <stdlib.h>
#include "fs_stubs.h"
#include <outer/syscall.h>

#define AT_FDCWD (-100)

static int setup(void **state)
{
	(void)state;
	stub_reset();
	assert_int_equal(fs_populate(NULL, 0), 0);
	return 0;
}

#define T(name) cmocka_unit_test_setup(name, setup)

static long sc(long (*fn)(const uint64_t *), uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t a[6] = {a0, a1, a2, a3, 0, 0};
	return fn(a);
}

#define S(p) U(p)

static int open_(const char *path, int flags, int mode)
{
	return (int)sc(sys_open, S(path), (uint64_t)flags, (uint64_t)mode, 0);
}

static long write_(int fd, const void *buf, size_t n)
{
	return sc(sys_write, (uint64_t)fd, U(buf), n, 0);
}

static long read_(int fd, void *buf, size_t n)
{
	return sc(sys_read, (uint64_t)fd, U(buf), n, 0);
}

static long close_(int fd)
{
	return sc(sys_close, (uint64_t)fd, 0, 0, 0);
}

static void read_write_lseek_close(void **state)
{
	(void)state;
	int fd = open_("/tmp/a", O_CREAT | O_RDWR, 0644);
	assert_int_equal(fd, 0); /* the lowest free descriptor */
	static char big[10000], back[10000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 251);
	assert_int_equal(write_(fd, big, sizeof(big)), sizeof(big));
	assert_int_equal(sc(sys_lseek, fd, 0, 1, 0), 10000); /* SEEK_CUR */
	assert_int_equal(sc(sys_lseek, fd, 100, 0, 0), 100);
	assert_int_equal(read_(fd, back, sizeof(back)), 9900);
	assert_memory_equal(back, big + 100, 9900);
	assert_int_equal(read_(fd, back, 10), 0);
	assert_int_equal(sc(sys_lseek, fd, (uint64_t)-10, 2, 0), 9990); /* SEEK_END */
	assert_int_equal(sc(sys_lseek, fd, (uint64_t)-1, 0, 0), -EINVAL);
	assert_int_equal(sc(sys_lseek, fd, 0, 7, 0), -EINVAL);
	assert_int_equal(sc(sys_lseek, fd, 20000, 0, 0), 20000); /* past the end */
	assert_int_equal(read_(fd, back, 10), 0);
	assert_int_equal(write_(fd, "x", 0), 0);
	/* a bad buffer: -EFAULT and the offset does not move */
	assert_int_equal(sc(sys_lseek, fd, 0, 0, 0), 0);
	assert_int_equal(read_(fd, (void *)BAD_UPTR, 10), -EFAULT);
	assert_int_equal(sc(sys_read, fd, 0x800000000000ull - 4, 10, 0), -EFAULT);
	assert_int_equal(sc(sys_lseek, fd, 0, 1, 0), 0);
	assert_int_equal(write_(fd, (void *)BAD_UPTR, 10), -EFAULT);
	assert_int_equal(close_(fd), 0);
	assert_int_equal(close_(fd), -EBADF);
	assert_int_equal(read_(fd, back, 1), -EBADF);
	assert_int_equal(read_(-1, back, 1), -EBADF);
	assert_int_equal(read_(NR_OPEN, back, 1), -EBADF);
	/* access modes */
	fd = open_("/tmp/a", O_RDONLY, 0);
	assert_int_equal(write_(fd, "x", 1), -EBADF);
	close_(fd);
	fd = open_("/tmp/a", O_WRONLY | O_TRUNC, 0);
	assert_int_equal(read_(fd, back, 1), -EBADF);
	assert_int_equal(write_(fd, "abc", 3), 3);
	close_(fd);
	fd = open_("/tmp", O_RDONLY | O_DIRECTORY, 0);
	assert_int_equal(read_(fd, back, 1), -EISDIR);
	assert_int_equal(write_(fd, "x", 1), -EBADF);
	assert_int_equal(open_("/tmp", O_RDWR, 0), -EISDIR);
	close_(fd);
	assert_int_equal(open_((const char *)BAD_UPTR, O_RDONLY, 0), -EFAULT);
	assert_int_equal(open_("/nope", O_RDONLY, 0), -ENOENT);
	/* O_APPEND through fcntl */
	fd = open_("/tmp/a", O_RDWR, 0);
	assert_int_equal(sc(sys_fcntl, fd, 3, 0, 0), O_RDWR);		  /* F_GETFL */
	assert_int_equal(sc(sys_fcntl, fd, 4, O_APPEND | O_TRUNC, 0), 0); /* F_SETFL */
	assert_int_equal(sc(sys_fcntl, fd, 3, 0, 0), O_RDWR | O_APPEND);
	assert_int_equal(write_(fd, "def", 3), 3);
	assert_int_equal(sc(sys_lseek, fd, 0, 0, 0), 0);
	assert_int_equal(read_(fd, back, 10), 6);
	assert_memory_equal(back, "abcdef", 6);
	close_(fd);
}

static void readv_writev(void **state)
{
	(void)state;
	int fd = open_("/tmp/v", O_CREAT | O_RDWR, 0644);
	char a[] = "Hello, ", b[] = "", c[] = "world";
	uint64_t iov[6] = {U(a), 7, U(b), 0, U(c), 5};
	assert_int_equal(sc(sys_writev, fd, U(iov), 3, 0), 12);
	sc(sys_lseek, fd, 0, 0, 0);
	char x[4], y[20] = {0};
	uint64_t riov[4] = {U(x), 4, U(y), 20};
	assert_int_equal(sc(sys_readv, fd, U(riov), 2, 0), 12);
	assert_memory_equal(x, "Hell", 4);
	assert_string_equal(y, "o, world");
	assert_int_equal(sc(sys_readv, fd, U(riov), 1025, 0), -EINVAL);
	assert_int_equal(sc(sys_readv, fd, BAD_UPTR, 1, 0), -EFAULT);
	uint64_t bad[4] = {U(x), 4, BAD_UPTR, 4};
	sc(sys_lseek, fd, 0, 0, 0);
	assert_int_equal(sc(sys_readv, fd, U(bad), 2, 0), -EFAULT);
	assert_int_equal(sc(sys_lseek, fd, 0, 1, 0), 0);	   /* nothing read */
	uint64_t huge[4] = {U(x), 0x8000000000000000ull, U(y), 2}; /* negative */
	assert_int_equal(sc(sys_writev, fd, U(huge), 2, 0), -EINVAL);
	assert_int_equal(sc(sys_writev, 99, U(iov), 3, 0), -EBADF);
	close_(fd);
}

static void stat_family(void **state)
{
	(void)state;
	struct {
		uint64_t dev, ino, nlink;
		uint32_t mode, uid, gid, pad;
		uint64_t rdev;
		int64_t size, blksize, blocks;
		uint64_t t[6];
		int64_t unused[3];
	} st;
	assert_int_equal(sizeof(st), 144);
	int fd = open_("/tmp/s", O_CREAT | O_WRONLY, 0640);
	write_(fd, "12345", 5);
	assert_int_equal(sc(sys_fstat, fd, U(&st), 0, 0), 0);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(st.size, 5);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(st.blocks, 8);
	assert_int_equal(st.blksize, 4096);
	uint64_t ino = st.ino;
	assert_int_equal(sc(sys_fstat, fd, BAD_UPTR, 0, 0), -EFAULT);
	assert_int_equal(sc(sys_fstat, 42, U(&st), 0, 0), -EBADF);
	memset(&st, 0, sizeof(st));
	assert_int_equal(sc(sys_stat, S("/tmp/s"), U(&st), 0, 0), 0);
	assert_int_equal(st.ino, ino);
	assert_int_equal(sc(sys_stat, S("/dev/null"), U(&st), 0, 0), 0);
	assert_int_equal(st.mode, S_IFCHR | 0666);
	assert_int_equal(st.rdev, 0x103);
	assert_int_equal(sc(sys_stat, S("/tmp"), U(&st), 0, 0), 0);
	assert_int_equal(st.mode, S_IFDIR | 01777);
	/* lstat and AT_SYMLINK_NOFOLLOW see the link itself */
	struct inode *tmp;
	assert_int_equal(vfs_lookup(NULL, "/tmp", true, &tmp), 0);
	assert_int_equal(vfs_make(tmp, "l", 1, S_IFLNK | 0777, "s", NULL, 0, NULL), 0);
	assert_int_equal(sc(sys_lstat, S("/tmp/l"), U(&st), 0, 0), 0);
	assert_int_equal(st.mode, S_IFLNK | 0777);
	assert_int_equal(st.size, 1);
	assert_int_equal(sc(sys_stat, S("/tmp/l"), U(&st), 0, 0), 0);
	assert_int_equal(st.ino, ino);
	assert_int_equal(sc(sys_newfstatat, (uint64_t)AT_FDCWD, S("/tmp/l"), U(&st), 0x100), 0);
	assert_int_equal(st.mode & S_IFMT, S_IFLNK);
	/* AT_EMPTY_PATH is fstat; an empty path without it is ENOENT */
	assert_int_equal(sc(sys_newfstatat, fd, S(""), U(&st), 0x1000), 0);
	assert_int_equal(st.ino, ino);
	assert_int_equal(sc(sys_newfstatat, fd, S(""), U(&st), 0), -ENOENT);
	assert_int_equal(sc(sys_newfstatat, fd, S("x"), U(&st), 0x4), -EINVAL);
	/* dirfd-relative; a relative path against a file descriptor: ENOTDIR */
	int d = open_("/tmp", O_RDONLY | O_DIRECTORY, 0);
	assert_int_equal(sc(sys_newfstatat, d, S("s"), U(&st), 0), 0);
	assert_int_equal(st.ino, ino);
	assert_int_equal(sc(sys_newfstatat, fd, S("s"), U(&st), 0), -ENOTDIR);
	assert_int_equal(sc(sys_newfstatat, 50, S("s"), U(&st), 0), -EBADF);
	assert_int_equal(sc(sys_newfstatat, 50, S("/tmp/s"), U(&st), 0), 0);
	/* pipes */
	int p[2];
	assert_int_equal(sc(sys_pipe, U(p), 0, 0, 0), 0);
	assert_int_equal(sc(sys_fstat, p[0], U(&st), 0, 0), 0);
	assert_int_equal(st.mode, S_IFIFO | 0600);
}

static void getdents64_records(void **state)
{
	(void)state;
	sc(sys_mkdir, S("/tmp/d"), 0755, 0, 0);
	close_(open_("/tmp/d/alpha", O_CREAT | O_WRONLY, 0644));
	sc(sys_mkdir, S("/tmp/d/beta"), 0755, 0, 0);
	int fd = open_("/tmp/d", O_RDONLY | O_DIRECTORY, 0);
	uint8_t buf[512];
	assert_int_equal(sc(sys_getdents64, fd, U(buf), 20, 0), -EINVAL); /* < one record */
	/* one record at a time: 24 bytes fit ".", "..", not "alpha" */
	assert_int_equal(sc(sys_getdents64, fd, U(buf), 24, 0), 24);
	assert_string_equal((char *)buf + 19, ".");
	long n = sc(sys_getdents64, fd, U(buf), sizeof(buf), 0);
	const char *want[] = {"..", "alpha", "beta"};
	const uint8_t types[] = {4, 8, 4};
	long pos = 0;
	for (int i = 0; i < 3; i++) {
		uint16_t reclen;
		memcpy(&reclen, buf + pos + 16, 2);
		assert_int_equal(reclen % 8, 0);
		assert_int_equal(buf[pos + 18], types[i]);
		assert_string_equal((char *)buf + pos + 19, want[i]);
		pos += reclen;
	}
	assert_int_equal(n, pos);
	assert_int_equal(sc(sys_getdents64, fd, U(buf), sizeof(buf), 0), 0);
	/* rewinddir; a bad buffer leaves the position */
	assert_int_equal(sc(sys_lseek, fd, 0, 0, 0), 0);
	assert_int_equal(sc(sys_getdents64, fd, BAD_UPTR, sizeof(buf), 0), -EFAULT);
	assert_int_equal(sc(sys_getdents64, fd, U(buf), sizeof(buf), 0), n + 24);
	int f = open_("/tmp/d/alpha", O_RDONLY, 0);
	assert_int_equal(sc(sys_getdents64, f, U(buf), sizeof(buf), 0), -ENOTDIR);
	assert_int_equal(sc(sys_getdents64, 60, U(buf), sizeof(buf), 0), -EBADF);
}

static void cwd_chdir_readlink_access(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(sc(sys_getcwd, U(buf), sizeof(buf), 0, 0), 2);
	assert_string_equal(buf, "/");
	assert_int_equal(sc(sys_mkdir, S("/tmp/w"), 0755, 0, 0), 0);
	assert_int_equal(sc(sys_chdir, S("/tmp/w"), 0, 0, 0), 0);
	assert_int_equal(sc(sys_getcwd, U(buf), sizeof(buf), 0, 0), 7);
	assert_string_equal(buf, "/tmp/w");
	assert_int_equal(sc(sys_getcwd, U(buf), 6, 0, 0), -ERANGE);
	assert_int_equal(sc(sys_getcwd, BAD_UPTR, 64, 0, 0), -EFAULT);
	/* relative paths use the cwd */
	close_(open_("f", O_CREAT | O_WRONLY, 0644));
	assert_int_equal(sc(sys_access, S("/tmp/w/f"), 0, 0, 0), 0);
	assert_int_equal(sc(sys_chdir, S("f"), 0, 0, 0), -ENOTDIR);
	assert_int_equal(sc(sys_chdir, S("nope"), 0, 0, 0), -ENOENT);
	assert_int_equal(sc(sys_chdir, S(".."), 0, 0, 0), 0);
	assert_int_equal(sc(sys_getcwd, U(buf), sizeof(buf), 0, 0), 5);
	/* a removed cwd */
	assert_int_equal(sc(sys_chdir, S("w"), 0, 0, 0), 0);
	assert_int_equal(sc(sys_unlink, S("f"), 0, 0, 0), 0);
	assert_int_equal(sc(sys_rmdir, S("/tmp/w"), 0, 0, 0), 0);
	assert_int_equal(sc(sys_getcwd, U(buf), sizeof(buf), 0, 0), -ENOENT);
	assert_int_equal(open_("g", O_CREAT | O_WRONLY, 0644), -ENOENT);
	assert_int_equal(sc(sys_chdir, S("/"), 0, 0, 0), 0);
	/* readlink */
	struct inode *tmp;
	assert_int_equal(vfs_lookup(NULL, "/tmp", true, &tmp), 0);
	assert_int_equal(vfs_make(tmp, "l", 1, S_IFLNK | 0777, "target", NULL, 0, NULL), 0);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(sc(sys_readlink, S("/tmp/l"), U(buf), sizeof(buf), 0), 6);
	assert_memory_equal(buf, "targetz", 7); /* no NUL */
	assert_int_equal(sc(sys_readlink, S("/tmp/l"), U(buf), 3, 0), 3);
	assert_int_equal(sc(sys_readlink, S("/tmp/l"), U(buf), 0, 0), -EINVAL);
	assert_int_equal(sc(sys_readlink, S("/tmp"), U(buf), 10, 0), -EINVAL);
	assert_int_equal(sc(sys_readlink, S("/tmp/l"), BAD_UPTR, 10, 0), -EFAULT);
	/* access: root needs an x bit for X_OK; others by owner/group/other */
	close_(open_("/tmp/ro", O_CREAT | O_WRONLY, 0640));
	assert_int_equal(sc(sys_access, S("/tmp/ro"), 4 | 2, 0, 0), 0);
	assert_int_equal(sc(sys_access, S("/tmp/ro"), 1, 0, 0), -EACCES);
	assert_int_equal(sc(sys_access, S("/tmp"), 1, 0, 0), 0);
	assert_int_equal(sc(sys_access, S("/tmp/ro"), 8, 0, 0), -EINVAL);
	assert_int_equal(sc(sys_access, S("/tmp/none"), 0, 0, 0), -ENOENT);
	stub_cred.uid = 1000;
	stub_cred.gid = 0; /* the file's group: r-- */
	assert_int_equal(sc(sys_access, S("/tmp/ro"), 4, 0, 0), 0);
	assert_int_equal(sc(sys_access, S("/tmp/ro"), 2, 0, 0), -EACCES);
	stub_cred.gid = 5; /* other: --- */
	assert_int_equal(sc(sys_access, S("/tmp/ro"), 4, 0, 0), -EACCES);
	assert_int_equal(sc(sys_faccessat, (uint64_t)AT_FDCWD, S("/tmp/ro"), 0, 0), 0);
}

static void descriptors_dup_fcntl_emfile(void **state)
{
	(void)state;
	int fd = open_("/dev/null", O_RDWR, 0);
	assert_int_equal(fd, 0);
	assert_int_equal(sc(sys_dup, fd, 0, 0, 0), 1);
	assert_int_equal(sc(sys_dup2, 1, 1, 0, 0), 1);
	assert_int_equal(sc(sys_dup2, 7, 7, 0, 0), -EBADF);
	assert_int_equal(sc(sys_dup2, 0, 10, 0, 0), 10);
	assert_int_equal(sc(sys_dup2, 0, NR_OPEN, 0, 0), -EBADF);
	assert_int_equal(sc(sys_dup3, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sc(sys_dup3, 0, 11, 1, 0), -EINVAL);
	assert_int_equal(sc(sys_dup3, 0, 11, O_CLOEXEC, 0), 11);
	assert_int_equal(sc(sys_fcntl, 11, 1, 0, 0), 1); /* F_GETFD: FD_CLOEXEC */
	assert_int_equal(sc(sys_fcntl, 11, 2, 0, 0), 0);
	assert_int_equal(sc(sys_fcntl, 11, 1, 0, 0), 0);
	assert_int_equal(sc(sys_fcntl, 0, 1030, 20, 0), 20); /* F_DUPFD_CLOEXEC */
	assert_int_equal(stub_proc.cloexec, 1ull << 20);
	assert_int_equal(sc(sys_fcntl, 0, 0, 20, 0), 21);
	assert_int_equal(sc(sys_fcntl, 0, 0, NR_OPEN, 0), -EINVAL);
	assert_int_equal(sc(sys_fcntl, 0, 999, 0, 0), -EINVAL);
	assert_int_equal(sc(sys_fcntl, 33, 1, 0, 0), -EBADF);
	assert_int_equal(sc(sys_ioctl, 0, 0x5451, 0, 0), 0); /* FIOCLEX */
	assert_int_equal(sc(sys_fcntl, 0, 1, 0, 0), 1);
	assert_ptr_equal(stub_proc.fd[0], stub_proc.fd[21]);
	assert_int_equal(stub_proc.fd[0]->refs, 6);
	/* fill the table */
	int n = 0;
	while (sc(sys_dup, 0, 0, 0, 0) >= 0)
		n++;
	assert_int_equal(n, NR_OPEN - 6);
	assert_int_equal(sc(sys_dup, 0, 0, 0, 0), -EMFILE);
	assert_int_equal(open_("/dev/null", O_RDONLY, 0), -EMFILE);
	assert_int_equal(open_("/tmp/new", O_CREAT | O_RDONLY, 0644), -EMFILE);
	assert_int_equal(sc(sys_access, S("/tmp/new"), 0, 0, 0), -ENOENT); /* not created */
	int p[2];
	assert_int_equal(sc(sys_pipe, U(p), 0, 0, 0), -EMFILE);
	for (int i = 0; i < NR_OPEN; i++)
		close_(i);
	assert_null(stub_proc.fd[0]);
}

static void pipes_through_syscalls(void **state)
{
	(void)state;
	int p[2] = {-1, -1};
	assert_int_equal(sc(sys_pipe2, U(p), O_CLOEXEC | O_NONBLOCK, 0, 0), 0);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[1], 1);
	assert_int_equal(stub_proc.cloexec, 3);
	char buf[16];
	assert_int_equal(read_(p[0], buf, 16), -EAGAIN);
	assert_int_equal(write_(p[0], "x", 1), -EBADF);
	assert_int_equal(write_(p[1], "hi", 2), 2);
	assert_int_equal(sc(sys_lseek, p[0], 0, 0, 0), -ESPIPE);
	int fl = (int)sc(sys_fcntl, p[0], 3, 0, 0);
	assert_int_equal(fl, O_RDONLY | O_NONBLOCK);
	assert_int_equal(sc(sys_fcntl, p[0], 4, 0, 0), 0); /* blocking again */
	assert_int_equal(read_(p[0], buf, 16), 2);	   /* data: no sleep */
	assert_int_equal(stub_sleeps, 0);
	/* poll: nothing ready with timeout 0; then POLLIN, POLLNVAL, POLLHUP */
	struct {
		int32_t fd;
		int16_t events, revents;
	} pf[3] = {{p[0], POLLIN, 77}, {p[1], POLLOUT, 0}, {-1, POLLIN, 5}};
	assert_int_equal(sc(sys_poll, U(pf), 1, 0, 0), 0);
	assert_int_equal(pf[0].revents, 0);
	assert_int_equal(sc(sys_poll, U(pf), 3, 0, 0), 1);
	assert_int_equal(pf[1].revents, POLLOUT);
	assert_int_equal(pf[2].revents, 0);
	write_(p[1], "x", 1);
	assert_int_equal(sc(sys_poll, U(pf), 3, (uint64_t)-1, 0), 2);
	assert_int_equal(pf[0].revents, POLLIN);
	pf[2].fd = 40;
	assert_int_equal(sc(sys_poll, U(pf), 3, 0, 0), 3);
	assert_int_equal(pf[2].revents, POLLNVAL);
	close_(p[1]);
	pf[2].fd = -1;
	assert_int_equal(sc(sys_poll, U(pf), 1, 0, 0), 1);
	assert_int_equal(pf[0].revents, POLLIN | POLLHUP);
	assert_int_equal(sc(sys_poll, BAD_UPTR, 1, 0, 0), -EFAULT);
	assert_int_equal(sc(sys_poll, U(pf), 5000, 0, 0), -EINVAL);
	/* an empty pipe with a timeout: sleeps on the poll channel with a
	 * deadline tick, and ends with -EINTR when a signal comes */
	int q[2];
	assert_int_equal(sc(sys_pipe, U(q), 0, 0, 0), 0);
	pf[0].fd = q[0];
	stub_now_ns = 1000000000;
	assert_int_equal(sc(sys_poll, U(pf), 1, 50, 0), -EINTR);
	assert_int_equal(stub_sleeps, 1);
	assert_int_equal(stub_proc.wake_tick, 0); /* cleared after the sleep */
	/* ppoll: timespec checks */
	stub_signal_pending = false;
	int64_t ts[2] = {0, 1000000000};
	assert_int_equal(sc(sys_ppoll, U(pf), 1, U(ts), 0), -EINVAL);
	ts[1] = 0;
	assert_int_equal(sc(sys_ppoll, U(pf), 1, U(ts), 0), 0);
	/* EPIPE and SIGPIPE */
	close_(q[0]);
	assert_int_equal(write_(q[1], "x", 1), -EPIPE);
	assert_int_equal(stub_last_signal, SIGPIPE);
	/* pipe2: bad flags, bad pointer (no descriptor left behind) */
	assert_int_equal(sc(sys_pipe2, U(p), O_APPEND, 0, 0), -EINVAL);
	int before = 0;
	for (int i = 0; i < NR_OPEN; i++)
		before += stub_proc.fd[i] != NULL;
	assert_int_equal(sc(sys_pipe, BAD_UPTR, 0, 0, 0), -EFAULT);
	int after = 0;
	for (int i = 0; i < NR_OPEN; i++)
		after += stub_proc.fd[i] != NULL;
	assert_int_equal(before, after);
}

static void console_ioctl_and_isatty(void **state)
{
	(void)state;
	struct file *c = console_file();
	assert_non_null(c);
	stub_proc.fd[0] = c;
	uint8_t t[36];
	assert_int_equal(sc(sys_ioctl, 0, 0x5401, U(t), 0), 0); /* TCGETS: a tty */
	assert_int_equal(sc(sys_ioctl, 0, 0x5401, BAD_UPTR, 0), -EFAULT);
	assert_int_equal(sc(sys_lseek, 0, 0, 0, 0), -ESPIPE);
	assert_int_equal(write_(0, "hello\n", 6), 6);
	int fd = open_("/tmp/x", O_CREAT | O_RDWR, 0644);
	assert_int_equal(sc(sys_ioctl, fd, 0x5401, U(t), 0), -ENOTTY);
	int nul = open_("/dev/null", O_RDWR, 0);
	assert_int_equal(sc(sys_ioctl, nul, 0x5401, U(t), 0), -ENOTTY);
	assert_int_equal(sc(sys_lseek, nul, 100, 0, 0), 0);
	int p[2];
	sc(sys_pipe, U(p), 0, 0, 0);
	assert_int_equal(sc(sys_ioctl, p[0], 0x5401, U(t), 0), -ENOTTY);
	int on = 1;
	assert_int_equal(sc(sys_ioctl, p[0], 0x5421, U(&on), 0), 0); /* FIONBIO */
	char b;
	assert_int_equal(read_(p[0], &b, 1), -EAGAIN);
	assert_int_equal(sc(sys_ioctl, 55, 0x5401, U(t), 0), -EBADF);
	struct {
		uint64_t dev, ino, nlink;
		uint32_t mode, uid, gid, pad;
		uint64_t rdev;
		int64_t rest[12];
	} st;
	assert_int_equal(sc(sys_fstat, 0, U(&st), 0, 0), 0);
	assert_int_equal(st.mode & S_IFMT, S_IFCHR);
	assert_int_equal(st.rdev, 0x501);
}

static void names_mkdir_unlink_rename(void **state)
{
	(void)state;
	assert_int_equal(sc(sys_mkdir, S("/tmp/a"), 0700, 0, 0), 0);
	assert_int_equal(sc(sys_mkdir, S("/tmp/a"), 0700, 0, 0), -EEXIST);
	assert_int_equal(sc(sys_mkdir, S("/tmp/a/"), 0700, 0, 0), -EEXIST);
	assert_int_equal(sc(sys_mkdir, S("/"), 0700, 0, 0), -EEXIST);
	assert_int_equal(sc(sys_mkdir, S("/nope/a"), 0700, 0, 0), -ENOENT);
	assert_int_equal(sc(sys_mkdir, BAD_UPTR, 0700, 0, 0), -EFAULT);
	int d = open_("/tmp/a", O_RDONLY | O_DIRECTORY, 0);
	assert_int_equal(sc(sys_mkdirat, d, S("b"), 0755, 0), 0);
	int f = open_("/tmp/a/b/file", O_CREAT | O_WRONLY, 0644);
	assert_int_equal(sc(sys_mkdirat, f, S("c"), 0755, 0), -ENOTDIR);
	int g = (int)sc(sys_openat, d, S("b/file"), O_RDONLY, 0);
	assert_true(g >= 0);
	assert_int_equal(sc(sys_rmdir, S("/tmp/a/b"), 0, 0, 0), -ENOTEMPTY);
	assert_int_equal(sc(sys_unlinkat, d, S("b"), 0, 0), -EISDIR);
	assert_int_equal(sc(sys_unlinkat, d, S("b/file"), 0x200, 0), -ENOTDIR);
	assert_int_equal(sc(sys_unlinkat, d, S("b"), 0x1, 0), -EINVAL);
	assert_int_equal(sc(sys_rename, S("/tmp/a/b/file"), S("/tmp/moved"), 0, 0), 0);
	assert_int_equal(sc(sys_unlinkat, d, S("b"), 0x200, 0), 0);
	assert_int_equal(sc(sys_rmdir, S("/tmp/a/b"), 0, 0, 0), -ENOENT);
	assert_int_equal(sc(sys_rename, S("/tmp/a"), S("/tmp/a/x"), 0, 0), -EINVAL);
	assert_int_equal(sc(sys_rename, BAD_UPTR, S("/tmp/y"), 0, 0), -EFAULT);
	assert_int_equal(sc(sys_rename, S("/tmp/moved"), BAD_UPTR, 0, 0), -EFAULT);
	assert_int_equal(sc(sys_unlink, S("/tmp/moved"), 0, 0, 0), 0);
	/* the open descriptors still work on the unlinked file */
	assert_int_equal(write_(f, "still", 5), 5);
	char buf[8];
	assert_int_equal(read_(g, buf, 8), 5);
	assert_int_equal(sc(sys_unlink, S("/tmp/moved"), 0, 0, 0), -ENOENT);
	assert_int_equal(sc(sys_rmdir, S("/"), 0, 0, 0), -EBUSY);
}

/* struct stat of x86-64, as a user program sees it. */
struct ustat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	uint64_t t[6];
	int64_t unused[3];
};

/* ftruncate shrinks (the pages past the end are freed: st_blocks drops)
 * and grows with zeros; pread64/pwrite64 leave the offset alone. */
static void truncate_and_positional_io(void **state)
{
	(void)state;
	int fd = open_("/tmp/t", O_CREAT | O_RDWR, 0644);
	static char big[3 * 4096];
	memset(big, 'x', sizeof(big));
	assert_int_equal(write_(fd, big, sizeof(big)), sizeof(big));
	struct ustat st;
	assert_int_equal(sc(sys_fstat, fd, U(&st), 0, 0), 0);
	assert_int_equal(st.blocks, 3 * 8);
	assert_int_equal(sc(sys_ftruncate, fd, 10, 0, 0), 0);
	assert_int_equal(sc(sys_fstat, fd, U(&st), 0, 0), 0);
	assert_int_equal(st.size, 10);
	assert_int_equal(st.blocks, 8); /* two pages given back */
	assert_int_equal(sc(sys_ftruncate, fd, 5000, 0, 0), 0);
	char buf[8];
	assert_int_equal(sc(sys_pread64, fd, U(buf), 4, 8), 4);
	assert_memory_equal(buf, "xx\0\0", 4); /* the old bytes past 10 are zeros now */
	assert_int_equal(sc(sys_lseek, fd, 0, 1, 0), 3 * 4096);
	assert_int_equal(sc(sys_pwrite64, fd, U("ab"), 2, 4999), 2);
	assert_int_equal(sc(sys_lseek, fd, 0, 1, 0), 3 * 4096);
	assert_int_equal(sc(sys_fstat, fd, U(&st), 0, 0), 0);
	assert_int_equal(st.size, 5001);
	assert_int_equal(sc(sys_ftruncate, fd, (uint64_t)-1, 0, 0), -EINVAL);
	assert_int_equal(sc(sys_pread64, fd, U(buf), 1, (uint64_t)-1), -EINVAL);
	assert_int_equal(sc(sys_fsync, fd, 0, 0, 0), 0);
	assert_int_equal(sc(sys_fsync, 40, 0, 0, 0), -EBADF);
	assert_int_equal(close_(fd), 0);
}

/* struct flock as fcntl takes it (x86-64). */
struct flock64_ {
	int16_t type, whence;
	int64_t start, len;
	int32_t pid, pad;
};

static long lock_(int fd, int cmd, int type, int64_t start, int64_t len)
{
	struct flock64_ fl = {.type = (int16_t)type, .start = start, .len = len};
	return sc(sys_fcntl, (uint64_t)fd, (uint64_t)cmd, U(&fl), 0);
}

/* Record locks between two processes (the stub's pid switched), F_SETLKW
 * giving up with -EINTR when a signal is pending, fs_locks_release at
 * exit, and the split of a lock by an unlock in its middle. */
static void record_locks(void **state)
{
	(void)state;
	int fd = open_("/tmp/l", O_CREAT | O_RDWR, 0644);
	assert_int_equal(lock_(fd, 6, 1, 0, 100), 0); /* pid 1: F_SETLK F_WRLCK [0,100) */
	assert_int_equal(lock_(fd, 6, 2, 40, 10), 0); /* unlock [40,50): two pieces left */
	stub_proc.pid = 2;
	assert_int_equal(lock_(fd, 6, 0, 45, 2), 0);	    /* pid 2 reads in the hole */
	assert_int_equal(lock_(fd, 6, 0, 30, 20), -EAGAIN); /* overlaps [0,40) */
	assert_int_equal(lock_(fd, 6, 0, 50, 1), -EAGAIN);
	struct flock64_ fl = {.type = 1, .start = 60, .len = 1};
	assert_int_equal(sc(sys_fcntl, fd, 5, U(&fl), 0), 0); /* F_GETLK */
	assert_int_equal(fl.type, 1);
	assert_int_equal(fl.start, 50);
	assert_int_equal(fl.len, 50);
	assert_int_equal(fl.pid, 1);
	stub_sleeps = 0;
	assert_int_equal(lock_(fd, 7, 1, 0, 1), -EINTR); /* F_SETLKW: slept, then a signal */
	assert_int_equal(stub_sleeps, 1);
	stub_signal_pending = false;
	fs_locks_release(1, NULL);		    /* pid 1 exits */
	assert_int_equal(lock_(fd, 7, 1, 0, 0), 0); /* F_SETLKW: free now, no sleep */
	assert_int_equal(stub_sleeps, 1);
	assert_int_equal(lock_(fd, 6, 1, 0, 0), 0); /* again: our own locks never conflict */
	stub_proc.pid = 1;
	assert_int_equal(lock_(fd, 6, 0, 1000, 1), -EAGAIN); /* to EOF, however it grows */
	assert_int_equal(lock_(fd, 6, 9, 0, 1), -EINVAL);
	assert_int_equal(lock_(fd, 6, 0, -1, 1), -EINVAL);
	assert_int_equal(sc(sys_fcntl, fd, 6, BAD_UPTR, 0), -EFAULT);
	fs_locks_release(2, NULL);
	assert_int_equal(close_(fd), 0);
}

/* symlinkat and readlinkat, a loop (-ELOOP), and the umask at creation. */
static void symlinks_and_umask(void **state)
{
	(void)state;
	stub_proc.umask = 027;
	int fd = open_("/tmp/f", O_CREAT | O_RDWR, 0666);
	struct ustat st;
	assert_int_equal(sc(sys_fstat, fd, U(&st), 0, 0), 0);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(sc(sys_symlinkat, S("f"), (uint64_t)AT_FDCWD, S("/tmp/l"), 0), 0);
	char buf[16];
	assert_int_equal(sc(sys_readlinkat, (uint64_t)AT_FDCWD, S("/tmp/l"), U(buf), sizeof(buf)),
			 1);
	assert_int_equal(buf[0], 'f');
	assert_int_equal(sc(sys_stat, S("/tmp/l"), U(&st), 0, 0), 0);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(sc(sys_symlink, S("/tmp/b"), S("/tmp/a"), 0, 0), 0);
	assert_int_equal(sc(sys_symlink, S("/tmp/a"), S("/tmp/b"), 0, 0), 0);
	assert_int_equal(sc(sys_stat, S("/tmp/a"), U(&st), 0, 0), -ELOOP);
	assert_int_equal(sc(sys_symlink, S("x"), S("/tmp/a"), 0, 0), -EEXIST);
	assert_int_equal(sc(sys_symlink, S(""), S("/tmp/c"), 0, 0), -ENOENT);
	assert_int_equal(sc(sys_umask, 022, 0, 0, 0), 027);
	assert_int_equal(close_(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(read_write_lseek_close),
	    T(readv_writev),
	    T(stat_family),
	    T(getdents64_records),
	    T(cwd_chdir_readlink_access),
	    T(descriptors_dup_fcntl_emfile),
	    T(pipes_through_syscalls),
	    T(console_ioctl_and_isatty),
	    T(names_mkdir_unlink_rename),
	    T(truncate_and_positional_io),
	    T(record_locks),
	    T(symlinks_and_umask),
	};
	return cmocka_run_group_tests_name("sys_fs: file system calls", tests, NULL, NULL);
}
