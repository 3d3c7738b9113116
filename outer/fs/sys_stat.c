/* The file system calls: fstat, stat, lstat, newfstatat (Linux x86-64 ABI;
 * of them are in outer/fs/sys_fd.c's comment). */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include "fs_internal.h"
#include "sys_fs.h"

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
	struct file *f = fs_fd_file(a[0]);
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
	long r = fs_get_path(a[1], &path);
	if (r)
		return r;
	struct linux_stat st;
	if (!path[0]) {
		fs_page_free(path);
		if (!(flags & AT_EMPTY_PATH))
			return -ENOENT;
		if ((int)a[0] == AT_FDCWD) {
			stat_inode(fs_cwd(), &st);
		} else {
			struct file *f = fs_fd_file(a[0]);
			if (!f)
				return -EBADF;
			stat_file(f, &st);
		}
		return copy_to_user(a[2], &st, sizeof(st));
	}
	struct inode *base, *ip;
	r = fs_at_base(a[0], path, &base);
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
