/* The file system calls' shared part (outer/fs/sys_*.c; private to
 * outer/fs/): the Linux constants and layouts they use and the helpers more
 * than one of them calls. Sources: include/uapi/asm-generic/fcntl.h,
 * arch/x86/include/uapi/asm/stat.h, the man pages of each call. */
#ifndef OUTER_FS_SYS_FS_H
#define OUTER_FS_SYS_FS_H

#include <outer/kernel.h>
#include "fs_internal.h"
#include <outer/proc.h>

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
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
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
#define NS_PER_S 1000000000ull
#define TMPFS_DEV 0x15	/* st_dev of every tmpfs inode */
#define PIPEFS_DEV 0x0c /* st_dev of pipes */

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

/* fs_cwd: the calling process's working directory (never NULL in a
 * system call). */
struct inode *fs_cwd(void);

/* fs_fd_file: the open file at descriptor fd of the calling process, or
 * NULL when fd is out of range or closed (the callers say -EBADF). Inline:
 * every read and write asks. */
static inline struct file *fs_fd_file(uint64_t fd)
{
	int i = (int)fd;
	return i >= 0 && i < NR_OPEN ? current->fd[i] : NULL;
}

/* The lowest free descriptor >= min, or -EMFILE. */
int fs_fd_free(int min);

/* Put f (whose reference moves in) at descriptor fd, which fs_fd_free
 * returned; cloexec sets its close-on-exec flag (O_CLOEXEC, FD_CLOEXEC). */
void fs_fd_install(int fd, struct file *f, bool cloexec);

/* Copy the user path at upath into a new page (*out; free with
 * fs_page_free). Errors: -EFAULT, -ENAMETOOLONG, -ENOMEM. */
long fs_get_path(uint64_t upath, char **out);

/* The directory a *at call (Linux man 2 openat) starts from: the cwd for
 * an absolute path or AT_FDCWD, else dirfd's directory. *base is borrowed
 * (no reference taken): it lives while the descriptor or the cwd does.
 * Errors: -EBADF (dirfd not open), -ENOTDIR (not a directory). */
long fs_at_base(uint64_t dirfd, const char *path, struct inode **base);

/* fs_lookup_at: copy the user path at upath and look it up from
 * fs_at_base(dirfd) (following a last symlink when follow) into *out
 * (borrowed, like vfs_lookup's). Errors as fs_get_path, fs_at_base and
 * vfs_lookup. */
long fs_lookup_at(uint64_t dirfd, uint64_t upath, bool follow, struct inode **out);

/* fs_resolve_at: what a *at call's (dirfd, upath, flags) names (Linux man
 * 2 fstatat): for an empty path with AT_EMPTY_PATH, dirfd's open file in
 * *fp and its inode in *ip (NULL for a pipe; the cwd and *fp NULL for
 * AT_FDCWD); else *fp NULL and the lookup in *ip, following a last symlink
 * unless AT_SYMLINK_NOFOLLOW. Both borrowed. Errors: fs_lookup_at's,
 * -ENOENT (an empty path without AT_EMPTY_PATH), -EBADF. */
long fs_resolve_at(uint64_t dirfd, uint64_t upath, uint64_t flags, struct inode **ip,
		   struct file **fp);

/* fs_may_access: whether the caller's effective uid and gid may access ip
 * as mask (R_OK | W_OK | X_OK) by its permission bits: root may read and
 * write anything, and execute what has some x bit or is a directory.
 * Source: POSIX.1-2017 4.5 (file access permissions). */
bool fs_may_access(const struct inode *ip, unsigned mask);

/* fs_umask: the caller's file mode creation mask (umask). */
uint32_t fs_umask(void);

/* fs_fcntl_lock: fcntl's F_GETLK, F_SETLK and F_SETLKW on f with the user
 * struct flock at uflock (outer/fs/lock.c). */
long fs_fcntl_lock(struct file *f, int cmd, uint64_t uflock);

#endif
