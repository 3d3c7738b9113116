/* The file system calls: open, openat, close, lseek (Linux x86-64 ABI;
 * of them are in outer/fs/sys_fd.c's comment). */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include "fs_internal.h"
#include "sys_fs.h"

/* ---- open, close, lseek ---- */

/* openat(dirfd, path, flags, mode): Linux man 2 open; a created file
 * gets mode & ~umask. */
long sys_openat(const uint64_t *a)
{
	char *path;
	long r = fs_get_path(a[1], &path);
	if (r)
		return r;
	struct inode *base;
	int fd = fs_fd_free(0);
	r = fd < 0 ? fd : fs_at_base(a[0], path, &base);
	struct file *f = NULL;
	if (!r)
		r = file_open(base, path, (uint32_t)a[2], (uint32_t)a[3] & ~fs_umask(), &f);
	fs_page_free(path);
	if (r)
		return r;
	fs_fd_install(fd, f, a[2] & O_CLOEXEC);
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
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	fs_fd_install((int)a[0], NULL, false);
	if (f->ip)
		fs_locks_release(current->pid, f->ip);
	file_put(f);
	return 0;
}

/* lseek(fd, offset, whence): Linux man 2 lseek. Pipes and the tty give
 * -ESPIPE; /dev/null and /dev/zero stay at 0; a directory takes SEEK_SET
 * of a getdents64 position (rewinddir) and SEEK_CUR 0. */
long sys_lseek(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
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
