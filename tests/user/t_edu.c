/* /dev/edu, the edu driver module (drivers/mod/edu.c): each write(2) is
 * copied to QEMU's edu device and back by DMA; read(2) returns what came
 * back. The device holds 4096 bytes: a write that crosses the end is
 * short, one at the end gets ENOSPC; a read at or past the length of the
 * contents (the end of the last write), or before any write, returns 0.
 * init loads the module at boot (/etc/modules); a case that needs a fresh
 * device unloads and reloads it (root). The cases skip on another kernel
 * (a host run). Every write takes two or four DMA transfers of 100 ms of
 * QEMU's virtual time each. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "utest.h"

#define EDU_DEV "/dev/edu"
#define EDU_BYTES 4096
#define MODDEV_MAJOR 240 /* outer/fs/moddev.c: module character devices */

static unsigned char wbuf[2 * EDU_BYTES], rbuf[2 * EDU_BYTES];

/* Fill wbuf with a pattern that differs from one case (seed) to the next. */
static void fill(unsigned seed)
{
	for (unsigned long i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (unsigned char)(ut_pattern(i) ^ (seed * 29 + 3));
}

static long edu_open(int flags)
{
	return SC(SYS_open, EDU_DEV, flags);
}

/* The contents of /dev/edu through a fresh descriptor into rbuf (up to
 * sizeof(rbuf) bytes, read until end of file). Returns the bytes, or a
 * negative errno. */
static long edu_contents(void)
{
	long fd = edu_open(O_RDONLY);
	if (fd < 0)
		return fd;
	long total = 0, r;
	while ((r = SC(SYS_read, fd, rbuf + total, sizeof(rbuf) - (size_t)total)) > 0)
		total += r;
	SC(SYS_close, fd);
	return r < 0 ? r : total;
}

/* Write n bytes of wbuf to a fresh descriptor at offset 0; returns
 * write's result. */
static long edu_write_fresh(size_t n)
{
	long fd = edu_open(O_WRONLY);
	if (fd < 0)
		return fd;
	long r = SC(SYS_write, fd, wbuf, n);
	SC(SYS_close, fd);
	return r;
}

/* Whether the contents are exactly the first n bytes of wbuf. */
static void check_contents(long n)
{
	long got = edu_contents();
	CHECK_EQ(got, n);
	if (got == n && n > 0)
		CHECKF(!memcmp(rbuf, wbuf, (size_t)n), "the %ld bytes read back differ", n);
}

/* Unload the edu module (when loaded) and load it again: a fresh device
 * with nothing written. REQUIREs root and success. */
static void edu_reload(void)
{
	REQUIRE(SC(SYS_geteuid) == 0);
	long r = SC(SYS_delete_module, "edu", 0);
	CHECKF(r == 0 || r == -ENOENT, "delete_module(edu) returned %ld", r);
	CHECK_ERR(edu_open(O_RDONLY), ENOENT); /* the node went with it */
	long fd = SC(SYS_open, "/lib/modules/edu.ko", O_RDONLY);
	REQUIRE(CHECK_OK(fd) >= 0);
	REQUIRE(CHECK_OK(SC(SYS_finit_module, fd, "", 0)) == 0);
	SC(SYS_close, fd);
}

/* /dev/edu is there (init loaded the module at boot), a module character
 * device, readable and writable by everyone. */
static void t_edu_device(void)
{
	struct stat st;
	long r = SC(SYS_stat, EDU_DEV, &st);
	if (r == -ENOENT) /* say why in the result: loaded at boot by init */
		ut_fail_at(__FILE__, __LINE__, "no " EDU_DEV ": init did not load edu.ko");
	REQUIRE(r == 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0666);
	CHECK_EQ(major(st.st_rdev), MODDEV_MAJOR);
}

/* A fresh device reads as empty (end of file at once), however much is
 * asked for; after the reload, the driver works again. */
static void t_edu_read_before_write(void)
{
	edu_reload();
	long fd = CHECK_OK(edu_open(O_RDONLY));
	REQUIRE(fd >= 0);
	CHECK_EQ(SC(SYS_read, fd, rbuf, 1), 0);
	CHECK_EQ(SC(SYS_read, fd, rbuf, sizeof(rbuf)), 0);
	SC(SYS_close, fd);
	CHECK_EQ(edu_contents(), 0);
	fill(1);
	CHECK_EQ(edu_write_fresh(10), 10);
	check_contents(10);
}

/* One byte there and back. */
static void t_edu_write_1(void)
{
	fill(2);
	CHECK_EQ(edu_write_fresh(1), 1);
	check_contents(1);
	fill(3); /* another byte value: the read must follow the write */
	CHECK_EQ(edu_write_fresh(1), 1);
	check_contents(1);
}

/* The whole 4096-byte buffer (the last byte included, which QEMU 7.2's
 * edu cannot reach in one transfer); a read asking for more gets 4096. */
static void t_edu_write_4096(void)
{
	fill(4);
	CHECK_EQ(edu_write_fresh(EDU_BYTES), EDU_BYTES);
	check_contents(EDU_BYTES);
}

/* 4097 bytes: a short write of the 4096 that fit (the kernel hands the
 * driver one page at a time; the driver refuses the byte past the end with
 * ENOSPC, which ends the call); writing on at the end gets ENOSPC and
 * changes nothing. */
static void t_edu_write_4097(void)
{
	fill(5);
	long fd = CHECK_OK(edu_open(O_WRONLY));
	REQUIRE(fd >= 0);
	CHECK_EQ(SC(SYS_write, fd, wbuf, EDU_BYTES + 1), EDU_BYTES);
	CHECK_ERR(SC(SYS_write, fd, wbuf + EDU_BYTES, 1), ENOSPC);
	SC(SYS_close, fd);
	check_contents(EDU_BYTES);
}

/* Writes at the file offset: two writes on one descriptor make one
 * 150-byte message; a later write from offset 0 makes the contents its
 * own length (the end of the last write); an empty write changes nothing;
 * reads continue at the descriptor's offset. */
static void t_edu_offsets(void)
{
	fill(6);
	long fd = CHECK_OK(edu_open(O_WRONLY));
	REQUIRE(fd >= 0);
	CHECK_EQ(SC(SYS_write, fd, wbuf, 100), 100);
	CHECK_EQ(SC(SYS_write, fd, wbuf + 100, 50), 50);
	CHECK_EQ(SC(SYS_write, fd, wbuf, 0), 0);
	SC(SYS_close, fd);
	check_contents(150);
	CHECK_EQ(edu_write_fresh(20), 20);
	check_contents(20);
	fd = CHECK_OK(edu_open(O_RDONLY));
	REQUIRE(fd >= 0);
	CHECK_EQ(SC(SYS_read, fd, rbuf, 15), 15);
	CHECK_EQ(SC(SYS_read, fd, rbuf + 15, sizeof(rbuf)), 5);
	CHECK_EQ(SC(SYS_read, fd, rbuf, sizeof(rbuf)), 0);
	SC(SYS_close, fd);
	CHECK(!memcmp(rbuf, wbuf, 15));
}

/* Bad user buffers: EFAULT, the contents unchanged, the driver unharmed. */
static void t_edu_bad_buffer(void)
{
	fill(7);
	CHECK_EQ(edu_write_fresh(64), 64);
	long fd = CHECK_OK(edu_open(O_RDWR));
	REQUIRE(fd >= 0);
	CHECK_ERR(SC(SYS_write, fd, UT_BAD_PTR, 16), EFAULT);
	CHECK_ERR(SC(SYS_write, fd, UT_KERN_DIRECT, 16), EFAULT);
	CHECK_ERR(SC(SYS_read, fd, UT_BAD_PTR, 16), EFAULT);
	CHECK_ERR(SC(SYS_read, fd, UT_KERN_IMAGE, 16), EFAULT);
	SC(SYS_close, fd);
	check_contents(64);
}

const struct ut_case ut_edu_cases[] = {
    UT_NK(edu_device),	   UT_NK(edu_read_before_write),
    UT_NK(edu_write_1),	   UT_NK(edu_write_4096),
    UT_NK(edu_write_4097), UT_NK(edu_offsets),
    UT_NK(edu_bad_buffer), {0},
};
