/* memdev: a well-behaved driver module: /dev/memdev, a 16 KiB RAM-backed
 * character device. Writes store at the file offset, reads return what
 * was stored (up to the highest byte written). Loaded after the attack
 * suite to show the kernel still runs drivers (attacks.md). */
#include <outer/kernel.h>
#include <outer/module.h>
#include <outer/moddev.h>

#define MEMDEV_BYTES 16384

static uint8_t store[MEMDEV_BYTES];
static uint64_t used; /* bytes: one past the highest byte written */

static long memdev_read(void *buf, uint64_t off, size_t n)
{
	if (off >= used)
		return 0;
	if (n > used - off)
		n = used - off;
	memcpy(buf, store + off, n);
	return (long)n;
}

static long memdev_write(const void *buf, uint64_t off, size_t n)
{
	if (off >= MEMDEV_BYTES)
		return -28; /* ENOSPC */
	if (n > MEMDEV_BYTES - off)
		n = MEMDEV_BYTES - off;
	memcpy(store + off, buf, n);
	if (off + n > used)
		used = off + n;
	return (long)n;
}

static const struct moddev_ops ops = {.read = memdev_read, .write = memdev_write};

static int memdev_init(void)
{
	long r = moddev_register("memdev", &ops);
	kprintf("memdev: /dev/memdev (%u bytes): %s\n", MEMDEV_BYTES,
		r ? "register failed" : "ready");
	return (int)r;
}

static void memdev_exit(void)
{
	moddev_unregister("memdev");
}

MODULE_INIT(memdev_init)
MODULE_EXIT(memdev_exit)
