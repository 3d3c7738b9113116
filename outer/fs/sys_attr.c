/* The file system calls: attributes: umask, the chmod family (chmod,
 * fchmod, fchmodat), the chown family (chown, fchown, lchown, fchownat)
 * and utimensat (Linux x86-64 ABI; the conventions of all of them are in
 * outer/fs/sys_fd.c's comment). tmpfs keeps the mode bits, the owner and
 * the three times of every inode. Sources: Linux man 2 umask, chmod,
 * chown, utimensat; POSIX.1-2017 chmod(), chown(), futimens(). */
#include <outer/kernel.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include "fs_internal.h"
#include "sys_fs.h"

#define S_ISUID 04000
#define S_ISGID 02000
#define S_IXGRP 00010
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

uint32_t fs_umask(void)
{
	return current->umask;
}

/* umask(mask): Linux man 2 umask: set the mask to mask & 0777, return the
 * old one. Never fails. */
long sys_umask(const uint64_t *a)
{
	uint32_t old = current->umask;
	current->umask = (uint32_t)a[0] & 0777;
	return old;
}

/* The inode a call on (dirfd, upath, flags) names: dirfd's own file when
 * the path is empty and AT_EMPTY_PATH is given, else the lookup, following
 * a last symlink unless AT_SYMLINK_NOFOLLOW. Borrowed, like vfs_lookup's.
 * Errors: fs_lookup_at's, -EBADF, -ENOENT (an empty path without
 * AT_EMPTY_PATH), -EINVAL (dirfd is a pipe: no inode to change). */
static long attr_target(uint64_t dirfd, uint64_t upath, uint64_t flags, struct inode **out)
{
	struct file *f;
	long r = fs_resolve_at(dirfd, upath, flags, out, &f);
	if (r)
		return r;
	return *out ? 0 : -EINVAL;
}

/* Whether the caller owns ip or is root (the owner checks of chmod and
 * utimensat: Linux inode_owner_or_capable). */
static bool owner_or_root(const struct inode *ip)
{
	int euid = proc_cred(current)->euid;
	return euid == 0 || (uint32_t)euid == ip->uid;
}

/* ---- chmod ---- */

/* Set ip's permission bits (mode & 07777; the type stays). -EPERM unless
 * the caller owns ip or is root. */
static long do_chmod(struct inode *ip, uint64_t mode)
{
	if (ip->proc)
		return -EROFS;
	if (!owner_or_root(ip))
		return -EPERM;
	ip->mode = (ip->mode & S_IFMT) | ((uint32_t)mode & 07777);
	ip->ctime_ns = fs_now_ns();
	return 0;
}

/* fchmodat(dirfd, path, mode): the system call has no flags (glibc's
 * AT_SYMLINK_NOFOLLOW is refused in user space); a last symlink is
 * followed. */
long sys_fchmodat(const uint64_t *a)
{
	struct inode *ip;
	long r = fs_lookup_at(a[0], a[1], true, &ip);
	return r ? r : do_chmod(ip, a[2]);
}

/* chmod(path, mode) */
long sys_chmod(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], 0, 0, 0};
	return sys_fchmodat(b);
}

/* fchmod(fd, mode): -EBADF, -EINVAL for a pipe (no inode here). */
long sys_fchmod(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	if (!f->ip)
		return -EINVAL;
	return do_chmod(f->ip, a[1]);
}

/* ---- chown ---- */

/* Change ip's owner to uid and group to gid ((uint32_t)-1: unchanged).
 * Root may set anything; anyone else only a no-op change of an inode they
 * own, or its group to their own effective gid (Linux chown_ok and
 * chgrp_ok without supplementary groups), else -EPERM. A non-directory
 * loses S_ISUID, and S_ISGID when group-executable (man 2 chown). */
static long do_chown(struct inode *ip, uint64_t uid64, uint64_t gid64)
{
	uint32_t uid = (uint32_t)uid64, gid = (uint32_t)gid64;
	const struct cred *c = proc_cred(current);
	if (ip->proc)
		return -EROFS;
	if (c->euid != 0) {
		bool own = (uint32_t)c->euid == ip->uid;
		if (uid != (uint32_t)-1 && (uid != ip->uid || !own))
			return -EPERM;
		if (gid != (uint32_t)-1 && (!own || (gid != ip->gid && gid != (uint32_t)c->egid)))
			return -EPERM;
	}
	if (uid != (uint32_t)-1)
		ip->uid = uid;
	if (gid != (uint32_t)-1)
		ip->gid = gid;
	if (!S_ISDIR(ip->mode)) {
		ip->mode &= ~(uint32_t)S_ISUID;
		if (ip->mode & S_IXGRP)
			ip->mode &= ~(uint32_t)S_ISGID;
	}
	ip->ctime_ns = fs_now_ns();
	return 0;
}

/* fchownat(dirfd, path, owner, group, flags): flags AT_SYMLINK_NOFOLLOW
 * and AT_EMPTY_PATH, others -EINVAL. */
long sys_fchownat(const uint64_t *a)
{
	if (a[4] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *ip;
	long r = attr_target(a[0], a[1], a[4], &ip);
	return r ? r : do_chown(ip, a[2], a[3]);
}

/* chown(path, owner, group): follows a last symlink. */
long sys_chown(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], a[2], 0, 0};
	return sys_fchownat(b);
}

/* lchown(path, owner, group): the symlink itself. */
long sys_lchown(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], a[2],
			       AT_SYMLINK_NOFOLLOW,	    0};
	return sys_fchownat(b);
}

/* fchown(fd, owner, group): -EBADF, -EINVAL for a pipe. */
long sys_fchown(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	if (!f->ip)
		return -EINVAL;
	return do_chown(f->ip, a[1], a[2]);
}

/* ---- utimensat ---- */

/* utimensat(dirfd, path, times, flags): Linux man 2 utimensat. times NULL
 * sets both times to now; tv_nsec UTIME_NOW sets one to now, UTIME_OMIT
 * leaves it. path NULL changes dirfd's own file (Linux's futimens). flags:
 * AT_SYMLINK_NOFOLLOW (and AT_EMPTY_PATH), else -EINVAL. Both UTIME_OMIT:
 * 0 before any other check (as Linux). Errors: -EFAULT, -EINVAL (a tv_nsec
 * outside 0..999999999 that is neither special; a tv_sec < 0, which tmpfs
 * cannot keep, where Linux would accept it; bad flags),
 * -EBADF, the lookup's; -EPERM setting explicit times on a file the caller
 * does not own (not root); -EACCES setting now without ownership or write
 * permission. ctime becomes now whenever something changes. */
long sys_utimensat(const uint64_t *a)
{
	int64_t ts[4] = {0, UTIME_NOW, 0, UTIME_NOW};
	if (a[2] && copy_from_user(ts, a[2], sizeof(ts)))
		return -EFAULT;
	if (ts[1] == UTIME_OMIT && ts[3] == UTIME_OMIT)
		return 0; /* Linux returns before any other check */
	for (int i = 0; i < 2; i++) {
		int64_t ns = ts[2 * i + 1];
		if (ns != UTIME_NOW && ns != UTIME_OMIT && (ns < 0 || ns >= (int64_t)NS_PER_S))
			return -EINVAL;
		if (ns != UTIME_NOW && ns != UTIME_OMIT &&
		    (ts[2 * i] < 0 || (uint64_t)ts[2 * i] > INT64_MAX / NS_PER_S - 1))
			return -EINVAL;
	}
	if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *ip;
	long r;
	if (!a[1]) {
		struct file *f = fs_fd_file(a[0]);
		if ((int)a[0] == AT_FDCWD)
			return -EFAULT;
		if (!f)
			return -EBADF;
		if (!f->ip)
			return -EINVAL;
		ip = f->ip;
	} else if ((r = attr_target(a[0], a[1], a[3], &ip))) {
		return r;
	}
	if (ip->proc)
		return -EROFS;
	bool explicit_time = (ts[1] != UTIME_NOW && ts[1] != UTIME_OMIT) ||
			     (ts[3] != UTIME_NOW && ts[3] != UTIME_OMIT);
	if (!owner_or_root(ip)) {
		if (explicit_time)
			return -EPERM;
		if (!fs_may_access(ip, W_OK))
			return -EACCES;
	}
	uint64_t now = fs_now_ns();
	uint64_t *dst[2] = {&ip->atime_ns, &ip->mtime_ns};
	for (int i = 0; i < 2; i++) {
		int64_t ns = ts[2 * i + 1];
		if (ns == UTIME_NOW)
			*dst[i] = now;
		else if (ns != UTIME_OMIT)
			*dst[i] = (uint64_t)ts[2 * i] * NS_PER_S + (uint64_t)ns;
	}
	ip->ctime_ns = now;
	return 0;
}
