/* Small helpers shared by the user programs (user/) and the user test suite
 * (tests/user/): raw system calls that return -errno instead of touching
 * errno, the nested kernel's own syscall, and signal/errno names. */
#ifndef ULIB_H
#define ULIB_H

#include <stddef.h>
#include <uapi/nksys.h>

/* u_syscall6 - the x86-64 `syscall` instruction with six arguments.
 * Returns the kernel's raw result: >= 0, or -errno (errno is not set, so
 * this works even while %fs does not point at libc's thread block). */
static inline long u_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* SC(nr, args...) - raw system call with 0 to 6 arguments, each cast to
 * long (so an int -1 really is -1 in the 64-bit register). */
#define U_SC0(n) u_syscall6((n), 0, 0, 0, 0, 0, 0)
#define U_SC1(n, a) u_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define U_SC2(n, a, b) u_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define U_SC3(n, a, b, c) u_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define U_SC4(n, a, b, c, d) u_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define U_SC5(n, a, b, c, d, e)                                                                    \
	u_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define U_SC6(n, a, b, c, d, e, f)                                                                 \
	u_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
#define U_SC_PICK(_1, _2, _3, _4, _5, _6, _7, NAME, ...) NAME
#define SC(...)                                                                                    \
	U_SC_PICK(__VA_ARGS__, U_SC6, U_SC5, U_SC4, U_SC3, U_SC2, U_SC1, U_SC0, _)(__VA_ARGS__)

/* nksys - the nested kernel's syscall (include/uapi/nksys.h): op with up to
 * three arguments. Returns >= 0 or -errno; -ENOSYS on any other kernel. */
long nksys(long op, long a1, long a2, long a3);

/* nksys_present - 1 when the running kernel answers NKSYS_INFO, else 0. */
int nksys_present(void);

/* u_signame - "SIGSEGV" for 11 and so on; "SIG?" for numbers it does not know. */
const char *u_signame(int sig);

/* u_sigdesc - a shell-style description of a fatal signal ("Segmentation
 * fault" for SIGSEGV); u_signame's result for the others. */
const char *u_sigdesc(int sig);

/* u_errname - "EBADF" for 9 and so on; "E?" for numbers it does not know. */
const char *u_errname(int err);

#endif
