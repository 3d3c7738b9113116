/* Files: the VFS tree (an initramfs unpacked into a writable tmpfs),
 * devices (/dev/console, /dev/null), pipes and open files.
 * Modes and flags use Linux's values (S_IF*, O_*), since user programs see
 * them through the syscall ABI. */
#ifndef OUTER_FS_H
#define OUTER_FS_H
#include <nk/types.h>

#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFREG 0100000
#define S_IFIFO 0010000
#define S_IFLNK 0120000

#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020

struct inode;
struct file;

/* What an open file does; buffers are kernel memory (the syscall layer
 * copies to and from user space). read/write may sleep (sched_sleep) and
 * return a byte count or -errno (-EAGAIN with O_NONBLOCK, -EINTR when a
 * kill is pending, -EPIPE for a write to a pipe with no reader). */
struct file_ops {
	long (*read)(struct file *f, void *kbuf, size_t n_bytes);
	long (*write)(struct file *f, const void *kbuf, size_t n_bytes);
	/* ioctl: request req with user-space argument uarg; -ENOTTY if none */
	long (*ioctl)(struct file *f, unsigned long req, uint64_t uarg);
	/* poll: POLLIN/POLLOUT/POLLHUP bits ready now (never sleeps) */
	unsigned (*poll)(struct file *f);
	/* release: the last reference is gone */
	void (*release)(struct file *f);
};

struct file {
	struct inode *ip; /* NULL for pipes */
	const struct file_ops *ops;
	void *priv;	/* the pipe, the device's state */
	uint64_t off;	/* bytes */
	uint32_t flags; /* O_ACCMODE | O_APPEND | O_NONBLOCK */
	int refs;
};

/* fs_init: unpack the initramfs (the multiboot2 module named "initramfs",
 * or the first module) into the tmpfs root, and create /dev/console,
 * /dev/null and /tmp. Panics only if the root cannot be made; a malformed
 * archive is reported, and the entries before the damage are kept. */
void fs_init(void);

/* fs_lookup: resolve path (absolute, or relative to cwd; NULL cwd = root),
 * following symlinks in the last component when follow. Returns 0 and a
 * referenced inode in *out (drop it with inode_put), or -ENOENT, -ENOTDIR,
 * -ENAMETOOLONG, -ELOOP. */
long fs_lookup(struct inode *cwd, const char *path, bool follow, struct inode **out);
/* inode_get/inode_put: take and drop a reference (an unlinked inode with no
 * references is freed). */
void inode_get(struct inode *ip);
void inode_put(struct inode *ip);
/* inode_mode, inode_size: the S_IF* mode and size in bytes. */
uint32_t inode_mode(const struct inode *ip);
uint64_t inode_size(const struct inode *ip);
/* fs_inode_path: the absolute path of ip (any type) into buf (cap bytes,
 * NUL included). Returns its length without the NUL, -ENOENT if ip has
 * been removed, or -ERANGE if it does not fit (outer/fs/vfs.c). */
long fs_inode_path(const struct inode *ip, char *buf, size_t cap);
/* inode_read: up to n bytes of regular file ip from byte offset off into
 * kernel buf. Returns the bytes read (0 at end of file) or -EISDIR/-EINVAL. */
long inode_read(struct inode *ip, void *kbuf, uint64_t off, size_t n_bytes);

/* file_open: open path relative to cwd with O_* flags (O_CREAT uses mode).
 * Returns 0 and a file with one reference in *out, or -errno. */
long file_open(struct inode *cwd, const char *path, uint32_t flags, uint32_t mode,
	       struct file **out);
/* file_get/file_put: take and drop a reference; the last put releases.
 * file_get is inline: fork takes one for every open descriptor. */
static inline void file_get(struct file *f)
{
	f->refs++;
}
void file_put(struct file *f);
/* console_file: a new reference to an open /dev/console file (O_RDWR), for
 * init's descriptors 0, 1 and 2. */
struct file *console_file(void);

/* tty_rx_irq: the console UART's receive interrupt (IRQ 4): feed received
 * bytes to the line discipline and wake readers. */
void tty_rx_irq(void);
/* tty_session_end: session sid's leader exits: if the console is its
 * controlling tty, the foreground process group gets SIGHUP and the tty
 * belongs to no session (Linux's disassociate_ctty on exit). */
void tty_session_end(int sid);
/* tty_set_ctty: make the console the controlling tty of session sid with
 * foreground group pgid (init's, at boot). */
void tty_set_ctty(int sid, int pgid);
/* tty_ctty_pgrp: the console's foreground process group (0: none) when it
 * is p's controlling tty, else -1 (/proc/PID/stat's tpgid). */
struct proc;
int tty_ctty_pgrp(const struct proc *p);
/* tty_enable: switch console input from polling (the nk> console) to the
 * interrupt-driven line discipline (/dev/console). */
void tty_enable(void);

/* fs_locks_release: drop every fcntl record lock process pid holds on ip
 * (all its locks when ip is NULL), waking F_SETLKW waiters
 * (outer/fs/lock.c). POSIX: a process's locks on a file go when it closes
 * any descriptor of that file, and when it exits. */
void fs_locks_release_slow(int pid, const struct inode *ip);
/* fs_lock_count: record locks held now (by every process). */
extern unsigned long fs_lock_count;
static inline void fs_locks_release(int pid, const struct inode *ip)
{
	if (fs_lock_count) /* inline: every close and exit asks, and usually none is held */
		fs_locks_release_slow(pid, ip);
}

/* poll_wakeup: wake every task sleeping in poll/ppoll so it rescans its
 * descriptors (called by the tty and pipes whenever one becomes readable,
 * writable or hung up; any context). */
void poll_wakeup(void);
#endif
