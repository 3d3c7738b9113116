/* Cases for /proc (outer/fs/procfs.c on the nested kernel; Linux's own on
 * a host run): /proc/self, /proc/PID/{stat,status,cmdline,exe}, the
 * listing, a child's directory coming and going, /proc/modules, meminfo,
 * uptime, statfs; on the nested kernel also that the tree is read-only
 * (Linux lets root write some of these). And the other calls busybox's
 * applets make: prctl(PR_SET_NAME/PR_GET_NAME), getgroups, sendfile.
 * Source: Linux man 5 proc, man 2 statfs, prctl, getgroups, sendfile. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "utest.h"

/* read_text - the whole of file path into buf (cap bytes, NUL-terminated);
 * returns the bytes read or -errno. */
static long read_text(const char *path, char *buf, size_t cap)
{
	long fd = SC(SYS_open, path, O_RDONLY);
	if (fd < 0)
		return fd;
	long n = 0, r;
	while (n < (long)cap - 1 && (r = SC(SYS_read, fd, buf + n, cap - 1 - (size_t)n)) > 0)
		n += r;
	SC(SYS_close, fd);
	buf[n] = 0;
	return n;
}

static void t_procfs_self(void)
{
	char buf[4096], want[64];
	long n = CHECK_OK(SC(SYS_readlink, "/proc/self", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%d", (int)getpid());
	CHECKF(n == (long)strlen(want) && !memcmp(buf, want, (size_t)n), "/proc/self -> %.*s",
	       (int)n, buf);
	REQUIRE(read_text("/proc/self/stat", buf, sizeof(buf)) > 0);
	snprintf(want, sizeof(want), "%d (utest) R %d ", (int)getpid(), (int)getppid());
	CHECKF(!strncmp(buf, want, strlen(want)), "stat '%s', expected '%s...'", buf, want);
	/* pgrp, session, tty_nr, tpgid: the console's foreground group when
	 * it is the controlling tty (/dev/tty opens), else -1 */
	int ppid, pgrp, sid, tty_nr, tpgid;
	char state;
	CHECKF(sscanf(strrchr(buf, ')') + 1, " %c %d %d %d %d %d", &state, &ppid, &pgrp, &sid,
		      &tty_nr, &tpgid) == 6,
	       "stat: %s", buf);
	CHECK_EQ(pgrp, getpgrp());
	CHECK_EQ(sid, getsid(0));
	int tty = open("/dev/tty", O_RDONLY | O_NOCTTY);
	if (tty >= 0) {
		CHECK_EQ(tpgid, tcgetpgrp(tty));
		CHECK(tty_nr != 0);
		close(tty);
	} else {
		CHECK_EQ(tpgid, -1);
	}
	int fields = 0;
	for (char *p = strrchr(buf, ')'); p && *p; p++)
		fields += *p == ' ';
	CHECKF(fields >= 50, "stat has %d fields after comm", fields); /* 52 in all */
	REQUIRE(read_text("/proc/self/status", buf, sizeof(buf)) > 0);
	snprintf(want, sizeof(want), "\nPid:\t%d\nPPid:\t%d\n", (int)getpid(), (int)getppid());
	CHECKF(strstr(buf, want) && !strncmp(buf, "Name:\tutest\n", 12), "status: %s", buf);
	snprintf(want, sizeof(want), "\nUid:\t%d\t%d\t", (int)getuid(), (int)geteuid());
	CHECKF(strstr(buf, want) != NULL, "status: %s", buf);
	/* init starts the suite as "utest" with no arguments */
	CHECK_EQ(read_text("/proc/self/cmdline", buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "utest", 6));
	n = CHECK_OK(SC(SYS_readlink, "/proc/self/exe", buf, sizeof(buf) - 1));
	buf[n > 0 ? n : 0] = 0;
	char exe[512];
	snprintf(exe, sizeof(exe), "%s/tests/utest", ut_root);
	CHECKF(!strcmp(buf, exe), "exe -> %s, expected %s", buf, exe);
}

/* PR_SET_NAME renames the process: PR_GET_NAME and stat's comm see it. */
static void t_procfs_prctl_name(void)
{
	char name[16] = {0}, buf[512];
	CHECK_EQ(SC(SYS_prctl, PR_SET_NAME, "renamed-utest-long-name", 0, 0, 0), 0);
	CHECK_EQ(SC(SYS_prctl, PR_GET_NAME, name, 0, 0, 0), 0);
	CHECKF(!strcmp(name, "renamed-utest-l"), "name '%s'", name); /* cut at 15 bytes */
	REQUIRE(read_text("/proc/self/stat", buf, sizeof(buf)) > 0);
	CHECKF(strstr(buf, " (renamed-utest-l) ") != NULL, "stat: %s", buf);
	CHECK_ERR(SC(SYS_prctl, PR_SET_NAME, UT_BAD_PTR, 0, 0, 0), EFAULT);
	CHECK_EQ(SC(SYS_prctl, PR_SET_NAME, "utest", 0, 0, 0), 0);
}

/* whether directory path lists name (getdents64 through readdir) */
static int lists(const char *path, const char *name)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int found = 0;
	while ((e = readdir(d)))
		found |= !strcmp(e->d_name, name);
	closedir(d);
	return found;
}

/* A child's /proc/PID exists while it runs (sleeping, its parent us) and
 * is gone once it is reaped. */
static void t_procfs_child(void)
{
	int p[2];
	REQUIRE(pipe(p) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	char dir[64], path[96], buf[4096], want[64];
	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	snprintf(path, sizeof(path), "%s/stat", dir);
	/* wait until it sleeps in read (it may not have run yet) */
	for (int i = 0; i < 200; i++) {
		REQUIRE(read_text(path, buf, sizeof(buf)) > 0);
		if (strstr(buf, ") S "))
			break;
		ut_sleep_ms(5);
	}
	snprintf(want, sizeof(want), "%d (utest) S %d ", (int)pid, (int)getpid());
	CHECKF(!strncmp(buf, want, strlen(want)), "stat '%s', expected '%s...'", buf, want);
	snprintf(want, sizeof(want), "%d", (int)pid);
	CHECK_EQ(lists("/proc", want), 1);
	CHECK_EQ(lists("/proc", "self"), 1);
	struct stat st;
	CHECK_EQ(SC(SYS_stat, dir, &st), 0);
	CHECK(S_ISDIR(st.st_mode) && st.st_uid == getuid());
	close(p[1]);
	CHECK_EXIT(ut_wait(pid), 0);
	CHECK_ERR(SC(SYS_stat, dir, &st), ENOENT);
	CHECK_ERR(SC(SYS_open, path, O_RDONLY), ENOENT);
	CHECK_EQ(lists("/proc", want), 0);
}

static void t_procfs_files(void)
{
	static char buf[8192];
	REQUIRE(read_text("/proc/meminfo", buf, sizeof(buf)) > 0);
	unsigned long total = 0, free_kb = 0;
	char *m = strstr(buf, "MemTotal:"), *f = strstr(buf, "MemFree:");
	CHECK(m && sscanf(m, "MemTotal: %lu kB", &total) == 1 && total > 16 * 1024);
	CHECK(f && sscanf(f, "MemFree: %lu kB", &free_kb) == 1 && free_kb > 0 && free_kb < total);
	REQUIRE(read_text("/proc/uptime", buf, sizeof(buf)) > 0);
	double up = -1, idle = -1;
	CHECKF(sscanf(buf, "%lf %lf", &up, &idle) == 2 && up > 0, "uptime '%s'", buf);
	REQUIRE(read_text("/proc/mounts", buf, sizeof(buf)) > 0);
	CHECKF(strstr(buf, " /proc proc ") != NULL, "mounts: %s", buf);
	struct statfs sf;
	CHECK_EQ(SC(SYS_statfs, "/proc", &sf), 0);
	CHECK_EQ(sf.f_type, 0x9fa0); /* PROC_SUPER_MAGIC */
	CHECK_ERR(SC(SYS_statfs, "/no/such", &sf), ENOENT);
	CHECK_ERR(SC(SYS_statfs, "/proc", UT_BAD_PTR), EFAULT);
	CHECK_ERR(SC(SYS_fstatfs, -1, &sf), EBADF);
	if (!ut_on_nk)
		return;
	/* init loaded edu (/etc/modules): Linux's line format */
	REQUIRE(read_text("/proc/modules", buf, sizeof(buf)) > 0);
	CHECKF(!strncmp(buf, "edu ", 4) || strstr(buf, "\nedu "), "modules: %s", buf);
	CHECKF(strstr(buf, " 0 - Live 0xffffffffc") != NULL, "modules: %s", buf);
	CHECK_EQ(SC(SYS_statfs, "/", &sf), 0);
	CHECK_EQ(sf.f_type, 0x01021994); /* TMPFS_MAGIC */
	CHECK(sf.f_bsize == 4096 && sf.f_bfree > 0 && sf.f_bfree < sf.f_blocks);
	long fd = CHECK_OK(SC(SYS_open, "/", O_RDONLY));
	CHECK_EQ(SC(SYS_fstatfs, fd, &sf), 0);
	CHECK_EQ(sf.f_type, 0x01021994);
	SC(SYS_close, fd);
	CHECK_EQ(SC(SYS_getgroups, 0, NULL), 0); /* no supplementary groups here */
	CHECK_ERR(SC(SYS_getgroups, -1, NULL), EINVAL);
	CHECK_ERR(SC(SYS_prctl, 12345, 0, 0, 0, 0), EINVAL);
}

/* The nested kernel's /proc is read-only, root included. */
static void t_procfs_readonly(void)
{
	CHECK_ERR(SC(SYS_open, "/proc/uptime", O_WRONLY), EACCES);
	CHECK_ERR(SC(SYS_open, "/proc/self/stat", O_RDWR), EACCES);
	CHECK_ERR(SC(SYS_open, "/proc/meminfo", O_RDONLY | O_TRUNC), EACCES);
	CHECK_ERR(SC(SYS_truncate, "/proc/meminfo", 0), EACCES);
	CHECK_ERR(SC(SYS_open, "/proc/newfile", O_WRONLY | O_CREAT, 0644), EROFS);
	CHECK_ERR(SC(SYS_mkdir, "/proc/d", 0755), EROFS);
	CHECK_ERR(SC(SYS_symlink, "x", "/proc/l"), EROFS);
	CHECK_ERR(SC(SYS_unlink, "/proc/meminfo"), EROFS);
	CHECK_ERR(SC(SYS_rmdir, "/proc/1"), EROFS);
	CHECK_ERR(SC(SYS_rmdir, "/proc"), EBUSY);
	CHECK_ERR(SC(SYS_rename, "/proc/meminfo", P("/tmp/meminfo")), EROFS);
	CHECK_ERR(SC(SYS_rename, P("/etc/motd"), "/proc/motd"), EROFS);
	CHECK_ERR(SC(SYS_rename, "/proc", P("/tmp/proc")), EBUSY);
	CHECK_ERR(SC(SYS_chmod, "/proc/modules", 0777), EROFS);
	CHECK_ERR(SC(SYS_chown, "/proc/modules", 1, 1), EROFS);
	CHECK_ERR(SC(SYS_utimensat, AT_FDCWD, "/proc/modules", NULL, 0), EROFS);
	char buf[64];
	CHECK(read_text("/proc/uptime", buf, sizeof(buf)) > 0); /* still there */
}

/* sendfile: file to pipe and file to file, with and without an offset
 * pointer; the error paths. */
static void t_sendfile(void)
{
	const char *src = P("/tests/pattern.bin"), *dst = P("/tmp/sendfile.out");
	long in = CHECK_OK(SC(SYS_open, src, O_RDONLY));
	long out = CHECK_OK(SC(SYS_open, dst, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	/* the whole file (3 pages + 100 bytes) at in's offset, which moves */
	CHECK_EQ(SC(SYS_sendfile, out, in, NULL, UT_PATTERN_SIZE + 50), UT_PATTERN_SIZE);
	CHECK_EQ(SC(SYS_lseek, in, 0, SEEK_CUR), UT_PATTERN_SIZE);
	CHECK_EQ(SC(SYS_sendfile, out, in, NULL, 10), 0); /* at the end */
	static unsigned char buf[UT_PATTERN_SIZE + 10];
	long rd = CHECK_OK(SC(SYS_open, dst, O_RDONLY));
	CHECK_EQ(SC(SYS_read, rd, buf, sizeof(buf)), UT_PATTERN_SIZE);
	int bad = -1;
	for (long i = 0; i < UT_PATTERN_SIZE && bad < 0; i++)
		if (buf[i] != ut_pattern((unsigned long)i))
			bad = (int)i;
	CHECKF(bad < 0, "byte %d differs", bad);
	/* with an offset: 5 bytes from 4096 into a pipe; in's offset stays */
	int p[2];
	REQUIRE(pipe(p) == 0);
	int64_t off = 4096;
	CHECK_EQ(SC(SYS_sendfile, p[1], in, &off, 5), 5);
	CHECK_EQ(off, 4101);
	CHECK_EQ(SC(SYS_lseek, in, 0, SEEK_CUR), UT_PATTERN_SIZE);
	unsigned char five[5];
	CHECK_EQ(SC(SYS_read, p[0], five, 5), 5);
	CHECK(five[0] == ut_pattern(4096) && five[4] == ut_pattern(4100));
	/* errors */
	off = -1;
	CHECK_ERR(SC(SYS_sendfile, p[1], in, &off, 5), EINVAL);
	CHECK_ERR(SC(SYS_sendfile, p[1], in, UT_BAD_PTR, 5), EFAULT);
	CHECK_ERR(SC(SYS_sendfile, p[1], -1, NULL, 5), EBADF);
	CHECK_ERR(SC(SYS_sendfile, -1, in, NULL, 5), EBADF);
	CHECK_ERR(SC(SYS_sendfile, in, in, NULL, 5), EBADF);	/* out not writable */
	CHECK_ERR(SC(SYS_sendfile, p[1], out, NULL, 5), EBADF); /* in not readable */
	long app = CHECK_OK(SC(SYS_open, dst, O_WRONLY | O_APPEND));
	off = 0;
	CHECK_ERR(SC(SYS_sendfile, app, in, &off, 5), EINVAL);
	SC(SYS_close, app);
	SC(SYS_close, p[0]);
	SC(SYS_close, p[1]);
	SC(SYS_close, rd);
	SC(SYS_close, out);
	SC(SYS_close, in);
}

const struct ut_case ut_procfs_cases[] = {
    UT(procfs_self),
    UT(procfs_prctl_name),
    UT(procfs_child),
    UT(procfs_files),
    UT_NK(procfs_readonly),
    UT(sendfile),
    {0},
};
