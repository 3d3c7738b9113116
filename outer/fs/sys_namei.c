/* The file system calls: paths: user path copies, directories, getcwd, chdir, readlink, access,
 * mkdir, unlink, rmdir, rename (Linux x86-64 ABI; the conventions of all of them are in
 * outer/fs/sys_fd.c's comment). */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include "fs_internal.h"
#include "sys_fs.h"

/* ---- user paths ---- */

/* Copy the user path at upath into a new page (*out; free with
 * fs_page_free). Errors: -EFAULT, -ENAMETOOLONG, -ENOMEM. */
long fs_get_path(uint64_t upath, char **out)
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

long fs_at_base(uint64_t dirfd, const char *path, struct inode **base)
{
	if (path[0] == '/' || (int)dirfd == AT_FDCWD) {
		*base = fs_cwd();
		return 0;
	}
	struct file *f = fs_fd_file(dirfd);
	if (!f)
		return -EBADF;
	if (!f->ip || !S_ISDIR(f->ip->mode))
		return -ENOTDIR;
	*base = f->ip;
	return 0;
}

/* ---- directories ---- */

/* getdents64(fd, dirp, count): Linux man 2 getdents. Records are struct
 * linux_dirent64 (d_ino, d_off, d_reclen, d_type, name, NUL), 8-byte
 * aligned; -EINVAL if not even one fits. */
long sys_getdents64(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	if (!f->ip || !S_ISDIR(f->ip->mode))
		return -ENOTDIR;
	uint8_t *k = fs_page_alloc();
	if (!k)
		return -ENOMEM;
	size_t cap = a[2] < FS_PAGE_BYTES ? (size_t)a[2] : FS_PAGE_BYTES, pos = 0;
	uint64_t cookie = f->off;
	if (cookie == 0 && f->ip->proc == PROC_DIR)
		procfs_refresh(f->ip); /* a listing of /proc starts: bring it up to date */
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
	long r = vfs_getpath(fs_cwd(), k, cap);
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

long fs_lookup_at(uint64_t dirfd, uint64_t upath, bool follow, struct inode **out)
{
	char *path;
	long r = fs_get_path(upath, &path);
	if (r)
		return r;
	struct inode *base;
	r = fs_at_base(dirfd, path, &base);
	if (!r)
		r = vfs_lookup(base, path, follow, out);
	fs_page_free(path);
	return r;
}

long fs_resolve_at(uint64_t dirfd, uint64_t upath, uint64_t flags, struct inode **ip,
		   struct file **fp)
{
	char *path;
	long r = fs_get_path(upath, &path);
	if (r)
		return r;
	*fp = NULL;
	if (path[0]) {
		struct inode *base;
		r = fs_at_base(dirfd, path, &base);
		if (!r)
			r = vfs_lookup(base, path, !(flags & AT_SYMLINK_NOFOLLOW), ip);
		fs_page_free(path);
		return r;
	}
	fs_page_free(path);
	if (!(flags & AT_EMPTY_PATH))
		return -ENOENT;
	if ((int)dirfd == AT_FDCWD) {
		*ip = fs_cwd();
		return 0;
	}
	struct file *f = fs_fd_file(dirfd);
	if (!f)
		return -EBADF;
	*fp = f;
	*ip = f->ip;
	return 0;
}

/* chdir(path): Linux man 2 chdir. */
long sys_chdir(const uint64_t *a)
{
	struct inode *ip;
	long r = fs_lookup_at((uint64_t)(int64_t)AT_FDCWD, a[0], true, &ip);
	if (r)
		return r;
	if (!S_ISDIR(ip->mode))
		return -ENOTDIR;
	inode_get(ip);
	inode_put(current->cwd);
	current->cwd = ip;
	return 0;
}

/* readlinkat(dirfd, path, buf, bufsiz): Linux man 2 readlink (no NUL
 * added; truncated to bufsiz; -EINVAL for a non-symlink or bufsiz <= 0;
 * an empty path: -ENOENT, there being no O_PATH descriptors). */
long sys_readlinkat(const uint64_t *a)
{
	if ((int)a[3] <= 0)
		return -EINVAL;
	struct inode *ip;
	long r = fs_lookup_at(a[0], a[1], false, &ip);
	if (r)
		return r;
	if (!S_ISLNK(ip->mode))
		return -EINVAL;
	size_t n = ip->size < (uint64_t)(int)a[3] ? (size_t)ip->size : (size_t)(int)a[3];
	return copy_to_user(a[2], ip->u.lnk.target, n) ? -EFAULT : (long)n;
}

/* readlink(path, buf, bufsiz) */
long sys_readlink(const uint64_t *a)
{
	const uint64_t b[6] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], a[2], 0, 0};
	return sys_readlinkat(b);
}

/* symlinkat(target, newdirfd, linkpath): Linux man 2 symlink. The target
 * is kept as given (not resolved; an empty one is -ENOENT); the link is
 * mode 0777, owned by the caller. Errors: -EEXIST (linkpath exists, even
 * as a dangling symlink), -ENOENT, -ENOTDIR, -ENAMETOOLONG, -EFAULT,
 * -EBADF, -ENOMEM. Path lookups follow symlinks up to SYMLOOP_MAX deep
 * (-ELOOP beyond, vfs_walk). */
long sys_symlinkat(const uint64_t *a)
{
	char *target, *path;
	long r = fs_get_path(a[0], &target);
	if (r)
		return r;
	r = fs_get_path(a[2], &path);
	if (r) {
		fs_page_free(target);
		return r;
	}
	struct inode *base;
	struct vfs_parent p = {.dir = NULL};
	r = target[0] ? fs_at_base(a[1], path, &base) : -ENOENT;
	if (!r)
		r = vfs_parent(base, path, &p);
	if (!r)
		r = p.child ? -EEXIST
			    : vfs_make(p.dir, p.name, p.len, S_IFLNK | 0777, target, NULL, 0, NULL);
	fs_page_free(path);
	fs_page_free(target);
	return r;
}

/* symlink(target, linkpath) */
long sys_symlink(const uint64_t *a)
{
	const uint64_t b[6] = {a[0], (uint64_t)(int64_t)AT_FDCWD, a[1], 0, 0, 0};
	return sys_symlinkat(b);
}

bool fs_may_access(const struct inode *ip, unsigned mask)
{
	const struct cred *c = proc_cred(current);
	if (c->euid == 0)
		return !(mask & X_OK) || S_ISDIR(ip->mode) || (ip->mode & 0111);
	uint32_t bits = ip->mode & 0777;
	if ((uint32_t)c->euid == ip->uid)
		bits >>= 6;
	else if ((uint32_t)c->egid == ip->gid)
		bits >>= 3;
	return !(mask & ~(bits & 7));
}

/* faccessat(dirfd, path, mode): Linux man 2 access, against the real uid
 * and gid. Root passes R_OK and W_OK always, and X_OK only for a directory
 * or a file with some x bit. */
long sys_faccessat(const uint64_t *a)
{
	uint64_t mode = a[2];
	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	struct inode *ip;
	long r = fs_lookup_at(a[0], a[1], true, &ip);
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

/* ---- names ---- */

/* mkdirat(dirfd, path, mode): Linux man 2 mkdir; the umask applies. */
long sys_mkdirat(const uint64_t *a)
{
	char *path;
	long r = fs_get_path(a[1], &path);
	if (r)
		return r;
	struct inode *base;
	struct vfs_parent p = {.dir = NULL};
	r = fs_at_base(a[0], path, &base);
	if (!r)
		r = vfs_parent(base, path, &p);
	if (!r)
		r = p.child ? -EEXIST
			    : vfs_make(p.dir, p.name, p.len,
				       S_IFDIR | ((uint32_t)a[2] & 07777 & ~fs_umask()), NULL, NULL,
				       0, NULL);
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
	long r = fs_get_path(a[1], &path);
	if (r)
		return r;
	struct inode *base;
	r = fs_at_base(a[0], path, &base);
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
	long r = fs_get_path(a[0], &from);
	if (r)
		return r;
	r = fs_get_path(a[1], &to);
	if (!r) {
		r = vfs_rename(fs_cwd(), from, fs_cwd(), to);
		fs_page_free(to);
	}
	fs_page_free(from);
	return r;
}
