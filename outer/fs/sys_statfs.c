/* statfs and fstatfs (Linux x86-64 ABI; man 2 statfs): the numbers of the
 * file system holding a path or an open file. There are two: the tmpfs,
 * whose blocks are the machine's 4 KiB frames (every file lives in
 * memory), and the read-only /proc (procfs.c). Kernel only: the host
 * tests have no frame counts. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include <nk/vmmu.h>
#include "fs_internal.h"
#include "sys_fs.h"

#define TMPFS_MAGIC 0x01021994	/* Linux include/uapi/linux/magic.h */
#define PROC_SUPER_MAGIC 0x9fa0 /* the same */
#define ST_RDONLY 1
#define ST_NOSUID 2
#define ST_NODEV 4
#define ST_NOEXEC 8

/* struct statfs of x86-64 (120 bytes; man 2 statfs). */
struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags;
	int64_t f_spare[4];
};

/* The statfs of the file system holding ip (NULL: a pipe, on the tmpfs
 * side as Linux's pipefs is not visible here either). */
static void fill(const struct inode *ip, struct linux_statfs *s)
{
	memset(s, 0, sizeof(*s));
	s->f_bsize = s->f_frsize = FS_PAGE_BYTES;
	s->f_namelen = NAME_MAX;
	if (ip && ip->proc) {
		s->f_type = PROC_SUPER_MAGIC;
		s->f_flags = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC;
		s->f_fsid[0] = 1;
		return;
	}
	s->f_type = TMPFS_MAGIC;
	s->f_blocks = nk_view->nframes;
	s->f_bfree = s->f_bavail = frames_free();
	s->f_files = inode_count() + frames_free(); /* one frame per inode at least */
	s->f_ffree = frames_free();
}

/* statfs(path, buf): Linux man 2 statfs. Errors: the lookup's, -EFAULT. */
long sys_statfs(const uint64_t *a)
{
	struct inode *ip;
	long r = fs_lookup_at((uint64_t)(int64_t)AT_FDCWD, a[0], true, &ip);
	if (r)
		return r;
	struct linux_statfs s;
	fill(ip, &s);
	return copy_to_user(a[1], &s, sizeof(s));
}

/* fstatfs(fd, buf): the same for an open file. Errors: -EBADF, -EFAULT. */
long sys_fstatfs(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	struct linux_statfs s;
	fill(f->ip, &s);
	return copy_to_user(a[1], &s, sizeof(s));
}
