/* The module system calls (Linux numbers): init_module(175),
 * finit_module(313), delete_module(176); and query_module(178), which
 * here copies out the lsmod text (Linux's is obsolete; we have no /proc).
 * Loading and unloading need euid 0 (Linux's CAP_SYS_MODULE, which we do
 * not have apart from root): -EPERM otherwise, before any other check.
 * Source: Linux init_module(2), delete_module(2). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/module.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>

#define MOD_IMAGE_MAX (1u << 20)

/* Whether the calling process may load or unload modules: euid 0. */
static bool may_modules(void)
{
	return proc_cred(current)->euid == 0;
}

/* init_module(void *image, unsigned long len, const char *params): load the
 * .ko image from user memory. Errors: -EPERM (euid not 0), -EFBIG,
 * -ENOMEM, -EFAULT, and module_load's. */
long sys_init_module(const uint64_t *a)
{
	if (!may_modules())
		return -EPERM;
	uint64_t len = a[1];
	if (len > MOD_IMAGE_MAX)
		return -EFBIG;
	uint8_t *img = kmalloc(len ? len : 1);
	if (!img)
		return -ENOMEM;
	long r = copy_from_user(img, a[0], len);
	char err[128];
	if (!r)
		r = module_load(NULL, img, len, true, NULL, err, sizeof(err));
	kfree(img);
	return r;
}

/* finit_module(int fd, const char *params, int flags): load the .ko from
 * an open regular file. Modules are named after their source file (the
 * object's STT_FILE symbol); params are not supported and ignored.
 * Errors: -EPERM (euid not 0), -EBADF, -EINVAL (flags), and
 * module_load's. */
long sys_finit_module(const uint64_t *a)
{
	if (!may_modules())
		return -EPERM;
	if (a[0] >= NR_OPEN || !current->fd[a[0]] || !current->fd[a[0]]->ip)
		return -EBADF;
	if (a[2])
		return -EINVAL;
	char err[128];
	return module_load_inode(current->fd[a[0]]->ip, NULL, true, NULL, err, sizeof(err));
}

/* delete_module(const char *name, unsigned flags): unload a module.
 * Errors: -EPERM (euid not 0), -EFAULT, -ENOENT (not loaded), -EBUSY (its
 * text could not be demoted). */
long sys_delete_module(const uint64_t *a)
{
	if (!may_modules())
		return -EPERM;
	char name[MODULE_NAME_MAX];
	long r = strncpy_from_user(name, a[0], sizeof(name));
	if (r < 0)
		return r;
	struct module *m = module_find(name);
	if (!m)
		return -ENOENT;
	return module_unload(m) ? -EBUSY : 0;
}

/* query_module(char *buf, size_t len): the lsmod text ("name bytes state
 * calls N" per line); returns its length. Errors: -EFAULT. */
long sys_query_module(const uint64_t *a)
{
	char *buf = kmalloc(4096);
	if (!buf)
		return -ENOMEM;
	size_t n = module_list(buf, 4096);
	if (n > a[1])
		n = a[1];
	long r = copy_to_user(a[0], buf, n);
	kfree(buf);
	return r ? r : (long)n;
}
