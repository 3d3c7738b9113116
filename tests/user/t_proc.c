/* Cases for processes: fork, vfork, clone (process form), execve, exit,
 * exit_group, wait4, getpid, getppid, kill, reparenting to init, a glibc
 * program, and fork/exec leaks (NKSYS_INFO before and after). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "utest.h"

static void t_fork(void)
{
	long me = SC(SYS_getpid);
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	long pid = SC(SYS_fork);
	REQUIRE(CHECK_OK(pid) >= 0);
	if (pid == 0) {
		long info[2] = {SC(SYS_getpid), SC(SYS_getppid)};
		SC(SYS_write, p[1], info, sizeof(info));
		SC(SYS_exit_group, 5);
	}
	long info[2] = {0, 0};
	CHECK_EQ(SC(SYS_read, p[0], info, sizeof(info)), (long)sizeof(info));
	CHECK_EQ(info[0], pid);
	CHECK(info[0] != me);
	CHECK_EQ(info[1], me);
	CHECK_EXIT(ut_wait((pid_t)pid), 5);
	/* three children, reaped by wait4(-1) in any order, each once */
	long kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = SC(SYS_fork);
		if (kids[i] == 0)
			SC(SYS_exit_group, 10 + i);
		CHECK(kids[i] > 0);
	}
	int seen = 0;
	for (int n = 0; n < 3; n++) {
		int st;
		long r = SC(SYS_wait4, -1, &st, 0, 0);
		for (int i = 0; i < 3; i++)
			if (r == kids[i]) {
				seen |= 1 << i;
				CHECK_EXIT(st, 10 + i);
			}
	}
	CHECK_EQ(seen, 7);
	CHECK_ERR(SC(SYS_wait4, -1, 0, 0, 0), ECHILD);
}

/* vfork: the parent waits until the child exits or execs. */
static void __attribute__((noinline)) vfork_exit(int *status)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(9);
	*status = pid > 0 ? ut_wait(pid) : -1;
}

static void __attribute__((noinline))
vfork_exec(int *status, char *const *argv, char *const *envp, const char *path)
{
	pid_t pid = vfork();
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(127);
	}
	*status = pid > 0 ? ut_wait(pid) : -1;
}

static void t_vfork(void)
{
	int st = -1;
	vfork_exit(&st);
	CHECK_EXIT(st, 9);
	char *argv[] = {"argecho", "one", "two", NULL};
	char *envp[] = {NULL};
	const char *path = P("/tests/argecho");
	int null = (int)SC(SYS_open, "/dev/null", O_WRONLY);
	int saved = (int)SC(SYS_dup, 1);
	SC(SYS_dup2, null, 1); /* argecho's output goes nowhere */
	vfork_exec(&st, argv, envp, path);
	SC(SYS_dup2, saved, 1);
	CHECK_EXIT(st, 3);
	CHECK_ERR(SC(SYS_wait4, -1, 0, 0, 0), ECHILD);
}

static void t_clone(void)
{
	long pid = SC(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	REQUIRE(CHECK_OK(pid) >= 0);
	if (pid == 0)
		SC(SYS_exit_group, 11);
	CHECK_EXIT(ut_wait((pid_t)pid), 11);
	/* thread forms this kernel does not offer, and flag sets Linux refuses */
	CHECK_ERR2(SC(SYS_clone, CLONE_THREAD | SIGCHLD, 0, 0, 0, 0), EINVAL, ENOSYS);
	CHECK_ERR2(SC(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0), EINVAL, ENOSYS);
	CHECK_ERR(SC(SYS_wait4, -1, 0, 0, 0), ECHILD);
}

static void t_execve(void)
{
	char out[2048];
	char *argv[] = {"argecho", "hello world", "", "x=y", NULL};
	char *envp[] = {"A=1", "B=two words", "EMPTY=", NULL};
	int st = ut_run(P("/tests/argecho"), argv, envp, NULL, out, sizeof(out));
	CHECK_EXIT(st, 4);
	const char *want = "argc=4\n"
			   "argv[0]=argecho\n"
			   "argv[1]=hello world\n"
			   "argv[2]=\n"
			   "argv[3]=x=y\n"
			   "envc=3\n"
			   "env[0]=A=1\n"
			   "env[1]=B=two words\n"
			   "env[2]=EMPTY=\n"
			   "auxv pagesz=4096 random=yes phdr=yes entry=yes\n";
	CHECKF(!strcmp(out, want), "argecho printed:\n%s", out);
	/* no environment at all */
	char *none[] = {NULL};
	char *argv1[] = {"argecho", NULL};
	st = ut_run(P("/tests/argecho"), argv1, none, NULL, out, sizeof(out));
	CHECK_EXIT(st, 1);
	CHECK(strstr(out, "envc=0\n") != NULL);
}

/* 200 arguments and one of 3000 bytes arrive intact. */
static void t_execve_many_args(void)
{
	static char words[200][8], big[3001], out[16384];
	static char *argv[203];
	argv[0] = "argecho";
	for (int i = 0; i < 200; i++) {
		snprintf(words[i], sizeof(words[i]), "w%d", i);
		argv[1 + i] = words[i];
	}
	memset(big, 'B', 3000);
	argv[201] = big;
	argv[202] = NULL;
	int st = ut_run(P("/tests/argecho"), argv, ut_env(), NULL, out, sizeof(out));
	CHECK_EXIT(st, 202 & 0xff);
	CHECK(strstr(out, "argc=202\n") != NULL);
	CHECK(strstr(out, "argv[200]=w199\n") != NULL);
	char line[3020];
	snprintf(line, sizeof(line), "argv[201]=%s\n", big);
	CHECK(strstr(out, line) != NULL);
}

static int canary = 0x600d;

static void t_execve_errors(void)
{
	char *argv[] = {"x", NULL};
	char *envp[] = {NULL};
	CHECK_ERR(SC(SYS_execve, P("/tests/no-such-program"), argv, envp), ENOENT);
	CHECK_ERR(SC(SYS_execve, P("/no-such-dir/prog"), argv, envp), ENOENT);
	CHECK_ERR(SC(SYS_execve, P("/etc/motd/x"), argv, envp), ENOTDIR);
	CHECK_ERR(SC(SYS_execve, P("/tests"), argv, envp), EACCES);
	CHECK_ERR(SC(SYS_execve, P("/etc/motd"), argv, envp), EACCES); /* mode 0644 */
	CHECK_ERR(SC(SYS_execve, 0, argv, envp), EFAULT);
	CHECK_ERR(SC(SYS_execve, UT_KERN_IMAGE, argv, envp), EFAULT);
	CHECK_ERR(SC(SYS_execve, P("/tests/argecho"), UT_BAD_PTR, envp), EFAULT);
	CHECK_ERR(SC(SYS_execve, P("/tests/argecho"), argv, UT_KERN_IMAGE), EFAULT);
	char *badargv[] = {"x", UT_KERN_DIRECT, NULL};
	CHECK_ERR(SC(SYS_execve, P("/tests/argecho"), badargv, envp), EFAULT);
	char *badenv[] = {"A=1", (char *)UT_BAD_PTR, NULL};
	CHECK_ERR(SC(SYS_execve, P("/tests/argecho"), argv, badenv), EFAULT);
	/* the failed calls left this process as it was */
	CHECK_EQ(canary, 0x600d);
	CHECK_OK(SC(SYS_getpid));
}

static void t_exit(void)
{
	long pid = SC(SYS_fork);
	if (pid == 0)
		SC(SYS_exit, 42);
	CHECK_EXIT(ut_wait((pid_t)pid), 42);
	pid = SC(SYS_fork);
	if (pid == 0)
		SC(SYS_exit_group, 300); /* only the low 8 bits */
	CHECK_EXIT(ut_wait((pid_t)pid), 300 & 0xff);
	pid = SC(SYS_fork);
	if (pid == 0)
		SC(SYS_exit_group, 0);
	CHECK_EXIT(ut_wait((pid_t)pid), 0);
	pid = SC(SYS_fork);
	if (pid == 0)
		exit(77); /* through libc's exit */
	CHECK_EXIT(ut_wait((pid_t)pid), 77);
}

static void t_wait4(void)
{
	int st = -1;
	CHECK_ERR(SC(SYS_wait4, -1, &st, 0, 0), ECHILD);
	CHECK_ERR(SC(SYS_wait4, 1, &st, 0, 0), ECHILD); /* init is nobody's child here */
	CHECK_ERR(SC(SYS_wait4, 0x3ffffff0, &st, 0, 0), ECHILD);
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	long pid = SC(SYS_fork);
	if (pid == 0) {
		char c;
		SC(SYS_read, p[0], &c, 1);
		SC(SYS_exit_group, 6);
	}
	REQUIRE(pid > 0);
	CHECK_EQ(SC(SYS_wait4, pid, &st, WNOHANG, 0), 0); /* still running */
	CHECK_EQ(SC(SYS_wait4, -1, &st, WNOHANG, 0), 0);
	CHECK_ERR(SC(SYS_wait4, pid, &st, 0x40000000 >> 4, 0), EINVAL);
	SC(SYS_write, p[1], "go", 1);
	CHECK_EQ(SC(SYS_wait4, pid, &st, 0, 0), pid);
	CHECK_EXIT(st, 6);
	CHECK_ERR(SC(SYS_wait4, pid, &st, 0, 0), ECHILD); /* reaped once only */
	/* a zombie keeps its status until it is waited for */
	pid = SC(SYS_fork);
	if (pid == 0)
		SC(SYS_exit_group, 8);
	ut_sleep_ms(20);
	CHECK_EQ(SC(SYS_wait4, pid, 0, 0, 0), pid); /* status pointer may be NULL */
	pid = SC(SYS_fork);
	if (pid == 0)
		SC(SYS_exit_group, 9);
	ut_sleep_ms(20);
	CHECK_EQ(SC(SYS_wait4, -1, &st, WNOHANG, 0), pid);
	CHECK_EXIT(st, 9);
	/* a grandchild is not a child */
	int q[2];
	REQUIRE(SC(SYS_pipe, q) == 0);
	pid = SC(SYS_fork);
	if (pid == 0) {
		long g = SC(SYS_fork);
		if (g == 0) {
			char c;
			SC(SYS_read, p[0], &c, 1);
			SC(SYS_exit_group, 0);
		}
		SC(SYS_write, q[1], &g, sizeof(g));
		SC(SYS_exit_group, SC(SYS_wait4, g, 0, 0, 0) == g ? 0 : 1);
	}
	long g = 0;
	CHECK_EQ(SC(SYS_read, q[0], &g, sizeof(g)), (long)sizeof(g));
	CHECK(g > 0);
	CHECK_ERR(SC(SYS_wait4, g, &st, WNOHANG, 0), ECHILD);
	SC(SYS_write, p[1], "x", 1);
	CHECK_EXIT(ut_wait((pid_t)pid), 0);
}

static void t_getpid_getppid(void)
{
	long me = SC(SYS_getpid), parent = SC(SYS_getppid);
	CHECK(me > 0 && parent > 0 && me != parent);
	CHECK_EQ(me, (long)getpid());
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	long pid = SC(SYS_fork);
	if (pid == 0) {
		long v[2] = {SC(SYS_getpid), SC(SYS_getppid)};
		SC(SYS_write, p[1], v, sizeof(v));
		SC(SYS_exit_group, 0);
	}
	long v[2];
	CHECK_EQ(SC(SYS_read, p[0], v, sizeof(v)), (long)sizeof(v));
	CHECK_EQ(v[0], pid);
	CHECK_EQ(v[1], me);
	CHECK_EXIT(ut_wait((pid_t)pid), 0);
	CHECK_EQ(SC(SYS_getpid), me); /* unchanged */
}

/* An orphan is adopted (by init in the guest, pid 1) and init reaps it. */
static void t_orphan(void)
{
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	long mid = SC(SYS_fork);
	REQUIRE(mid >= 0);
	if (mid == 0) {
		long mid_pid = SC(SYS_getpid);
		long g = SC(SYS_fork);
		if (g == 0) {
			long before = SC(SYS_getppid), after = before;
			for (int i = 0; i < 400 && after == mid_pid; i++) {
				ut_sleep_ms(5);
				after = SC(SYS_getppid);
			}
			long v[3] = {before, after, SC(SYS_getpid)};
			SC(SYS_write, p[1], v, sizeof(v));
			SC(SYS_exit_group, 0);
		}
		SC(SYS_exit_group, 0); /* leaves g behind */
	}
	CHECK_EXIT(ut_wait((pid_t)mid), 0);
	SC(SYS_close, p[1]);
	long v[3] = {0, 0, 0};
	CHECK_EQ(SC(SYS_read, p[0], v, sizeof(v)), (long)sizeof(v));
	CHECK(v[0] == mid || v[0] == v[1]); /* the parent may be gone already */
	CHECK(v[1] != mid && v[1] > 0);
	if (ut_on_nk) {
		CHECK_EQ(v[1], 1);
		/* init reaps the orphan: it leaves the process table */
		static struct nksys_proc procs[64];
		long n = 0;
		int present = 1;
		for (int i = 0; i < 100 && present; i++) {
			ut_sleep_ms(10);
			n = nksys(NKSYS_PS, (long)procs, 64, 0);
			present = 0;
			for (long k = 0; k < n; k++)
				present |= procs[k].pid == v[2];
		}
		CHECKF(!present, "orphan %ld still in the process table", v[2]);
	}
	CHECK_ERR(SC(SYS_wait4, v[2], 0, WNOHANG, 0), ECHILD);
}

static void t_kill(void)
{
	int p[2];
	REQUIRE(SC(SYS_pipe, p) == 0);
	/* a child blocked in read is killed by SIGKILL, another by SIGTERM */
	int sigs[2] = {SIGKILL, SIGTERM};
	for (int i = 0; i < 2; i++) {
		long pid = SC(SYS_fork);
		if (pid == 0) {
			char c;
			SC(SYS_read, p[0], &c, 1);
			SC(SYS_exit_group, 0);
		}
		ut_sleep_ms(10);
		CHECK_EQ(SC(SYS_kill, pid, 0), 0); /* it exists */
		CHECK_EQ(SC(SYS_kill, pid, sigs[i]), 0);
		CHECK_SIG(ut_wait((pid_t)pid), sigs[i]);
		CHECK_ERR(SC(SYS_kill, pid, 0), ESRCH); /* gone after the wait */
	}
	/* one sleeping in nanosleep dies at once, not after its 10 s */
	long pid = SC(SYS_fork);
	if (pid == 0) {
		ut_sleep_ms(10000);
		SC(SYS_exit_group, 0);
	}
	ut_sleep_ms(10);
	long long t0 = ut_now_ns();
	CHECK_EQ(SC(SYS_kill, pid, SIGTERM), 0);
	CHECK_SIG(ut_wait((pid_t)pid), SIGTERM);
	CHECK((ut_now_ns() - t0) / 1000000 < 3000);
	/* SIGCHLD is ignored by default: the child lives on */
	pid = SC(SYS_fork);
	if (pid == 0) {
		char c;
		SC(SYS_read, p[0], &c, 1);
		SC(SYS_exit_group, 4);
	}
	CHECK_EQ(SC(SYS_kill, pid, SIGCHLD), 0);
	ut_sleep_ms(20);
	SC(SYS_write, p[1], "c", 1);
	CHECK_EXIT(ut_wait((pid_t)pid), 4);
	CHECK_EQ(SC(SYS_kill, SC(SYS_getpid), 0), 0);
	CHECK_ERR(SC(SYS_kill, 0x3ffffff0, SIGTERM), ESRCH);
	CHECK_ERR(SC(SYS_kill, 0x3ffffff0, 0), ESRCH);
	CHECK_ERR(SC(SYS_kill, SC(SYS_getpid), 65), EINVAL);
	CHECK_ERR(SC(SYS_kill, SC(SYS_getpid), -3), EINVAL);
}

/* A process kills itself: the status says so. */
static void kill_self(long sig)
{
	SC(SYS_kill, SC(SYS_getpid), sig);
	ut_sleep_ms(1000);
	_exit(5);
}

static void t_kill_self(void)
{
	CHECK_SIG(ut_child(kill_self, SIGKILL), SIGKILL);
	CHECK_SIG(ut_child(kill_self, SIGTERM), SIGTERM);
}

static void t_glibc(void)
{
	char out[256];
	char *argv[] = {"hello-glibc", "arg1", NULL};
	char *envp[] = {"HOME=/home/glibc", NULL};
	int st = ut_run(P("/tests/hello-glibc"), argv, envp, NULL, out, sizeof(out));
	CHECK_EXIT(st, 7);
	const char *want = "hello from glibc: argc=2 argv1=arg1 sum=14344 home=/home/glibc\n";
	CHECKF(!strcmp(out, want), "output: %s", out);
}

/* 200 fork + exit + wait cycles leave the free frames and the page-table
 * pages exactly as they were (after one warm-up cycle); each child runs a
 * signal handler first (its frame on the child's stack) and exits 0 only
 * when the handler ran. */
static volatile int leak_handled;
static int leak_failed;
static void leak_handler(int sig)
{
	leak_handled = sig;
}
static void fork_exit_cycle(void)
{
	long pid = SC(SYS_fork);
	if (pid == 0) {
		signal(SIGUSR1, leak_handler);
		SC(SYS_kill, SC(SYS_getpid), SIGUSR1);
		SC(SYS_exit_group, leak_handled == SIGUSR1 ? 0 : 1);
	}
	int st = -1;
	SC(SYS_wait4, pid, &st, 0, 0);
	leak_failed += st != 0;
}

static void t_fork_leak(void)
{
	struct nksys_info a, b;
	fork_exit_cycle();
	ut_nk_info(&a);
	for (int i = 0; i < 200; i++)
		fork_exit_cycle();
	ut_nk_info(&b);
	CHECKF(a.frames_free == b.frames_free, "frames_free %lu -> %lu", a.frames_free,
	       b.frames_free);
	CHECKF(a.ptps == b.ptps, "ptps %lu -> %lu", a.ptps, b.ptps);
	CHECKF(a.nprocs == b.nprocs, "nprocs %lu -> %lu", a.nprocs, b.nprocs);
	CHECKF(leak_failed == 0, "%d children did not run their handler", leak_failed);
	ut_diag("200 cycles: frames_free %lu, ptps %lu, heap pages %lu -> %lu", b.frames_free,
		b.ptps, a.heap_pages, b.heap_pages);
}

/* Issue 17 section 6, scaling: the 200-cycle fork/exit leak test on every
 * CPU at once: one instance per CPU running the outer kernel (at least
 * 2), all started together (a pipe releases them), each doing 200
 * fork + signal + exit + wait cycles; afterwards the free frames, the PTPs
 * and the process count are as before, and at 2 CPUs or more the other
 * CPUs ran tasks meanwhile (their switch counters moved). */
/* n instances (forked now, released together by a pipe's EOF) of
 * `cycles` fork_exit_cycle each; returns how many failed a cycle. */
static int leak_instances(int n, int cycles)
{
	int go[2], bad = 0;
	long pids[8];
	if (SC(SYS_pipe, go) != 0)
		return n;
	for (int k = 0; k < n; k++) {
		pids[k] = SC(SYS_fork);
		if (pids[k] == 0) {
			char c;
			SC(SYS_close, go[1]);
			SC(SYS_read, go[0], &c, 1);
			leak_failed = 0;
			for (int i = 0; i < cycles; i++)
				fork_exit_cycle();
			SC(SYS_exit_group, leak_failed ? 1 : 0);
		}
	}
	SC(SYS_close, go[0]);
	SC(SYS_close, go[1]); /* EOF: every instance starts */
	for (int k = 0; k < n; k++) {
		int st = -1;
		if (pids[k] <= 0 || SC(SYS_wait4, pids[k], &st, 0, 0) != pids[k] || st != 0)
			bad++;
	}
	return bad;
}

static void t_fork_leak_smp(void)
{
	struct nksys_info a, b;
	ut_nk_info(&a);
	int n = a.ncpus < 2 ? 2 : a.ncpus > 8 ? 8 : (int)a.ncpus;
	/* warm-up at the same concurrency: the kernel heap grows to the
	 * peak number of processes once (heap pages are counted with the
	 * free frames below, as oom_kill does) */
	CHECK_EQ(leak_instances(n, 2), 0);
	ut_nk_info(&a);
	int bad = leak_instances(n, 200);
	ut_nk_info(&b);
	CHECKF(bad == 0, "%d of %d instances failed a cycle", bad, n);
	CHECKF(a.frames_free + a.heap_pages == b.frames_free + b.heap_pages,
	       "frames_free %lu -> %lu, heap pages %lu -> %lu", a.frames_free, b.frames_free,
	       a.heap_pages, b.heap_pages);
	CHECKF(a.ptps == b.ptps, "ptps %lu -> %lu", a.ptps, b.ptps);
	CHECKF(a.nprocs == b.nprocs, "nprocs %lu -> %lu", a.nprocs, b.nprocs);
	unsigned busy = 0;
	for (unsigned c = 0; c < a.ncpus && c < 8; c++)
		busy += b.cpu_switches[c] > a.cpu_switches[c];
	CHECKF(busy == a.ncpus, "tasks ran on %u of %lu CPUs", busy, a.ncpus);
	ut_diag("%d instances x 200 cycles on %lu CPUs: frames_free %lu, heap pages %lu -> %lu, "
		"ptps %lu",
		n, a.ncpus, b.frames_free, a.heap_pages, b.heap_pages, b.ptps);
}

/* The same with an exec of a musl program in each cycle. */
static void fork_exec_cycle(void)
{
	long pid = SC(SYS_fork);
	if (pid == 0) {
		char *argv[] = {"true", NULL};
		char *envp[] = {NULL};
		SC(SYS_execve, P("/bin/true"), argv, envp);
		SC(SYS_exit_group, 127);
	}
	int st;
	SC(SYS_wait4, pid, &st, 0, 0);
}

static void t_exec_leak(void)
{
	struct nksys_info a, b;
	fork_exec_cycle();
	ut_nk_info(&a);
	for (int i = 0; i < 30; i++)
		fork_exec_cycle();
	ut_nk_info(&b);
	CHECKF(a.frames_free == b.frames_free && a.ptps == b.ptps,
	       "30 fork+exec cycles: frames_free %lu -> %lu, ptps %lu -> %lu", a.frames_free,
	       b.frames_free, a.ptps, b.ptps);
}

const struct ut_case ut_proc_cases[] = {
    UT(fork),	       UT(vfork),     UT(clone), UT(execve),	     UT(execve_many_args),
    UT(execve_errors), UT(exit),      UT(wait4), UT(getpid_getppid), UT(orphan),
    UT(kill),	       UT(kill_self), UT(glibc), UT_NK(fork_leak),   UT_NK(fork_leak_smp),
    UT_NK(exec_leak),  {0},
};
