/* Private interface of the file system (outer/fs/): the tmpfs inode, path
 * walking, file data pages, devices, pipes and the console tty. Only
 * the files in outer/fs/ and the host tests (tests/host/test_fs.c) include it.
 *
 * Concurrency: one CPU and a non-preemptive kernel, so the tree is changed
 * only by code that does not sleep; a walk never sleeps and may use
 * unreferenced inode pointers until it returns. Only the tty's buffer is
 * touched from an interrupt (IRQ 4); its users disable interrupts.
 *
 * FS_HOST_TEST is defined by the host test build (tests/host/host.mk): it
 * turns the interrupt flag helpers into no-ops (cli/sti fault in user mode). */
#ifndef OUTER_FS_INTERNAL_H
#define OUTER_FS_INTERNAL_H
#include <outer/fs.h>
#include <outer/errno.h>

#define PATH_MAX 4096  /* bytes, NUL included (Linux limits.h) */
#define NAME_MAX 255   /* bytes of one component */
#define SYMLOOP_MAX 40 /* symlinks followed per lookup (Linux MAXSYMLINKS) */
#define FS_PAGE_BYTES 4096u
#define FS_MAX_FILE_BYTES (1ull << 32) /* regular file size limit (-EFBIG) */

#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)

/* Linux's new_encode_dev (include/linux/kdev_t.h): the st_rdev encoding. */
#define FS_MKDEV(major, minor)                                                                     \
	((((uint32_t)(minor)) & 0xffu) | (((uint32_t)(major)) << 8) |                              \
	 ((((uint32_t)(minor)) & ~0xffu) << 12))

/* One tmpfs inode. It has exactly one name (no hard links), so it is its
 * own directory entry: parent and name say where it lives (getcwd walks
 * them). nlink counts names (0 once unlinked; a directory counts 2 plus its
 * subdirectories as Linux reports it); refs counts in-memory references
 * (open files, cwds, fs_lookup results). An inode with nlink 0 and refs 0
 * is freed. */
struct inode {
	uint64_t ino;
	uint32_t mode; /* S_IF* | permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	int refs;
	uint64_t size; /* regular: bytes; symlink: target bytes; dir: entries */
	/* last access, modification and status change: ns since the Unix epoch
	 * (from the archive for its files; reads do not set atime, as noatime) */
	uint64_t atime_ns, mtime_ns, ctime_ns;
	struct inode *parent; /* directory holding it; NULL for the root and unlinked */
	struct inode *next;   /* next entry of parent, in creation order */
	uint64_t seq;	      /* position cookie in parent (getdents64 d_off) */
	char name[NAME_MAX + 1];
	/* /proc (procfs.c): PROC_DIR for its directories (refreshed when
	 * looked in), PROC_FILE for its files and symlinks; both read-only
	 * to system calls. proc_pid: the process a /proc/PID entry shows. */
	uint8_t proc;
	int proc_pid;
	union {
		struct { /* S_IFDIR */
			struct inode *first, *last;
			uint64_t next_seq;
		} dir;
		struct {		 /* S_IFREG */
			uint8_t **pages; /* FS_PAGE_BYTES each, NULL = hole (zeros) */
			uint64_t npages; /* slots in pages[] */
		} reg;
		struct {	      /* S_IFLNK */
			char *target; /* NUL-terminated, size bytes */
		} lnk;
		struct {			    /* S_IFCHR */
			const struct file_ops *ops; /* NULL: no driver (open gives ENXIO) */
			uint32_t rdev;		    /* FS_MKDEV encoding */
		} chr;
	} u;
};

#define PROC_DIR 1
#define PROC_FILE 2

/* fs_root: the root directory (NULL before vfs_init). */
extern struct inode *fs_root;

/* vfs_init: make an empty root directory (mode 0755) if there is none.
 * Returns 0 or -ENOMEM. */
long vfs_init(void);

/* vfs_walk: resolve path[0..len) from base (NULL = root; an absolute path
 * ignores base), following symlinks in the last component when follow.
 * *links is the symlink budget left (start with SYMLOOP_MAX). Gives an
 * unreferenced inode. Errors: -ENOENT (missing or empty path), -ENOTDIR,
 * -ENAMETOOLONG (component > NAME_MAX), -ELOOP. Source: Linux
 * path_resolution(7). */
long vfs_walk(struct inode *base, const char *path, size_t len, bool follow, int *links,
	      struct inode **out);

/* vfs_lookup: vfs_walk of the NUL-terminated path (which must be shorter
 * than PATH_MAX, else -ENAMETOOLONG), unreferenced. */
long vfs_lookup(struct inode *base, const char *path, bool follow, struct inode **out);

/* The parent directory of a path and its last component. */
struct vfs_parent {
	struct inode *dir;   /* unreferenced */
	const char *name;    /* points into the path (or "." for "/") */
	size_t len;	     /* bytes of name, 1..NAME_MAX */
	bool trailing;	     /* the path ended in '/' (the object must be a directory) */
	struct inode *child; /* the existing entry name (NULL if none; "." and ".." resolved) */
};

/* vfs_parent: resolve all but the last component of path (NUL-terminated)
 * from base; fill *p. Errors: as vfs_walk, -ENOTDIR if the parent is not a
 * directory, -ENOENT if it was removed. */
long vfs_parent(struct inode *base, const char *path, struct vfs_parent *p);

/* vfs_is_dots: name[0..len) is "." or "..". */
bool vfs_is_dots(const char *name, size_t len);

/* vfs_make: create an entry name[0..len) in directory dir with mode (S_IF*
 * and permissions), owned by the caller's effective uid and gid (root
 * before the first process), its times now; for a symlink, target (NUL-terminated) is copied; for a
 * character device, ops and rdev. Gives the new unreferenced inode in *out
 * (may be NULL). Errors: -EEXIST, -ENOTDIR, -ENOENT (dir was removed),
 * -ENAMETOOLONG, -EINVAL (a "." or ".." name, unknown type), -ENOMEM,
 * -EROFS (dir is in /proc). */
long vfs_make(struct inode *dir, const char *name, size_t len, uint32_t mode, const char *target,
	      const struct file_ops *ops, uint32_t rdev, struct inode **out);

/* vfs_make_in: vfs_make without the read-only check (-EROFS in a /proc
 * directory): for the code that builds the tree (procfs.c). */
long vfs_make_in(struct inode *dir, const char *name, size_t len, uint32_t mode, const char *target,
		 const struct file_ops *ops, uint32_t rdev, struct inode **out);

/* vfs_drop: remove ip's name from its directory (a directory must be
 * empty); ip is freed once unreferenced. For procfs.c; no checks. */
void vfs_drop(struct inode *ip);

/* vfs_remove: unlink path from base: a directory (must be empty) when
 * want_dir, anything else otherwise. Errors: -ENOENT, -ENOTDIR, -EISDIR,
 * -ENOTEMPTY, -EBUSY (the root), -EINVAL (rmdir of "."), plus vfs_parent's.
 * Source: Linux man 2 unlink, man 2 rmdir. */
long vfs_remove(struct inode *base, const char *path, bool want_dir);

/* vfs_rename: move oldpath (from obase) to newpath (from nbase), replacing
 * what newpath names. Errors: -ENOENT, -ENOTDIR, -EISDIR, -ENOTEMPTY,
 * -EINVAL (a directory into itself, "." or ".."), -EBUSY (the root), plus
 * vfs_parent's. Nothing changes on error. Source: Linux man 2 rename. */
long vfs_rename(struct inode *obase, const char *oldpath, struct inode *nbase, const char *newpath);

/* vfs_getpath: the absolute path of directory ip into buf (cap bytes, NUL
 * included). Returns the length without NUL, -ENOENT if ip was removed, or
 * -ERANGE if it does not fit. */
long vfs_getpath(const struct inode *ip, char *buf, size_t cap);

/* One directory entry for getdents64. */
struct vfs_dirent {
	uint64_t ino;
	uint64_t next_cookie; /* d_off: where the entry after this one starts */
	uint8_t type;	      /* DT_* */
	const char *name;
	size_t len;
};
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

/* vfs_readdir: the entry at or after position cookie of directory dir
 * (0 is ".", 1 is "..", then the entries in creation order). Returns true
 * and fills *de, or false at the end. */
bool vfs_readdir(const struct inode *dir, uint64_t cookie, struct vfs_dirent *de);

/* inode_write: n bytes of kbuf into regular file ip at byte offset off,
 * growing it (holes read as zeros). Returns bytes written (short only when
 * memory ran out after some were written), or -EINVAL (not regular),
 * -EFBIG (past FS_MAX_FILE_BYTES), -ENOSPC (no memory). */
long inode_write(struct inode *ip, const void *kbuf, uint64_t off, size_t n_bytes);

/* inode_truncate: set the size of regular file ip to size bytes (freeing
 * pages past it). Returns 0, -EINVAL, -EFBIG or -ENOSPC. */
long inode_truncate(struct inode *ip, uint64_t size);

/* inode_touch: set ip's mtime and ctime to now (a write, a truncate). */
void inode_touch(struct inode *ip);

/* fs_now_ns: CLOCK_REALTIME in ns (outer/sys_time.c's time_realtime_ns;
 * the host tests give their own). */
uint64_t fs_now_ns(void);

/* inode_count: inodes allocated now (tests check that freeing works). */
uint64_t inode_count(void);

/* fs_page_alloc/fs_page_free: one zeroed FS_PAGE_BYTES page of kernel
 * memory (NULL when out), and giving it back (NULL ignored). The kernel
 * takes a frame through its direct map (outer/fs/page.c); the host tests
 * use malloc. */
void *fs_page_alloc(void);
void fs_page_free(void *page);
/* fs_buf_alloc: like fs_page_alloc, but the page is not zeroed (it holds
 * old kernel data): for bounce buffers whose bytes are written before they
 * are read (sys_rw.c rw()). Free with fs_page_free. */
void *fs_buf_alloc(void);

/* file_alloc: a new file with one reference, or NULL. ip (may be NULL) is
 * referenced by the file from now on (the caller's reference moves in). */
struct file *file_alloc(struct inode *ip, const struct file_ops *ops, void *priv, uint32_t flags);

/* ---- cpio (outer/fs/cpio.c) ---- */
struct cpio_result {
	unsigned entries;    /* entries unpacked */
	unsigned skipped;    /* entries refused one by one (unsupported type, conflicts) */
	bool damaged;	     /* the archive ended in malformed data */
	uint64_t bad_offset; /* byte offset of the damage when damaged */
};

/* cpio_unpack: unpack a cpio newc archive (magic 070701, or 070702 with
 * checksums) of len bytes at buf into the tree under fs_root. Directories,
 * regular files (data copied), symlinks and character devices with a known
 * driver; missing parents are made (0755). Stops at TRAILER!!! (then
 * accepts further concatenated archives), or at damage: reported with its
 * byte offset, earlier entries kept. Returns 0, -EINVAL (damaged) or
 * -ENOMEM. Source: cpio(5) "New ASCII Format"; Linux
 * Documentation/driver-api/early-userspace/buffer-format.rst. */
long cpio_unpack(const uint8_t *buf, size_t len, struct cpio_result *res);

/* fs_populate: the boot tree: the root, the archive image[0..len) unpacked
 * into it (none if image is NULL), then /dev (dev_init) and /tmp (1777).
 * A damaged archive is reported and what came before it kept. Returns 0,
 * or -errno when the root, /dev or /tmp cannot be made. */
long fs_populate(const uint8_t *image, size_t len);

/* ---- devices (outer/fs/dev.c) ---- */
/* dev_init: create /dev with null, zero, console and tty. Returns 0 or
 * -errno (an existing /dev is reused). */
long dev_init(void);
/* dev_ops: the driver of character device major:minor, or NULL. */
const struct file_ops *dev_ops(uint32_t major, uint32_t minor);
extern const struct file_ops dev_null_ops;

/* ---- /proc (outer/fs/procfs.c) ---- */
/* procfs_init: make /proc (0555) with self, modules, meminfo, uptime and
 * mounts. Returns 0, -EEXIST (the archive has a /proc: left alone) or
 * -ENOMEM. */
long procfs_init(void);
/* procfs_refresh: bring /proc directory dir (PROC_DIR) up to date: /proc
 * itself from the process list, /proc/PID from its process. Never sleeps;
 * removes only /proc/PID directories, and only from /proc itself. */
void procfs_refresh(struct inode *dir);

/* ---- pipes (outer/fs/pipe.c) ---- */
#define PIPE_BUF 4096	     /* writes of at most this many bytes are atomic */
#define PIPE_RING_BYTES 4096 /* ring capacity */
/* pipe_create: a pipe's read end (O_RDONLY) and write end (O_WRONLY), each
 * with one reference; extra flags (O_NONBLOCK) go to both. Returns 0 or
 * -ENOMEM. Source: Linux man 7 pipe. */
long pipe_create(uint32_t flags, struct file **rd, struct file **wr);
/* pipe_ino: a number naming the pipe of file f (fstat), 0 if f is no pipe. */
uint64_t pipe_ino(const struct file *f);

/* ---- the console tty (outer/fs/tty.c) ---- */
extern const struct file_ops tty_ops;
/* tty_opened: file_open opened the console's node ip with flags: a session
 * leader without a controlling tty acquires it unless O_NOCTTY; /dev/tty
 * (5:0) gives -ENXIO to a process without one (man 4 tty). 0 or -ENXIO. */
long tty_opened(const struct inode *ip, uint32_t flags);

/* poll_wakeup is declared in fs.h. */

/* Interrupt flag helpers: save RFLAGS and cli; restore IF. */
#ifdef FS_HOST_TEST
static inline uint64_t fs_irq_save(void)
{
	return 0;
}
static inline void fs_irq_restore(uint64_t flags)
{
	(void)flags;
}
#else
static inline uint64_t fs_irq_save(void)
{
	uint64_t flags;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
	return flags;
}
static inline void fs_irq_restore(uint64_t flags)
{
	if (flags & (1u << 9))
		__asm__ volatile("sti" ::: "memory");
}
#endif
#endif
