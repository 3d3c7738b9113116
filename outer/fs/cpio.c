/* Unpacking the initramfs: a cpio "new ASCII" (newc) archive into the
 * tmpfs. Source: cpio(5) (libarchive's format description, "New ASCII
 * Format"); Linux Documentation/driver-api/early-userspace/buffer-format.rst.
 *
 * Layout of one entry, offsets from the archive's first byte:
 *   110-byte header: "070701" (or "070702": with a data checksum) and 13
 *   fields of 8 hex digits: ino mode uid gid nlink mtime filesize devmajor
 *   devminor rdevmajor rdevminor namesize check;
 *   the name (namesize bytes, NUL included), padded to a multiple of 4;
 *   the data (filesize bytes; a symlink's target), padded to a multiple of 4.
 * The entry named "TRAILER!!!" ends an archive; NUL padding and further
 * archives may follow (Linux accepts concatenated archives). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include "fs_internal.h"

#define HDR_BYTES 110
enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_COUNT
};
static const char *const field_names[F_COUNT] = {
    "ino",	"mode",	    "uid",	 "gid",	      "nlink",	  "mtime", "filesize",
    "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check",
};

/* Hard-linked regular files (nlink > 1): GNU cpio stores the data with the
 * last name only, so earlier names get it when it arrives. */
struct hardlink {
	uint32_t ino, devmajor, devminor;
	struct inode *ip; /* referenced */
};
struct unpack {
	const uint8_t *buf;
	size_t len;
	struct cpio_result *res;
	struct hardlink *links;
	size_t nlinks, cap;
};

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse the header at buf into f[]; returns the bad field's index or -1. */
static int parse_header(const uint8_t *h, uint32_t *f)
{
	for (int i = 0; i < F_COUNT; i++) {
		uint32_t v = 0;
		for (int k = 0; k < 8; k++) {
			int d = hexval(h[6 + i * 8 + k]);
			if (d < 0)
				return i;
			v = v << 4 | (uint32_t)d;
		}
		f[i] = v;
	}
	return -1;
}

static long damage(struct unpack *u, uint64_t off, const char *what, const char *detail)
{
	u->res->damaged = true;
	u->res->bad_offset = off;
	kprintf(
	    "cpio: damaged archive at byte offset %lu: %s%s; keeping the %u entries before it\n",
	    off, what, detail, u->res->entries);
	return -EINVAL;
}

static void skip(struct unpack *u, const char *name, uint64_t off, const char *why)
{
	u->res->skipped++;
	kprintf("cpio: entry '%s' at byte offset %lu skipped: %s\n", name, off, why);
}

/* Make (or find) every directory of name[0..len) under the root, following
 * symlinks as Linux's initramfs unpacker does. Returns 0 and the directory
 * in *out, or -errno. */
static long mkdir_parents(const char *name, size_t len, struct inode **out)
{
	struct inode *cur = fs_root;
	size_t i = 0;
	while (i < len) {
		size_t s = i;
		while (i < len && name[i] != '/')
			i++;
		if (i > s) {
			struct inode *next;
			int links = SYMLOOP_MAX;
			long r = vfs_walk(cur, name + s, i - s, true, &links, &next);
			if (r == -ENOENT)
				r = vfs_make(cur, name + s, i - s, S_IFDIR | 0755, NULL, NULL, 0,
					     &next);
			if (r)
				return r;
			if (!S_ISDIR(next->mode))
				return -ENOTDIR;
			cur = next;
		}
		while (i < len && name[i] == '/')
			i++;
	}
	*out = cur;
	return 0;
}

static bool has_dotdot(const char *name)
{
	for (const char *p = name; *p;) {
		const char *s = p;
		while (*p && *p != '/')
			p++;
		if (p - s == 2 && s[0] == '.' && s[1] == '.')
			return true;
		while (*p == '/')
			p++;
	}
	return false;
}

static long remember_link(struct unpack *u, const uint32_t *f, struct inode *ip)
{
	if (u->nlinks == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;
		struct hardlink *n = kmalloc(cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (u->nlinks)
			memcpy(n, u->links, u->nlinks * sizeof(*n));
		kfree(u->links);
		u->links = n;
		u->cap = cap;
	}
	inode_get(ip);
	u->links[u->nlinks++] = (struct hardlink){f[F_INO], f[F_DEVMAJOR], f[F_DEVMINOR], ip};
	return 0;
}

/* Write data into ip (truncated first). Returns 0 or -ENOMEM. */
static long fill(struct inode *ip, const uint8_t *data, uint32_t size)
{
	inode_truncate(ip, 0);
	return size && inode_write(ip, data, 0, size) != (long)size ? -ENOMEM : 0;
}

/* Unpack one well-formed entry; problems with it alone skip it. Returns 0,
 * or -ENOMEM (which stops the unpacking). */
static long unpack_entry(struct unpack *u, uint64_t off, const uint32_t *f, const char *name,
			 const uint8_t *data)
{
	uint32_t mode = f[F_MODE], type = mode & S_IFMT, size = f[F_FILESIZE];
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	if (!name[0] || (name[0] == '.' && !name[1]))
		return 0; /* the root itself */
	if (has_dotdot(name)) {
		skip(u, name, off, "'..' in the name");
		return 0;
	}
	if (type != S_IFDIR && type != S_IFREG && type != S_IFLNK && type != S_IFCHR) {
		skip(u, name, off, "unsupported file type (block device, fifo or socket)");
		return 0;
	}
	size_t len = strlen(name);
	while (len > 1 && name[len - 1] == '/')
		len--;
	size_t base = len;
	while (base > 0 && name[base - 1] != '/')
		base--;
	if (len - base > NAME_MAX) {
		skip(u, name, off, "name component longer than 255 bytes");
		return 0;
	}
	struct inode *dir;
	long r = mkdir_parents(name, base, &dir);
	if (r == -ENOMEM)
		return r;
	if (r) {
		skip(u, name, off, "a parent is not a directory");
		return 0;
	}
	const char *last = name + base;
	size_t llen = len - base;
	struct inode *old = NULL;
	int links = SYMLOOP_MAX;
	if (vfs_walk(dir, last, llen, false, &links, &old))
		old = NULL;
	if (old && S_ISDIR(old->mode) && type != S_IFDIR) {
		skip(u, name, off, "a directory of that name exists");
		return 0;
	}
	if (old && !S_ISDIR(old->mode) && type == S_IFDIR) {
		skip(u, name, off, "a file of that name exists");
		return 0;
	}
	if (old && type != S_IFDIR && ((old->mode ^ mode) & S_IFMT)) {
		/* another type: replace it (as Linux's clean_path) */
		char tmp[NAME_MAX + 1];
		memcpy(tmp, last, llen);
		tmp[llen] = 0;
		vfs_remove(dir, tmp, false);
		old = NULL;
	}
	struct inode *ip = old;
	if (type == S_IFLNK) {
		if (size == 0 || size >= PATH_MAX) {
			skip(u, name, off, "symlink target empty or longer than PATH_MAX");
			return 0;
		}
		char *target = kmalloc(size + 1);
		if (!target)
			return -ENOMEM;
		memcpy(target, data, size);
		target[size] = 0;
		if (strlen(target) != size) {
			kfree(target);
			skip(u, name, off, "NUL byte in the symlink target");
			return 0;
		}
		if (old) {
			kfree(old->u.lnk.target);
			old->u.lnk.target = target;
			old->size = size;
		} else {
			r = vfs_make(dir, last, llen, S_IFLNK | 0777, target, NULL, 0, &ip);
			kfree(target);
			if (r)
				return r == -ENOMEM ? r : (skip(u, name, off, "cannot create"), 0);
		}
	} else if (!old) {
		const struct file_ops *ops = NULL;
		uint32_t rdev = 0;
		if (type == S_IFCHR) {
			ops = dev_ops(f[F_RDEVMAJOR], f[F_RDEVMINOR]);
			rdev = FS_MKDEV(f[F_RDEVMAJOR], f[F_RDEVMINOR]);
		}
		r = vfs_make(dir, last, llen, mode, NULL, ops, rdev, &ip);
		if (r)
			return r == -ENOMEM ? r : (skip(u, name, off, "cannot create"), 0);
	} else if (type == S_IFCHR) {
		ip->u.chr.ops = dev_ops(f[F_RDEVMAJOR], f[F_RDEVMINOR]);
		ip->u.chr.rdev = FS_MKDEV(f[F_RDEVMAJOR], f[F_RDEVMINOR]);
	}
	if (type == S_IFREG) {
		if (fill(ip, data, size))
			return -ENOMEM;
		if (f[F_NLINK] > 1) {
			if (size)
				for (size_t i = 0; i < u->nlinks; i++) {
					const struct hardlink *h = &u->links[i];
					if (h->ino == f[F_INO] && h->devmajor == f[F_DEVMAJOR] &&
					    h->devminor == f[F_DEVMINOR] && h->ip != ip &&
					    fill(h->ip, data, size))
						return -ENOMEM;
				}
			if (remember_link(u, f, ip))
				return -ENOMEM;
		}
	}
	ip->mode = mode;
	ip->uid = f[F_UID];
	ip->gid = f[F_GID];
	ip->atime_ns = ip->mtime_ns = ip->ctime_ns = (uint64_t)f[F_MTIME] * 1000000000ull;
	u->res->entries++;
	return 0;
}

long cpio_unpack(const uint8_t *buf, size_t len, struct cpio_result *res)
{
	struct unpack u = {.buf = buf, .len = len, .res = res};
	memset(res, 0, sizeof(*res));
	if (vfs_init())
		return -ENOMEM;
	size_t off = 0;
	bool after_trailer = false;
	long ret = 0;
	for (;;) {
		if (after_trailer) {
			while (off < len && buf[off] == 0)
				off++;
			if (off == len)
				break;
			after_trailer = false;
		}
		if (off == len) {
			ret = damage(&u, off, "archive ends without TRAILER!!!", "");
			break;
		}
		if (len - off < HDR_BYTES) {
			ret = damage(&u, off, "truncated header", "");
			break;
		}
		const uint8_t *h = buf + off;
		bool crc = !memcmp(h, "070702", 6);
		if (!crc && memcmp(h, "070701", 6)) {
			ret = damage(&u, off,
				     "bad magic (not 070701 or 070702: not a newc archive)", "");
			break;
		}
		uint32_t f[F_COUNT];
		int bad = parse_header(h, f);
		if (bad >= 0) {
			ret = damage(&u, off + 6 + 8 * (uint64_t)bad,
				     "non-hex digit in header field ", field_names[bad]);
			break;
		}
		uint64_t name_off = off + HDR_BYTES, namesize = f[F_NAMESIZE];
		if (namesize == 0) {
			ret = damage(&u, off, "empty name (namesize 0)", "");
			break;
		}
		if (namesize > len - name_off) {
			ret =
			    damage(&u, name_off, "truncated name (namesize runs past the end)", "");
			break;
		}
		const char *name = (const char *)buf + name_off;
		if (name[namesize - 1] != 0 || strlen(name) != namesize - 1) {
			ret = damage(&u, name_off, "name is not NUL-terminated at namesize", "");
			break;
		}
		uint64_t data_off = align_up(name_off + namesize, 4);
		if (data_off > len || f[F_FILESIZE] > len - data_off) {
			ret = damage(&u, name_off + namesize,
				     "truncated data (filesize runs past the end)", "");
			break;
		}
		uint64_t next = align_up(data_off + f[F_FILESIZE], 4);
		if (next > len)
			next = len; /* the last entry's padding may be cut */
		if (!strcmp(name, "TRAILER!!!")) {
			after_trailer = true;
			off = next;
			continue;
		}
		if (namesize > PATH_MAX) {
			skip(&u, "(long name)", off, "name longer than PATH_MAX");
			off = next;
			continue;
		}
		if (crc) {
			uint32_t sum = 0;
			for (uint64_t i = 0; i < f[F_FILESIZE]; i++)
				sum += buf[data_off + i];
			if (sum != f[F_CHECK]) {
				skip(&u, name, off, "checksum mismatch (070702)");
				off = next;
				continue;
			}
		}
		ret = unpack_entry(&u, off, f, name, buf + data_off);
		if (ret) {
			kprintf("cpio: out of memory at byte offset %lu ('%s'); keeping the %u "
				"entries before it\n",
				off, name, res->entries);
			break;
		}
		off = next;
	}
	for (size_t i = 0; i < u.nlinks; i++)
		inode_put(u.links[i].ip);
	kfree(u.links);
	return ret;
}

long fs_populate(const uint8_t *image, size_t len)
{
	long r = vfs_init();
	if (r)
		return r;
	if (image) {
		struct cpio_result res;
		r = cpio_unpack(image, len, &res);
		kprintf("cpio: %u entries unpacked, %u skipped%s\n", res.entries, res.skipped,
			res.damaged ? " (archive damaged)" : "");
	}
	r = dev_init();
	if (r)
		return r;
	struct inode *tmp;
	r = vfs_lookup(fs_root, "/tmp", true, &tmp);
	if (r == -ENOENT)
		r = vfs_make(fs_root, "tmp", 3, S_IFDIR | 01777, NULL, NULL, 0, &tmp);
	return r;
}
