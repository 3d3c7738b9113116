/* Host tests of the tmpfs (outer/fs/vfs.c, file.c), the cpio unpacker
 * (cpio.c) with crafted damaged archives, pipes (pipe.c, non-blocking
 * paths and the sleep decision) and the tty's line discipline (tty.c).
 * Sources: Linux path_resolution(7), man 2 open/unlink/rmdir/rename,
 * cpio(5) newc, man 7 pipe, man 3 termios. */
#include <stdio.h>
#include <stdlib.h>
#include "fs_stubs.h"

static int setup(void **state)
{
	(void)state;
	stub_reset();
	return 0;
}

#define T(name) cmocka_unit_test_setup(name, setup)

static struct inode *mk(const char *path, uint32_t mode)
{
	struct vfs_parent p;
	struct inode *ip = NULL;
	assert_int_equal(vfs_parent(NULL, path, &p), 0);
	assert_int_equal(vfs_make(p.dir, p.name, p.len, mode, NULL, NULL, 0, &ip), 0);
	return ip;
}

static struct inode *mklink(const char *path, const char *target)
{
	struct vfs_parent p;
	struct inode *ip = NULL;
	assert_int_equal(vfs_parent(NULL, path, &p), 0);
	assert_int_equal(vfs_make(p.dir, p.name, p.len, S_IFLNK | 0777, target, NULL, 0, &ip), 0);
	return ip;
}

static struct inode *look(const char *path, bool follow)
{
	struct inode *ip = NULL;
	assert_int_equal(vfs_lookup(NULL, path, follow, &ip), 0);
	return ip;
}

static long look_err(const char *path, bool follow)
{
	struct inode *ip;
	return vfs_lookup(NULL, path, follow, &ip);
}

static void put_file(const char *path, const char *data)
{
	struct inode *ip = mk(path, S_IFREG | 0644);
	assert_int_equal(inode_write(ip, data, 0, strlen(data)), (long)strlen(data));
}

/* ---- paths ---- */

static void walk_dirs_dots_and_slashes(void **state)
{
	(void)state;
	struct inode *a = mk("/a", S_IFDIR | 0755);
	struct inode *b = mk("/a/b", S_IFDIR | 0755);
	assert_ptr_equal(look("/a/b", true), b);
	assert_ptr_equal(look("//a///b/", true), b);
	assert_ptr_equal(look("/a/./b/.", true), b);
	assert_ptr_equal(look("/a/b/..", true), a);
	assert_ptr_equal(look("/..", true), fs_root);
	assert_ptr_equal(look("/../../a", true), a);
	assert_ptr_equal(look("/", true), fs_root);
	struct inode *ip;
	assert_int_equal(vfs_lookup(a, "b", true, &ip), 0);
	assert_ptr_equal(ip, b);
	assert_int_equal(vfs_lookup(b, "../b/../..", true, &ip), 0);
	assert_ptr_equal(ip, fs_root);
	assert_int_equal(vfs_lookup(b, "/a", true, &ip), 0); /* absolute ignores base */
	assert_ptr_equal(ip, a);
	assert_int_equal(a->nlink, 3); /* ".", its name, b's ".." */
}

static void walk_errors(void **state)
{
	(void)state;
	put_file("/f", "x");
	mk("/d", S_IFDIR | 0755);
	assert_int_equal(look_err("", true), -ENOENT);
	assert_int_equal(look_err("/nope", true), -ENOENT);
	assert_int_equal(look_err("/nope/x", true), -ENOENT);
	assert_int_equal(look_err("/f/x", true), -ENOTDIR);
	assert_int_equal(look_err("/f/", true), -ENOTDIR);
	assert_int_equal(look_err("/f/.", true), -ENOTDIR);
	char name[300];
	memset(name, 'n', sizeof(name));
	name[0] = '/';
	name[257] = 0; /* a 256-byte component */
	assert_int_equal(look_err(name, true), -ENAMETOOLONG);
	name[256] = 0; /* 255 bytes: fine, just missing */
	assert_int_equal(look_err(name, true), -ENOENT);
	char *longp = malloc(PATH_MAX + 10);
	for (int i = 0; i < PATH_MAX + 5; i += 2) {
		longp[i] = '/';
		longp[i + 1] = 'd';
	}
	longp[PATH_MAX + 5] = 0;
	assert_int_equal(look_err(longp, true), -ENAMETOOLONG);
	free(longp);
}

static void symlinks_follow_nofollow_and_loops(void **state)
{
	(void)state;
	mk("/usr", S_IFDIR | 0755);
	struct inode *lib = mk("/usr/lib", S_IFDIR | 0755);
	put_file("/usr/lib/libc.so", "elf");
	struct inode *l1 = mklink("/lib", "usr/lib");
	mklink("/usr/abs", "/usr/lib/libc.so");
	mklink("/dangling", "/nowhere");
	assert_ptr_equal(look("/lib", true), lib);
	assert_ptr_equal(look("/lib", false), l1);
	assert_ptr_equal(look("/lib/", false), lib); /* a trailing slash follows */
	assert_int_equal(inode_size(look("/lib/libc.so", true)), 3);
	assert_int_equal(inode_mode(look("/usr/abs", true)) & S_IFMT, S_IFREG);
	assert_int_equal(inode_mode(look("/usr/abs", false)) & S_IFMT, S_IFLNK);
	assert_int_equal(look_err("/dangling", true), -ENOENT);
	assert_int_equal(inode_mode(look("/dangling", false)) & S_IFMT, S_IFLNK);
	mklink("/loop1", "/loop2");
	mklink("/loop2", "loop1");
	assert_int_equal(look_err("/loop1", true), -ELOOP);
	assert_int_equal(look_err("/loop1/x", false), -ELOOP);
	/* a chain of 40 links resolves, 41 do not */
	char name[32], target[32];
	put_file("/c0", "end");
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "/c%d", i);
		snprintf(target, sizeof(target), "c%d", i - 1);
		mklink(name, target);
	}
	assert_int_equal(inode_size(look("/c40", true)), 3);
	assert_int_equal(look_err("/c41", true), -ELOOP);
}

/* ---- data ---- */

static void file_data_pages_holes_truncate(void **state)
{
	(void)state;
	struct inode *ip = mk("/f", S_IFREG | 0644);
	char buf[10000], big[9000];
	for (int i = 0; i < 9000; i++)
		big[i] = (char)(i * 7);
	assert_int_equal(inode_write(ip, big, 100, 9000), 9000);
	assert_int_equal(inode_size(ip), 9100);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(inode_read(ip, buf, 0, sizeof(buf)), 9100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf[i], 0); /* the hole */
	assert_memory_equal(buf + 100, big, 9000);
	assert_int_equal(inode_read(ip, buf, 9100, 10), 0);
	assert_int_equal(inode_read(ip, buf, 9000, 1000), 100);
	/* a write far away leaves a hole of unallocated pages */
	assert_int_equal(inode_write(ip, "z", 100000, 1), 1);
	assert_int_equal(inode_read(ip, buf, 50000, 10), 10);
	assert_int_equal(buf[0] | buf[9], 0);
	/* shrink to the middle of a page, grow again: the tail reads as zeros */
	assert_int_equal(inode_truncate(ip, 5000), 0);
	assert_int_equal(inode_truncate(ip, 6000), 0);
	assert_int_equal(inode_read(ip, buf, 4990, 1010), 1010);
	assert_memory_equal(buf, big + 4890, 10);
	for (int i = 10; i < 1010; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(inode_write(ip, "x", FS_MAX_FILE_BYTES, 1), -EFBIG);
	assert_int_equal(inode_read(fs_root, buf, 0, 1), -EISDIR);
	assert_int_equal(inode_write(fs_root, buf, 0, 1), -EISDIR);
}

static void unlinked_open_file_lives_until_last_put(void **state)
{
	(void)state;
	uint64_t before = inode_count();
	put_file("/f", "hello");
	struct inode *ip;
	assert_int_equal(fs_lookup(NULL, "/f", true, &ip), 0);
	assert_int_equal(vfs_remove(NULL, "/f", false), 0);
	assert_int_equal(look_err("/f", true), -ENOENT);
	char buf[8];
	assert_int_equal(inode_read(ip, buf, 0, 8), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(inode_count(), before + 1);
	inode_put(ip);
	assert_int_equal(inode_count(), before);
	/* unreferenced: freed at once */
	put_file("/g", "x");
	assert_int_equal(vfs_remove(NULL, "/g", false), 0);
	assert_int_equal(inode_count(), before);
}

/* ---- names ---- */

static void remove_errors(void **state)
{
	(void)state;
	mk("/d", S_IFDIR | 0755);
	put_file("/d/f", "x");
	put_file("/f", "x");
	assert_int_equal(vfs_remove(NULL, "/d", true), -ENOTEMPTY);
	assert_int_equal(vfs_remove(NULL, "/d", false), -EISDIR);
	assert_int_equal(vfs_remove(NULL, "/f", true), -ENOTDIR);
	assert_int_equal(vfs_remove(NULL, "/f/", false), -ENOTDIR);
	assert_int_equal(vfs_remove(NULL, "/nope", false), -ENOENT);
	assert_int_equal(vfs_remove(NULL, "/nope/x", false), -ENOENT);
	assert_int_equal(vfs_remove(NULL, "/", true), -EBUSY);
	assert_int_equal(vfs_remove(NULL, "/", false), -EISDIR);
	assert_int_equal(vfs_remove(NULL, "/d/.", true), -EINVAL);
	assert_int_equal(vfs_remove(NULL, "/d/..", true), -ENOTEMPTY);
	assert_int_equal(vfs_remove(NULL, "/d/f", false), 0);
	assert_int_equal(vfs_remove(NULL, "/d/", true), 0);
	assert_int_equal(fs_root->nlink, 3); /* "/dev" is left */
}

static void create_errors(void **state)
{
	(void)state;
	struct inode *d = mk("/d", S_IFDIR | 0755);
	put_file("/f", "x");
	assert_int_equal(vfs_make(fs_root, "f", 1, S_IFREG, NULL, NULL, 0, NULL), -EEXIST);
	assert_int_equal(vfs_make(fs_root, "..", 2, S_IFDIR, NULL, NULL, 0, NULL), -EEXIST);
	assert_int_equal(vfs_make(fs_root, "a/b", 3, S_IFREG, NULL, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vfs_make(fs_root, "p", 1, S_IFIFO, NULL, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vfs_make(fs_root, "l", 1, S_IFLNK, "", NULL, 0, NULL), -ENOENT);
	assert_int_equal(vfs_make(look("/f", true), "x", 1, S_IFREG, NULL, NULL, 0, NULL),
			 -ENOTDIR);
	/* a removed directory takes no new entries */
	inode_get(d);
	assert_int_equal(vfs_remove(NULL, "/d", true), 0);
	assert_int_equal(vfs_make(d, "x", 1, S_IFREG, NULL, NULL, 0, NULL), -ENOENT);
	struct inode *ip;
	assert_int_equal(vfs_lookup(d, "x", true, &ip), -ENOENT);
	char buf[64];
	assert_int_equal(vfs_getpath(d, buf, sizeof(buf)), -ENOENT);
	inode_put(d);
}

static void rename_moves_and_replaces(void **state)
{
	(void)state;
	mk("/a", S_IFDIR | 0755);
	mk("/b", S_IFDIR | 0755);
	mk("/a/sub", S_IFDIR | 0755);
	put_file("/a/f", "one");
	put_file("/b/g", "two");
	struct inode *f = look("/a/f", true);
	assert_int_equal(vfs_rename(NULL, "/a/f", NULL, "/b/g"), 0); /* replaces g */
	assert_ptr_equal(look("/b/g", true), f);
	assert_int_equal(look_err("/a/f", true), -ENOENT);
	assert_int_equal(vfs_rename(NULL, "/b/g", NULL, "/b/g"), 0);
	assert_int_equal(vfs_rename(NULL, "/a/sub", NULL, "/b/sub2"), 0);
	char buf[64];
	assert_int_equal(vfs_getpath(look("/b/sub2", true), buf, sizeof(buf)), 7);
	assert_string_equal(buf, "/b/sub2");
	assert_int_equal(look("/a", true)->nlink, 2);
	assert_int_equal(look("/b", true)->nlink, 3);
	/* errors change nothing */
	assert_int_equal(vfs_rename(NULL, "/nope", NULL, "/x"), -ENOENT);
	assert_int_equal(vfs_rename(NULL, "/b", NULL, "/b/sub2/x"), -EINVAL);
	assert_int_equal(vfs_rename(NULL, "/b/g", NULL, "/a"), -EISDIR);
	assert_int_equal(vfs_rename(NULL, "/a", NULL, "/b/g"), -ENOTDIR);
	assert_int_equal(vfs_rename(NULL, "/a", NULL, "/b"), -ENOTEMPTY);
	assert_int_equal(vfs_rename(NULL, "/b/g", NULL, "/nope/x"), -ENOENT);
	assert_int_equal(vfs_rename(NULL, "/b/.", NULL, "/c"), -EINVAL);
	assert_int_equal(vfs_rename(NULL, "/b/g/", NULL, "/c"), -ENOTDIR);
	assert_ptr_equal(look("/b/g", true), f);
	/* a directory onto an empty one */
	assert_int_equal(vfs_rename(NULL, "/b/sub2", NULL, "/a"), 0);
	assert_int_equal(look_err("/b/sub2", true), -ENOENT);
	assert_int_equal(vfs_getpath(look("/a", true), buf, sizeof(buf)), 2);
}

static void getpath_sizes(void **state)
{
	(void)state;
	mk("/abc", S_IFDIR | 0755);
	struct inode *d = mk("/abc/de", S_IFDIR | 0755);
	char buf[16];
	assert_int_equal(vfs_getpath(d, buf, 8), 7);
	assert_string_equal(buf, "/abc/de");
	assert_int_equal(vfs_getpath(d, buf, 7), -ERANGE);
	assert_int_equal(vfs_getpath(fs_root, buf, 2), 1);
	assert_string_equal(buf, "/");
	assert_int_equal(vfs_getpath(fs_root, buf, 1), -ERANGE);
}

static void readdir_cookies_survive_removal(void **state)
{
	(void)state;
	struct inode *d = mk("/d", S_IFDIR | 0755);
	put_file("/d/a", "");
	put_file("/d/b", "");
	put_file("/d/c", "");
	struct vfs_dirent de;
	const char *want[] = {".", "..", "a", "b", "c"};
	uint64_t cookie = 0, after_b = 0;
	for (int i = 0; i < 5; i++) {
		assert_true(vfs_readdir(d, cookie, &de));
		assert_int_equal(de.len, strlen(want[i]));
		assert_memory_equal(de.name, want[i], de.len);
		cookie = de.next_cookie;
		if (i == 3)
			after_b = cookie;
	}
	assert_false(vfs_readdir(d, cookie, &de));
	assert_true(vfs_readdir(d, 1, &de));
	assert_int_equal(de.ino, fs_root->ino);
	assert_int_equal(de.type, DT_DIR);
	/* removing an entry already returned does not skip the next one */
	assert_int_equal(vfs_remove(NULL, "/d/b", false), 0);
	assert_true(vfs_readdir(d, after_b, &de));
	assert_memory_equal(de.name, "c", 1);
	assert_int_equal(de.type, DT_REG);
}

/* ---- open files ---- */

static void open_flags(void **state)
{
	(void)state;
	struct file *f;
	put_file("/f", "hello");
	mk("/d", S_IFDIR | 0755);
	mklink("/l", "/f");
	assert_int_equal(file_open(NULL, "/f", O_CREAT | O_EXCL | O_RDWR, 0644, &f), -EEXIST);
	assert_int_equal(file_open(NULL, "/l", O_CREAT | O_EXCL | O_RDWR, 0644, &f), -EEXIST);
	assert_int_equal(file_open(NULL, "/l", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
	assert_int_equal(file_open(NULL, "/f", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	assert_int_equal(file_open(NULL, "/d", O_WRONLY, 0, &f), -EISDIR);
	assert_int_equal(file_open(NULL, "/d", O_RDONLY | O_CREAT, 0644, &f), -EISDIR);
	assert_int_equal(file_open(NULL, "/f", 3, 0, &f), -EINVAL);
	assert_int_equal(file_open(NULL, "/nope/x", O_CREAT | O_WRONLY, 0644, &f), -ENOENT);
	assert_int_equal(file_open(NULL, "/new/", O_CREAT | O_WRONLY, 0644, &f), -EISDIR);
	assert_int_equal(file_open(NULL, "/nope", O_RDONLY, 0, &f), -ENOENT);
	/* O_APPEND writes at the end whatever the offset */
	assert_int_equal(file_open(NULL, "/l", O_WRONLY | O_APPEND, 0, &f), 0);
	assert_int_equal(f->ops->write(f, " world", 6), 6);
	f->off = 0;
	assert_int_equal(f->ops->write(f, "!", 1), 1);
	file_put(f);
	char buf[32] = {0};
	assert_int_equal(inode_read(look("/f", true), buf, 0, sizeof(buf)), 12);
	assert_string_equal(buf, "hello world!");
	/* O_TRUNC; O_CREAT makes a file with the mode's permission bits */
	assert_int_equal(file_open(NULL, "/f", O_WRONLY | O_TRUNC, 0, &f), 0);
	file_put(f);
	assert_int_equal(inode_size(look("/f", true)), 0);
	assert_int_equal(file_open(NULL, "/d/n", O_CREAT | O_RDWR, 0640, &f), 0);
	assert_int_equal(inode_mode(f->ip), S_IFREG | 0640);
	assert_int_equal(f->ops->write(f, "abc", 3), 3);
	f->off = 1;
	assert_int_equal(f->ops->read(f, buf, 10), 2);
	assert_int_equal(f->off, 3);
	file_put(f);
	/* the directory and device files */
	assert_int_equal(file_open(NULL, "/d", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	assert_int_equal(f->ops->read(f, buf, 1), -EISDIR);
	file_put(f);
	assert_int_equal(file_open(NULL, "/dev/null", O_RDWR, 0, &f), 0);
	assert_int_equal(f->ops->write(f, "abc", 3), 3);
	assert_int_equal(f->ops->read(f, buf, 3), 0);
	file_put(f);
	assert_int_equal(file_open(NULL, "/dev/zero", O_RDONLY, 0, &f), 0);
	assert_int_equal(f->ops->read(f, buf, 3), 3);
	assert_int_equal(buf[0] | buf[1] | buf[2], 0);
	file_put(f);
}

static void open_file_keeps_inode_referenced(void **state)
{
	(void)state;
	uint64_t before = inode_count();
	struct file *f;
	assert_int_equal(file_open(NULL, "/t", O_CREAT | O_RDWR, 0600, &f), 0);
	assert_int_equal(vfs_remove(NULL, "/t", false), 0);
	assert_int_equal(f->ops->write(f, "data", 4), 4);
	assert_int_equal(inode_count(), before + 1);
	file_get(f);
	file_put(f);
	assert_int_equal(inode_count(), before + 1);
	file_put(f);
	assert_int_equal(inode_count(), before);
}

/* ---- cpio ---- */

struct arch {
	uint8_t b[65536];
	size_t n;
};

static void cpio_entry_full(struct arch *a, const char *magic, uint32_t ino, const char *name,
			    uint32_t mode, uint32_t nlink, const void *data, size_t size,
			    uint32_t rmaj, uint32_t rmin)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < size; i++)
		sum += ((const uint8_t *)data)[i];
	char h[111];
	snprintf(h, sizeof(h), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic, ino,
		 mode, 1000u, 100u, nlink, 12345u, (unsigned)size, 0u, 0u, rmaj, rmin,
		 (unsigned)strlen(name) + 1, strcmp(magic, "070702") ? 0u : sum);
	memcpy(a->b + a->n, h, 110);
	a->n += 110;
	memcpy(a->b + a->n, name, strlen(name) + 1);
	a->n += strlen(name) + 1;
	while (a->n % 4)
		a->b[a->n++] = 0;
	memcpy(a->b + a->n, data, size);
	a->n += size;
	while (a->n % 4)
		a->b[a->n++] = 0;
}

static void cpio_entry(struct arch *a, const char *name, uint32_t mode, const char *data)
{
	cpio_entry_full(a, "070701", 0, name, mode, 1, data, strlen(data), 0, 0);
}

static void cpio_trailer(struct arch *a)
{
	cpio_entry(a, "TRAILER!!!", 0, "");
}

static char *slurp(const char *path)
{
	static char buf[256];
	struct inode *ip;
	if (vfs_lookup(NULL, path, true, &ip))
		return NULL;
	long n = inode_read(ip, buf, 0, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = 0;
	return buf;
}

static void cpio_unpacks_a_tree(void **state)
{
	(void)state;
	static struct arch a;
	a.n = 0;
	cpio_entry(&a, ".", S_IFDIR | 0755, "");
	cpio_entry(&a, "./bin", S_IFDIR | 0755, "");
	cpio_entry(&a, "./bin/sh", S_IFREG | 0755, "#!shell");
	cpio_entry(&a, "etc/deep/er/motd", S_IFREG | 0644, "hi\n"); /* parents made */
	cpio_entry(&a, "/sbin", S_IFLNK | 0777, "bin");
	cpio_entry(&a, "sbin/init", S_IFLNK | 0777, "sh"); /* through the symlink */
	cpio_entry(&a, "empty", S_IFREG | 0600, "");
	cpio_entry_full(&a, "070701", 0, "dev/null2", S_IFCHR | 0666, 1, "", 0, 1, 3);
	cpio_entry_full(&a, "070701", 0, "dev/weird", S_IFCHR | 0666, 1, "", 0, 99, 1);
	cpio_trailer(&a);
	struct cpio_result res;
	assert_int_equal(cpio_unpack(a.b, a.n, &res), 0);
	assert_int_equal(res.entries, 8);
	assert_int_equal(res.skipped, 0);
	assert_false(res.damaged);
	assert_string_equal(slurp("/bin/sh"), "#!shell");
	assert_string_equal(slurp("/sbin/init"), "#!shell");
	assert_string_equal(slurp("/etc/deep/er/motd"), "hi\n");
	assert_string_equal(slurp("/empty"), "");
	struct inode *sh = look("/bin/sh", true);
	assert_int_equal(sh->mode, S_IFREG | 0755);
	assert_int_equal(sh->uid, 1000);
	assert_int_equal(sh->gid, 100);
	assert_int_equal(sh->mtime_ns, 12345ull * 1000000000ull);
	assert_int_equal(sh->ctime_ns, 12345ull * 1000000000ull);
	assert_int_equal(look("/etc/deep", true)->mode, S_IFDIR | 0755);
	assert_int_equal(look("/sbin", false)->mode & S_IFMT, S_IFLNK);
	struct inode *n2 = look("/dev/null2", true);
	assert_ptr_equal(n2->u.chr.ops, &dev_null_ops);
	assert_int_equal(n2->u.chr.rdev, 0x103);
	struct file *f;
	assert_int_equal(file_open(NULL, "/dev/weird", O_RDWR, 0, &f), -ENXIO);
	assert_null(strstr(stub_log, "cpio:"));
}

static void cpio_later_entries_replace_and_skip(void **state)
{
	(void)state;
	static struct arch a;
	a.n = 0;
	cpio_entry(&a, "f", S_IFREG | 0644, "first version");
	cpio_entry(&a, "f", S_IFREG | 0600, "second");
	cpio_entry(&a, "d", S_IFDIR | 0700, "");
	cpio_entry(&a, "d", S_IFDIR | 0755, "");     /* mode updated */
	cpio_entry(&a, "d", S_IFREG | 0644, "no");   /* a directory exists */
	cpio_entry(&a, "f/x", S_IFREG | 0644, "no"); /* parent is a file */
	cpio_entry(&a, "../escape", S_IFREG | 0644, "no");
	cpio_entry(&a, "fifo", S_IFIFO | 0644, "");
	cpio_entry(&a, "f", S_IFLNK | 0777, "d"); /* another type replaces */
	cpio_trailer(&a);
	struct cpio_result res;
	assert_int_equal(cpio_unpack(a.b, a.n, &res), 0);
	assert_int_equal(res.entries, 5);
	assert_int_equal(res.skipped, 4);
	assert_int_equal(look("/d", true)->mode, S_IFDIR | 0755);
	assert_int_equal(look("/f", false)->mode & S_IFMT, S_IFLNK);
	assert_ptr_equal(look("/f", true), look("/d", true));
	assert_int_equal(look_err("/escape", true), -ENOENT);
	assert_int_equal(look_err("/fifo", true), -ENOENT);
	assert_non_null(strstr(stub_log, "entry 'fifo'"));
	assert_non_null(strstr(stub_log, "'..' in the name"));
}

static void cpio_checksums_hardlinks_concatenation(void **state)
{
	(void)state;
	static struct arch a;
	a.n = 0;
	cpio_entry_full(&a, "070702", 0, "good", S_IFREG | 0644, 1, "abc", 3, 0, 0);
	cpio_entry_full(&a, "070702", 0, "bad", S_IFREG | 0644, 1, "abc", 3, 0, 0);
	a.b[a.n - 4] = 'X'; /* corrupt bad's data: its checksum no longer matches */
	cpio_entry_full(&a, "070701", 77, "h1", S_IFREG | 0644, 2, "", 0, 0, 0);
	cpio_entry_full(&a, "070701", 77, "h2", S_IFREG | 0644, 2, "shared", 6, 0, 0);
	cpio_trailer(&a);
	memset(a.b + a.n, 0, 512); /* padding, then a second archive */
	a.n += 512;
	cpio_entry(&a, "second", S_IFREG | 0644, "2");
	cpio_trailer(&a);
	memset(a.b + a.n, 0, 100);
	a.n += 100;
	struct cpio_result res;
	assert_int_equal(cpio_unpack(a.b, a.n, &res), 0);
	assert_string_equal(slurp("/good"), "abc");
	assert_null(slurp("/bad"));
	assert_non_null(strstr(stub_log, "checksum mismatch"));
	assert_string_equal(slurp("/h1"), "shared");
	assert_string_equal(slurp("/h2"), "shared");
	assert_string_equal(slurp("/second"), "2");
	assert_int_equal(res.entries, 4);
	assert_int_equal(res.skipped, 1);
}

/* Build "ok" then a damaged second entry made by damage(); unpack and
 * check that ok is kept and the reported offset is want_off. */
static void check_damage(void (*damage)(struct arch *), size_t want_off, const char *msg)
{
	static struct arch a;
	stub_reset();
	a.n = 0;
	cpio_entry(&a, "ok", S_IFREG | 0644, "kept");
	damage(&a);
	struct cpio_result res;
	assert_int_equal(cpio_unpack(a.b, a.n, &res), -EINVAL);
	assert_true(res.damaged);
	assert_int_equal(res.entries, 1);
	assert_int_equal(res.bad_offset, want_off);
	assert_string_equal(slurp("/ok"), "kept");
	char want[64];
	snprintf(want, sizeof(want), "byte offset %zu", want_off);
	if (!strstr(stub_log, want) || !strstr(stub_log, msg))
		fail_msg("log lacks '%s' / '%s': %s", want, msg, stub_log);
}

static size_t second; /* offset of the entry after "ok" */

static void dmg_magic(struct arch *a)
{
	second = a->n;
	cpio_entry(a, "x", S_IFREG | 0644, "data");
	memcpy(a->b + second, "070707", 6); /* the old binary-compatible format */
	cpio_trailer(a);
}

static void dmg_hex(struct arch *a)
{
	second = a->n;
	cpio_entry(a, "x", S_IFREG | 0644, "data");
	a->b[second + 6 + 8 * 6 + 3] = 'g'; /* filesize */
	cpio_trailer(a);
}

static void dmg_trunc_header(struct arch *a)
{
	second = a->n;
	memcpy(a->b + a->n, "0707010000", 10);
	a->n += 10;
}

static void dmg_trunc_name(struct arch *a)
{
	second = a->n;
	cpio_entry(a, "a-long-name", S_IFREG | 0644, "");
	a->n = second + 110 + 4;
}

static void dmg_name_nul(struct arch *a)
{
	second = a->n;
	cpio_entry(a, "abcdef", S_IFREG | 0644, "");
	a->b[second + 110 + 6] = 'g'; /* the NUL at namesize - 1 */
	cpio_trailer(a);
}

static void dmg_data_past_end(struct arch *a)
{
	second = a->n;
	cpio_entry(a, "abc", S_IFREG | 0644, "0123456789");
	a->n -= 4; /* the archive ends inside the data */
}

static void dmg_no_trailer(struct arch *a)
{
	second = a->n;
}

static void dmg_namesize0(struct arch *a)
{
	second = a->n;
	cpio_entry(a, "abc", S_IFREG | 0644, "");
	memcpy(a->b + second + 6 + 8 * 11, "00000000", 8);
	cpio_trailer(a);
}

static void cpio_damage_is_reported_with_offset(void **state)
{
	(void)state;
	check_damage(dmg_magic, 116 + 4, "bad magic");
	assert_int_equal(second, 120);
	check_damage(dmg_hex, 120 + 6 + 8 * 6, "field filesize");
	check_damage(dmg_trunc_header, 120, "truncated header");
	check_damage(dmg_trunc_name, 120 + 110, "truncated name");
	check_damage(dmg_name_nul, 120 + 110, "NUL");
	check_damage(dmg_data_past_end, 120 + 110 + 4, "truncated data");
	check_damage(dmg_no_trailer, 120, "without TRAILER!!!");
	check_damage(dmg_namesize0, 120, "empty name");
	/* a zero-length or garbage module */
	struct cpio_result res;
	stub_reset();
	assert_int_equal(cpio_unpack((const uint8_t *)"", 0, &res), -EINVAL);
	assert_int_equal(res.bad_offset, 0);
	assert_int_equal(cpio_unpack((const uint8_t *)"\x7f"
						      "ELF",
				     4, &res),
			 -EINVAL);
	/* filesize 0xffffffff does not wrap */
	static struct arch a;
	a.n = 0;
	cpio_entry(&a, "big", S_IFREG | 0644, "");
	memcpy(a.b + 6 + 8 * 6, "FFFFFFFF", 8);
	assert_int_equal(cpio_unpack(a.b, a.n, &res), -EINVAL);
	assert_int_equal(res.entries, 0);
}

/* ---- pipes ---- */

static void pipe_data_eof_and_nonblocking(void **state)
{
	(void)state;
	struct file *r, *w;
	char buf[PIPE_RING_BYTES + 10];
	assert_int_equal(pipe_create(O_NONBLOCK, &r, &w), 0);
	assert_int_equal(r->ops->poll(r), 0);
	assert_int_equal(w->ops->poll(w), POLLOUT);
	assert_int_equal(r->ops->read(r, buf, 10), -EAGAIN);
	assert_int_equal(w->ops->write(w, "hello", 5), 5);
	assert_int_equal(r->ops->poll(r), POLLIN);
	assert_int_equal(r->ops->read(r, buf, 3), 3);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(r->ops->read(r, buf, 100), 2);
	assert_memory_equal(buf, "lo", 2);
	/* fill: an atomic write that does not fit is refused whole */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(w->ops->write(w, buf, 100), 100);
	assert_int_equal(w->ops->write(w, buf, PIPE_BUF), -EAGAIN);
	assert_int_equal(w->ops->write(w, buf, PIPE_RING_BYTES - 100), PIPE_RING_BYTES - 100);
	assert_int_equal(w->ops->poll(w), 0);
	assert_int_equal(w->ops->write(w, buf, 1), -EAGAIN);
	/* a non-atomic write (> PIPE_BUF) may be partial */
	assert_int_equal(r->ops->read(r, buf, 10), 10);
	assert_int_equal(w->ops->write(w, buf, PIPE_BUF + 10), 10);
	assert_int_equal(r->ops->read(r, buf, sizeof(buf)), PIPE_RING_BYTES);
	/* the writer goes: buffered data, then end of file */
	assert_int_equal(w->ops->write(w, "end", 3), 3);
	file_put(w);
	assert_int_equal(r->ops->poll(r), POLLIN | POLLHUP);
	assert_int_equal(r->ops->read(r, buf, 10), 3);
	assert_int_equal(r->ops->read(r, buf, 10), 0);
	file_put(r);
	assert_int_equal(stub_sleeps, 0);
}

static void pipe_wraps_around(void **state)
{
	(void)state;
	struct file *r, *w;
	assert_int_equal(pipe_create(0, &r, &w), 0);
	char out[1000], in[1000];
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 1000; i++)
			out[i] = (char)(round + i);
		assert_int_equal(w->ops->write(w, out, 1000), 1000);
		assert_int_equal(r->ops->read(r, in, 1000), 1000);
		assert_memory_equal(in, out, 1000);
	}
	file_put(r);
	file_put(w);
}

static void pipe_epipe_and_blocking_decisions(void **state)
{
	(void)state;
	struct file *r, *w;
	char buf[8];
	assert_int_equal(pipe_create(0, &r, &w), 0);
	/* an empty pipe with a writer: a blocking read sleeps on the pipe (the
	 * stub then makes a signal pending, so it ends with -EINTR) */
	assert_int_equal(r->ops->read(r, buf, 8), -EINTR);
	assert_int_equal(stub_sleeps, 1);
	assert_non_null(stub_last_chan);
	stub_signal_pending = false;
	file_put(r);
	assert_int_equal(w->ops->poll(w), POLLOUT | POLLERR);
	assert_int_equal(w->ops->write(w, "x", 1), -EPIPE);
	assert_int_equal(stub_last_signal, SIGPIPE);
	file_put(w);
}

/* ---- tty ---- */

static struct file *tty_file(void)
{
	struct file *f;
	assert_int_equal(file_open(NULL, "/dev/console", O_RDWR | O_NONBLOCK, 0, &f), 0);
	return f;
}

static void tty_canonical_editing(void **state)
{
	(void)state;
	struct file *f = tty_file();
	char buf[64];
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), -EIO); /* not enabled */
	tty_enable();
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(f->ops->poll(f), POLLOUT);
	stub_uart_feed("ab", 2);
	assert_int_equal(f->ops->poll(f), POLLOUT); /* no line yet */
	stub_uart_feed("x\x7f"
		       "c\b\bd\r",
		       7); /* erase x, c and b */
	assert_int_equal(f->ops->poll(f), POLLIN | POLLOUT);
	assert_string_equal(stub_uart_out, "abx\b \bc\b \b\b \bd\n");
	stub_uart_feed("gone\x15"
		       "kept\n",
		       10); /* ^U kills the line */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), 3); /* one line per read */
	assert_string_equal(buf, "ad\n");
	assert_int_equal(f->ops->read(f, buf, 2), 2);
	assert_int_equal(f->ops->read(f, buf, 10), 3);
	assert_memory_equal(buf, "pt\n", 3);
	/* ^D: on an empty line a read of 0; after text the text without it */
	stub_uart_feed("\x04"
		       "abc\x04",
		       5);
	assert_int_equal(f->ops->read(f, buf, 10), 0);
	assert_int_equal(f->ops->read(f, buf, 10), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(f->ops->read(f, buf, 10), -EAGAIN);
	/* output */
	stub_uart_len = 0;
	assert_int_equal(f->ops->write(f, "out\n", 4), 4);
	assert_string_equal(stub_uart_out, "out\n");
	/* ^C drops the line and signals the foreground process */
	int pid = 1;
	assert_int_equal(f->ops->ioctl(f, 0x5410, U(&pid)), 0); /* TIOCSPGRP */
	stub_uart_feed("zz\x03", 3);
	assert_int_equal(stub_last_signal, SIGINT);
	assert_int_equal(f->ops->read(f, buf, 10), -EAGAIN);
	/* ^\ and ^Z: SIGQUIT and SIGTSTP to the group, the input flushed,
	 * ready lines included */
	stub_uart_feed("line\nmore\x1c", 10);
	assert_int_equal(stub_last_signal, SIGQUIT);
	assert_int_equal(f->ops->read(f, buf, 10), -EAGAIN);
	stub_uart_feed("\x1a", 1);
	assert_int_equal(stub_last_signal, 20); /* SIGTSTP */
	/* the stand-in leads session 1, whose controlling tty this is */
	int sid = 0;
	assert_int_equal(f->ops->ioctl(f, 0x5429, U(&sid)), 0); /* TIOCGSID */
	assert_int_equal(sid, 1);
	assert_int_equal(f->ops->ioctl(f, 0x540e, 0), 0); /* TIOCSCTTY: already */
	pid = 2;
	assert_int_equal(f->ops->ioctl(f, 0x5410, U(&pid)), -ESRCH);
	file_put(f);
}

struct ktermios_test {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line, cc[19];
};

static void tty_ioctls_and_raw_mode(void **state)
{
	(void)state;
	struct file *f = tty_file();
	tty_enable();
	struct ktermios_test t;
	assert_int_equal(f->ops->ioctl(f, 0x5401, U(&t)), 0); /* TCGETS */
	assert_int_equal(sizeof(t), 36);
	assert_int_equal(t.iflag & 0400, 0400); /* ICRNL */
	assert_int_equal(t.oflag, 05);		/* OPOST | ONLCR */
	assert_int_equal(t.lflag & 013, 013);	/* ISIG | ICANON | ECHO */
	assert_int_equal(t.cflag, 010002 | 060 | 0200);
	assert_int_equal(t.cc[4], 4); /* VEOF */
	assert_int_equal(t.cc[6], 1); /* VMIN */
	assert_int_equal(f->ops->ioctl(f, 0x5401, BAD_UPTR), -EFAULT);
	uint16_t ws[4];
	assert_int_equal(f->ops->ioctl(f, 0x5413, U(ws)), 0); /* TIOCGWINSZ */
	assert_int_equal(ws[0], 24);
	assert_int_equal(ws[1], 80);
	int pg = 0;
	assert_int_equal(f->ops->ioctl(f, 0x540f, U(&pg)), 0);
	assert_int_equal(pg, 1);
	assert_int_equal(f->ops->ioctl(f, 0x1234, 0), -ENOTTY);
	/* raw, no echo: bytes as they come, the partial line included */
	stub_uart_feed("par", 3);
	stub_uart_len = 0;
	t.lflag &= ~(uint32_t)(02 | 010);
	assert_int_equal(f->ops->ioctl(f, 0x5402, U(&t)), 0); /* TCSETS */
	char buf[16];
	assert_int_equal(f->ops->read(f, buf, 16), 3);
	stub_uart_feed("\x7f\x04q", 3);
	assert_int_equal(f->ops->poll(f), POLLIN | POLLOUT);
	assert_int_equal(f->ops->read(f, buf, 2), 2);
	assert_memory_equal(buf, "\x7f\x04", 2);
	assert_int_equal(f->ops->read(f, buf, 16), 1);
	assert_int_equal(stub_uart_len, 0); /* no echo */
	/* TCSETSF flushes; back to canonical */
	stub_uart_feed("junk", 4);
	t.lflag |= 02 | 010;
	assert_int_equal(f->ops->ioctl(f, 0x5404, U(&t)), 0);
	assert_int_equal(f->ops->read(f, buf, 16), -EAGAIN);
	file_put(f);
}

/* Non-canonical reads wait as VMIN and VTIME say: VMIN bytes (or the
 * read's size) without sleeping when they are there, one sleep otherwise
 * (the stub's sleep ends with a signal pending: the bytes there are
 * returned); VMIN 0 with VTIME sleeps with a deadline VTIME tenths of a
 * second away; VMIN 0, VTIME 0 never sleeps. */
static void tty_vmin_vtime(void **state)
{
	(void)state;
	struct file *f;
	assert_int_equal(file_open(NULL, "/dev/console", O_RDWR, 0, &f), 0); /* blocking */
	tty_enable();
	struct ktermios_test saved, t;
	assert_int_equal(f->ops->ioctl(f, 0x5401, U(&saved)), 0);
	t = saved;
	t.lflag &= ~(uint32_t)(02 | 010); /* ICANON, ECHO off */
	t.cc[6] = 3;			  /* VMIN */
	t.cc[5] = 0;			  /* VTIME */
	assert_int_equal(f->ops->ioctl(f, 0x5402, U(&t)), 0);
	char buf[16];
	stub_sleeps = 0;
	stub_signal_pending = false;
	stub_uart_feed("abc", 3);
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), 3);
	assert_int_equal(stub_sleeps, 0);
	stub_uart_feed("de", 2); /* fewer than VMIN: the read waits */
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), 2);
	assert_int_equal(stub_sleeps, 1);
	assert_int_equal(stub_last_wake_tick, 0); /* no timer with VTIME 0 */
	stub_signal_pending = false;
	stub_uart_feed("fg", 2); /* a read of 2 needs only 2 */
	assert_int_equal(f->ops->read(f, buf, 2), 2);
	assert_int_equal(stub_sleeps, 1);
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), -EINTR); /* nothing, then a signal */
	stub_signal_pending = false;
	/* VMIN 0, VTIME 5: a timed wait for one byte */
	t.cc[6] = 0;
	t.cc[5] = 5;
	assert_int_equal(f->ops->ioctl(f, 0x5402, U(&t)), 0);
	stub_now_ns = 1000000000ull; /* tick 100 */
	stub_sleeps = 0;
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), -EINTR);
	assert_int_equal(stub_sleeps, 1);
	assert_int_equal(stub_last_wake_tick, 150); /* 0.5 s = 50 ticks later */
	assert_int_equal(stub_proc.wake_tick, 0);
	stub_signal_pending = false;
	stub_uart_feed("h", 1);
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), 1);
	/* VMIN 0, VTIME 0: a poll */
	t.cc[5] = 0;
	assert_int_equal(f->ops->ioctl(f, 0x5402, U(&t)), 0);
	stub_sleeps = 0;
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), 0);
	assert_int_equal(stub_sleeps, 0);
	assert_int_equal(f->ops->ioctl(f, 0x5402, U(&saved)), 0);
	file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(walk_dirs_dots_and_slashes),
	    T(walk_errors),
	    T(symlinks_follow_nofollow_and_loops),
	    T(file_data_pages_holes_truncate),
	    T(unlinked_open_file_lives_until_last_put),
	    T(remove_errors),
	    T(create_errors),
	    T(rename_moves_and_replaces),
	    T(getpath_sizes),
	    T(readdir_cookies_survive_removal),
	    T(open_flags),
	    T(open_file_keeps_inode_referenced),
	    T(cpio_unpacks_a_tree),
	    T(cpio_later_entries_replace_and_skip),
	    T(cpio_checksums_hardlinks_concatenation),
	    T(cpio_damage_is_reported_with_offset),
	    T(pipe_data_eof_and_nonblocking),
	    T(pipe_wraps_around),
	    T(pipe_epipe_and_blocking_decisions),
	    T(tty_canonical_editing),
	    T(tty_ioctls_and_raw_mode),
	    T(tty_vmin_vtime),
	};
	return cmocka_run_group_tests_name("fs: tmpfs, cpio, pipes, tty", tests, NULL, NULL);
}
