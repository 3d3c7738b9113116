/* Pipes: a PIPE_RING_BYTES ring between a read end and a write end.
 * Source: Linux man 7 pipe (blocking, O_NONBLOCK, PIPE_BUF atomicity,
 * SIGPIPE/EPIPE, end of file when no writer is left), man 2 poll. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include "fs_internal.h"

struct pipe {
	uint8_t *ring;	      /* PIPE_RING_BYTES, from fs_page_alloc */
	uint64_t rd, wr;      /* bytes read and written so far (wr - rd are buffered) */
	int readers, writers; /* open files of each end */
	uint64_t id;	      /* fstat's st_ino */
};

static uint64_t next_pipe_id = 1;

static long pipe_read(struct file *f, void *kbuf, size_t n)
{
	struct pipe *p = f->priv;
	if (n == 0)
		return 0;
	uint64_t fl = fs_irq_save();
	while (p->wr == p->rd) {
		long r = 0;
		if (p->writers == 0)
			r = 0; /* end of file */
		else if (f->flags & O_NONBLOCK)
			r = -EAGAIN;
		else if (proc_signal_pending(current))
			r = -EINTR;
		else {
			sched_sleep(&p->readers);
			continue;
		}
		fs_irq_restore(fl);
		return r;
	}
	size_t avail = (size_t)(p->wr - p->rd), k = n < avail ? n : avail;
	uint8_t *dst = kbuf;
	for (size_t i = 0; i < k; i++)
		dst[i] = p->ring[(p->rd + i) % PIPE_RING_BYTES];
	p->rd += k;
	fs_irq_restore(fl);
	sched_wakeup(&p->writers);
	poll_wakeup();
	return (long)k;
}

static long pipe_write(struct file *f, const void *kbuf, size_t n)
{
	struct pipe *p = f->priv;
	const uint8_t *src = kbuf;
	bool atomic = n <= PIPE_BUF;
	size_t done = 0;
	uint64_t fl = fs_irq_save();
	while (done < n) {
		if (p->readers == 0) {
			fs_irq_restore(fl);
			proc_signal(current, SIGPIPE);
			return done ? (long)done : -EPIPE;
		}
		size_t space = PIPE_RING_BYTES - (size_t)(p->wr - p->rd);
		if (space == 0 || (atomic && space < n)) {
			long r = 0;
			if (f->flags & O_NONBLOCK)
				r = -EAGAIN;
			else if (proc_signal_pending(current))
				r = -EINTR;
			else {
				sched_sleep(&p->writers);
				continue;
			}
			fs_irq_restore(fl);
			return done ? (long)done : r;
		}
		size_t k = n - done < space ? n - done : space;
		for (size_t i = 0; i < k; i++)
			p->ring[(p->wr + i) % PIPE_RING_BYTES] = src[done + i];
		p->wr += k;
		done += k;
		sched_wakeup(&p->readers);
		poll_wakeup();
	}
	fs_irq_restore(fl);
	return (long)done;
}

static unsigned pipe_poll(struct file *f)
{
	const struct pipe *p = f->priv;
	unsigned m = 0;
	if ((f->flags & O_ACCMODE) == O_RDONLY) {
		if (p->wr != p->rd)
			m |= POLLIN;
		if (p->writers == 0)
			m |= POLLHUP;
	} else {
		if (p->wr - p->rd < PIPE_RING_BYTES)
			m |= POLLOUT;
		if (p->readers == 0)
			m |= POLLERR;
	}
	return m;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	sched_wakeup(&p->readers);
	sched_wakeup(&p->writers);
	poll_wakeup();
	if (p->readers == 0 && p->writers == 0) {
		fs_page_free(p->ring);
		kfree(p);
	}
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .release = pipe_release,
};

long pipe_create(uint32_t flags, struct file **rd, struct file **wr)
{
	struct pipe *p = kmalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	p->ring = fs_page_alloc();
	struct file *r = file_alloc(NULL, &pipe_ops, p, O_RDONLY | (flags & O_NONBLOCK));
	struct file *w = file_alloc(NULL, &pipe_ops, p, O_WRONLY | (flags & O_NONBLOCK));
	if (!p->ring || !r || !w) {
		kfree(r);
		kfree(w);
		fs_page_free(p->ring);
		kfree(p);
		return -ENOMEM;
	}
	p->readers = p->writers = 1;
	p->id = next_pipe_id++;
	*rd = r;
	*wr = w;
	return 0;
}

uint64_t pipe_ino(const struct file *f)
{
	return f->ops == &pipe_ops ? ((const struct pipe *)f->priv)->id : 0;
}
