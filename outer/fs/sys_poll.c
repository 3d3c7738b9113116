/* The file system calls: poll, ppoll, select and pselect6 (Linux x86-64
 * ABI; the conventions of all of them are in outer/fs/sys_fd.c's comment). */
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

/* Wait until an entry of the kernel array p[0..n) has events, the
 * timeout passes (timeout_ns < 0: no limit; 0: scan once) or a signal is
 * pending (-EINTR). Returns the number of entries with events. Sleeps on
 * poll_chan (poll_wakeup) with current->wake_tick as deadline. */
static long poll_wait(struct linux_pollfd *p, uint64_t n, int64_t timeout_ns)
{
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
	return r;
}

/* poll over the user array ufds of n entries; timeout_ns as poll_wait's. */
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
	long r = poll_wait(p, n, timeout_ns);
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
 * is no limit; sigmask (8 bytes) is the signal mask while it waits
 * (proc_sigmask_enter); the remaining time is not written back. */
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
	long r = proc_sigmask_enter(a[3]);
	if (r)
		return r;
	r = do_poll(a[0], a[1], ns);
	proc_sigmask_leave(r);
	return r;
}

/* ---- select ---- */

#define SEL_IN (POLLIN | POLLRDNORM | POLLHUP | POLLERR) /* readable, as Linux's POLLIN_SET */
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLERR)	 /* writable: POLLOUT_SET */
#define SEL_EX POLLPRI					 /* exceptional: POLLEX_SET */

/* select over nfds descriptors with the user fd_sets uin, uout, uex (each
 * may be 0), on top of poll_wait; timeout_ns as poll_wait's. The sets are
 * bit arrays of 64-bit words (bit fd % 64 of word fd / 64); only the words
 * covering the descriptors a process can have (NR_OPEN, as Linux clamps
 * nfds to its table) are read and written. Returns the number of bits
 * set in the result sets, written back in place. Errors: -EINVAL (nfds
 * < 0), -EFAULT, -EBADF (a set names a closed descriptor), -EINTR,
 * -ENOMEM. Source: Linux man 2 select; POSIX.1-2017 pselect(). */
static long do_select(int64_t nfds, uint64_t uin, uint64_t uout, uint64_t uex, int64_t timeout_ns)
{
	if ((int)nfds < 0)
		return -EINVAL;
	int n = (int)nfds < NR_OPEN ? (int)nfds : NR_OPEN;
	enum { WORDS = (NR_OPEN + 63) / 64 };
	uint64_t in[WORDS] = {0}, out[WORDS] = {0}, ex[WORDS] = {0};
	size_t bytes = (size_t)(n + 63) / 64 * 8;
	if ((uin && copy_from_user(in, uin, bytes)) || (uout && copy_from_user(out, uout, bytes)) ||
	    (uex && copy_from_user(ex, uex, bytes)))
		return -EFAULT;
	struct linux_pollfd p[NR_OPEN];
	int np = 0;
	for (int fd = 0; fd < n; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		short ev = (short)(((in[fd / 64] & bit) ? POLLIN : 0) |
				   ((out[fd / 64] & bit) ? POLLOUT : 0) |
				   ((ex[fd / 64] & bit) ? POLLPRI : 0));
		if (!ev)
			continue;
		if (!fs_fd_file((uint64_t)fd))
			return -EBADF;
		p[np++] = (struct linux_pollfd){.fd = fd, .events = ev};
	}
	long r = poll_wait(p, (uint64_t)np, timeout_ns);
	if (r < 0)
		return r;
	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	memset(ex, 0, sizeof(ex));
	long count = 0;
	for (int i = 0; i < np; i++) {
		int fd = p[i].fd;
		uint64_t bit = 1ull << (fd % 64);
		unsigned rev = (uint16_t)p[i].revents, ev = (uint16_t)p[i].events;
		if ((ev & POLLIN) && (rev & SEL_IN)) {
			in[fd / 64] |= bit;
			count++;
		}
		if ((ev & POLLOUT) && (rev & SEL_OUT)) {
			out[fd / 64] |= bit;
			count++;
		}
		if ((ev & POLLPRI) && (rev & SEL_EX)) {
			ex[fd / 64] |= bit;
			count++;
		}
	}
	if ((uin && copy_to_user(uin, in, bytes)) || (uout && copy_to_user(uout, out, bytes)) ||
	    (uex && copy_to_user(uex, ex, bytes)))
		return -EFAULT;
	return count;
}

/* select(nfds, readfds, writefds, exceptfds, timeout): Linux man 2
 * select. timeout (struct timeval) NULL: no limit; negative fields or
 * tv_usec >= 1000000: -EINVAL. As Linux, the time not slept is written
 * back into *timeout. */
long sys_select(const uint64_t *a)
{
	int64_t ns = -1;
	int64_t tv[2];
	if (a[4]) {
		if (copy_from_user(tv, a[4], sizeof(tv)))
			return -EFAULT;
		if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000)
			return -EINVAL;
		ns = tv[0] > INT64_MAX / (int64_t)NS_PER_S - 1
			 ? INT64_MAX
			 : tv[0] * (int64_t)NS_PER_S + tv[1] * 1000;
	}
	uint64_t start = uptime_ns();
	long r = do_select((int64_t)a[0], a[1], a[2], a[3], ns);
	if (a[4] && ns >= 0 && r != -EFAULT) {
		uint64_t slept = uptime_ns() - start;
		int64_t left = (uint64_t)ns > slept ? ns - (int64_t)slept : 0;
		int64_t back[2] = {left / (int64_t)NS_PER_S, left % (int64_t)NS_PER_S / 1000};
		if (copy_to_user(a[4], back, sizeof(back)))
			return -EFAULT;
	}
	return r;
}

/* pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask_arg):
 * Linux man 2 pselect; timeout is a struct timespec (NULL: no limit), the
 * time left is written back as the system call does; sigmask_arg points
 * to {const sigset_t *ss; size_t ss_len}: ss_len must be 8 when ss is
 * given (-EINVAL); the mask applies while it waits, as ppoll's. */
long sys_pselect6(const uint64_t *a)
{
	int64_t ns = -1;
	if (a[4]) {
		uint64_t d;
		long r = timespec_from_user(a[4], &d);
		if (r)
			return r;
		ns = (int64_t)d;
	}
	uint64_t sm[2] = {0, 0};
	if (a[5]) {
		if (copy_from_user(sm, a[5], sizeof(sm)))
			return -EFAULT;
		if (sm[0] && sm[1] != 8)
			return -EINVAL;
	}
	uint64_t start = uptime_ns();
	long r = proc_sigmask_enter(sm[0]);
	if (r)
		return r;
	r = do_select((int64_t)a[0], a[1], a[2], a[3], ns);
	proc_sigmask_leave(r);
	if (a[4] && ns >= 0 && r != -EFAULT) {
		uint64_t slept = uptime_ns() - start;
		int64_t left = (uint64_t)ns > slept ? ns - (int64_t)slept : 0;
		int64_t back[2] = {left / (int64_t)NS_PER_S, left % (int64_t)NS_PER_S};
		if (copy_to_user(a[4], back, sizeof(back)))
			return -EFAULT;
	}
	return r;
}
