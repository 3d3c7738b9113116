/* The console tty on COM1: a line discipline fed by the UART's receive
 * interrupt (IRQ 4). Canonical mode edits a line (echo, erase with
 * backspace or DEL, ^U kill, ^D end of file, CR -> NL on input) and hands
 * out whole lines; raw mode (ICANON off) hands out bytes as they arrive.
 * With ISIG, ^C, ^\ and ^Z (VINTR, VQUIT, VSUSP) send SIGINT, SIGQUIT and
 * SIGTSTP to the foreground process group and flush the input. The tty is
 * the controlling tty of at most one session (init's from boot), with a
 * foreground process group; its other groups get SIGTTIN for a read and
 * SIGTTOU for a write under TOSTOP or a termios change. Output goes to
 * uart_putc, which turns NL into CR NL.
 * Source: Linux man 3 termios (canonical and noncanonical mode, the c_cc
 * characters, ISIG, TOSTOP), man 2 ioctl_tty (TCGETS, TIOCGWINSZ,
 * TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID), man 4 tty;
 * POSIX.1-2017 11.1.3 (the controlling terminal), 11.1.4 (terminal access
 * control); asm-generic/termbits.h for the flag values. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/proc.h>
#include <outer/uaccess.h>
#include "fs_internal.h"

/* ioctl requests (asm-generic/ioctls.h) */
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540a
#define TCFLSH 0x540b
#define TIOCSCTTY 0x540e
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429

/* termios flags (asm-generic/termbits.h, octal) */
#define ICRNL 0000400
#define IXON 0002000
#define OPOST 0000001
#define ONLCR 0000004
#define B115200 0010002
#define CS8 0000060
#define CREAD 0000200
#define ISIG 0000001
#define ICANON 0000002
#define NOFLSH 0000200
#define TOSTOP 0000400
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000
enum {
	VINTR = 0,
	VQUIT,
	VERASE,
	VKILL,
	VEOF,
	VTIME,
	VMIN,
	VSWTC,
	VSTART,
	VSTOP,
	VSUSP,
	VEOL,
	VREPRINT,
	VDISCARD,
	VWERASE,
	VLNEXT,
	VEOL2,
	NCCS = 19
};

/* The kernel's struct termios as TCGETS/TCSETS pass it (36 bytes). */
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[NCCS];
};

struct winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

#define TTY_BUF_BYTES 4096 /* power of two */
#define EOF_MARK 0x100	   /* a ^D in the buffer (canonical mode) */

/* The input buffer, a ring of TTY_BUF_BYTES slots: [rd, canon) is ready
 * for readers, [canon, wr) is the line being edited (empty in raw mode).
 * A slot holds a byte or EOF_MARK. Changed by tty_rx_irq and by readers
 * with interrupts off. */
static struct tty {
	uint16_t buf[TTY_BUF_BYTES];
	uint32_t rd, canon, wr;
	struct ktermios t;
	int session; /* the session whose controlling tty it is; 0: none */
	int pgrp;    /* the foreground process group (TIOCSPGRP); 0: none */
	bool enabled;
} tty = {
    .t =
	{
	    .c_iflag = ICRNL | IXON,
	    .c_oflag = OPOST | ONLCR,
	    .c_cflag = B115200 | CS8 | CREAD,
	    .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
	    .c_cc = {[VINTR] = 003,
		     [VQUIT] = 034,
		     [VERASE] = 0177,
		     [VKILL] = 025,
		     [VEOF] = 004,
		     [VTIME] = 0,
		     [VMIN] = 1,
		     [VSTART] = 021,
		     [VSTOP] = 023,
		     [VSUSP] = 032,
		     [VREPRINT] = 022,
		     [VDISCARD] = 017,
		     [VWERASE] = 027,
		     [VLNEXT] = 026},
	},
};

/* Echo a control character as ^X (ECHOCTL), others as themselves. */
static void echo_char(uint8_t c)
{
	if (!(tty.t.c_lflag & ECHO))
		return;
	if (c < 32 && c != '\n' && c != '\t' && (tty.t.c_lflag & ECHOCTL)) {
		uart_putc('^');
		uart_putc((char)(c + '@'));
	} else {
		uart_putc((char)c);
	}
}

static void erase_one(void)
{
	if (tty.wr == tty.canon)
		return;
	tty.wr--;
	if (tty.t.c_lflag & ECHO) {
		uart_putc('\b');
		uart_putc(' ');
		uart_putc('\b');
	}
}

static void commit(void)
{
	tty.canon = tty.wr;
	sched_wakeup(&tty);
	poll_wakeup();
}

/* ---- the controlling tty and job control ---- */

void tty_set_ctty(int sid, int pgid)
{
	tty.session = sid;
	tty.pgrp = pgid;
}

/* Whether the console is p's controlling tty. */
static bool is_ctty(const struct proc *p)
{
	return p && tty.session && proc_sid(p) == tty.session && !p->ctty_detached;
}

int tty_ctty_pgrp(const struct proc *p)
{
	return is_ctty(p) ? tty.pgrp : -1;
}

/* The session leader gives the tty up (exit, TIOCNOTTY): SIGHUP to the
 * foreground group, and SIGCONT unless it exits (Linux's
 * disassociate_ctty). */
static void release_ctty(bool on_exit)
{
	int pg = tty.pgrp;
	tty.session = tty.pgrp = 0;
	if (pg) {
		proc_pgrp_signal(pg, SIGHUP, NULL);
		if (!on_exit)
			proc_pgrp_signal(pg, SIGCONT, NULL);
	}
}

void tty_session_end(int sid)
{
	uint64_t fl = fs_irq_save();
	if (sid && tty.session == sid)
		release_ctty(true);
	fs_irq_restore(fl);
}

long tty_opened(const struct inode *ip, uint32_t flags)
{
	struct proc *p = current;
	if (!p)
		return 0;
	/* /dev/tty (5:0) names the caller's controlling tty (man 4 tty) */
	if (ip->u.chr.rdev == FS_MKDEV(5, 0))
		return is_ctty(p) ? 0 : -ENXIO;
	/* a session leader without one acquires it */
	uint64_t fl = fs_irq_save();
	if (!(flags & O_NOCTTY) && p->pid == proc_sid(p) && !tty.session)
		tty_set_ctty(p->pid, proc_pgid(p));
	fs_irq_restore(fl);
	return 0;
}

/* Terminal access control for the caller using its controlling tty with
 * sig: SIGTTIN for a read, SIGTTOU for a write under TOSTOP or a change of
 * the tty's settings. 0 when allowed (not the controlling tty, no
 * foreground group, the caller's group is it; for SIGTTOU also when the
 * caller blocks or ignores it); -EIO when it blocks or ignores SIGTTIN, or
 * its group is orphaned; else the caller's group gets sig and the call
 * returns -EINTR, restarted once the group continues (Linux's
 * __tty_check_change, -ERESTARTSYS). */
static long job_check(int sig)
{
	struct proc *p = current;
	if (!is_ctty(p) || !tty.pgrp || proc_pgid(p) == tty.pgrp)
		return 0;
	if (proc_signal_refused(p, sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (proc_pgrp_orphaned(proc_pgid(p), NULL))
		return -EIO;
	proc_pgrp_signal(proc_pgid(p), sig, NULL);
	return -EINTR;
}

/* ISIG: a signal character c sends sig to the foreground group and
 * flushes the input unless NOFLSH (interrupts off; Linux's n_tty isig). */
static void tty_signal_char(uint8_t c, int sig)
{
	echo_char(c);
	if (!(tty.t.c_lflag & NOFLSH))
		tty.rd = tty.canon = tty.wr;
	if (tty.pgrp)
		proc_pgrp_signal(tty.pgrp, sig, NULL);
	sched_wakeup(&tty);
	poll_wakeup();
}

static void put(uint16_t v)
{
	if (tty.wr - tty.rd < TTY_BUF_BYTES)
		tty.buf[tty.wr++ % TTY_BUF_BYTES] = v;
}

/* tty_input: one received byte through the line discipline (interrupts
 * off). */
static void tty_input(uint8_t c)
{
	const struct ktermios *t = &tty.t;
	if (c == '\r' && (t->c_iflag & ICRNL))
		c = '\n';
	if (t->c_lflag & ISIG) {
		/* a c_cc entry of 0 (_POSIX_VDISABLE) matches nothing */
		int sig = !c			? 0
			  : c == t->c_cc[VINTR] ? SIGINT
			  : c == t->c_cc[VQUIT] ? SIGQUIT
			  : c == t->c_cc[VSUSP] ? SIGTSTP
						: 0;
		if (sig) {
			tty_signal_char(c, sig);
			return;
		}
	}
	if (!(t->c_lflag & ICANON)) {
		if (tty.wr - tty.rd < TTY_BUF_BYTES) {
			put(c);
			echo_char(c);
		}
		commit();
		return;
	}
	if (c == t->c_cc[VERASE] || c == '\b' || c == 0x7f) {
		erase_one();
		return;
	}
	if (c == t->c_cc[VKILL]) {
		while (tty.wr != tty.canon)
			erase_one();
		return;
	}
	if (c == t->c_cc[VEOF]) {
		put(EOF_MARK);
		commit();
		return;
	}
	/* keep a slot for the newline so a full line can still be ended */
	if (c != '\n' && tty.wr - tty.rd >= TTY_BUF_BYTES - 1)
		return;
	put(c);
	echo_char(c);
	if (c == '\n')
		commit();
}

void tty_rx_irq(void)
{
	int c;
	while ((c = uart_getc()) >= 0)
		tty_input((uint8_t)c);
}

void tty_enable(void)
{
	uint64_t fl = fs_irq_save();
	tty.enabled = true;
	uart_rx_irq_enable();
	pic_unmask(4);
	tty_rx_irq(); /* typed ahead during boot: it belongs to the shell */
	fs_irq_restore(fl);
}

/* Bytes a read can take now (with interrupts off). */
static bool readable(void)
{
	return tty.rd != tty.canon;
}

/* The timer tick now (uptime_ns in TIMER_HZ ticks). */
static uint64_t tick_now(void)
{
	return uptime_ns() / (1000000000ull / TIMER_HZ);
}

/* Non-canonical mode: wait as VMIN and VTIME say (interrupts off) before
 * a read of up to n bytes takes what is there. VMIN 0, VTIME 0: no wait;
 * VMIN > 0, VTIME 0: until min(VMIN, n) bytes; VMIN 0, VTIME > 0: until a
 * byte or VTIME tenths of a second from the call; both > 0: until
 * min(VMIN, n) bytes, or VTIME tenths after the last byte arrived (the
 * timer starts with the first byte). O_NONBLOCK returns at once (-EAGAIN
 * when nothing is there), a pending signal too (-EINTR when nothing is
 * there). Returns 0 to go on reading, or -errno. Source: Linux man 3
 * termios, "Noncanonical mode"; POSIX.1-2017 11.1.7. */
static long raw_wait(struct file *f, size_t n)
{
	unsigned vmin = tty.t.c_cc[VMIN], vtime = tty.t.c_cc[VTIME];
	uint64_t want = vmin < n ? vmin : n; /* bytes that end the wait */
	if (!vmin && vtime)
		want = 1; /* one byte, or the timeout */
	uint64_t span = (uint64_t)vtime * TIMER_HZ / 10, deadline = 0, seen = 0;
	if (vtime && !vmin)
		deadline = tick_now() + span;
	for (;;) {
		uint64_t avail = tty.canon - tty.rd;
		if (avail >= want)
			return 0;
		if (vtime && vmin && avail > seen) { /* a byte arrived: restart the timer */
			seen = avail;
			deadline = tick_now() + span;
		}
		if (deadline && tick_now() >= deadline)
			return 0;
		if (f->flags & O_NONBLOCK)
			return avail ? 0 : -EAGAIN;
		if (proc_signal_pending(current))
			return avail ? 0 : -EINTR;
		current->wake_tick = deadline;
		sched_sleep(&tty);
		current->wake_tick = 0;
	}
}

static long tty_read(struct file *f, void *kbuf, size_t n)
{
	if (!tty.enabled)
		return -EIO; /* input is still the polled nk> console's */
	long jc = job_check(SIGTTIN);
	if (jc)
		return jc;
	if (n == 0)
		return 0;
	uint64_t fl = fs_irq_save();
	bool raw = !(tty.t.c_lflag & ICANON);
	long r = raw ? raw_wait(f, n) : 0;
	while (!raw && !readable()) {
		if (f->flags & O_NONBLOCK)
			r = -EAGAIN;
		else if (proc_signal_pending(current))
			r = -EINTR;
		else {
			sched_sleep(&tty);
			continue;
		}
		break;
	}
	if (r) {
		fs_irq_restore(fl);
		return r;
	}
	uint8_t *dst = kbuf;
	size_t k = 0;
	while (k < n && tty.rd != tty.canon) {
		uint16_t v = tty.buf[tty.rd % TTY_BUF_BYTES];
		if (v == EOF_MARK) {
			tty.rd++; /* consumed: ends a canonical read (0 bytes on an empty line) */
			if (raw)
				continue; /* a leftover from canonical mode */
			break;
		}
		tty.rd++;
		dst[k++] = (uint8_t)v;
		if (v == '\n' && !raw)
			break; /* canonical reads return one line */
	}
	fs_irq_restore(fl);
	return (long)k;
}

static long tty_write(struct file *f, const void *kbuf, size_t n)
{
	(void)f;
	if (tty.t.c_lflag & TOSTOP) {
		long jc = job_check(SIGTTOU);
		if (jc)
			return jc;
	}
	const char *s = kbuf;
	for (size_t i = 0; i < n; i++)
		uart_putc(s[i]);
	return (long)n;
}

/* TIOCSCTTY(arg): the caller, a session leader without a controlling
 * tty, makes the console its own (0 when it already is); -EPERM for
 * another process, or when another session has it (root takes it with
 * arg 1), or for a file not open for reading (unless root). */
static long tiocsctty(const struct file *f, uint64_t arg)
{
	struct proc *p = current;
	int sid = proc_sid(p);
	bool root = proc_cred(p)->euid == 0;
	if (p->pid == sid && tty.session == sid)
		return 0;
	if (p->pid != sid)
		return -EPERM;
	if (tty.session && !(arg == 1 && root))
		return -EPERM;
	if ((f->flags & O_ACCMODE) == O_WRONLY && !root)
		return -EPERM;
	tty_set_ctty(sid, proc_pgid(p));
	return 0;
}

/* TIOCSPGRP(&pgrp): the foreground group becomes pgrp. -ENOTTY when the
 * console is not the caller's controlling tty (or the caller's orphaned
 * background group may not change it), -EINVAL for pgrp < 0, -ESRCH when
 * nothing has that id, -EPERM for a group of another session, -EFAULT;
 * a background caller gets SIGTTOU first (job_check). */
static long tiocspgrp(uint64_t uarg)
{
	long jc = job_check(SIGTTOU);
	if (jc)
		return jc == -EIO ? -ENOTTY : jc;
	if (!is_ctty(current))
		return -ENOTTY;
	int pg;
	if (copy_from_user(&pg, uarg, sizeof(pg)))
		return -EFAULT;
	if (pg < 0)
		return -EINVAL;
	int sid = proc_pgrp_session(pg);
	if (sid < 0)
		return -ESRCH;
	if (sid != proc_sid(current))
		return -EPERM;
	tty.pgrp = pg;
	return 0;
}

static long tty_ioctl(struct file *f, unsigned long req, uint64_t uarg)
{
	/* the requests that change the tty: the background asks first */
	if (req == TCSETS || req == TCSETSW || req == TCSETSF || req == TIOCSWINSZ ||
	    req == TCFLSH || req == TCXONC || req == TCSBRK) {
		long jc = job_check(SIGTTOU);
		if (jc)
			return jc;
	}
	switch (req) {
	case TCGETS:
		return copy_to_user(uarg, &tty.t, sizeof(tty.t));
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct ktermios t;
		if (copy_from_user(&t, uarg, sizeof(t)))
			return -EFAULT;
		uint64_t fl = fs_irq_save();
		if (req == TCSETSF)
			tty.wr = tty.canon = tty.rd; /* flush pending input */
		if (!(t.c_lflag & ICANON))
			tty.canon = tty.wr; /* raw: the partial line is ready now */
		tty.t = t;
		fs_irq_restore(fl);
		poll_wakeup();
		sched_wakeup(&tty);
		return 0;
	}
	case TIOCGWINSZ: {
		struct winsize w = {.ws_row = 24, .ws_col = 80};
		return copy_to_user(uarg, &w, sizeof(w));
	}
	case TIOCSWINSZ:
		return 0;
	case TCFLSH: { /* TCIFLUSH 0, TCOFLUSH 1, TCIOFLUSH 2; output is never queued */
		if (uarg > 2)
			return -EINVAL;
		if (uarg != 1) {
			uint64_t fl = fs_irq_save();
			tty.rd = tty.canon = tty.wr;
			fs_irq_restore(fl);
		}
		return 0;
	}
	case TCXONC: /* TCOOFF..TCION: output is never held */
		return uarg > 3 ? -EINVAL : 0;
	case TCSBRK: /* tcdrain (arg 1) or a break: output is already out */
		return 0;
	case TIOCSCTTY:
		return tiocsctty(f, uarg);
	case TIOCNOTTY: /* the caller gives up its controlling tty */
		if (!is_ctty(current))
			return -ENOTTY;
		if (current->pid == proc_sid(current))
			release_ctty(false);
		else
			current->ctty_detached = true;
		return 0;
	case TIOCGPGRP:
		if (!is_ctty(current))
			return -ENOTTY;
		return copy_to_user(uarg, &tty.pgrp, sizeof(tty.pgrp));
	case TIOCSPGRP:
		return tiocspgrp(uarg);
	case TIOCGSID:
		if (!is_ctty(current))
			return -ENOTTY;
		return copy_to_user(uarg, &tty.session, sizeof(tty.session));
	case FIONREAD: {
		int count = (int)(tty.canon - tty.rd);
		return copy_to_user(uarg, &count, sizeof(count));
	}
	}
	return -ENOTTY;
}

static unsigned tty_poll(struct file *f)
{
	(void)f;
	return (readable() ? POLLIN : 0) | POLLOUT;
}

const struct file_ops tty_ops = {
    .read = tty_read,
    .write = tty_write,
    .ioctl = tty_ioctl,
    .poll = tty_poll,
};
