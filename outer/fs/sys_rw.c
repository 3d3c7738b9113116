/* The file system calls: read, write, readv, writev through the bounce
 * buffer (Linux x86-64 ABI; the conventions of all of them are in
 * outer/fs/sys_fd.c's comment). */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include "fs_internal.h"
#include "sys_fs.h"

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
	struct file *f = fs_fd_file(a[0]);
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
/* iov_check: the n iovecs at user address uiov, checked: -EINVAL for more
 * than UIO_MAXIOV or a total over SSIZE_MAX, -EFAULT for an unreadable
 * array or a segment outside user space; else 0 and their total length
 * (bytes) in *total. */
static long iov_check(uint64_t uiov, uint64_t n, uint64_t *total)
{
	if (n > UIO_MAXIOV)
		return -EINVAL;
	*total = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct linux_iovec v;
		if (copy_from_user(&v, uiov + i * sizeof(v), sizeof(v)))
			return -EFAULT;
		if (v.len > (uint64_t)INT64_MAX - *total)
			return -EINVAL;
		if (v.len && !user_range_ok(v.base, v.len))
			return -EFAULT;
		*total += v.len;
	}
	return 0;
}

static long rwv(const uint64_t *a, bool write)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	uint64_t total;
	long r = iov_check(a[1], a[2], &total);
	if (r)
		return r;
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

/* ---- at an offset: pread64, pwrite64, preadv, pwritev ---- */

/* The checks of the positional calls, in Linux's order: -EBADF (fd not
 * open), -EINVAL (pos < 0), -ESPIPE (a pipe or the tty: no offsets). */
static long prw_file(uint64_t fd, uint64_t pos, struct file **out)
{
	struct file *f = fs_fd_file(fd);
	if (!f)
		return -EBADF;
	if ((int64_t)pos < 0)
		return -EINVAL;
	if (!f->ip || f->ops == &tty_ops)
		return -ESPIPE;
	*out = f;
	return 0;
}

/* rw at byte offset pos, leaving f->off as it was. The offset is swapped
 * in and out around rw: regular files never sleep in it, so nothing else
 * sees the swap (one CPU, no kernel preemption). Devices other than the
 * tty ignore offsets. O_APPEND writes still append (Linux man 2 pwrite,
 * BUGS). */
static long prw(struct file *f, struct ucursor *c, uint64_t total, uint64_t pos, bool write)
{
	uint64_t saved = f->off;
	f->off = pos;
	long r = rw(f, c, total, write);
	f->off = saved;
	return r;
}

/* pread64/pwrite64(fd, buf, count, pos) as a[0..3]. */
static long prw_one(const uint64_t *a, bool write)
{
	struct file *f;
	long r = prw_file(a[0], a[3], &f);
	if (r)
		return r;
	if (a[2] && !user_range_ok(a[1], a[2] < MAX_RW_BYTES ? a[2] : MAX_RW_BYTES))
		return -EFAULT;
	struct ucursor c = {.base = a[1], .left = a[2]};
	return prw(f, &c, a[2], a[3], write);
}

long sys_pread64(const uint64_t *a)
{
	return prw_one(a, false);
}

long sys_pwrite64(const uint64_t *a)
{
	return prw_one(a, true);
}

/* preadv/pwritev(fd, iov, iovcnt, pos_l, pos_h): on x86-64 the offset is
 * pos_l alone (Linux pos_from_hilo shifts pos_h out of a 64-bit word). The
 * iovecs are checked as readv's. */
static long prwv(const uint64_t *a, bool write)
{
	struct file *f;
	long r = prw_file(a[0], a[3], &f);
	if (r)
		return r;
	uint64_t total;
	r = iov_check(a[1], a[2], &total);
	if (r)
		return r;
	struct ucursor c = {.iov = a[1], .nleft = a[2]};
	return prw(f, &c, total, a[3], write);
}

long sys_preadv(const uint64_t *a)
{
	return prwv(a, false);
}

long sys_pwritev(const uint64_t *a)
{
	return prwv(a, true);
}

/* ---- sendfile ---- */

/* Copy up to count bytes from regular file in (at its offset) to out, a
 * page at a time through a kernel buffer. Returns the bytes copied or
 * -errno (out's error when nothing was copied). */
static long copy_file(struct file *out, struct file *in, uint64_t count)
{
	uint8_t *k = fs_buf_alloc();
	if (!k)
		return -ENOMEM;
	uint64_t done = 0;
	long err = 0;
	while (done < count) {
		size_t n = count - done < FS_PAGE_BYTES ? (size_t)(count - done) : FS_PAGE_BYTES;
		long r = in->ops->read(in, k, n);
		if (r <= 0) {
			err = r;
			break;
		}
		long w = out->ops->write(out, k, (size_t)r);
		if (w < r)
			in->off -= (uint64_t)(r - (w > 0 ? w : 0)); /* not copied: not read */
		if (w <= 0) {
			err = w;
			break;
		}
		done += (uint64_t)w;
		if (w < r)
			break;
	}
	fs_page_free(k);
	return done ? (long)done : err;
}

/* sendfile(out_fd, in_fd, offset, count): copy count bytes from in_fd, a
 * regular file, to out_fd (any writable file). With offset (a user
 * int64_t), reading starts there, *offset is advanced and in_fd's own
 * offset is left as it was; without, in_fd's offset moves. Errors: -EBADF
 * (not open, or in not readable, out not writable), -EINVAL (in not a
 * regular file, out opened O_APPEND, a negative offset), -EFAULT, and the
 * write's (-EPIPE, -EAGAIN). Source: Linux man 2 sendfile. */
long sys_sendfile(const uint64_t *a)
{
	struct file *out = fs_fd_file(a[0]), *in = fs_fd_file(a[1]);
	if (!out || !in || (in->flags & O_ACCMODE) == O_WRONLY ||
	    (out->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (!in->ip || !S_ISREG(in->ip->mode) || (out->flags & O_APPEND) || !out->ops->write)
		return -EINVAL;
	if (out->ip && S_ISDIR(out->ip->mode))
		return -EBADF;
	uint64_t count = a[3] > MAX_RW_BYTES ? MAX_RW_BYTES : a[3];
	if (!a[2])
		return copy_file(out, in, count);
	int64_t off;
	if (copy_from_user(&off, a[2], sizeof(off)))
		return -EFAULT;
	if (off < 0)
		return -EINVAL;
	uint64_t saved = in->off;
	in->off = (uint64_t)off;
	long r = copy_file(out, in, count);
	off = (int64_t)in->off;
	in->off = saved;
	if (copy_to_user(a[2], &off, sizeof(off)))
		return -EFAULT;
	return r;
}

/* ---- size and sync: ftruncate, truncate, fsync, fdatasync ---- */

long sys_ftruncate(const uint64_t *a)
{
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	if (!f->ip || !S_ISREG(f->ip->mode) || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	return inode_truncate(f->ip, a[1]);
}

long sys_truncate(const uint64_t *a)
{
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	struct inode *ip;
	long r = fs_lookup_at((uint64_t)(int64_t)AT_FDCWD, a[0], true, &ip);
	if (r)
		return r;
	if (S_ISDIR(ip->mode))
		return -EISDIR;
	if (!S_ISREG(ip->mode))
		return -EINVAL;
	if (!fs_may_access(ip, W_OK) || ip->proc)
		return -EACCES;
	return inode_truncate(ip, a[1]);
}

/* fsync(fd) and fdatasync(fd): tmpfs keeps everything in memory, so there
 * is nothing to write back; pipes and character devices cannot be synced
 * (-EINVAL, as Linux says for files without an fsync method). */
long sys_fsync(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	if (!f->ip || S_ISCHR(f->ip->mode))
		return -EINVAL;
	return 0;
}
