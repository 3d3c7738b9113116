/* POSIX advisory record locks (fcntl F_GETLK, F_SETLK, F_SETLKW): per
 * process and per inode, byte ranges, read (shared) or write (exclusive).
 * A process's locks never conflict with each other: a new lock replaces
 * the process's own over its range (splitting what it had). They are
 * dropped when the process closes any descriptor of the file and when it
 * exits (fs_locks_release). A F_SETLKW waiter sleeps until the range is
 * free or a signal is pending (-EINTR); it gets -EDEADLK instead when the
 * owner it waits for is itself waiting, directly or through a chain of
 * waiters, for a lock the caller holds (as Linux's posix_locks_deadlock:
 * each waiter is taken to wait for the owner of the first conflicting
 * lock). Sources: POSIX.1-2017 fcntl() ("Record
 * Locking"); Linux man 2 fcntl ("Advisory record locking"). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/uaccess.h>
#include "fs_internal.h"
#include "sys_fs.h"

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define LOCK_EOF UINT64_MAX /* end of a lock "to the end of the file, however it grows" */

/* struct flock of x86-64 (include/uapi/asm-generic/fcntl.h), 32 bytes. */
struct linux_flock {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
	int32_t pad;
};
_Static_assert(sizeof(struct linux_flock) == 32, "struct flock is 32 bytes on x86-64");

/* One lock: bytes [start, end) of ip held by pid. */
struct rlock {
	const struct inode *ip;
	int pid;
	int type; /* F_RDLCK or F_WRLCK */
	uint64_t start, end;
	struct rlock *next;
};

static struct rlock *locks; /* every lock, unordered */
static char lock_chan;	    /* F_SETLKW sleeps here */

/* A process sleeping in F_SETLKW (a node on its kernel stack while it is
 * linked): pid waits for blocker's lock. */
struct lock_waiter {
	int pid, blocker;
	struct lock_waiter *next;
};
static struct lock_waiter *waiters;

#define DEADLOCK_STEPS 64 /* waiter chain length examined (Linux: MAX_DEADLK_ITERATIONS 10) */

/* Whether pid waiting for blocker closes a cycle of waiters. */
static bool deadlock(int pid, int blocker)
{
	for (int step = 0; step < DEADLOCK_STEPS; step++) {
		const struct lock_waiter *w = waiters;
		while (w && w->pid != blocker)
			w = w->next;
		if (!w)
			return false;
		if (w->blocker == pid)
			return true;
		blocker = w->blocker;
	}
	return false;
}

/* The first lock of another process than pid on ip that overlaps
 * [start, end) and conflicts with type (one of them a write lock). */
static const struct rlock *conflict(const struct inode *ip, int pid, int type, uint64_t start,
				    uint64_t end)
{
	for (const struct rlock *l = locks; l; l = l->next)
		if (l->ip == ip && l->pid != pid && l->start < end && start < l->end &&
		    (type == F_WRLCK || l->type == F_WRLCK))
			return l;
	return NULL;
}

unsigned long fs_lock_count;

void fs_locks_release_slow(int pid, const struct inode *ip)
{
	bool any = false;
	for (struct rlock **pp = &locks; *pp;) {
		struct rlock *l = *pp;
		if (l->pid == pid && (!ip || l->ip == ip)) {
			*pp = l->next;
			kfree(l);
			fs_lock_count--;
			any = true;
		} else {
			pp = &l->next;
		}
	}
	if (any)
		sched_wakeup(&lock_chan);
}

/* Set pid's lock over [start, end) of ip to type (F_UNLCK removes it),
 * cutting what pid held there; spare[0..1] are preallocated nodes, used
 * for a split and the new lock (the caller frees the unused ones: the
 * pointers left non-NULL). Cannot fail. */
static void apply(const struct inode *ip, int pid, int type, uint64_t start, uint64_t end,
		  struct rlock **spare)
{
	for (struct rlock **pp = &locks; *pp;) {
		struct rlock *l = *pp;
		if (l->ip != ip || l->pid != pid || l->end <= start || end <= l->start) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) { /* cut out of the middle: two parts */
			struct rlock *tail = spare[0];
			spare[0] = NULL;
			*tail = *l;
			tail->start = end;
			l->end = start;
			tail->next = l->next;
			l->next = tail;
			fs_lock_count++;
			pp = &tail->next;
		} else if (l->start < start) {
			l->end = start;
			pp = &l->next;
		} else if (l->end > end) {
			l->start = end;
			pp = &l->next;
		} else {
			*pp = l->next;
			kfree(l);
			fs_lock_count--;
		}
	}
	if (type != F_UNLCK) {
		struct rlock *n = spare[1];
		spare[1] = NULL;
		*n = (struct rlock){.ip = ip, .pid = pid, .type = type, .start = start, .end = end};
		n->next = locks;
		locks = n;
		fs_lock_count++;
	}
	sched_wakeup(&lock_chan);
}

/* The range [*start, *end) a struct flock names for file f: l_whence
 * SEEK_SET, SEEK_CUR or SEEK_END, l_len 0 to the end of the file however
 * it grows, negative for the bytes before l_start. Errors: -EINVAL (bad
 * l_whence or l_type, a start before 0), -EOVERFLOW. */
static long lock_range(const struct file *f, const struct linux_flock *fl, uint64_t *start,
		       uint64_t *end)
{
	if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK && fl->l_type != F_UNLCK)
		return -EINVAL;
	int64_t base;
	switch (fl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->off;
		break;
	case SEEK_END:
		base = (int64_t)f->ip->size;
		break;
	default:
		return -EINVAL;
	}
	if ((fl->l_start > 0 && base > INT64_MAX - fl->l_start) ||
	    (fl->l_start < 0 && base < INT64_MIN - fl->l_start))
		return -EOVERFLOW;
	int64_t s = base + fl->l_start;
	if (s < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		if (s > INT64_MAX - fl->l_len)
			return -EOVERFLOW;
		*start = (uint64_t)s;
		*end = (uint64_t)(s + fl->l_len);
	} else if (fl->l_len < 0) {
		if (fl->l_len == INT64_MIN || s + fl->l_len < 0)
			return -EINVAL;
		*start = (uint64_t)(s + fl->l_len);
		*end = (uint64_t)s;
	} else {
		*start = (uint64_t)s;
		*end = LOCK_EOF;
	}
	return 0;
}

long fs_fcntl_lock(struct file *f, int cmd, uint64_t uflock)
{
	struct linux_flock fl;
	if (copy_from_user(&fl, uflock, sizeof(fl)))
		return -EFAULT;
	if (!f->ip || !S_ISREG(f->ip->mode))
		return -EINVAL; /* tmpfs keeps locks on regular files only */
	uint64_t start, end;
	long r = lock_range(f, &fl, &start, &end);
	if (r)
		return r;
	int pid = current->pid;
	if (cmd == F_GETLK) {
		if (fl.l_type == F_UNLCK)
			return -EINVAL;
		const struct rlock *l = conflict(f->ip, pid, fl.l_type, start, end);
		if (!l) {
			fl.l_type = F_UNLCK;
		} else {
			fl.l_type = (int16_t)l->type;
			fl.l_whence = SEEK_SET;
			fl.l_start = (int64_t)l->start;
			fl.l_len = l->end == LOCK_EOF ? 0 : (int64_t)(l->end - l->start);
			fl.l_pid = l->pid;
		}
		return copy_to_user(uflock, &fl, sizeof(fl));
	}
	uint32_t acc = f->flags & O_ACCMODE;
	if ((fl.l_type == F_RDLCK && acc == O_WRONLY) || (fl.l_type == F_WRLCK && acc == O_RDONLY))
		return -EBADF;
	struct rlock *spare[2] = {kmalloc(sizeof(struct rlock)), kmalloc(sizeof(struct rlock))};
	if (!spare[0] || !spare[1]) {
		r = -ENOLCK;
		goto out;
	}
	if (fl.l_type != F_UNLCK) {
		uint64_t irq = fs_irq_save();
		struct lock_waiter me = {.pid = pid};
		bool linked = false;
		const struct rlock *l;
		while ((l = conflict(f->ip, pid, fl.l_type, start, end))) {
			if (cmd == F_SETLK) {
				r = -EAGAIN;
				break;
			}
			if (deadlock(pid, l->pid)) {
				r = -EDEADLK;
				break;
			}
			if (proc_signal_pending(current)) {
				r = -EINTR;
				break;
			}
			me.blocker = l->pid;
			if (!linked) {
				me.next = waiters;
				waiters = &me;
				linked = true;
			}
			sched_sleep(&lock_chan);
		}
		if (linked) {
			struct lock_waiter **pp = &waiters;
			while (*pp != &me)
				pp = &(*pp)->next;
			*pp = me.next;
		}
		fs_irq_restore(irq);
		if (r)
			goto out;
	}
	apply(f->ip, pid, fl.l_type, start, end, spare);
out:
	kfree(spare[0]);
	kfree(spare[1]);
	return r;
}
