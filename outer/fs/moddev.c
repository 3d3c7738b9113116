/* Module character devices (include/outer/moddev.h): /dev/NAME nodes with
 * major 240 whose file operations call into a module through module_call. */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/moddev.h>
#include <outer/module.h>
#include "fs_internal.h"

#define MODDEV_MAJOR 240

static struct slot {
	char name[24];
	struct module *owner;
	struct moddev_ops ops; /* copied: the module's data may go */
} slots[MODDEV_MAX];

struct io {
	struct slot *s;
	void *buf;
	uint64_t off;
	size_t n;
	bool write;
};

static long do_io(void *arg)
{
	struct io *io = arg;
	if (io->write)
		return io->s->ops.write ? io->s->ops.write(io->buf, io->off, io->n) : -EINVAL;
	return io->s->ops.read ? io->s->ops.read(io->buf, io->off, io->n) : -EINVAL;
}

static long moddev_io(struct file *f, void *buf, size_t n, bool write)
{
	uint32_t minor = f->ip->u.chr.rdev & 0xff;
	if (minor >= MODDEV_MAX || !slots[minor].owner)
		return -ENXIO;
	struct io io = {&slots[minor], buf, f->off, n, write};
	long r = module_call(slots[minor].owner, do_io, &io, NULL);
	if (r > (long)n)
		r = -EIO; /* a driver may not claim more than asked */
	if (r > 0)
		f->off += (uint64_t)r;
	return r;
}

static long fop_read(struct file *f, void *kbuf, size_t n)
{
	return moddev_io(f, kbuf, n, false);
}

static long fop_write(struct file *f, const void *kbuf, size_t n)
{
	return moddev_io(f, (void *)kbuf, n, true);
}

static const struct file_ops moddev_fops = {.read = fop_read, .write = fop_write};

long moddev_register(const char *name, const struct moddev_ops *ops)
{
	struct module *m = module_running();
	if (!m)
		return -EPERM;
	size_t len = strlen(name);
	if (!len || len >= sizeof(slots[0].name) || strstr(name, "/"))
		return -EINVAL;
	int free_slot = -1;
	for (int i = 0; i < MODDEV_MAX; i++) {
		if (slots[i].owner && !strcmp(slots[i].name, name))
			return -EEXIST;
		if (!slots[i].owner && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	struct inode *dev;
	long r = vfs_lookup(fs_root, "/dev", true, &dev);
	if (r)
		return r;
	r = vfs_make(dev, name, len, S_IFCHR | 0666, NULL, &moddev_fops,
		     FS_MKDEV(MODDEV_MAJOR, (uint32_t)free_slot), NULL);
	if (r)
		return r;
	struct slot *s = &slots[free_slot];
	memcpy(s->name, name, len + 1);
	s->ops = *ops;
	s->owner = m;
	return 0;
}

static void drop(struct slot *s)
{
	char path[40];
	ksnprintf(path, sizeof(path), "/dev/%s", s->name);
	vfs_remove(fs_root, path, false);
	s->owner = NULL;
	s->name[0] = 0;
}

void moddev_unregister(const char *name)
{
	for (int i = 0; i < MODDEV_MAX; i++)
		if (slots[i].owner && !strcmp(slots[i].name, name))
			drop(&slots[i]);
}

void moddev_module_gone(const struct module *m)
{
	for (int i = 0; i < MODDEV_MAX; i++)
		if (slots[i].owner == m)
			drop(&slots[i]);
}
