/* Open files: file_open (Linux man 2 open semantics over the tmpfs), the
 * reference counts, and the operations of regular files and directories. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include "fs_internal.h"

static long reg_read(struct file *f, void *kbuf, size_t n)
{
	long r = inode_read(f->ip, kbuf, f->off, n);
	if (r > 0)
		f->off += (uint64_t)r;
	return r;
}

static long reg_write(struct file *f, const void *kbuf, size_t n)
{
	if (f->flags & O_APPEND)
		f->off = f->ip->size;
	long r = inode_write(f->ip, kbuf, f->off, n);
	if (r > 0) {
		f->off += (uint64_t)r;
		inode_touch(f->ip);
	}
	return r;
}

static long dir_read(struct file *f, void *kbuf, size_t n)
{
	(void)f, (void)kbuf, (void)n;
	return -EISDIR;
}

static long dir_write(struct file *f, const void *kbuf, size_t n)
{
	(void)f, (void)kbuf, (void)n;
	return -EISDIR;
}

/* Regular files and directories: no ioctl (-ENOTTY), always ready. */
static const struct file_ops reg_ops = {.read = reg_read, .write = reg_write};
static const struct file_ops dir_ops = {.read = dir_read, .write = dir_write};

struct file *file_alloc(struct inode *ip, const struct file_ops *ops, void *priv, uint32_t flags)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->ip = ip;
	f->ops = ops;
	f->priv = priv;
	f->flags = flags;
	f->refs = 1;
	return f;
}

void file_put(struct file *f)
{
	if (!f)
		return;
	if (f->refs <= 0)
		panic("file_put: file %p has no reference", (void *)f);
	if (--f->refs)
		return;
	if (f->ops && f->ops->release)
		f->ops->release(f);
	inode_put(f->ip);
	kfree(f);
}

/* Find or create the inode file_open opens (unreferenced). */
static long open_inode(struct inode *cwd, const char *path, uint32_t flags, uint32_t mode,
		       struct inode **out)
{
	bool creat = flags & O_CREAT, excl = creat && (flags & O_EXCL);
	struct inode *ip;
	long r = vfs_lookup(cwd, path, !(flags & O_NOFOLLOW) && !excl, &ip);
	if (r == 0) {
		if (excl)
			return -EEXIST;
		if (S_ISLNK(ip->mode))
			return -ELOOP; /* O_NOFOLLOW on a symlink */
		*out = ip;
		return 0;
	}
	if (r != -ENOENT || !creat)
		return r;
	struct vfs_parent p;
	r = vfs_parent(cwd, path, &p);
	if (r)
		return r;
	if (p.child) /* a dangling symlink: we do not create its target */
		return excl ? -EEXIST : -ENOENT;
	if (p.trailing)
		return -EISDIR;
	return vfs_make(p.dir, p.name, p.len, S_IFREG | (mode & 07777), NULL, NULL, 0, out);
}

long file_open(struct inode *cwd, const char *path, uint32_t flags, uint32_t mode,
	       struct file **out)
{
	uint32_t acc = flags & O_ACCMODE;
	if (acc == 3)
		return -EINVAL;
	struct inode *ip;
	long r = open_inode(cwd, path, flags, mode, &ip);
	if (r)
		return r;
	const struct file_ops *ops;
	switch (ip->mode & S_IFMT) {
	case S_IFDIR:
		if (acc != O_RDONLY || (flags & O_CREAT))
			return -EISDIR;
		ops = &dir_ops;
		break;
	case S_IFREG:
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		if (ip->proc && (acc != O_RDONLY || (flags & O_TRUNC)))
			return -EACCES; /* /proc is read-only */
		ops = &reg_ops;
		break;
	case S_IFCHR:
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		ops = ip->u.chr.ops;
		if (!ops)
			return -ENXIO;
		if (ops == &tty_ops && (r = tty_opened(ip, flags)))
			return r;
		break;
	default:
		return -ENXIO;
	}
	struct file *f = file_alloc(ip, ops, NULL, acc | (flags & (O_APPEND | O_NONBLOCK)));
	if (!f)
		return -ENOMEM;
	inode_get(ip);
	if (S_ISREG(ip->mode) && (flags & O_TRUNC) && acc != O_RDONLY)
		inode_truncate(ip, 0); /* cannot fail when shrinking */
	*out = f;
	return 0;
}
