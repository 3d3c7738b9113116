/* Cases for the small system calls: unknown numbers, uname, arch_prctl,
 * set_tid_address, set_robust_list, rseq, rt_sigaction, rt_sigprocmask,
 * prlimit64, getrandom, clock_gettime, gettimeofday, nanosleep, sched_yield
 * and the id calls. Every call is made raw (SC) so its error path shows. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "utest.h"

#define ARCH_SET_FS 0x1002

/* Unknown system call numbers answer -ENOSYS and nothing else happens. */
static void t_enosys(void)
{
	CHECK_ERR(SC(999), ENOSYS);
	CHECK_ERR(SC(511), ENOSYS); /* past the table (and past NKSYS_NR) */
	CHECK_ERR(SC(-1L), ENOSYS);
	CHECK_ERR(SC(0x7fffffffL, 1, 2, 3), ENOSYS);
	CHECK_OK(SC(SYS_getpid)); /* and the process goes on */
}

static int nul_terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

static void t_uname(void)
{
	struct utsname u;
	memset(&u, 'x', sizeof(u));
	REQUIRE(CHECK_OK(SC(SYS_uname, &u)) == 0);
	CHECK(nul_terminated(u.sysname, sizeof(u.sysname)));
	CHECK(nul_terminated(u.release, sizeof(u.release)));
	CHECK(nul_terminated(u.machine, sizeof(u.machine)));
	CHECK(nul_terminated(u.nodename, sizeof(u.nodename)));
	CHECK(nul_terminated(u.version, sizeof(u.version)));
	CHECK(u.sysname[0] != 0);
	CHECKF(!strcmp(u.machine, "x86_64"), "machine '%s', expected x86_64", u.machine);
	ut_diag("sysname '%s' release '%s' machine '%s'", u.sysname, u.release, u.machine);
	CHECK_ERR(SC(SYS_uname, 0), EFAULT);
	CHECK_ERR(SC(SYS_uname, UT_KERN_IMAGE), EFAULT);
}

static long read_fs_word(long off)
{
	long v;
	__asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"(off));
	return v;
}

/* ARCH_SET_FS moves %fs; the block it points at is read through %fs. libc's
 * own thread pointer (its self pointer at %fs:0) is put back at the end;
 * between the two only raw calls run (no errno). */
static void t_arch_prctl(void)
{
	static long block[4];
	long orig = read_fs_word(0);
	block[0] = (long)block;
	block[1] = 0x1234abcd;
	long r1 = SC(SYS_arch_prctl, ARCH_SET_FS, block);
	long seen = read_fs_word(8);
	long r2 = SC(SYS_arch_prctl, ARCH_SET_FS, orig);
	REQUIRE(r2 == 0); /* libc is usable again */
	CHECK_EQ(r1, 0);
	CHECK_EQ(seen, 0x1234abcd);
	CHECK_EQ(read_fs_word(0), orig);
	CHECK_ERR2(SC(SYS_arch_prctl, ARCH_SET_FS, UT_KERN_IMAGE), EPERM, EINVAL);
	CHECK_ERR2(SC(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000UL), EPERM, EINVAL);
	CHECK_ERR(SC(SYS_arch_prctl, 0x9999, block), EINVAL);
	CHECK_EQ(read_fs_word(0), orig);
}

static void t_set_tid_address(void)
{
	static int tid_word;
	CHECK_EQ(SC(SYS_set_tid_address, &tid_word), SC(SYS_getpid));
	CHECK_EQ(SC(SYS_set_tid_address, 0), SC(SYS_getpid));
}

static void t_set_robust_list(void)
{
	static long head[3];
	head[0] = (long)head;
	CHECK_EQ(SC(SYS_set_robust_list, head, 24), 0);
	CHECK_ERR(SC(SYS_set_robust_list, head, 23), EINVAL);
	CHECK_ERR(SC(SYS_set_robust_list, head, 0), EINVAL);
}

/* rseq may be unimplemented (ENOSYS); a malformed registration never
 * succeeds and never hurts the caller. */
static void t_rseq(void)
{
	static char area[64] __attribute__((aligned(32)));
	CHECK_ERR2(SC(SYS_rseq, area, 0, 0, 0x53053053), EINVAL, ENOSYS);
	CHECK_ERR2(SC(SYS_rseq, area + 1, 32, 0, 0x53053053), EINVAL, ENOSYS);
	CHECK_OK(SC(SYS_getpid));
}

struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

static void t_rt_sigaction(void)
{
	struct k_sigaction old, dfl = {SIG_DFL, 0, 0, 0};
	memset(&old, 0x55, sizeof(old));
	CHECK_EQ(SC(SYS_rt_sigaction, SIGTERM, 0, &old, 8), 0);
	CHECK_EQ(SC(SYS_rt_sigaction, SIGTERM, &dfl, 0, 8), 0);
	CHECK_EQ(SC(SYS_rt_sigaction, SIGCHLD, &dfl, &old, 8), 0);
	CHECK_ERR(SC(SYS_rt_sigaction, 0, &dfl, 0, 8), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigaction, 65, &dfl, 0, 8), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigaction, SIGKILL, &dfl, 0, 8), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigaction, SIGSTOP, &dfl, 0, 8), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigaction, SIGTERM, &dfl, 0, 4), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigaction, SIGTERM, UT_BAD_PTR, 0, 8), EFAULT);
}

static void t_rt_sigprocmask(void)
{
	unsigned long set = 1UL << (SIGUSR1 - 1), old = 0;
	CHECK_EQ(SC(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8), 0);
	CHECK_EQ(SC(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8), 0);
	CHECK_EQ(SC(SYS_rt_sigprocmask, SIG_SETMASK, 0, &old, 8), 0);
	CHECK_ERR(SC(SYS_rt_sigprocmask, 7, &set, 0, 8), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 4), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigprocmask, SIG_BLOCK, UT_BAD_PTR, 0, 8), EFAULT);
}

static void t_prlimit64(void)
{
	struct rlimit rl = {0, 0};
	CHECK_EQ(SC(SYS_prlimit64, 0, RLIMIT_STACK, 0, &rl), 0);
	CHECK(rl.rlim_cur > 0 && rl.rlim_cur <= rl.rlim_max);
	CHECK_EQ(SC(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &rl), 0);
	CHECK(rl.rlim_cur >= 16 && rl.rlim_cur <= rl.rlim_max);
	CHECK_EQ(SC(SYS_prlimit64, SC(SYS_getpid), RLIMIT_NOFILE, 0, &rl), 0);
	CHECK_ERR(SC(SYS_prlimit64, 0, 999, 0, &rl), EINVAL);
	CHECK_ERR(SC(SYS_prlimit64, 0x3ffffff0, RLIMIT_NOFILE, 0, &rl), ESRCH);
	CHECK_ERR(SC(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, UT_BAD_PTR), EFAULT);
}

static void t_getrandom(void)
{
	unsigned char a[64], b[64], zero[64];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	CHECK_EQ(SC(SYS_getrandom, a, sizeof(a), 0), 64);
	CHECK_EQ(SC(SYS_getrandom, b, sizeof(b), 1 /* GRND_NONBLOCK */), 64);
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK_EQ(SC(SYS_getrandom, a, 0, 0), 0);
	CHECK_ERR(SC(SYS_getrandom, a, sizeof(a), 0x80), EINVAL);
	CHECK_ERR(SC(SYS_getrandom, 0, 16, 0), EFAULT);
	CHECK_ERR(SC(SYS_getrandom, UT_KERN_IMAGE, 16, 0), EFAULT);
}

static void t_clock_gettime(void)
{
	struct timespec a, b, r;
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_MONOTONIC, &a), 0);
	for (int i = 0; i < 1000; i++)
		SC(SYS_getpid);
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_MONOTONIC, &b), 0);
	CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000 && b.tv_nsec >= 0 && b.tv_nsec < 1000000000);
	CHECK(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_REALTIME, &r), 0);
	CHECK(r.tv_nsec >= 0 && r.tv_nsec < 1000000000);
	CHECK_ERR(SC(SYS_clock_gettime, 999, &a), EINVAL);
	CHECK_ERR(SC(SYS_clock_gettime, CLOCK_MONOTONIC, 0), EFAULT);
	CHECK_ERR(SC(SYS_clock_gettime, CLOCK_MONOTONIC, UT_KERN_IMAGE), EFAULT);
}

static void t_gettimeofday(void)
{
	struct timeval tv = {-1, -1};
	CHECK_EQ(SC(SYS_gettimeofday, &tv, 0), 0);
	CHECK(tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK_EQ(SC(SYS_gettimeofday, 0, 0), 0);
	CHECK_ERR(SC(SYS_gettimeofday, UT_BAD_PTR, 0), EFAULT);
}

/* nanosleep sleeps at least as long as asked (by CLOCK_MONOTONIC) and not
 * absurdly longer; bad times are EINVAL. */
static void t_nanosleep(void)
{
	struct timespec ts = {0, 30 * 1000000L};
	long long t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_nanosleep, &ts, 0), 0);
	long long ms = (ut_now_ns() - t0) / 1000000;
	CHECKF(ms >= 29 && ms < 3000, "30 ms sleep took %lld ms", ms);
	struct timespec zero = {0, 0};
	CHECK_EQ(SC(SYS_nanosleep, &zero, 0), 0);
	struct timespec bad_ns = {0, 1000000000L}, neg_ns = {0, -1}, neg_s = {-1, 0};
	CHECK_ERR(SC(SYS_nanosleep, &bad_ns, 0), EINVAL);
	CHECK_ERR(SC(SYS_nanosleep, &neg_ns, 0), EINVAL);
	CHECK_ERR(SC(SYS_nanosleep, &neg_s, 0), EINVAL);
	CHECK_ERR(SC(SYS_nanosleep, 0, 0), EFAULT);
	CHECK_ERR(SC(SYS_nanosleep, UT_KERN_IMAGE, 0), EFAULT);
}

static void t_sched_yield(void)
{
	for (int i = 0; i < 10; i++)
		CHECK_EQ(SC(SYS_sched_yield), 0);
}

/* The id calls have no error path; in the guest everything runs as root. */
static void t_ids(void)
{
	long uid = SC(SYS_getuid), euid = SC(SYS_geteuid);
	long gid = SC(SYS_getgid), egid = SC(SYS_getegid);
	CHECK(uid >= 0 && euid >= 0 && gid >= 0 && egid >= 0);
	CHECK_EQ(uid, (long)getuid());
	CHECK_EQ(euid, uid);
	CHECK_EQ(egid, gid);
	if (ut_on_nk) {
		CHECK_EQ(uid, 0);
		CHECK_EQ(gid, 0);
	}
	CHECK(SC(SYS_getpid) > 0);
	CHECK(SC(SYS_getppid) > 0);
}

const struct ut_case ut_misc_cases[] = {
    UT(enosys),		 UT(uname),	  UT(arch_prctl),    UT(set_tid_address),
    UT(set_robust_list), UT(rseq),	  UT(rt_sigaction),  UT(rt_sigprocmask),
    UT(prlimit64),	 UT(getrandom),	  UT(clock_gettime), UT(gettimeofday),
    UT(nanosleep),	 UT(sched_yield), UT(ids),	     {0},
};
