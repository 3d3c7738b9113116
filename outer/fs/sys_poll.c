/* The file system calls: poll and ppoll (Linux x86-64 ABI;
 * of them are in outer/fs/sys_fd.c's comment). */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/uaccess.h>
#include "fs_internal.h"
#include "sys_fs.h"

static char poll_chan;

void poll_wakeup(void)
{
	sched_wakeup(&poll_chan);
}

/* ---- poll ---- */

/* Fill revents of every entry; the number of entries with events. */
static long poll_scan(struct linux_pollfd *p, uint64_t n)
{
	long ready = 0;
	for (uint64_t i = 0; i < n; i++) {
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		struct file *f = fs_fd_file((uint64_t)(int64_t)p[i].fd);
		unsigned m;
		if (!f)
			m = POLLNVAL;
		else
			m = f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;
		if (m & POLLIN)
			m |= POLLRDNORM;
		if (m & POLLOUT)
			m |= POLLWRNORM;
		m &= (uint16_t)p[i].events | POLLERR | POLLHUP | POLLNVAL;
		p[i].revents = (int16_t)m;
		ready += m != 0;
	}
	return ready;
}

/* poll over the user array ufds of n entries; timeout_ns < 0: no limit.
 * Sleeps on poll_chan (poll_wakeup) with current->wake_tick as deadline. */
static long do_poll(uint64_t ufds, uint64_t n, int64_t timeout_ns)
{
	if (n > POLL_MAX_FDS)
		return -EINVAL;
	struct linux_pollfd *p = NULL;
	size_t bytes = n * sizeof(*p);
	if (n) {
		p = kmalloc(bytes);
		if (!p)
			return -ENOMEM;
		if (copy_from_user(p, ufds, bytes)) {
			kfree(p);
			return -EFAULT;
		}
	}
	const uint64_t tick_ns = 1000000000ull / TIMER_HZ;
	uint64_t deadline = 0;
	if (timeout_ns > 0)
		deadline = uptime_ns() + (uint64_t)timeout_ns;
	long r;
	uint64_t fl = fs_irq_save();
	for (;;) {
		r = poll_scan(p, n);
		if (r || timeout_ns == 0 || (deadline && uptime_ns() >= deadline))
			break;
		if (proc_signal_pending(current)) {
			r = -EINTR;
			break;
		}
		current->wake_tick = deadline ? deadline / tick_ns + 1 : 0;
		sched_sleep(&poll_chan);
		current->wake_tick = 0;
	}
	fs_irq_restore(fl);
	if (r >= 0 && n && copy_to_user(ufds, p, bytes))
		r = -EFAULT;
	kfree(p);
	return r;
}

/* poll(fds, nfds, timeout_ms): Linux man 2 poll (negative: no limit). */
long sys_poll(const uint64_t *a)
{
	int ms = (int)a[2];
	return do_poll(a[0], a[1], ms < 0 ? -1 : (int64_t)ms * 1000000);
}

/* ppoll(fds, nfds, tmo, sigmask, sigsetsize): Linux man 2 ppoll; tmo NULL
 * is no limit; the signal mask is accepted and ignored (no handlers yet);
 * the remaining time is not written back. */
long sys_ppoll(const uint64_t *a)
{
	int64_t ns = -1;
	if (a[2]) {
		uint64_t d;
		long r = timespec_from_user(a[2], &d);
		if (r)
			return r;
		ns = (int64_t)d;
	}
	if (a[3] && a[4] != 8)
		return -EINVAL;
	return do_poll(a[0], a[1], ns);
}
