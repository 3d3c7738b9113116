/* Character devices provided by modules: /dev/NAME whose reads and writes
 * go to a module's functions, each call under containment (module_call):
 * a fault in the driver fails the module, the device goes away and the
 * reader gets -EIO; the kernel keeps running. outer/fs/moddev.c. */
#ifndef OUTER_MODDEV_H
#define OUTER_MODDEV_H
#include <nk/types.h>

struct moddev_ops {
	/* read up to n bytes at byte offset off into kernel buf: bytes or -errno */
	long (*read)(void *buf, uint64_t off, size_t n);
	/* write n bytes from kernel buf at byte offset off: bytes or -errno */
	long (*write)(const void *buf, uint64_t off, size_t n);
};

#define MODDEV_MAX 8

/* moddev_register: make /dev/NAME (a character device, major 240) whose
 * reads and writes call ops of the module whose init is running now.
 * Returns 0, -EPERM (not called from a module's init), -ENOSPC (MODDEV_MAX
 * devices), -EEXIST, -EINVAL (bad name) or the VFS error. */
long moddev_register(const char *name, const struct moddev_ops *ops);
/* moddev_unregister: remove /dev/NAME (a moddev device). */
void moddev_unregister(const char *name);

struct module;
/* moddev_module_gone: drop every device of module m (unload, failure). */
void moddev_module_gone(const struct module *m);
/* module_running: the module whose code module_call runs now, or NULL. */
struct module *module_running(void);
#endif
