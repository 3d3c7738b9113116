/* The file system calls: fstat, stat, lstat, newfstatat, statx (Linux
 * x86-64 ABI; the conventions of all of them are in outer/fs/sys_fd.c's comment). */
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
	st->st_atime = ip->atime_ns / NS_PER_S;
	st->st_atime_nsec = ip->atime_ns % NS_PER_S;
	st->st_mtime = ip->mtime_ns / NS_PER_S;
	st->st_mtime_nsec = ip->mtime_ns % NS_PER_S;
	st->st_ctime = ip->ctime_ns / NS_PER_S;
	st->st_ctime_nsec = ip->ctime_ns % NS_PER_S;
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

/* The struct stat of what (dirfd, upath, flags) names (flags already
 * checked): dirfd's file for an empty path with AT_EMPTY_PATH, else the
 * lookup (a last symlink followed unless AT_SYMLINK_NOFOLLOW). */
static long stat_at(uint64_t dirfd, uint64_t upath, uint64_t flags, struct linux_stat *st)
{
	struct inode *ip;
	struct file *f;
	long r = fs_resolve_at(dirfd, upath, flags, &ip, &f);
	if (r)
		return r;
	if (f)
		stat_file(f, st);
	else
		stat_inode(ip, st);
	return 0;
}

/* newfstatat(dirfd, path, statbuf, flags): Linux man 2 fstatat. */
long sys_newfstatat(const uint64_t *a)
{
	uint64_t flags = a[3];
	if (flags & ~(uint64_t)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct linux_stat st;
	long r = stat_at(a[0], a[1], flags, &st);
	return r ? r : copy_to_user(a[2], &st, sizeof(st));
}

/* struct statx (include/uapi/linux/stat.h), 256 bytes. */
struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct linux_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");
#define STATX_BASIC_STATS 0x7ffu /* type, mode, nlink, uid, gid, a/m/ctime, ino, size, blocks */
#define STATX__RESERVED 0x80000000u
#define AT_STATX_SYNC_TYPE 0x6000
#define STATX_FLAGS (AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)

/* Linux's new_decode_dev: the major and minor of an st_rdev/st_dev value. */
static void decode_dev(uint64_t dev, uint32_t *major, uint32_t *minor)
{
	*major = (uint32_t)((dev & 0xfff00) >> 8);
	*minor = (uint32_t)((dev & 0xff) | ((dev >> 12) & 0xfff00));
}

/* statx(dirfd, path, flags, mask, statxbuf): Linux man 2 statx. Every
 * basic field is filled whatever mask asks (stx_mask says
 * STATX_BASIC_STATS; no birth time, no attributes). Errors: -EINVAL
 * (flags outside AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT and
 * the sync type; both sync types at once; mask with STATX__RESERVED), and
 * fstatat's. */
long sys_statx(const uint64_t *a)
{
	uint64_t flags = a[2];
	if ((flags & ~(uint64_t)STATX_FLAGS) || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if ((uint32_t)a[3] & STATX__RESERVED)
		return -EINVAL;
	struct linux_stat st;
	long r = stat_at(a[0], a[1], flags, &st);
	if (r)
		return r;
	struct linux_statx sx;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = (uint32_t)st.st_blksize;
	sx.stx_nlink = (uint32_t)st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = (uint16_t)st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = (uint64_t)st.st_size;
	sx.stx_blocks = (uint64_t)st.st_blocks;
	sx.stx_atime = (struct statx_ts){(int64_t)st.st_atime, (uint32_t)st.st_atime_nsec, 0};
	sx.stx_mtime = (struct statx_ts){(int64_t)st.st_mtime, (uint32_t)st.st_mtime_nsec, 0};
	sx.stx_ctime = (struct statx_ts){(int64_t)st.st_ctime, (uint32_t)st.st_ctime_nsec, 0};
	decode_dev(st.st_rdev, &sx.stx_rdev_major, &sx.stx_rdev_minor);
	decode_dev(st.st_dev, &sx.stx_dev_major, &sx.stx_dev_minor);
	return copy_to_user(a[4], &sx, sizeof(sx));
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
