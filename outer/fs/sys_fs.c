/* The file system calls (Linux x86-64 ABI). Every user pointer goes
 * through copy_from_user/copy_to_user/strncpy_from_user, data moves through
 * a one-page kernel bounce buffer (not zeroed: only bytes written into it
 * are read back), and a call that fails changes nothing
 * that Linux would not have changed. Sources: the Linux man pages named at
 * each handler (section 2), include/uapi/asm-generic/fcntl.h and
 * arch/x86/include/uapi/asm/stat.h for the constants and layouts.
 *
 * Relies on the process code (include/outer/proc.h): `current` is the
 * caller and is not NULL in a system call; sched_sleep returns with
 * interrupts off after sched_wakeup(chan), a signal, or (when
 * current->wake_tick is non-zero) once the timer tick count reaches
 * current->wake_tick; uptime_ns advances with that tick count. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include "fs_internal.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
#define UIO_MAXIOV 1024
#define POLL_MAX_FDS 1024
#define MAX_RW_BYTES 0x7ffff000ull /* Linux's MAX_RW_COUNT */
#define TMPFS_DEV 0x15		   /* st_dev of every tmpfs inode */
#define PIPEFS_DEV 0x0c		   /* st_dev of pipes */

/* struct stat of x86-64 (arch/x86/include/uapi/asm/stat.h). */
struct linux_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat is 144 bytes on x86-64");

struct linux_iovec {
	uint64_t base, len;
};

struct linux_pollfd {
	int32_t fd;
	int16_t events, revents;
};

struct linux_timespec {
	int64_t sec, nsec;
};

static char poll_chan;

void poll_wakeup(void)
{
	sched_wakeup(&poll_chan);
}

/* ---- descriptors ---- */

static struct inode *cwd(void)
{
	return current->cwd ? current->cwd : fs_root;
}

static struct file *fd_file(uint64_t fd)
{
	int i = (int)fd;
	return i >= 0 && i < NR_OPEN ? current->fd[i] : NULL;
}

/* The lowest free descriptor >= min, or -EMFILE. */
static int fd_free(int min)
{
	for (int i = min; i < NR_OPEN; i++)
		if (!current->fd[i])
			return i;
	return -EMFILE;
}

/* Put f (whose reference moves in) at free descriptor fd. */
static void fd_install(int fd, struct file *f, bool cloexec)
{
	current->fd[fd] = f;
	if (cloexec)
		current->cloexec |= 1ull << fd;
	else
		current->cloexec &= ~(1ull << fd);
}

/* ---- user paths ---- */

/* Copy the user path at upath into a new page (*out; free with
 * fs_page_free). Errors: -EFAULT, -ENAMETOOLONG, -ENOMEM. */
static long get_path(uint64_t upath, char **out)
{
	char *k = fs_page_alloc();
	if (!k)
		return -ENOMEM;
	long r = strncpy_from_user(k, upath, PATH_MAX);
	if (r < 0) {
		fs_page_free(k);
		return r;
	}
	*out = k;
	return 0;
}

/* The directory a *at call starts from: dirfd's for a relative path. */
static long at_base(uint64_t dirfd, const char *path, struct inode **base)
{
	if (path[0] == '/' || (int)dirfd == AT_FDCWD) {
		*base = cwd();
		return 0;
	}
	struct file *f = fd_file(dirfd);
	if (!f)
		return -EBADF;
	if (!f->ip || !S_ISDIR(f->ip->mode))
		return -ENOTDIR;
	*base = f->ip;
	return 0;
}

/* ---- read and write ---- */

/* A cursor over a user buffer list (an iovec array, or one buffer). */
struct ucursor {
	uint64_t iov;	/* user address of the next struct iovec */
	uint64_t nleft; /* iovecs not loaded yet */
	uint64_t base;	/* the current segment: user address */
	uint64_t left;	/* and its bytes left */
};

/* Copy n bytes between kbuf and the cursor's user memory. Returns 0 or
 * -EFAULT (the cursor is then somewhere inside). */
static long uc_copy(struct ucursor *c, void *kbuf, size_t n, bool to_user)
{
	uint8_t *k = kbuf;
	while (n) {
		while (c->left == 0) {
			struct linux_iovec v;
			if (!c->nleft || copy_from_user(&v, c->iov, sizeof(v)))
				return -EFAULT;
			c->iov += sizeof(v);
			c->nleft--;
			c->base = v.base;
			c->left = v.len;
		}
		size_t m = n < c->left ? n : (size_t)c->left;
		if (to_user ? copy_to_user(c->base, k, m) : copy_from_user(k, c->base, m))
			return -EFAULT;
		c->base += m;
		c->left -= m;
		k += m;
		n -= m;
	}
	return 0;
}

/* Move up to total bytes between f and the user memory of c. Regular
 * files loop page by page; pipes and devices take one transfer (a second
 * could block after data arrived). Returns the bytes moved or -errno. */
static long rw(struct file *f, struct ucursor *c, uint64_t total, bool write)
{
	uint32_t acc = f->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	if (f->ip && S_ISDIR(f->ip->mode))
		return write ? -EBADF : -EISDIR;
	if (write ? !f->ops->write : !f->ops->read)
		return -EINVAL;
	if (total > MAX_RW_BYTES)
		total = MAX_RW_BYTES;
	if (total == 0)
		return 0;
	uint8_t *k = fs_buf_alloc(); /* written before read: no zeroing */
	if (!k)
		return -ENOMEM;
	bool regular = f->ip && S_ISREG(f->ip->mode);
	uint64_t done = 0;
	long err = 0;
	while (done < total) {
		size_t n = total - done < FS_PAGE_BYTES ? (size_t)(total - done) : FS_PAGE_BYTES;
		long r;
		if (write) {
			if (uc_copy(c, k, n, false)) {
				err = -EFAULT;
				break;
			}
			r = f->ops->write(f, k, n);
		} else {
			r = f->ops->read(f, k, n);
			if (r > 0 && uc_copy(c, k, (size_t)r, true)) {
				if (regular)
					f->off -= (uint64_t)r; /* as if not read */
				err = -EFAULT;
				break;
			}
		}
		if (r < 0) {
			err = r;
			break;
		}
		done += (uint64_t)r;
		if ((size_t)r < n || (!regular && !write))
			break;
	}
	fs_page_free(k);
	return done ? (long)done : err;
}

/* read or write (fd, buf, count) as a[0..2]. */
static long rw_one(const uint64_t *a, bool write)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	if (a[2] && !user_range_ok(a[1], a[2] < MAX_RW_BYTES ? a[2] : MAX_RW_BYTES))
		return -EFAULT;
	struct ucursor c = {.base = a[1], .left = a[2]};
	return rw(f, &c, a[2], write);
}

/* read(fd, buf, count): Linux man 2 read. */
long sys_read(const uint64_t *a)
{
	return rw_one(a, false);
}

/* write(fd, buf, count): Linux man 2 write. */
long sys_write(const uint64_t *a)
{
	return rw_one(a, true);
}

/* readv/writev(fd, iov, iovcnt): Linux man 2 readv. The iovecs are checked
 * first (-EINVAL for more than UIO_MAXIOV or a total over SSIZE_MAX,
 * -EFAULT for an unreadable array or a segment outside user space). */
static long rwv(const uint64_t *a, bool write)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	if (a[2] > UIO_MAXIOV)
		return -EINVAL;
	uint64_t total = 0;
	for (uint64_t i = 0; i < a[2]; i++) {
		struct linux_iovec v;
		if (copy_from_user(&v, a[1] + i * sizeof(v), sizeof(v)))
			return -EFAULT;
		if (v.len > (uint64_t)INT64_MAX - total)
			return -EINVAL;
		if (v.len && !user_range_ok(v.base, v.len))
			return -EFAULT;
		total += v.len;
	}
	struct ucursor c = {.iov = a[1], .nleft = a[2]};
	return rw(f, &c, total, write);
}

long sys_readv(const uint64_t *a)
{
	return rwv(a, false);
}

long sys_writev(const uint64_t *a)
{
	return rwv(a, true);
}

/* ---- open, close, lseek ---- */

/* openat(dirfd, path, flags, mode): Linux man 2 open. */
long sys_openat(const uint64_t *a)
{
	char *path;
	long r = get_path(a[1], &path);
	if (r)
		return r;
	struct inode *base;
	int fd = fd_free(0);
	r = fd < 0 ? fd : at_base(a[0], path, &base);
	struct file *f = NULL;
	if (!r)
		r = file_open(base, path, (uint32_t)a[2], (uint32_t)a[3], &f);
	fs_page_free(path);
	if (r)
		return r;
	fd_install(fd, f, a[2] & O_CLOEXEC);
	return fd;
}

/* open(path, flags, mode): openat relative to the cwd. */
long sys_open(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], a[2], 0, 0};
	return sys_openat(b);
}

/* close(fd): Linux man 2 close. */
long sys_close(const uint64_t *a)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	fd_install((int)a[0], NULL, false);
	file_put(f);
	return 0;
}

/* lseek(fd, offset, whence): Linux man 2 lseek. Pipes and the tty give
 * -ESPIPE; /dev/null and /dev/zero stay at 0; a directory takes SEEK_SET
 * of a getdents64 position (rewinddir) and SEEK_CUR 0. */
long sys_lseek(const uint64_t *a)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	int64_t off = (int64_t)a[1];
	unsigned whence = (unsigned)a[2];
	if (!f->ip)
		return -ESPIPE;
	if (S_ISCHR(f->ip->mode))
		return f->ops == &tty_ops ? -ESPIPE : 0;
	if (whence > SEEK_END)
		return -EINVAL;
	int64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (int64_t)f->off
					    : (int64_t)f->ip->size;
	if (S_ISDIR(f->ip->mode) && whence == SEEK_END)
		return -EINVAL;
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->off = (uint64_t)(base + off);
	return (long)f->off;
}

/* ---- stat ---- */

static void stat_inode(const struct inode *ip, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = TMPFS_DEV;
	st->st_ino = ip->ino;
	st->st_nlink = ip->nlink;
	st->st_mode = ip->mode;
	st->st_uid = ip->uid;
	st->st_gid = ip->gid;
	st->st_rdev = S_ISCHR(ip->mode) ? ip->u.chr.rdev : 0;
	st->st_size = S_ISDIR(ip->mode) ? 4096 : (int64_t)ip->size;
	st->st_blksize = FS_PAGE_BYTES;
	if (S_ISREG(ip->mode))
		for (uint64_t i = 0; i < ip->u.reg.npages; i++)
			st->st_blocks += ip->u.reg.pages[i] ? FS_PAGE_BYTES / 512 : 0;
	st->st_atime = st->st_mtime = st->st_ctime = ip->mtime;
}

static long stat_file(const struct file *f, struct linux_stat *st)
{
	if (f->ip) {
		stat_inode(f->ip, st);
		return 0;
	}
	memset(st, 0, sizeof(*st));
	st->st_dev = PIPEFS_DEV;
	st->st_ino = pipe_ino(f);
	st->st_nlink = 1;
	st->st_mode = S_IFIFO | 0600;
	st->st_blksize = FS_PAGE_BYTES;
	return 0;
}

/* fstat(fd, statbuf): Linux man 2 stat. */
long sys_fstat(const uint64_t *a)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	struct linux_stat st;
	stat_file(f, &st);
	return copy_to_user(a[1], &st, sizeof(st));
}

/* newfstatat(dirfd, path, statbuf, flags): Linux man 2 fstatat. */
long sys_newfstatat(const uint64_t *a)
{
	uint64_t flags = a[3];
	if (flags & ~(uint64_t)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT))
		return -EINVAL;
	char *path;
	long r = get_path(a[1], &path);
	if (r)
		return r;
	struct linux_stat st;
	if (!path[0]) {
		fs_page_free(path);
		if (!(flags & AT_EMPTY_PATH))
			return -ENOENT;
		if ((int)a[0] == AT_FDCWD) {
			stat_inode(cwd(), &st);
		} else {
			struct file *f = fd_file(a[0]);
			if (!f)
				return -EBADF;
			stat_file(f, &st);
		}
		return copy_to_user(a[2], &st, sizeof(st));
	}
	struct inode *base, *ip;
	r = at_base(a[0], path, &base);
	if (!r)
		r = vfs_lookup(base, path, !(flags & AT_SYMLINK_NOFOLLOW), &ip);
	fs_page_free(path);
	if (r)
		return r;
	stat_inode(ip, &st);
	return copy_to_user(a[2], &st, sizeof(st));
}

/* stat(path, statbuf) */
long sys_stat(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], 0, 0, 0};
	return sys_newfstatat(b);
}

/* lstat(path, statbuf) */
long sys_lstat(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW, 0, 0};
	return sys_newfstatat(b);
}

/* ---- directories ---- */

/* getdents64(fd, dirp, count): Linux man 2 getdents. Records are struct
 * linux_dirent64 (d_ino, d_off, d_reclen, d_type, name, NUL), 8-byte
 * aligned; -EINVAL if not even one fits. */
long sys_getdents64(const uint64_t *a)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	if (!f->ip || !S_ISDIR(f->ip->mode))
		return -ENOTDIR;
	uint8_t *k = fs_page_alloc();
	if (!k)
		return -ENOMEM;
	size_t cap = a[2] < FS_PAGE_BYTES ? (size_t)a[2] : FS_PAGE_BYTES, pos = 0;
	uint64_t cookie = f->off;
	struct vfs_dirent de;
	long r = 0;
	while (vfs_readdir(f->ip, cookie, &de)) {
		size_t reclen = (size_t)align_up(19 + de.len + 1, 8);
		if (pos + reclen > cap) {
			if (pos == 0)
				r = -EINVAL;
			break;
		}
		uint16_t rl = (uint16_t)reclen;
		int64_t doff = (int64_t)de.next_cookie;
		memcpy(k + pos, &de.ino, 8);
		memcpy(k + pos + 8, &doff, 8);
		memcpy(k + pos + 16, &rl, 2);
		k[pos + 18] = de.type;
		memcpy(k + pos + 19, de.name, de.len);
		memset(k + pos + 19 + de.len, 0, reclen - 19 - de.len);
		pos += reclen;
		cookie = de.next_cookie;
	}
	if (!r && pos)
		r = copy_to_user(a[1], k, pos);
	fs_page_free(k);
	if (r)
		return r;
	f->off = cookie;
	return (long)pos;
}

/* getcwd(buf, size): Linux man 2 getcwd (the system call returns the
 * length including the NUL). -ERANGE if size is too small, -ENOENT if the
 * cwd was removed. */
long sys_getcwd(const uint64_t *a)
{
	char *k = fs_page_alloc();
	if (!k)
		return -ENOMEM;
	size_t cap = a[1] < PATH_MAX ? (size_t)a[1] : PATH_MAX;
	long r = vfs_getpath(cwd(), k, cap);
	if (r == -ERANGE && a[1] >= PATH_MAX)
		r = -ENAMETOOLONG;
	if (r >= 0) {
		r++;
		if (copy_to_user(a[0], k, (size_t)r))
			r = -EFAULT;
	}
	fs_page_free(k);
	return r;
}

/* Copy the user path at upath and look it up from the cwd (following a
 * last symlink when follow). Errors as get_path and vfs_lookup. */
static long lookup_user_path(uint64_t upath, bool follow, struct inode **out)
{
	char *path;
	long r = get_path(upath, &path);
	if (r)
		return r;
	r = vfs_lookup(cwd(), path, follow, out);
	fs_page_free(path);
	return r;
}

/* chdir(path): Linux man 2 chdir. */
long sys_chdir(const uint64_t *a)
{
	struct inode *ip;
	long r = lookup_user_path(a[0], true, &ip);
	if (r)
		return r;
	if (!S_ISDIR(ip->mode))
		return -ENOTDIR;
	inode_get(ip);
	inode_put(current->cwd);
	current->cwd = ip;
	return 0;
}

/* readlink(path, buf, bufsiz): Linux man 2 readlink (no NUL added;
 * truncated to bufsiz; -EINVAL for a non-symlink or bufsiz <= 0). */
long sys_readlink(const uint64_t *a)
{
	if ((int)a[2] <= 0)
		return -EINVAL;
	struct inode *ip;
	long r = lookup_user_path(a[0], false, &ip);
	if (r)
		return r;
	if (!S_ISLNK(ip->mode))
		return -EINVAL;
	size_t n = ip->size < (uint64_t)(int)a[2] ? (size_t)ip->size : (size_t)(int)a[2];
	return copy_to_user(a[1], ip->u.lnk.target, n) ? -EFAULT : (long)n;
}

/* faccessat(dirfd, path, mode): Linux man 2 access, against the real uid
 * and gid. Root passes R_OK and W_OK always, and X_OK only for a directory
 * or a file with some x bit. */
long sys_faccessat(const uint64_t *a)
{
	uint64_t mode = a[2];
	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	char *path;
	long r = get_path(a[1], &path);
	if (r)
		return r;
	struct inode *base, *ip;
	r = at_base(a[0], path, &base);
	if (!r)
		r = vfs_lookup(base, path, true, &ip);
	fs_page_free(path);
	if (r)
		return r;
	if (mode == F_OK)
		return 0;
	if (proc_cred(current)->uid == 0) {
		if ((mode & X_OK) && !S_ISDIR(ip->mode) && !(ip->mode & 0111))
			return -EACCES;
		return 0;
	}
	uint32_t bits = ip->mode & 0777;
	if ((uint32_t)proc_cred(current)->uid == ip->uid)
		bits >>= 6;
	else if ((uint32_t)proc_cred(current)->gid == ip->gid)
		bits >>= 3;
	return (mode & ~(uint64_t)(bits & 7)) ? -EACCES : 0;
}

/* access(path, mode) */
long sys_access(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], 0, 0, 0};
	return sys_faccessat(b);
}

/* ---- ioctl, pipes, descriptors ---- */

/* ioctl(fd, request, arg): Linux man 2 ioctl; FIOCLEX, FIONCLEX and
 * FIONBIO for every file, the rest to the file's driver (-ENOTTY if none,
 * which is how isatty says no). */
long sys_ioctl(const uint64_t *a)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	unsigned req = (unsigned)a[1];
	if (req == FIOCLEX || req == FIONCLEX) {
		fd_install((int)a[0], f, req == FIOCLEX);
		return 0;
	}
	if (req == FIONBIO) {
		int on;
		if (copy_from_user(&on, a[2], sizeof(on)))
			return -EFAULT;
		f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~(uint32_t)O_NONBLOCK;
		return 0;
	}
	return f->ops->ioctl ? f->ops->ioctl(f, req, a[2]) : -ENOTTY;
}

/* pipe2(fds, flags): Linux man 2 pipe; flags O_CLOEXEC, O_NONBLOCK. */
long sys_pipe2(const uint64_t *a)
{
	uint64_t flags = a[1];
	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	int fds[2];
	fds[0] = fd_free(0);
	if (fds[0] < 0)
		return fds[0];
	fds[1] = fd_free(fds[0] + 1);
	if (fds[1] < 0)
		return fds[1];
	struct file *rd, *wr;
	long r = pipe_create((uint32_t)flags, &rd, &wr);
	if (r)
		return r;
	if (copy_to_user(a[0], fds, sizeof(fds))) {
		file_put(rd);
		file_put(wr);
		return -EFAULT;
	}
	fd_install(fds[0], rd, flags & O_CLOEXEC);
	fd_install(fds[1], wr, flags & O_CLOEXEC);
	return 0;
}

/* pipe(fds) */
long sys_pipe(const uint64_t *a)
{
	const uint64_t b[6] = {a[0], 0, 0, 0, 0, 0};
	return sys_pipe2(b);
}

/* dup(fd): Linux man 2 dup (the new descriptor has no FD_CLOEXEC). */
long sys_dup(const uint64_t *a)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	int fd = fd_free(0);
	if (fd < 0)
		return fd;
	file_get(f);
	fd_install(fd, f, false);
	return fd;
}

/* Make newfd a copy of oldfd (closing what newfd had). */
static long dup_to(uint64_t oldfd, uint64_t newfd, bool cloexec)
{
	struct file *f = fd_file(oldfd);
	if (!f)
		return -EBADF;
	if ((int)newfd < 0 || (int)newfd >= NR_OPEN)
		return -EBADF;
	struct file *prev = current->fd[(int)newfd];
	file_get(f);
	fd_install((int)newfd, f, cloexec);
	file_put(prev);
	return (int)newfd;
}

/* dup2(oldfd, newfd): the same descriptor is returned unchanged if valid. */
long sys_dup2(const uint64_t *a)
{
	if ((int)a[0] == (int)a[1])
		return fd_file(a[0]) ? (int)a[0] : -EBADF;
	return dup_to(a[0], a[1], false);
}

/* dup3(oldfd, newfd, flags): -EINVAL for equal descriptors or flags other
 * than O_CLOEXEC. */
long sys_dup3(const uint64_t *a)
{
	if (a[2] & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if ((int)a[0] == (int)a[1])
		return -EINVAL;
	return dup_to(a[0], a[1], a[2] & O_CLOEXEC);
}

/* fcntl(fd, cmd, arg): Linux man 2 fcntl: F_DUPFD, F_DUPFD_CLOEXEC,
 * F_GETFD/F_SETFD (FD_CLOEXEC), F_GETFL/F_SETFL (O_APPEND, O_NONBLOCK). */
long sys_fcntl(const uint64_t *a)
{
	struct file *f = fd_file(a[0]);
	if (!f)
		return -EBADF;
	int fd = (int)a[0];
	switch ((int)a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		int min = (int)a[2];
		if (min < 0 || min >= NR_OPEN)
			return -EINVAL;
		int n = fd_free(min);
		if (n < 0)
			return n;
		file_get(f);
		fd_install(n, f, (int)a[1] == F_DUPFD_CLOEXEC);
		return n;
	}
	case F_GETFD:
		return (current->cloexec >> fd) & 1 ? FD_CLOEXEC : 0;
	case F_SETFD:
		fd_install(fd, f, a[2] & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
			   ((uint32_t)a[2] & (O_APPEND | O_NONBLOCK));
		return 0;
	}
	return -EINVAL;
}

/* ---- poll ---- */

/* Fill revents of every entry; the number of entries with events. */
static long poll_scan(struct linux_pollfd *p, uint64_t n)
{
	long ready = 0;
	for (uint64_t i = 0; i < n; i++) {
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		struct file *f = fd_file((uint64_t)(int64_t)p[i].fd);
		unsigned m;
		if (!f)
			m = POLLNVAL;
		else
			m = f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;
		if (m & POLLIN)
			m |= POLLRDNORM;
		if (m & POLLOUT)
			m |= POLLWRNORM;
		m &= (uint16_t)p[i].events | POLLERR | POLLHUP | POLLNVAL;
		p[i].revents = (int16_t)m;
		ready += m != 0;
	}
	return ready;
}

/* poll over the user array ufds of n entries; timeout_ns < 0: no limit.
 * Sleeps on poll_chan (poll_wakeup) with current->wake_tick as deadline. */
static long do_poll(uint64_t ufds, uint64_t n, int64_t timeout_ns)
{
	if (n > POLL_MAX_FDS)
		return -EINVAL;
	struct linux_pollfd *p = NULL;
	size_t bytes = n * sizeof(*p);
	if (n) {
		p = kmalloc(bytes);
		if (!p)
			return -ENOMEM;
		if (copy_from_user(p, ufds, bytes)) {
			kfree(p);
			return -EFAULT;
		}
	}
	const uint64_t tick_ns = 1000000000ull / TIMER_HZ;
	uint64_t deadline = 0;
	if (timeout_ns > 0)
		deadline = uptime_ns() + (uint64_t)timeout_ns;
	long r;
	uint64_t fl = fs_irq_save();
	for (;;) {
		r = poll_scan(p, n);
		if (r || timeout_ns == 0 || (deadline && uptime_ns() >= deadline))
			break;
		if (proc_signal_pending(current)) {
			r = -EINTR;
			break;
		}
		current->wake_tick = deadline ? deadline / tick_ns + 1 : 0;
		sched_sleep(&poll_chan);
		current->wake_tick = 0;
	}
	fs_irq_restore(fl);
	if (r >= 0 && n && copy_to_user(ufds, p, bytes))
		r = -EFAULT;
	kfree(p);
	return r;
}

/* poll(fds, nfds, timeout_ms): Linux man 2 poll (negative: no limit). */
long sys_poll(const uint64_t *a)
{
	int ms = (int)a[2];
	return do_poll(a[0], a[1], ms < 0 ? -1 : (int64_t)ms * 1000000);
}

/* ppoll(fds, nfds, tmo, sigmask, sigsetsize): Linux man 2 ppoll; tmo NULL
 * is no limit; the signal mask is accepted and ignored (no handlers yet);
 * the remaining time is not written back. */
long sys_ppoll(const uint64_t *a)
{
	int64_t ns = -1;
	if (a[2]) {
		struct linux_timespec ts;
		if (copy_from_user(&ts, a[2], sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		ns =
		    ts.sec > INT64_MAX / 1000000000 - 1 ? INT64_MAX : ts.sec * 1000000000 + ts.nsec;
	}
	if (a[3] && a[4] != 8)
		return -EINVAL;
	return do_poll(a[0], a[1], ns);
}

/* ---- names ---- */

/* mkdirat(dirfd, path, mode): Linux man 2 mkdir. */
long sys_mkdirat(const uint64_t *a)
{
	char *path;
	long r = get_path(a[1], &path);
	if (r)
		return r;
	struct inode *base;
	struct vfs_parent p = {.dir = NULL};
	r = at_base(a[0], path, &base);
	if (!r)
		r = vfs_parent(base, path, &p);
	if (!r)
		r = p.child ? -EEXIST
			    : vfs_make(p.dir, p.name, p.len, S_IFDIR | ((uint32_t)a[2] & 07777),
				       NULL, NULL, 0, NULL);
	fs_page_free(path);
	return r;
}

/* mkdir(path, mode) */
long sys_mkdir(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], 0, 0, 0};
	return sys_mkdirat(b);
}

/* unlinkat(dirfd, path, flags): Linux man 2 unlink; AT_REMOVEDIR is rmdir. */
long sys_unlinkat(const uint64_t *a)
{
	if (a[2] & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	char *path;
	long r = get_path(a[1], &path);
	if (r)
		return r;
	struct inode *base;
	r = at_base(a[0], path, &base);
	if (!r)
		r = vfs_remove(base, path, a[2] & AT_REMOVEDIR);
	fs_page_free(path);
	return r;
}

/* unlink(path) */
long sys_unlink(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], 0, 0, 0, 0};
	return sys_unlinkat(b);
}

/* rmdir(path): Linux man 2 rmdir. */
long sys_rmdir(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], AT_REMOVEDIR, 0, 0, 0};
	return sys_unlinkat(b);
}

/* rename(oldpath, newpath): Linux man 2 rename. */
long sys_rename(const uint64_t *a)
{
	char *from, *to;
	long r = get_path(a[0], &from);
	if (r)
		return r;
	r = get_path(a[1], &to);
	if (!r) {
		r = vfs_rename(cwd(), from, cwd(), to);
		fs_page_free(to);
	}
	fs_page_free(from);
	return r;
}
