/* /proc: the minimal process file system busybox's ps, lsmod, free and
 * poweroff read. Its entries are ordinary tmpfs inodes under /proc,
 * marked with inode.proc and kept up to date from the kernel's state each
 * time a path walk or getdents64 looks into a /proc directory (vfs.c calls
 * procfs_refresh): the process directories /proc/PID appear and go with
 * the processes, and a file's text is made again just before it is
 * opened, so that an open file reads one consistent snapshot.
 *
 *   /proc/PID/stat     pid (comm) state ppid ... (man 5 proc; 52 fields)
 *   /proc/PID/status   Name State Tgid Pid PPid Uid Gid Threads
 *   /proc/PID/cmdline  the argv strings, NUL-terminated
 *   /proc/PID/exe      symlink to the program's absolute path
 *   /proc/self         symlink to the caller's PID
 *   /proc/modules      name size refcount deps state address, per module
 *   /proc/meminfo      MemTotal MemFree MemAvailable (kB)
 *   /proc/uptime       seconds since boot, and idle seconds
 *   /proc/mounts       the root tmpfs and /proc
 *
 * Everything is read-only: opening a file for writing or truncating it
 * gives -EACCES, and creating, removing, renaming or changing the
 * attributes of an entry gives -EROFS (the checks are in vfs.c, file.c,
 * sys_rw.c and sys_attr.c). Fields this kernel does not track (page fault
 * counts, priorities, memory sizes) read 0. Source: Linux man 5 proc
 * (/proc/[pid]/stat, status, cmdline, exe, /proc/modules, meminfo,
 * uptime, mounts). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/module.h>
#include <outer/proc.h>
#include <nk/vmmu.h>
#include <uapi/nksys.h>
#include "fs_internal.h"

static struct inode *proc_root;

/* One CPU and a non-preemptive kernel, and refreshing never sleeps: one
 * snapshot of the process list and one text buffer serve every refresh. */
static struct nksys_proc plist[NPROC];
static char text[FS_PAGE_BYTES];

/* The files of a /proc/PID directory (exe is a symlink, made apart). */
enum { PF_STAT, PF_STATUS, PF_CMDLINE, PF_NFILES };
static const char *const pid_files[PF_NFILES] = {"stat", "status", "cmdline"};
/* The files of /proc itself. */
enum { RF_MODULES, RF_MEMINFO, RF_UPTIME, RF_MOUNTS, RF_NFILES };
static const char *const root_files[RF_NFILES] = {"modules", "meminfo", "uptime", "mounts"};

/* Set regular file ip's data to t[0..n) (pages reused, the rest cut). */
static void set_data(struct inode *ip, const char *t, size_t n)
{
	if (n)
		inode_write(ip, t, 0, n);
	inode_truncate(ip, n);
}

/* Point symlink ip at target, unless it already points there (a walk may
 * be following its old target: it must not be freed under it). */
static void set_target(struct inode *ip, const char *target)
{
	size_t n = strlen(target);
	if (ip->size == n && !memcmp(ip->u.lnk.target, target, n))
		return;
	char *t = kmalloc(n + 1);
	if (!t)
		return; /* the old target stays */
	memcpy(t, target, n + 1);
	kfree(ip->u.lnk.target);
	ip->u.lnk.target = t;
	ip->size = n;
}

/* An entry of dir (a /proc directory) made by procfs: marked, owned by
 * uid:gid. Returns it (unreferenced) or NULL when memory is out. */
static struct inode *make(struct inode *dir, const char *name, uint32_t mode, const char *target,
			  int uid, int gid)
{
	struct inode *ip;
	if (vfs_make_in(dir, name, strlen(name), mode, target, NULL, 0, &ip))
		return NULL;
	ip->proc = S_ISDIR(mode) ? PROC_DIR : PROC_FILE;
	ip->uid = (uint32_t)uid;
	ip->gid = (uint32_t)gid;
	return ip;
}

static struct inode *child(struct inode *dir, const char *name)
{
	for (struct inode *c = dir->u.dir.first; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Remove a /proc/PID directory and its entries (freed when unused). */
static void remove_pid_dir(struct inode *d)
{
	while (d->u.dir.first)
		vfs_drop(d->u.dir.first);
	vfs_drop(d);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static const char *state_name(char s)
{
	return s == 'R'	  ? "R (running)"
	       : s == 'Z' ? "Z (zombie)"
	       : s == 'T' ? "T (stopped)"
			  : "S (sleeping)";
}

/* The text of file `which` of process p into text[]; returns its bytes. */
static size_t pid_text(const struct proc *p, int which)
{
	const struct cred *c = proc_cred(p);
	int n = 0;
	switch (which) {
	case PF_STAT: {
		int tpgid = tty_ctty_pgrp(p);
		/* man 5 proc: pid comm state ppid pgrp session tty_nr tpgid
		 * flags minflt cminflt majflt cmajflt utime stime cutime
		 * cstime priority nice num_threads itrealvalue starttime
		 * vsize rss rsslim, then fields 26-52 (exit_signal, 38, is
		 * SIGCHLD); tty_nr is the console's (5:1) when it is the
		 * controlling tty, tpgid its foreground group (-1 without) */
		n = ksnprintf(text, sizeof(text),
			      "%d (%s) %c %d %d %d %d %d 0 0 0 0 0 %lu 0 0 0 20 0 1 0 0 0 0 "
			      "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 "
			      "0 0 0 0 0 0\n",
			      p->pid, p->name, p->state, p->ppid, proc_pgid(p), proc_sid(p),
			      tpgid < 0 ? 0 : (int)FS_MKDEV(5, 1), tpgid, (unsigned long)p->ticks);
		break;
	}
	case PF_STATUS:
		n = ksnprintf(
		    text, sizeof(text),
		    "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
		    "Uid:\t%d\t%d\t%d\t%d\nGid:\t%d\t%d\t%d\t%d\nThreads:\t1\n",
		    p->name, p->umask, state_name(p->state), p->pid, p->pid, p->ppid, c->uid,
		    c->euid, c->euid, c->euid, c->gid, c->egid, c->egid, c->egid);
		break;
	case PF_CMDLINE:
		memcpy(text, p->cmdline, p->cmdline_len);
		n = p->cmdline_len;
		break;
	}
	if (n < 0)
		return 0;
	return (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
}

/* The text of /proc file `which` into text[]; returns its bytes. */
static size_t root_text(int which)
{
	int n = 0;
	switch (which) {
	case RF_MODULES:
		n = (int)module_proc_list(text, sizeof(text));
		break;
	case RF_MEMINFO: {
		unsigned long total = nk_view->nframes * 4, free = frames_free() * 4;
		n = ksnprintf(text, sizeof(text),
			      "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
			      "MemAvailable:   %8lu kB\n",
			      total, free, free);
		break;
	}
	case RF_UPTIME: {
		uint64_t cs = uptime_ns() / 10000000u; /* hundredths of a second */
		n = ksnprintf(text, sizeof(text), "%lu.%02lu 0.00\n", (unsigned long)(cs / 100),
			      (unsigned long)(cs % 100));
		break;
	}
	case RF_MOUNTS:
		n = ksnprintf(text, sizeof(text),
			      "tmpfs / tmpfs rw 0 0\nproc /proc proc ro,nosuid,nodev,noexec 0 0\n");
		break;
	}
	if (n < 0)
		return 0;
	return (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
}

/* Make /proc/PID for p (its files are filled when it is looked in). */
static void make_pid_dir(const struct nksys_proc *e)
{
	char name[16];
	ksnprintf(name, sizeof(name), "%d", e->pid);
	struct inode *d = make(proc_root, name, S_IFDIR | 0555, NULL, e->uid, e->gid);
	if (!d)
		return;
	d->proc_pid = e->pid;
	for (int i = 0; i < PF_NFILES; i++) {
		struct inode *f = make(d, pid_files[i], S_IFREG | 0444, NULL, e->uid, e->gid);
		if (f)
			f->proc_pid = e->pid;
	}
	struct inode *x = make(d, "exe", S_IFLNK | 0777, "/", e->uid, e->gid);
	if (x)
		x->proc_pid = e->pid;
}

/* /proc itself: the PID directories follow the process list, /proc/self
 * names the caller, the files are made again. */
static void refresh_root(void)
{
	unsigned n = proc_list(plist, NPROC);
	/* ascending pids, so that new directories are listed in pid order
	 * (the list is newest first; insertion sort: it is nearly sorted) */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && plist[j - 1].pid > plist[j].pid; j--) {
			struct nksys_proc t = plist[j];
			plist[j] = plist[j - 1];
			plist[j - 1] = t;
		}
	for (struct inode *c = proc_root->u.dir.first, *next; c; c = next) {
		next = c->next;
		if (!S_ISDIR(c->mode) || !all_digits(c->name))
			continue;
		bool alive = false;
		for (unsigned i = 0; i < n && !alive; i++)
			alive = plist[i].pid == c->proc_pid;
		if (!alive)
			remove_pid_dir(c);
	}
	for (unsigned i = 0; i < n; i++) {
		char name[16];
		ksnprintf(name, sizeof(name), "%d", plist[i].pid);
		struct inode *d = child(proc_root, name);
		if (!d)
			make_pid_dir(&plist[i]);
		else
			d->uid = (uint32_t)plist[i].uid, d->gid = (uint32_t)plist[i].gid;
	}
	struct inode *self = child(proc_root, "self");
	if (self && S_ISLNK(self->mode)) {
		char name[16];
		ksnprintf(name, sizeof(name), "%d", current ? current->pid : 0);
		set_target(self, name);
	}
	for (int i = 0; i < RF_NFILES; i++) {
		struct inode *f = child(proc_root, root_files[i]);
		if (f && S_ISREG(f->mode))
			set_data(f, text, root_text(i));
	}
}

/* /proc/PID: its files from process pid (left as they are if it is gone:
 * the next look at /proc removes the directory). */
static void refresh_pid(struct inode *d)
{
	struct proc *p = proc_find(d->proc_pid);
	if (!p)
		return;
	const struct cred *c = proc_cred(p);
	for (struct inode *f = d->u.dir.first; f; f = f->next) {
		f->uid = (uint32_t)c->uid;
		f->gid = (uint32_t)c->gid;
		if (S_ISLNK(f->mode)) {
			set_target(f, p->exe[0] ? p->exe : "/");
			continue;
		}
		for (int i = 0; i < PF_NFILES; i++)
			if (S_ISREG(f->mode) && !strcmp(f->name, pid_files[i]))
				set_data(f, text, pid_text(p, i));
	}
}

void procfs_refresh(struct inode *dir)
{
	/* the refresh itself looks into the directories it fills (vfs_make_in
	 * checks names): those lookups must not refresh again */
	static bool busy;
	if (busy)
		return;
	busy = true;
	if (dir == proc_root)
		refresh_root();
	else if (dir->parent == proc_root && all_digits(dir->name))
		refresh_pid(dir);
	busy = false;
}

long procfs_init(void)
{
	if (proc_root)
		return 0;
	struct inode *d;
	long r = vfs_lookup(fs_root, "/proc", true, &d);
	if (r == 0)
		return -EEXIST; /* the archive has its own /proc: left alone */
	r = vfs_make_in(fs_root, "proc", 4, S_IFDIR | 0555, NULL, NULL, 0, &d);
	if (r)
		return r;
	d->proc = PROC_DIR;
	proc_root = d;
	inode_get(d);
	if (!make(d, "self", S_IFLNK | 0777, "1", 0, 0))
		return -ENOMEM;
	for (int i = 0; i < RF_NFILES; i++)
		if (!make(d, root_files[i], S_IFREG | 0444, NULL, 0, 0))
			return -ENOMEM;
	return 0;
}
