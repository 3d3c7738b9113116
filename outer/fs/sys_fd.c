/* The file system calls (Linux x86-64 ABI). Every user pointer goes
 * through copy_from_user/copy_to_user/strncpy_from_user, data moves through
 * a one-page kernel bounce buffer (not zeroed: only bytes written into it
 * are read back), and a call that fails changes nothing
 * that Linux would not have changed. Sources: the Linux man pages named at
 * each handler (section 2), include/uapi/asm-generic/fcntl.h and
 * arch/x86/include/uapi/asm/stat.h for the constants and layouts.
 *
 * Relies on the process code (include/outer/proc.h): `current` is the
 * caller and is not NULL in a system call; sched_sleep returns with
 * interrupts off after sched_wakeup(chan), a signal, or (when
 * current->wake_tick is non-zero) once the timer tick count reaches
 * current->wake_tick; uptime_ns advances with that tick count. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include "fs_internal.h"
#include "sys_fs.h"

/* ---- descriptors ---- */

struct inode *fs_cwd(void)
{
	return current->cwd ? current->cwd : fs_root;
}

/* The lowest free descriptor >= min, or -EMFILE. */
int fs_fd_free(int min)
{
	for (int i = min; i < NR_OPEN; i++)
		if (!current->fd[i])
			return i;
	return -EMFILE;
}

/* Put f (whose reference moves in) at free descriptor fd. */
void fs_fd_install(int fd, struct file *f, bool cloexec)
{
	current->fd[fd] = f;
	if (cloexec)
		current->cloexec |= 1ull << fd;
	else
		current->cloexec &= ~(1ull << fd);
}

/* ---- ioctl, pipes, descriptors ---- */

/* ioctl(fd, request, arg): Linux man 2 ioctl; FIOCLEX, FIONCLEX and
 * FIONBIO for every file, the rest to the file's driver (-ENOTTY if none,
 * which is how isatty says no). */
long sys_ioctl(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	unsigned req = (unsigned)a[1];
	if (req == FIOCLEX || req == FIONCLEX) {
		fs_fd_install((int)a[0], f, req == FIOCLEX);
		return 0;
	}
	if (req == FIONBIO) {
		int on;
		if (copy_from_user(&on, a[2], sizeof(on)))
			return -EFAULT;
		f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~(uint32_t)O_NONBLOCK;
		return 0;
	}
	return f->ops->ioctl ? f->ops->ioctl(f, req, a[2]) : -ENOTTY;
}

/* pipe2(fds, flags): Linux man 2 pipe; flags O_CLOEXEC, O_NONBLOCK. */
long sys_pipe2(const uint64_t *a)
{
	uint64_t flags = a[1];
	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	int fds[2];
	fds[0] = fs_fd_free(0);
	if (fds[0] < 0)
		return fds[0];
	fds[1] = fs_fd_free(fds[0] + 1);
	if (fds[1] < 0)
		return fds[1];
	struct file *rd, *wr;
	long r = pipe_create((uint32_t)flags, &rd, &wr);
	if (r)
		return r;
	if (copy_to_user(a[0], fds, sizeof(fds))) {
		file_put(rd);
		file_put(wr);
		return -EFAULT;
	}
	fs_fd_install(fds[0], rd, flags & O_CLOEXEC);
	fs_fd_install(fds[1], wr, flags & O_CLOEXEC);
	return 0;
}

/* pipe(fds) */
long sys_pipe(const uint64_t *a)
{
	const uint64_t b[6] = {a[0], 0, 0, 0, 0, 0};
	return sys_pipe2(b);
}

/* dup(fd): Linux man 2 dup (the new descriptor has no FD_CLOEXEC). */
long sys_dup(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	int fd = fs_fd_free(0);
	if (fd < 0)
		return fd;
	file_get(f);
	fs_fd_install(fd, f, false);
	return fd;
}

/* Make newfd a copy of oldfd (closing what newfd had). */
static long dup_to(uint64_t oldfd, uint64_t newfd, bool cloexec)
{
	struct file *f = fs_fd_file(oldfd);
	if (!f)
		return -EBADF;
	if ((int)newfd < 0 || (int)newfd >= NR_OPEN)
		return -EBADF;
	struct file *prev = current->fd[(int)newfd];
	file_get(f);
	fs_fd_install((int)newfd, f, cloexec);
	if (prev && prev->ip)
		fs_locks_release(current->pid, prev->ip);
	file_put(prev);
	return (int)newfd;
}

/* dup2(oldfd, newfd): the same descriptor is returned unchanged if valid. */
long sys_dup2(const uint64_t *a)
{
	if ((int)a[0] == (int)a[1])
		return fs_fd_file(a[0]) ? (int)a[0] : -EBADF;
	return dup_to(a[0], a[1], false);
}

/* dup3(oldfd, newfd, flags): -EINVAL for equal descriptors or flags other
 * than O_CLOEXEC. */
long sys_dup3(const uint64_t *a)
{
	if (a[2] & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if ((int)a[0] == (int)a[1])
		return -EINVAL;
	return dup_to(a[0], a[1], a[2] & O_CLOEXEC);
}

/* fcntl(fd, cmd, arg): Linux man 2 fcntl: F_DUPFD, F_DUPFD_CLOEXEC,
 * F_GETFD/F_SETFD (FD_CLOEXEC), F_GETFL/F_SETFL (O_APPEND, O_NONBLOCK),
 * and the record locks F_GETLK, F_SETLK, F_SETLKW (outer/fs/lock.c:
 * -EFAULT, -EINVAL, -EBADF for a lock the open mode does not allow,
 * -EAGAIN, -EINTR, -EDEADLK, -ENOLCK). */
long sys_fcntl(const uint64_t *a)
{
	struct file *f = fs_fd_file(a[0]);
	if (!f)
		return -EBADF;
	int fd = (int)a[0];
	switch ((int)a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		int min = (int)a[2];
		if (min < 0 || min >= NR_OPEN)
			return -EINVAL;
		int n = fs_fd_free(min);
		if (n < 0)
			return n;
		file_get(f);
		fs_fd_install(n, f, (int)a[1] == F_DUPFD_CLOEXEC);
		return n;
	}
	case F_GETFD:
		return (current->cloexec >> fd) & 1 ? FD_CLOEXEC : 0;
	case F_SETFD:
		fs_fd_install(fd, f, a[2] & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
			   ((uint32_t)a[2] & (O_APPEND | O_NONBLOCK));
		return 0;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		return fs_fcntl_lock(f, (int)a[1], a[2]);
	}
	return -EINVAL;
}
