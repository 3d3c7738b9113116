/* The in-kernel file system test (`test fs_tmpfs`): the tmpfs, pipes and
 * devices on the real heap and frame allocator, where the host tests use
 * malloc. No process exists yet, so no system call is made. */
#include <outer/kernel.h>
#include "ktest.h"
#include <outer/mm.h>
#include "../../outer/fs/fs_internal.h"

bool fs_ktest(void)
{
	fs_init(); /* idempotent: a second run keeps the tree */
	bool ok = true;
	struct inode *ip;
	ok &= KT_EXPECT(fs_lookup(NULL, "/dev/console", true, &ip) == 0);
	if (ok) {
		ok &= KT_EXPECT(S_ISCHR(inode_mode(ip)));
		inode_put(ip);
	}
	ok &= KT_EXPECT(fs_lookup(NULL, "/tmp", true, &ip) == 0);
	if (!ok)
		return false;
	inode_put(ip);

	uint64_t inodes0 = inode_count();
	struct file *f;
	ok &= KT_EXPECT(file_open(NULL, "/tmp/ktest", O_CREAT | O_EXCL | O_RDWR, 0644, &f) == 0);
	if (!ok)
		return false;
	static uint8_t buf[3 * FS_PAGE_BYTES], back[3 * FS_PAGE_BYTES];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13);
	ok &= KT_EXPECT(f->ops->write(f, buf, sizeof(buf)) == (long)sizeof(buf));
	f->off = 0;
	ok &= KT_EXPECT(f->ops->read(f, back, sizeof(back)) == (long)sizeof(back));
	ok &= KT_EXPECT(!memcmp(buf, back, sizeof(buf)));
	ok &= KT_EXPECT(vfs_remove(NULL, "/tmp/ktest", false) == 0);
	uint64_t frames0 = frames_free();
	file_put(f);
	ok &= KT_EXPECT(inode_count() == inodes0);
	ok &= KT_EXPECT(frames_free() == frames0 + 3); /* the data pages went back */

	struct file *r, *w;
	ok &= KT_EXPECT(pipe_create(O_NONBLOCK, &r, &w) == 0);
	if (!ok)
		return false;
	ok &= KT_EXPECT(w->ops->write(w, "ping", 4) == 4);
	ok &= KT_EXPECT(r->ops->read(r, back, 16) == 4 && !memcmp(back, "ping", 4));
	ok &= KT_EXPECT(r->ops->read(r, back, 16) == -EAGAIN);
	file_put(w);
	ok &= KT_EXPECT(r->ops->read(r, back, 16) == 0);
	frames0 = frames_free();
	file_put(r);
	ok &= KT_EXPECT(frames_free() == frames0 + 1); /* the ring went back */

	struct file *c = console_file();
	ok &= KT_EXPECT(c != NULL);
	if (c) {
		ok &= KT_EXPECT(c->ops->write(c, "    # console file writes\n", 26) == 26);
		file_put(c);
	}
	return ok;
}
