/* The user-space test suite: a KTAP harness that runs every test case in a
 * forked child, plus the helpers the test files share.
 *
 * A case is `static void t_NAME(void)` registered with UT(NAME) in its file's
 * table. Checks do not stop the case (REQUIRE does); a case passes when no
 * check failed and it exited normally. A case that is killed is reported
 * "not ok" with the signal, and the suite goes on. */
#ifndef UTEST_H
#define UTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "ulib.h"

/* Flags of a case. */
#define UT_NKSYS 1 /* needs the nested kernel's syscall: SKIP elsewhere */

struct ut_case {
	const char *name;
	void (*fn)(void);
	int flags;
};

#define UT(n)                                                                                      \
	{                                                                                          \
#n, t_##n, 0                                                                       \
	}
#define UT_NK(n)                                                                                   \
	{                                                                                          \
#n, t_##n, UT_NKSYS                                                                \
	}

/* The case tables, one per test file, each ended by {0}. */
extern const struct ut_case ut_fs_cases[], ut_fd_cases[], ut_mm_cases[], ut_proc_cases[],
    ut_elf_cases[], ut_misc_cases[], ut_sh_cases[], ut_priv_cases[], ut_edu_cases[], ut_nk_cases[],
    ut_files_cases[], ut_clock_cases[], ut_signal_cases[], ut_jobs_cases[], ut_rtsig_cases[],
    ut_procfs_cases[];

/* The pattern of tests/pattern.bin (made by tests/user/mkfiles.py): byte i. */
#define UT_PATTERN_SIZE (3 * 4096 + 100)
static inline unsigned char ut_pattern(unsigned long i)
{
	return (unsigned char)(i * 7 + i / 4096 * 13 + 1);
}

/* A user address that is certainly not mapped, kernel addresses user mode
 * must not reach (the direct map and the kernel image), a non-canonical one. */
#define UT_BAD_PTR ((void *)8)
#define UT_KERN_DIRECT ((void *)0xffff800000000000UL)
#define UT_KERN_IMAGE ((void *)0xffffffff80000000UL)
#define UT_NONCANON ((void *)0x0000800000000000UL)

extern int ut_on_nk;	    /* the nested kernel's syscall answers */
extern const char *ut_root; /* prefix of the rootfs: "" in the guest */

/* ut_printf - formatted output straight to fd 1 (no stdio buffer). */
void ut_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ut_diag - one KTAP diagnostic line "# ..." for the current case. */
void ut_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ut_fail_at - record a failed check at file:line with a message. */
void ut_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ut_skip - end the current case as skipped with a reason (a failure
 * recorded before still makes it fail). Does not return. */
void ut_skip(const char *reason) __attribute__((noreturn));

/* ut_failures - how many checks failed so far in this process: the case,
 * or a ut_child child (which starts from its parent's count), so that a
 * child can end with _exit(ut_failures() ? 1 : 0). */
int ut_failures(void);

/* ut_abort - end the current case as failed now. Does not return. */
void ut_abort(void) __attribute__((noreturn));

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			ut_fail_at(__FILE__, __LINE__, "CHECK(%s)", #c);                           \
	} while (0)
#define CHECKF(c, ...)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			ut_fail_at(__FILE__, __LINE__, __VA_ARGS__);                               \
	} while (0)
#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			ut_fail_at(__FILE__, __LINE__, "REQUIRE(%s)", #c);                         \
			ut_abort();                                                                \
		}                                                                                  \
	} while (0)
/* CHECK_EQ(a, b): both as long, both values shown on failure. */
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long ut_a_ = (long)(a), ut_b_ = (long)(b);                                         \
		if (ut_a_ != ut_b_)                                                                \
			ut_fail_at(__FILE__, __LINE__, "%s == %ld, expected %s == %ld", #a, ut_a_, \
				   #b, ut_b_);                                                     \
	} while (0)
/* CHECK_ERR(r, E): r is a raw syscall result that must be -E. */
#define CHECK_ERR(r, e) ut_check_err(__FILE__, __LINE__, #r, (long)(r), (e), 0)
/* CHECK_ERR2(r, E1, E2): -E1 or -E2 (where Linux and a sane kernel may differ). */
#define CHECK_ERR2(r, e1, e2) ut_check_err(__FILE__, __LINE__, #r, (long)(r), (e1), (e2))
/* CHECK_OK(r): r is a raw syscall result that must be >= 0. Yields r. */
#define CHECK_OK(r) ut_check_ok(__FILE__, __LINE__, #r, (long)(r))
/* CHECK_EXIT(status, code) / CHECK_SIG(status, sig): a wait status. */
#define CHECK_EXIT(st, code) ut_check_status(__FILE__, __LINE__, (st), 0, (code))
#define CHECK_SIG(st, sig) ut_check_status(__FILE__, __LINE__, (st), (sig), 0)

void ut_check_err(const char *file, int line, const char *expr, long r, int e1, int e2);
long ut_check_ok(const char *file, int line, const char *expr, long r);
void ut_check_status(const char *file, int line, int status, int sig, int code);

/* ut_status_str - "exited 3" / "killed by SIGSEGV" for a wait status
 * (a static buffer, overwritten by the next call). */
const char *ut_status_str(int status);

/* P - the path of a rootfs file: ut_root + abs. One of eight rotating
 * static buffers, so up to eight results can be live at once. */
const char *P(const char *abs);

/* ut_wait - wait4 for pid (retrying EINTR); returns its wait status, or
 * -1 after recording a failure. */
int ut_wait(pid_t pid);

/* ut_child - run fn(arg) in a forked child that then exits 0; returns the
 * child's wait status (or -1 after recording a failure). */
int ut_child(void (*fn)(long), long arg);

/* ut_run - fork and execve path with argv and envp (NULL: ut_env()), stdin
 * from `input` (NULL: /dev/null), stdout and stderr both into out (at most
 * outsz - 1 bytes, NUL-terminated). Returns the wait status, -1 on failure. */
int ut_run(const char *path, char *const argv[], char *const envp[], const char *input, char *out,
	   size_t outsz);

/* ut_env - the environment for programs the suite runs: PATH of the rootfs,
 * HOME=/, TERM=vt100. */
char *const *ut_env(void);

/* ut_now_ns - CLOCK_MONOTONIC in nanoseconds. */
long long ut_now_ns(void);

/* ut_sleep_ms - nanosleep for ms milliseconds. */
void ut_sleep_ms(long ms);

/* ut_write_file - create or truncate path with len bytes; 0 or -errno. */
long ut_write_file(const char *path, const void *data, size_t len);

/* ut_nk_info - NKSYS_INFO into *info; REQUIREs success. */
void ut_nk_info(struct nksys_info *info);

/* ut_set_disp - install handler h (or SIG_DFL/SIG_IGN) for sig with
 * sa_flags flags and an empty sa_mask (sigaction(2)); REQUIREs success. */
void ut_set_disp(int sig, void (*h)(int), int flags);

#endif
