/* Character devices: /dev/null, /dev/zero, /dev/console and /dev/tty (the
 * COM1 tty). Numbers as Linux's Documentation/admin-guide/devices.txt:
 * 1:3 null, 1:5 zero, 5:0 tty, 5:1 console. */
#include <outer/kernel.h>
#include "fs_internal.h"

static long null_read(struct file *f, void *kbuf, size_t n)
{
	(void)f, (void)kbuf, (void)n;
	return 0;
}

static long null_write(struct file *f, const void *kbuf, size_t n)
{
	(void)f, (void)kbuf;
	return (long)n;
}

static long zero_read(struct file *f, void *kbuf, size_t n)
{
	(void)f;
	memset(kbuf, 0, n);
	return (long)n;
}

const struct file_ops dev_null_ops = {.read = null_read, .write = null_write};
static const struct file_ops zero_ops = {.read = zero_read, .write = null_write};

/* The console's inode, kept referenced so console_file works even if an
 * initramfs or a program removes /dev/console. */
static struct inode *console_ip;

const struct file_ops *dev_ops(uint32_t major, uint32_t minor)
{
	if (major == 1 && minor == 3)
		return &dev_null_ops;
	if (major == 1 && minor == 5)
		return &zero_ops;
	if (major == 5 && (minor == 0 || minor == 1))
		return &tty_ops;
	return NULL;
}

/* Make /dev/name as major:minor unless something of that name exists. */
static long make_node(struct inode *dev, const char *name, uint32_t major, uint32_t minor)
{
	long r = vfs_make(dev, name, strlen(name), S_IFCHR | 0666, NULL, dev_ops(major, minor),
			  FS_MKDEV(major, minor), NULL);
	return r == -EEXIST ? 0 : r;
}

long dev_init(void)
{
	long r = vfs_init();
	if (r)
		return r;
	struct inode *dev;
	r = vfs_lookup(fs_root, "/dev", true, &dev);
	if (r == -ENOENT)
		r = vfs_make(fs_root, "dev", 3, S_IFDIR | 0755, NULL, NULL, 0, &dev);
	if (r)
		return r;
	if (!S_ISDIR(dev->mode))
		return -ENOTDIR;
	r = make_node(dev, "null", 1, 3);
	if (!r)
		r = make_node(dev, "zero", 1, 5);
	if (!r)
		r = make_node(dev, "tty", 5, 0);
	if (!r)
		r = make_node(dev, "console", 5, 1);
	if (r)
		return r;
	if (!console_ip) {
		struct inode *c;
		if (!vfs_lookup(dev, "console", true, &c) && S_ISCHR(c->mode) &&
		    c->u.chr.ops == &tty_ops) {
			console_ip = c;
			inode_get(c);
		}
	}
	return 0;
}

struct file *console_file(void)
{
	struct file *f = file_alloc(console_ip, &tty_ops, NULL, O_RDWR);
	if (f)
		inode_get(console_ip);
	return f;
}
