/* The tmpfs tree: inodes, path resolution, directory changes and regular
 * file data in pages. Sources: Linux path_resolution(7), man 2 open,
 * unlink, rmdir, rename; POSIX.1-2017 4.13 (pathname resolution). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include "fs_internal.h"

struct inode *fs_root;
static uint64_t next_ino = 1;
static uint64_t live_inodes;

uint64_t inode_count(void)
{
	return live_inodes;
}

static struct inode *inode_new(uint32_t mode)
{
	struct inode *ip = kmalloc(sizeof(*ip));
	if (!ip)
		return NULL;
	memset(ip, 0, sizeof(*ip));
	ip->ino = next_ino++;
	ip->mode = mode;
	live_inodes++;
	if (S_ISDIR(mode))
		ip->u.dir.next_seq = 2;
	return ip;
}

static void reg_free_pages(struct inode *ip, uint64_t from_page)
{
	for (uint64_t i = from_page; i < ip->u.reg.npages; i++) {
		fs_page_free(ip->u.reg.pages[i]);
		ip->u.reg.pages[i] = NULL;
	}
}

static void inode_free(struct inode *ip)
{
	if (S_ISREG(ip->mode)) {
		reg_free_pages(ip, 0);
		kfree(ip->u.reg.pages);
	} else if (S_ISLNK(ip->mode)) {
		kfree(ip->u.lnk.target);
	}
	live_inodes--;
	kfree(ip);
}

void inode_get(struct inode *ip)
{
	if (ip)
		ip->refs++;
}

void inode_put(struct inode *ip)
{
	if (!ip)
		return;
	if (ip->refs <= 0)
		panic("inode_put: inode %lu has no reference", ip->ino);
	if (--ip->refs == 0 && ip->nlink == 0 && ip != fs_root)
		inode_free(ip);
}

uint32_t inode_mode(const struct inode *ip)
{
	return ip->mode;
}

uint64_t inode_size(const struct inode *ip)
{
	return ip->size;
}

long vfs_init(void)
{
	if (fs_root)
		return 0;
	fs_root = inode_new(S_IFDIR | 0755);
	if (!fs_root)
		return -ENOMEM;
	fs_root->nlink = 2;
	fs_root->name[0] = '/';
	return 0;
}

bool vfs_is_dots(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* The entry name[0..len) of directory dir, "." and ".." included (".." of
 * the root is the root; of a removed directory, itself). */
static struct inode *dir_find(struct inode *dir, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return dir;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return dir->parent ? dir->parent : dir;
	if (dir->proc == PROC_DIR)
		procfs_refresh(dir);
	for (struct inode *c = dir->u.dir.first; c; c = c->next)
		if (!strncmp(c->name, name, len) && c->name[len] == 0)
			return c;
	return NULL;
}

long vfs_walk(struct inode *base, const char *path, size_t len, bool follow, int *links,
	      struct inode **out)
{
	const char *p = path, *end = path + len;
	if (len == 0)
		return -ENOENT;
	struct inode *cur = (*p == '/' || !base) ? fs_root : base;
	for (;;) {
		while (p < end && *p == '/')
			p++;
		if (p == end) {
			*out = cur; /* "/", "a/", "a//": the directory itself */
			return 0;
		}
		const char *name = p;
		while (p < end && *p != '/')
			p++;
		size_t nlen = (size_t)(p - name);
		bool slash_after = p < end;
		const char *rest = p;
		while (rest < end && *rest == '/')
			rest++;
		bool last = rest == end;
		if (nlen > NAME_MAX)
			return -ENAMETOOLONG;
		if (!S_ISDIR(cur->mode))
			return -ENOTDIR;
		if (cur->nlink == 0 && !vfs_is_dots(name, nlen))
			return -ENOENT; /* inside a removed directory */
		struct inode *next = dir_find(cur, name, nlen);
		if (!next)
			return -ENOENT;
		if (S_ISLNK(next->mode) && (!last || follow || slash_after)) {
			if (--*links < 0)
				return -ELOOP;
			long r = vfs_walk(cur, next->u.lnk.target, next->size, true, links, &next);
			if (r)
				return r;
		}
		if (last) {
			if (slash_after && !S_ISDIR(next->mode))
				return -ENOTDIR;
			*out = next;
			return 0;
		}
		cur = next;
		p = rest;
	}
}

long vfs_lookup(struct inode *base, const char *path, bool follow, struct inode **out)
{
	size_t len = 0;
	while (len < PATH_MAX && path[len])
		len++;
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	int links = SYMLOOP_MAX;
	return vfs_walk(base, path, len, follow, &links, out);
}

long fs_lookup(struct inode *cwd, const char *path, bool follow, struct inode **out)
{
	struct inode *ip;
	long r = vfs_lookup(cwd, path, follow, &ip);
	if (r)
		return r;
	inode_get(ip);
	*out = ip;
	return 0;
}

long vfs_parent(struct inode *base, const char *path, struct vfs_parent *p)
{
	size_t len = 0;
	while (len < PATH_MAX && path[len])
		len++;
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	size_t end = len;
	while (end > 0 && path[end - 1] == '/')
		end--;
	p->trailing = end < len;
	if (end == 0) { /* "/", "//": the root names itself */
		p->dir = fs_root;
		p->name = ".";
		p->len = 1;
		p->child = fs_root;
		return 0;
	}
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	p->name = path + start;
	p->len = end - start;
	if (p->len > NAME_MAX)
		return -ENAMETOOLONG;
	struct inode *dir;
	if (start == 0) {
		dir = base ? base : fs_root;
	} else {
		int links = SYMLOOP_MAX;
		long r = vfs_walk(base, path, start, true, &links, &dir);
		if (r)
			return r;
	}
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	p->dir = dir;
	p->child =
	    (dir->nlink || vfs_is_dots(p->name, p->len)) ? dir_find(dir, p->name, p->len) : NULL;
	return 0;
}

static void dir_link(struct inode *dir, struct inode *ip)
{
	ip->parent = dir;
	ip->next = NULL;
	ip->seq = dir->u.dir.next_seq++;
	if (dir->u.dir.last)
		dir->u.dir.last->next = ip;
	else
		dir->u.dir.first = ip;
	dir->u.dir.last = ip;
	dir->size++;
	if (S_ISDIR(ip->mode))
		dir->nlink++;
}

static void dir_unlink(struct inode *dir, struct inode *ip)
{
	struct inode *prev = NULL;
	for (struct inode *c = dir->u.dir.first; c; prev = c, c = c->next) {
		if (c != ip)
			continue;
		if (prev)
			prev->next = c->next;
		else
			dir->u.dir.first = c->next;
		if (dir->u.dir.last == c)
			dir->u.dir.last = prev;
		break;
	}
	ip->next = NULL;
	ip->parent = NULL;
	dir->size--;
	if (S_ISDIR(ip->mode))
		dir->nlink--;
}

long vfs_make(struct inode *dir, const char *name, size_t len, uint32_t mode, const char *target,
	      const struct file_ops *ops, uint32_t rdev, struct inode **out)
{
	if (dir->proc)
		return -EROFS;
	return vfs_make_in(dir, name, len, mode, target, ops, rdev, out);
}

long vfs_make_in(struct inode *dir, const char *name, size_t len, uint32_t mode, const char *target,
		 const struct file_ops *ops, uint32_t rdev, struct inode **out)
{
	uint32_t type = mode & S_IFMT;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->nlink == 0)
		return -ENOENT;
	if (len == 0 || vfs_is_dots(name, len))
		return -EEXIST;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == 0)
			return -EINVAL;
	if (type != S_IFDIR && type != S_IFREG && type != S_IFLNK && type != S_IFCHR)
		return -EINVAL;
	if (dir_find(dir, name, len))
		return -EEXIST;
	size_t tlen = 0;
	if (type == S_IFLNK) {
		while (tlen < PATH_MAX && target[tlen])
			tlen++;
		if (tlen == 0)
			return -ENOENT;
		if (tlen == PATH_MAX)
			return -ENAMETOOLONG;
	}
	struct inode *ip = inode_new(mode);
	if (!ip)
		return -ENOMEM;
	if (type == S_IFLNK) {
		ip->u.lnk.target = kmalloc(tlen + 1);
		if (!ip->u.lnk.target) {
			inode_free(ip);
			return -ENOMEM;
		}
		memcpy(ip->u.lnk.target, target, tlen + 1);
		ip->size = tlen;
	} else if (type == S_IFCHR) {
		ip->u.chr.ops = ops;
		ip->u.chr.rdev = rdev;
	}
	memcpy(ip->name, name, len);
	ip->name[len] = 0;
	ip->nlink = type == S_IFDIR ? 2 : 1;
	if (current) {
		ip->uid = (uint32_t)proc_cred(current)->euid;
		ip->gid = (uint32_t)proc_cred(current)->egid;
	}
	ip->atime_ns = ip->mtime_ns = ip->ctime_ns = fs_now_ns();
	dir->mtime_ns = dir->ctime_ns = ip->ctime_ns;
	dir_link(dir, ip);
	if (out)
		*out = ip;
	return 0;
}

/* Drop the name of ip (already checked removable): free it if unused. */
static void drop_name(struct inode *ip)
{
	dir_unlink(ip->parent, ip);
	ip->nlink = 0;
	if (ip->refs == 0)
		inode_free(ip);
}

void vfs_drop(struct inode *ip)
{
	drop_name(ip);
}

long vfs_remove(struct inode *base, const char *path, bool want_dir)
{
	struct vfs_parent p;
	long r = vfs_parent(base, path, &p);
	if (r)
		return r;
	struct inode *ip = p.child;
	if (p.dir->proc)
		return -EROFS;
	if (ip && ip->proc)
		return -EBUSY; /* /proc itself, like a mount point */
	if (want_dir) {
		if (p.len == 1 && p.name[0] == '.')
			return ip == fs_root ? -EBUSY : -EINVAL;
		if (p.len == 2 && p.name[0] == '.' && p.name[1] == '.')
			return -ENOTEMPTY;
		if (!ip)
			return -ENOENT;
		if (!S_ISDIR(ip->mode))
			return -ENOTDIR;
		if (ip == fs_root)
			return -EBUSY;
		if (ip->u.dir.first)
			return -ENOTEMPTY;
	} else {
		if (vfs_is_dots(p.name, p.len))
			return -EISDIR;
		if (!ip)
			return -ENOENT;
		if (S_ISDIR(ip->mode))
			return -EISDIR;
		if (p.trailing)
			return -ENOTDIR;
	}
	drop_name(ip);
	return 0;
}

/* a is b or one of b's ancestors. */
static bool is_ancestor(const struct inode *a, const struct inode *b)
{
	for (; b; b = b->parent)
		if (a == b)
			return true;
	return false;
}

long vfs_rename(struct inode *obase, const char *oldpath, struct inode *nbase, const char *newpath)
{
	struct vfs_parent o, n;
	long r = vfs_parent(obase, oldpath, &o);
	if (r)
		return r;
	/* before the second lookup, which may refresh /proc and free o's */
	if (o.dir->proc)
		return -EROFS;
	if (o.child && o.child->proc)
		return -EBUSY;
	r = vfs_parent(nbase, newpath, &n);
	if (r)
		return r;
	if (n.dir->proc)
		return -EROFS;
	if (n.child && n.child->proc)
		return -EBUSY;
	if (vfs_is_dots(o.name, o.len) || vfs_is_dots(n.name, n.len))
		return (o.child == fs_root || n.child == fs_root) ? -EBUSY : -EINVAL;
	struct inode *ip = o.child, *victim = n.child;
	if (!ip)
		return -ENOENT;
	if (n.dir->nlink == 0)
		return -ENOENT;
	bool isdir = S_ISDIR(ip->mode);
	if ((o.trailing || n.trailing) && !isdir)
		return -ENOTDIR;
	if (victim == ip)
		return 0; /* the same file: nothing to do (POSIX) */
	if (isdir && is_ancestor(ip, n.dir))
		return -EINVAL;
	if (victim) {
		if (isdir && !S_ISDIR(victim->mode))
			return -ENOTDIR;
		if (!isdir && S_ISDIR(victim->mode))
			return -EISDIR;
		if (S_ISDIR(victim->mode) && victim->u.dir.first)
			return -ENOTEMPTY;
		if (is_ancestor(victim, o.dir))
			return -ENOTEMPTY; /* the victim holds the source */
	}
	/* validated: from here on nothing fails */
	if (victim)
		drop_name(victim);
	dir_unlink(o.dir, ip);
	memcpy(ip->name, n.name, n.len);
	ip->name[n.len] = 0;
	dir_link(n.dir, ip);
	return 0;
}

long vfs_getpath(const struct inode *ip, char *buf, size_t cap)
{
	if (cap == 0)
		return -ERANGE;
	if (ip == fs_root || !ip) {
		if (cap < 2)
			return -ERANGE;
		buf[0] = '/';
		buf[1] = 0;
		return 1;
	}
	/* length first, then fill from the end */
	size_t total = 0;
	const struct inode *c;
	for (c = ip; c != fs_root; c = c->parent) {
		if (!c || c->nlink == 0)
			return -ENOENT;
		total += 1 + strlen(c->name);
	}
	if (total + 1 > cap)
		return -ERANGE;
	size_t pos = total;
	buf[pos] = 0;
	for (c = ip; c != fs_root; c = c->parent) {
		size_t l = strlen(c->name);
		pos -= l;
		memcpy(buf + pos, c->name, l);
		buf[--pos] = '/';
	}
	return (long)total;
}

long fs_inode_path(const struct inode *ip, char *buf, size_t cap)
{
	return vfs_getpath(ip, buf, cap);
}

static uint8_t dtype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return DT_DIR;
	case S_IFREG:
		return DT_REG;
	case S_IFLNK:
		return DT_LNK;
	case S_IFCHR:
		return DT_CHR;
	case S_IFIFO:
		return DT_FIFO;
	}
	return 0;
}

bool vfs_readdir(const struct inode *dir, uint64_t cookie, struct vfs_dirent *de)
{
	if (cookie < 2) {
		const struct inode *t = cookie == 0 ? dir : (dir->parent ? dir->parent : dir);
		de->ino = t->ino;
		de->type = DT_DIR;
		de->name = "..";
		de->len = cookie + 1;
		de->next_cookie = cookie + 1;
		return true;
	}
	for (const struct inode *c = dir->u.dir.first; c; c = c->next)
		if (c->seq >= cookie) {
			de->ino = c->ino;
			de->type = dtype(c->mode);
			de->name = c->name;
			de->len = strlen(c->name);
			de->next_cookie = c->seq + 1;
			return true;
		}
	return false;
}

/* ---- regular file data ---- */

long inode_read(struct inode *ip, void *kbuf, uint64_t off, size_t n_bytes)
{
	if (S_ISDIR(ip->mode))
		return -EISDIR;
	if (!S_ISREG(ip->mode))
		return -EINVAL;
	if (off >= ip->size)
		return 0;
	if (n_bytes > ip->size - off)
		n_bytes = (size_t)(ip->size - off);
	uint8_t *dst = kbuf;
	size_t done = 0;
	while (done < n_bytes) {
		uint64_t pos = off + done;
		uint64_t pg = pos / FS_PAGE_BYTES, in = pos % FS_PAGE_BYTES;
		size_t k = FS_PAGE_BYTES - in;
		if (k > n_bytes - done)
			k = n_bytes - done;
		const uint8_t *src = pg < ip->u.reg.npages ? ip->u.reg.pages[pg] : NULL;
		if (src)
			memcpy(dst + done, src + in, k);
		else
			memset(dst + done, 0, k);
		done += k;
	}
	return (long)done;
}

/* Make pages[] hold at least want slots. Returns 0 or -ENOSPC. */
static long reg_reserve(struct inode *ip, uint64_t want)
{
	if (want <= ip->u.reg.npages)
		return 0;
	uint64_t n = ip->u.reg.npages ? ip->u.reg.npages : 4;
	while (n < want)
		n *= 2;
	uint8_t **np = kmalloc(n * sizeof(*np));
	if (!np)
		return -ENOSPC;
	if (ip->u.reg.npages)
		memcpy(np, ip->u.reg.pages, ip->u.reg.npages * sizeof(*np));
	memset(np + ip->u.reg.npages, 0, (n - ip->u.reg.npages) * sizeof(*np));
	kfree(ip->u.reg.pages);
	ip->u.reg.pages = np;
	ip->u.reg.npages = n;
	return 0;
}

long inode_write(struct inode *ip, const void *kbuf, uint64_t off, size_t n_bytes)
{
	if (!S_ISREG(ip->mode))
		return S_ISDIR(ip->mode) ? -EISDIR : -EINVAL;
	if (n_bytes == 0)
		return 0;
	if (off >= FS_MAX_FILE_BYTES)
		return -EFBIG;
	if (n_bytes > FS_MAX_FILE_BYTES - off)
		n_bytes = (size_t)(FS_MAX_FILE_BYTES - off);
	if (reg_reserve(ip, (off + n_bytes + FS_PAGE_BYTES - 1) / FS_PAGE_BYTES))
		return -ENOSPC;
	const uint8_t *src = kbuf;
	size_t done = 0;
	while (done < n_bytes) {
		uint64_t pos = off + done;
		uint64_t pg = pos / FS_PAGE_BYTES, in = pos % FS_PAGE_BYTES;
		size_t k = FS_PAGE_BYTES - in;
		if (k > n_bytes - done)
			k = n_bytes - done;
		if (!ip->u.reg.pages[pg]) {
			ip->u.reg.pages[pg] = fs_page_alloc();
			if (!ip->u.reg.pages[pg])
				break;
		}
		memcpy(ip->u.reg.pages[pg] + in, src + done, k);
		done += k;
	}
	if (off + done > ip->size)
		ip->size = off + done;
	return done ? (long)done : -ENOSPC;
}

void inode_touch(struct inode *ip)
{
	ip->mtime_ns = ip->ctime_ns = fs_now_ns();
}

long inode_truncate(struct inode *ip, uint64_t size)
{
	if (!S_ISREG(ip->mode))
		return S_ISDIR(ip->mode) ? -EISDIR : -EINVAL;
	if (size > FS_MAX_FILE_BYTES)
		return -EFBIG;
	if (size < ip->size) {
		uint64_t keep = (size + FS_PAGE_BYTES - 1) / FS_PAGE_BYTES;
		reg_free_pages(ip, keep);
		uint64_t in = size % FS_PAGE_BYTES;
		if (in && keep - 1 < ip->u.reg.npages && ip->u.reg.pages[keep - 1])
			memset(ip->u.reg.pages[keep - 1] + in, 0, FS_PAGE_BYTES - in);
	}
	ip->size = size;
	return 0;
}
