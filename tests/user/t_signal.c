/* Signals: handlers and their frame (registers, FPU/SSE state, siginfo,
 * ucontext), nesting, sigaltstack, restart versus EINTR, fault signals,
 * masks and waiting, SIGCHLD, SIGPIPE, alarm and setitimer, SA_RESETHAND
 * and SA_NODEFER, and bad sigreturn frames. Linux semantics: the suite
 * passes natively on Linux too (make user-host-test). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "utest.h"

static volatile sig_atomic_t hits, hits2, depth, max_depth;
static volatile int got_sig, got_code, got_pid, got_status;
static void *volatile got_addr;
static volatile long got_rip, got_trapno;

/* Install fn for sig with flags (SA_SIGINFO added), mask empty. */
static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = flags | SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
}

static void record(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	got_sig = sig;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_status = si->si_status;
}

static unsigned long mask_now(void)
{
	unsigned long m = 0;
	SC(SYS_rt_sigprocmask, SIG_BLOCK, 0, &m, 8);
	return m;
}
#define BIT(s) (1UL << ((s)-1))

/* A handler runs with signo, siginfo (SI_USER / SI_TKILL, the sender's
 * pid) and the mask it blocks; kill, tkill and tgkill errors. */
static void t_sig_handler(void)
{
	on(SIGUSR1, record, 0);
	CHECK_EQ(SC(SYS_kill, getpid(), SIGUSR1), 0);
	CHECK_EQ(hits, 1);
	CHECK_EQ(got_sig, SIGUSR1);
	CHECK_EQ(got_code, SI_USER);
	CHECK_EQ(got_pid, getpid());
	CHECK_EQ(SC(SYS_tkill, getpid(), SIGUSR1), 0);
	CHECK_EQ(hits, 2);
	CHECK_EQ(got_code, SI_TKILL);
	CHECK_EQ(SC(SYS_tgkill, getpid(), getpid(), SIGUSR1), 0);
	CHECK_EQ(hits, 3);
	CHECK_EQ(SC(SYS_kill, getpid(), 0), 0);
	CHECK_EQ(hits, 3);
	CHECK_ERR(SC(SYS_kill, getpid(), 65), EINVAL);
	CHECK_ERR(SC(SYS_kill, 0x3fffffff, SIGUSR1), ESRCH);
	CHECK_ERR(SC(SYS_tkill, 0, SIGUSR1), EINVAL);
	CHECK_ERR(SC(SYS_tkill, getpid(), -1), EINVAL);
	CHECK_ERR(SC(SYS_tgkill, 0, getpid(), SIGUSR1), EINVAL);
	CHECK_ERR(SC(SYS_tgkill, 1, getpid(), SIGUSR1), ESRCH);
	CHECK_EQ(mask_now() & BIT(SIGUSR1), 0); /* the handler's mask is gone */
}

/* ---- registers and FPU state ---- */

static void clobber(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	hits++;
	__asm__ volatile("xor %%eax, %%eax; xor %%ecx, %%ecx; xor %%edx, %%edx; xor %%esi, %%esi;"
			 "xor %%edi, %%edi; xor %%r8d, %%r8d; xor %%r9d, %%r9d; xor %%r10d, %%r10d;"
			 "xor %%r11d, %%r11d; cld" ::
			     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc");
	static const unsigned char junk[16] = {0xde, 0xad, 0xbe, 0xef};
	unsigned mx = 0x3f80; /* another rounding mode */
	__asm__ volatile("movdqu %0, %%xmm0; movdqa %%xmm0, %%xmm1; movdqa %%xmm0, %%xmm7;"
			 "movdqa %%xmm0, %%xmm8; movdqa %%xmm0, %%xmm15; ldmxcsr %1" ::"m"(junk),
			 "m"(mx)
			 : "xmm0", "xmm1", "xmm7", "xmm8", "xmm15");
}

/* Every register but RAX (the result), RCX and R11 (SYSCALL's) comes back
 * from a handler that clobbers them, and CF with it. */
unsigned long sig_regs_out[10];
static void t_sig_regs_restored(void)
{
	on(SIGUSR1, clobber, 0);
	static long pid;
	pid = getpid();
	__asm__ volatile("mov %[pid], %%rdi; mov $10, %%esi; mov $62, %%eax;"
			 "mov $0x1111, %%rdx; mov $0x8888, %%r8; mov $0x9999, %%r9;"
			 "mov $0xaaaa, %%r10; mov $0xbbbb, %%rbx; mov $0xcccc, %%r12;"
			 "mov $0xdddd, %%r13; mov $0xeeee, %%r14; mov $0xffff, %%r15;"
			 "syscall; stc;"
			 "mov $10, %%esi; mov $62, %%eax; syscall; setc %%cl;"
			 "mov %%rdi, sig_regs_out+0(%%rip); mov %%rsi, sig_regs_out+8(%%rip);"
			 "mov %%rdx, sig_regs_out+16(%%rip); mov %%r8, sig_regs_out+24(%%rip);"
			 "mov %%r9, sig_regs_out+32(%%rip); mov %%r10, sig_regs_out+40(%%rip);"
			 "mov %%rbx, sig_regs_out+48(%%rip); mov %%r12, sig_regs_out+56(%%rip);"
			 "mov %%r15, sig_regs_out+64(%%rip); movzbq %%cl, %%rcx;"
			 "mov %%rcx, sig_regs_out+72(%%rip)"
			 :
			 : [pid] "m"(pid)
			 : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
			   "r12", "r13", "r14", "r15", "memory", "cc");
	unsigned long *out = sig_regs_out;
	CHECK_EQ(hits, 2);
	CHECK_EQ(out[0], pid);
	CHECK_EQ(out[1], 10);
	CHECK_EQ(out[2], 0x1111);
	CHECK_EQ(out[3], 0x8888);
	CHECK_EQ(out[4], 0x9999);
	CHECK_EQ(out[5], 0xaaaa);
	CHECK_EQ(out[6], 0xbbbb);
	CHECK_EQ(out[7], 0xcccc);
	CHECK_EQ(out[8], 0xffff);
	CHECK_EQ(out[9], 1); /* CF, set before the second kill */
}

static volatile sig_atomic_t stop_spin;
static void alarm_clobber(int sig, siginfo_t *si, void *uc)
{
	clobber(sig, si, uc);
	if (hits >= 3)
		stop_spin = 1;
}

/* A signal from the timer interrupt: a loop that checks RCX, R11, RDX,
 * RSI, RDI, R8 and CF on every turn sees them unchanged across three
 * handlers that clobber them. */
static void t_sig_regs_async(void)
{
	on(SIGALRM, alarm_clobber, 0);
	struct itimerval it = {{0, 20000}, {0, 20000}};
	REQUIRE(setitimer(ITIMER_REAL, &it, NULL) == 0);
	long bad = 0;
	__asm__ volatile("mov $0x1234, %%rcx; mov $0x5678, %%r11; mov $0x9abc, %%rdx;"
			 "mov $0x1357, %%rsi; mov $0x2468, %%rdi; mov $0x3579, %%r8; stc;"
			 "1: jnc 2f; cmp $0x1234, %%rcx; jne 2f; cmp $0x5678, %%r11; jne 2f;"
			 "cmp $0x9abc, %%rdx; jne 2f; cmp $0x1357, %%rsi; jne 2f;"
			 "cmp $0x2468, %%rdi; jne 2f; cmp $0x3579, %%r8; jne 2f;"
			 "cmpl $0, %[stop]; stc; je 1b; jmp 3f;"
			 "2: mov $1, %[bad]; 3:"
			 : [bad] "+r"(bad)
			 : [stop] "m"(stop_spin)
			 : "rcx", "r11", "rdx", "rsi", "rdi", "r8", "memory", "cc");
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	CHECK_EQ(bad, 0);
	CHECK(hits >= 3);
}

static volatile unsigned handler_mxcsr;
static void fpu_clobber(int sig, siginfo_t *si, void *uc)
{
	unsigned mx;
	__asm__ volatile("stmxcsr %0" : "=m"(mx));
	handler_mxcsr = mx;
	clobber(sig, si, uc);
}

/* XMM0-15 and MXCSR survive a handler that clobbers them; the handler
 * starts with the default MXCSR (0x1f80), and its ucontext points at an
 * FXSAVE area holding the interrupted XMM values. */
static void t_sig_fpu_preserved(void)
{
	on(SIGUSR1, fpu_clobber, 0);
	static unsigned char in[16][16] __attribute__((aligned(16))),
	    out[16][16] __attribute__((aligned(16)));
	for (int r = 0; r < 16; r++)
		for (int i = 0; i < 16; i++)
			in[r][i] = (unsigned char)(r * 16 + i + 1);
	static const unsigned mx_default = 0x1f80;
	unsigned mx_in = 0x1f80 | 0x6000, mx_out = 0; /* round toward zero */
	long pid = getpid();
#define LD(n) "movdqa " #n "*16(%[i]), %%xmm" #n ";"
#define ST(n) "movdqa %%xmm" #n ", " #n "*16(%[o]);"
	__asm__ volatile(
	    "ldmxcsr %[mi];" LD(0) LD(1) LD(2) LD(3) LD(4) LD(5) LD(6) LD(7) LD(8) LD(9) LD(10)
		LD(11) LD(12) LD(13) LD(14)
		    LD(15) "mov %[pid], %%rdi; mov $10, %%esi; mov $62, %%eax; syscall;" ST(0) ST(1)
			ST(2) ST(3) ST(4) ST(5) ST(6) ST(7) ST(8) ST(9) ST(10) ST(11) ST(12) ST(13)
			    ST(14) ST(15) "stmxcsr %[mo]; ldmxcsr %[def]"
	    : [mo] "=m"(mx_out)
	    : [i] "r"(in), [o] "r"(out), [mi] "m"(mx_in), [pid] "r"(pid), [def] "m"(mx_default)
	    : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "xmm0", "xmm1",
	      "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
	      "xmm12", "xmm13", "xmm14", "xmm15");
	CHECK_EQ(hits, 1);
	CHECK(!memcmp(in, out, sizeof(in)));
	CHECK_EQ(mx_out & 0xffbf, mx_in);
	CHECK_EQ(handler_mxcsr & 0xffbf, 0x1f80);
}

/* ---- nesting, SA_NODEFER, SA_RESETHAND ---- */

static volatile int order[8], norder;
static void nest2(int sig, siginfo_t *si, void *uc)
{
	(void)si, (void)uc;
	order[norder++] = sig;
}
static void nest1(int sig, siginfo_t *si, void *uc)
{
	(void)si, (void)uc;
	order[norder++] = sig;
	if (norder != 1)
		return;
	raise(SIGUSR2); /* runs inside this handler */
	raise(SIGUSR1); /* blocked here: runs after we return */
	unsigned long pend = 0;
	SC(SYS_rt_sigpending, &pend, 8);
	if (norder == 2 && (pend & BIT(SIGUSR1)))
		order[norder++] = 100;
}

/* A signal inside a handler nests; the handler's own signal waits until it
 * returns (it is blocked there and shows in rt_sigpending). */
static void t_sig_nested(void)
{
	on(SIGUSR1, nest1, 0);
	on(SIGUSR2, nest2, 0);
	raise(SIGUSR1);
	CHECK_EQ(norder, 4);
	CHECK_EQ(order[0], SIGUSR1);
	CHECK_EQ(order[1], SIGUSR2);
	CHECK_EQ(order[2], 100);
	CHECK_EQ(order[3], SIGUSR1);
}

static void deep(int sig, siginfo_t *si, void *uc)
{
	(void)si, (void)uc;
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (depth < 3)
		raise(sig); /* SA_NODEFER: runs nested right away */
	depth--;
}

/* SA_NODEFER: the handler's own signal nests (three deep); SA_RESETHAND:
 * the second one takes the default action (kills). */
static void resethand_child(long arg)
{
	(void)arg;
	on(SIGUSR1, record, SA_RESETHAND);
	raise(SIGUSR1);
	if (hits != 1)
		_exit(2);
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	if (sa.sa_handler != SIG_DFL)
		_exit(3);
	raise(SIGUSR1);
	_exit(4);
}
static void t_sig_nodefer_resethand(void)
{
	on(SIGUSR1, deep, SA_NODEFER);
	raise(SIGUSR1);
	CHECK_EQ(max_depth, 3);
	CHECK_EQ(depth, 0);
	CHECK_SIG(ut_child(resethand_child, 0), SIGUSR1);
}

/* ---- sigaltstack ---- */

static char altstack[65536];
static volatile long alt_ok, alt_flags, alt_eperm;
static void on_alt(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	char here;
	alt_ok = &here > altstack && &here < altstack + sizeof(altstack);
	stack_t cur, other = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	SC(SYS_sigaltstack, 0, &cur);
	alt_flags = cur.ss_flags;
	alt_eperm = SC(SYS_sigaltstack, &other, 0);
}

/* SA_ONSTACK runs the handler on the sigaltstack (SS_ONSTACK there, EPERM
 * to change it); errors for flags, a small size and bad pointers. */
static void t_sig_altstack(void)
{
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)}, old;
	CHECK_EQ(SC(SYS_sigaltstack, 0, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
	CHECK_EQ(SC(SYS_sigaltstack, &ss, 0), 0);
	CHECK_EQ(SC(SYS_sigaltstack, 0, &old), 0);
	CHECK_EQ(old.ss_flags, 0);
	CHECK(old.ss_sp == altstack && old.ss_size == sizeof(altstack));
	on(SIGUSR1, on_alt, SA_ONSTACK);
	raise(SIGUSR1);
	CHECK_EQ(alt_ok, 1);
	CHECK_EQ(alt_flags, SS_ONSTACK);
	CHECK_ERR(alt_eperm, EPERM);
	on(SIGUSR1, on_alt, 0); /* without SA_ONSTACK: the normal stack */
	raise(SIGUSR1);
	CHECK_EQ(alt_ok, 0);
	stack_t small = {.ss_sp = altstack, .ss_size = 1024}, badf = ss;
	badf.ss_flags = 0x10;
	CHECK_ERR(SC(SYS_sigaltstack, &small, 0), ENOMEM);
	CHECK_ERR(SC(SYS_sigaltstack, &badf, 0), EINVAL);
	CHECK_ERR(SC(SYS_sigaltstack, UT_BAD_PTR, 0), EFAULT);
	CHECK_ERR(SC(SYS_sigaltstack, 0, UT_BAD_PTR), EFAULT);
	stack_t dis = {.ss_flags = SS_DISABLE};
	CHECK_EQ(SC(SYS_sigaltstack, &dis, 0), 0);
	CHECK_EQ(SC(SYS_sigaltstack, 0, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
}

/* ---- restart versus EINTR ---- */

static void quiet(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	hits++;
}

/* A child that signals its parent after 50 ms, then (if data) writes one
 * byte into fd after another 100 ms. */
static pid_t poke_later(int sig, int fd)
{
	pid_t parent = getpid(), c = fork();
	if (c == 0) {
		ut_sleep_ms(50);
		kill(parent, sig);
		if (fd >= 0) {
			ut_sleep_ms(100);
			write(fd, "x", 1);
		}
		_exit(0);
	}
	return c;
}

/* A pipe read that a handled signal interrupts: -EINTR without SA_RESTART,
 * restarted (and then gets the byte) with it; nanosleep is never
 * restarted; a wait4 restarts under SA_RESTART. */
static void t_sig_restart_eintr(void)
{
	int p[2];
	REQUIRE(pipe(p) == 0);
	on(SIGUSR1, quiet, 0);
	pid_t c = poke_later(SIGUSR1, -1);
	char b;
	CHECK_ERR(SC(SYS_read, p[0], &b, 1), EINTR);
	CHECK_EQ(hits, 1);
	ut_wait(c);

	on(SIGUSR1, quiet, SA_RESTART);
	c = poke_later(SIGUSR1, p[1]);
	CHECK_EQ(SC(SYS_read, p[0], &b, 1), 1);
	CHECK_EQ(b, 'x');
	CHECK_EQ(hits, 2);
	ut_wait(c);

	c = poke_later(SIGUSR1, -1);
	struct timespec ts = {2, 0};
	CHECK_ERR(SC(SYS_nanosleep, &ts, 0), EINTR);
	CHECK_EQ(hits, 3);
	ut_wait(c);

	/* wait4 for a child that exits after 150 ms, interrupted at 50 ms */
	c = poke_later(SIGUSR1, p[1]);
	int st = 0;
	CHECK_EQ(SC(SYS_wait4, c, &st, 0, 0), c);
	CHECK_EQ(hits, 4);
	CHECK_EXIT(st, 0);
	SC(SYS_read, p[0], &b, 1);
	on(SIGUSR1, quiet, 0);
	c = poke_later(SIGUSR1, p[1]); /* still alive when the signal comes */
	CHECK_ERR(SC(SYS_wait4, c, &st, 0, 0), EINTR);
	ut_wait(c);
}

/* ---- faults ---- */

static sigjmp_buf jb;
static void fault_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	got_rip = uc->uc_mcontext.gregs[REG_RIP];
	got_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	siglongjmp(jb, 1);
}

/* A SIGSEGV handler sees si_addr and SEGV_MAPERR for an unmapped address,
 * SEGV_ACCERR for a write to a read-only page and a PROT_NONE one; trapno
 * 14 in the ucontext. */
static void t_sig_segv_siginfo(void)
{
	on(SIGSEGV, fault_handler, 0);
	volatile char *bad = (char *)0x10000;
	if (!sigsetjmp(jb, 1))
		*bad = 1;
	CHECK_EQ(got_sig, SIGSEGV);
	CHECK_EQ(got_code, SEGV_MAPERR);
	CHECK(got_addr == (void *)bad);
	CHECK_EQ(got_trapno, 14);
	char *ro = mmap(0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(ro != MAP_FAILED);
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		*(volatile char *)(ro + 4100) = 1;
	CHECK_EQ(got_sig, SIGSEGV);
	CHECK_EQ(got_code, SEGV_ACCERR);
	CHECK(got_addr == ro + 4100);
	REQUIRE(mprotect(ro, 8192, PROT_NONE) == 0);
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		(void)*(volatile char *)(ro + 5);
	CHECK_EQ(got_sig, SIGSEGV);
	CHECK_EQ(got_code, SEGV_ACCERR);
	CHECK(got_addr == ro + 5);
	CHECK_EQ(mask_now() & BIT(SIGSEGV), 0); /* siglongjmp put the mask back */
	munmap(ro, 8192);
}

/* SIGFPE from a divide by zero (FPE_INTDIV, si_addr the instruction),
 * SIGILL from ud2 (ILL_ILLOPN). */
static void t_sig_fpe_ill(void)
{
	on(SIGFPE, fault_handler, 0);
	on(SIGILL, fault_handler, 0);
	volatile int zero = 0, x = 7;
	if (!sigsetjmp(jb, 1))
		x = x / zero;
	CHECK_EQ(got_sig, SIGFPE);
	CHECK_EQ(got_code, FPE_INTDIV);
	CHECK(got_addr == (void *)got_rip);
	CHECK_EQ(got_trapno, 0);
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		__asm__ volatile("ud2");
	CHECK_EQ(got_sig, SIGILL);
	CHECK_EQ(got_code, ILL_ILLOPN);
	CHECK(got_addr == (void *)got_rip);
	CHECK_EQ(*(unsigned short *)got_rip, 0x0b0f); /* ud2 */
}

/* Unmapped addresses, through volatile pointers (no compile-time bounds). */
static char *volatile bad8 = (char *)8, *volatile bad16 = (char *)16;

static void segv_blocked_child(long how)
{
	on(SIGSEGV, fault_handler, 0);
	if (how == 0) { /* blocked: the fault still kills */
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSEGV);
		sigprocmask(SIG_BLOCK, &s, NULL);
		*bad8 = 1;
	} else if (how == 1) { /* ignored: the same */
		ut_set_disp(SIGSEGV, SIG_IGN, 0);
		*bad8 = 1;
	}
	_exit(9);
}
static void fault_in_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	*bad16 = 1; /* SIGSEGV is blocked in here */
}
static void segv_in_handler_child(long arg)
{
	(void)arg;
	on(SIGSEGV, fault_in_handler, 0);
	*bad8 = 1;
	_exit(9);
}

/* A fault whose signal is blocked or ignored kills, and so does a fault
 * inside the handler of the same signal (Linux's forced signals). */
static void t_sig_fault_blocked_kills(void)
{
	CHECK_SIG(ut_child(segv_blocked_child, 0), SIGSEGV);
	CHECK_SIG(ut_child(segv_blocked_child, 1), SIGSEGV);
	CHECK_SIG(ut_child(segv_in_handler_child, 0), SIGSEGV);
}

/* ---- masks and waiting ---- */

/* A blocked signal stays pending (rt_sigpending) and its handler runs when
 * it is unblocked; SIGKILL and SIGSTOP cannot be blocked; errors. */
static void t_sig_procmask_pending(void)
{
	on(SIGUSR1, record, 0);
	unsigned long set = BIT(SIGUSR1) | BIT(SIGKILL) | BIT(SIGSTOP), old = 0, pend = 0;
	CHECK_EQ(SC(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8), 0);
	CHECK_EQ(mask_now(), BIT(SIGUSR1));
	raise(SIGUSR1);
	CHECK_EQ(hits, 0);
	CHECK_EQ(SC(SYS_rt_sigpending, &pend, 8), 0);
	CHECK_EQ(pend, BIT(SIGUSR1));
	unsigned long u = BIT(SIGUSR1);
	CHECK_EQ(SC(SYS_rt_sigprocmask, SIG_UNBLOCK, &u, 0, 8), 0);
	CHECK_EQ(hits, 1); /* delivered on the way out of rt_sigprocmask */
	CHECK_EQ(SC(SYS_rt_sigpending, &pend, 8), 0);
	CHECK_EQ(pend, 0);
	CHECK_EQ(SC(SYS_rt_sigprocmask, SIG_SETMASK, &u, &old, 8), 0);
	CHECK_EQ(old, 0);
	CHECK_EQ(mask_now(), BIT(SIGUSR1));
	CHECK_ERR(SC(SYS_rt_sigprocmask, 3, &u, 0, 8), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigprocmask, SIG_BLOCK, &u, 0, 16), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigprocmask, SIG_BLOCK, 0, UT_BAD_PTR, 8), EFAULT);
	CHECK_ERR(SC(SYS_rt_sigpending, &pend, 16), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigpending, UT_BAD_PTR, 8), EFAULT);
	/* ignoring a pending signal discards it */
	raise(SIGUSR1);
	ut_set_disp(SIGUSR1, SIG_IGN, 0);
	CHECK_EQ(SC(SYS_rt_sigpending, &pend, 8), 0);
	CHECK_EQ(pend, 0);
}

/* rt_sigsuspend sleeps with a temporary mask until a handled signal, runs
 * the handler, returns -EINTR, and puts the old mask back. */
static void t_sig_sigsuspend(void)
{
	on(SIGUSR1, record, 0);
	unsigned long set = BIT(SIGUSR1), none = 0;
	SC(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 8);
	pid_t c = poke_later(SIGUSR1, -1);
	CHECK_ERR(SC(SYS_rt_sigsuspend, &none, 8), EINTR);
	CHECK_EQ(hits, 1);
	CHECK_EQ(got_sig, SIGUSR1);
	CHECK_EQ(mask_now(), BIT(SIGUSR1));
	ut_wait(c);
	/* already pending: returns at once */
	raise(SIGUSR1);
	CHECK_ERR(SC(SYS_rt_sigsuspend, &none, 8), EINTR);
	CHECK_EQ(hits, 2);
	CHECK_ERR(SC(SYS_rt_sigsuspend, &none, 4), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigsuspend, UT_BAD_PTR, 8), EFAULT);
}

/* rt_sigtimedwait takes a blocked pending signal without its handler (and
 * its siginfo), times out with EAGAIN; errors. */
static void t_sig_sigtimedwait(void)
{
	on(SIGUSR1, record, 0);
	unsigned long set = BIT(SIGUSR1);
	SC(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 8);
	raise(SIGUSR1);
	siginfo_t si;
	struct timespec ts = {0, 50000000}, bad = {0, 1000000000};
	CHECK_EQ(SC(SYS_rt_sigtimedwait, &set, &si, &ts, 8), SIGUSR1);
	CHECK_EQ(si.si_signo, SIGUSR1);
	CHECK_EQ(si.si_code, SI_TKILL); /* musl's raise is tkill */
	CHECK_EQ(hits, 0);
	long long t0 = ut_now_ns();
	CHECK_ERR(SC(SYS_rt_sigtimedwait, &set, &si, &ts, 8), EAGAIN);
	CHECK(ut_now_ns() - t0 >= 40000000);
	pid_t c = poke_later(SIGUSR1, -1);
	CHECK_EQ(SC(SYS_rt_sigtimedwait, &set, 0, 0, 8), SIGUSR1);
	ut_wait(c);
	CHECK_ERR(SC(SYS_rt_sigtimedwait, &set, &si, &bad, 8), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigtimedwait, &set, &si, &ts, 4), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigtimedwait, UT_BAD_PTR, &si, &ts, 8), EFAULT);
	CHECK_EQ(hits, 0);
}

/* ---- SIGCHLD ---- */

/* SIGCHLD reaches the parent when a child exits (CLD_EXITED, its pid and
 * code) or is killed (CLD_KILLED and the signal). */
static void t_sig_sigchld(void)
{
	on(SIGCHLD, record, 0);
	unsigned long set = BIT(SIGCHLD), none = 0;
	SC(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 8);
	pid_t c = fork();
	if (c == 0)
		_exit(3);
	CHECK_ERR(SC(SYS_rt_sigsuspend, &none, 8), EINTR);
	CHECK_EQ(hits, 1);
	CHECK_EQ(got_sig, SIGCHLD);
	CHECK_EQ(got_code, CLD_EXITED);
	CHECK_EQ(got_pid, c);
	CHECK_EQ(got_status, 3);
	CHECK_EXIT(ut_wait(c), 3);
	c = fork();
	if (c == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	CHECK_ERR(SC(SYS_rt_sigsuspend, &none, 8), EINTR);
	CHECK_EQ(got_code, CLD_KILLED);
	CHECK_EQ(got_status, SIGTERM);
	CHECK_SIG(ut_wait(c), SIGTERM);
	/* a wait4 that a child's exit wakes reaps it, though its SIGCHLD
	 * (handled, no SA_RESTART) came with it */
	SC(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8);
	hits = 0;
	c = fork();
	if (c == 0) {
		ut_sleep_ms(50);
		_exit(4);
	}
	int st = 0;
	CHECK_EQ(SC(SYS_wait4, c, &st, 0, 0), c);
	CHECK_EXIT(st, 4);
	CHECK_EQ(hits, 1);
}

/* With SIGCHLD ignored, or SA_NOCLDWAIT, children are reaped on exit:
 * wait4 blocks until they are gone, then -ECHILD. */
static void t_sig_sigchld_ign(void)
{
	ut_set_disp(SIGCHLD, SIG_IGN, 0);
	pid_t c = fork();
	if (c == 0) {
		ut_sleep_ms(30);
		_exit(0);
	}
	int st;
	CHECK_ERR(SC(SYS_wait4, -1, &st, 0, 0), ECHILD);
	CHECK_ERR(SC(SYS_kill, c, 0), ESRCH);
	ut_set_disp(SIGCHLD, SIG_DFL, SA_NOCLDWAIT);
	c = fork();
	if (c == 0)
		_exit(0);
	CHECK_ERR(SC(SYS_wait4, -1, &st, 0, 0), ECHILD);
	/* the default again: a zombie to wait for */
	ut_set_disp(SIGCHLD, SIG_DFL, 0);
	c = fork();
	if (c == 0)
		_exit(5);
	CHECK_EXIT(ut_wait(c), 5);
}

/* ---- SIGPIPE ---- */

static void sigpipe_child(long how)
{
	int p[2];
	if (pipe(p))
		_exit(10);
	close(p[0]);
	if (how == 1)
		ut_set_disp(SIGPIPE, SIG_IGN, 0);
	if (how == 2)
		on(SIGPIPE, record, 0);
	long r = SC(SYS_write, p[1], "x", 1);
	if (r != -EPIPE)
		_exit(11);
	_exit(how == 2 && hits == 1 ? 20 : 21);
}

/* A write to a pipe without a reader: SIGPIPE kills; ignored, -EPIPE; a
 * handler runs and the write still fails with EPIPE. */
static void t_sig_sigpipe(void)
{
	CHECK_SIG(ut_child(sigpipe_child, 0), SIGPIPE);
	CHECK_EXIT(ut_child(sigpipe_child, 1), 21);
	CHECK_EXIT(ut_child(sigpipe_child, 2), 20);
}

/* ---- alarm and setitimer ---- */

static void alarm_default_child(long arg)
{
	(void)arg;
	ut_set_disp(SIGALRM, SIG_DFL, 0); /* not the parent's handler */
	struct itimerval it = {{0, 0}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
	for (;;)
		pause();
}

/* alarm returns the seconds left; an ITIMER_REAL with an interval sends
 * SIGALRM repeatedly (getitimer reports it); unhandled, SIGALRM kills;
 * errors. */
static void t_sig_alarm_itimer(void)
{
	CHECK_EQ(SC(SYS_alarm, 5), 0);
	CHECK_EQ(SC(SYS_alarm, 0), 5);
	CHECK_EQ(SC(SYS_alarm, 0), 0);
	on(SIGALRM, record, 0);
	struct itimerval it = {{0, 30000}, {0, 30000}}, cur;
	CHECK_EQ(SC(SYS_setitimer, ITIMER_REAL, &it, 0), 0);
	CHECK_EQ(SC(SYS_getitimer, ITIMER_REAL, &cur), 0);
	CHECK_EQ(cur.it_interval.tv_usec, 30000);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 30000);
	long long t0 = ut_now_ns();
	while (hits < 3)
		pause();
	CHECK(ut_now_ns() - t0 >= 80000000LL);
	CHECK_EQ(got_sig, SIGALRM);
	struct itimerval off = {{0, 0}, {0, 0}};
	CHECK_EQ(SC(SYS_setitimer, ITIMER_REAL, &off, &cur), 0);
	CHECK_EQ(cur.it_interval.tv_usec, 30000);
	CHECK_EQ(SC(SYS_getitimer, ITIMER_REAL, &cur), 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
	/* alarm(1) fires once, about a second later */
	hits = 0;
	CHECK_EQ(SC(SYS_alarm, 1), 0);
	t0 = ut_now_ns();
	while (!hits)
		pause();
	CHECK(ut_now_ns() - t0 >= 900000000LL);
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	CHECK_ERR(SC(SYS_setitimer, ITIMER_REAL, &bad, 0), EINVAL);
	CHECK_ERR(SC(SYS_setitimer, 7, &it, 0), EINVAL);
	CHECK_ERR(SC(SYS_setitimer, ITIMER_REAL, UT_BAD_PTR, 0), EFAULT);
	CHECK_ERR(SC(SYS_getitimer, ITIMER_REAL, UT_BAD_PTR), EFAULT);
	CHECK_SIG(ut_child(alarm_default_child, 0), SIGALRM);
}

/* ---- bad sigreturn frames ---- */

static void corrupt(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	ucontext_t *uc = ucv;
	switch (got_code) {
	case 0:
		uc->uc_mcontext.gregs[REG_RIP] = 0x0000800000000000L; /* non-canonical */
		break;
	case 1:
		uc->uc_mcontext.gregs[REG_CSGSFS] =
		    (uc->uc_mcontext.gregs[REG_CSGSFS] & ~0xffffL) | 0x8;
		break;
	case 2:
		uc->uc_mcontext.fpregs = (void *)0xffffffff80000000UL; /* kernel */
		break;
	case 3:
		uc->uc_mcontext.gregs[REG_RSP] = (long)0xffff800000000000UL;
		break;
	case 4: /* MXCSR reserved bits: masked off (or refused), never a crash */
		uc->uc_mcontext.fpregs->mxcsr = 0xffffffff;
		break;
	}
}

static void bad_frame_child(long how)
{
	got_code = (int)how;
	if (how == 5) { /* rt_sigreturn with RSP at an unmapped page */
		__asm__ volatile("mov $8, %%rsp; mov $15, %%eax; syscall" ::: "memory");
		_exit(9);
	}
	on(SIGUSR1, corrupt, 0);
	raise(SIGUSR1);
	_exit(how == 4 ? 0 : 9);
}

/* A handler that corrupts its frame (a non-canonical RIP, a kernel CS, a
 * kernel fpstate pointer, a kernel RSP, a raw rt_sigreturn on an unmapped
 * stack) gets SIGSEGV, and the kernel lives on. */
static void t_sig_bad_sigreturn(void)
{
	for (long how = 0; how <= 5; how++) {
		int st = ut_child(bad_frame_child, how);
		if (how == 4)
			CHECKF(st == 0 || (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV),
			       "MXCSR case: %s", ut_status_str(st));
		else
			CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "case %ld: %s", how,
			       ut_status_str(st));
	}
	/* and signals still work here */
	on(SIGUSR1, record, 0);
	raise(SIGUSR1);
	CHECK_EQ(hits, 1);
}

/* ---- execve and fork ---- */

/* fork copies dispositions and the mask and clears pending signals. */
static void t_sig_fork_inherit(void)
{
	on(SIGUSR1, record, 0);
	ut_set_disp(SIGUSR2, SIG_IGN, 0);
	unsigned long set = BIT(SIGTERM);
	SC(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 8);
	raise(SIGTERM); /* pending in the parent only */
	pid_t c = fork();
	if (c == 0) {
		unsigned long pend = 1;
		SC(SYS_rt_sigpending, &pend, 8);
		raise(SIGUSR2);
		raise(SIGUSR1);
		_exit(pend == 0 && hits == 1 && mask_now() == BIT(SIGTERM) ? 0 : 1);
	}
	CHECK_EXIT(ut_wait(c), 0);
	ut_set_disp(SIGTERM, SIG_IGN, 0);
}

static void exec_child(long arg)
{
	(void)arg;
	ut_set_disp(SIGUSR1, SIG_IGN, 0);
	on(SIGUSR2, record, 0);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigprocmask(SIG_BLOCK, &s, NULL);
	int fd = open(P("/tmp/sig_exec.out"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		_exit(90);
	dup2(fd, 1);
	char *argv[] = {"sh", "-c",
			"kill -10 $$; kill -15 $$; echo survived; kill -12 $$; echo notreached",
			NULL};
	execve(P("/bin/sh"), argv, ut_env());
	_exit(91);
}

/* execve keeps SIG_IGN (SIGUSR1 does nothing to the new image) and the mask
 * (a blocked SIGTERM stays pending), and resets handlers: SIGUSR2 kills. */
static void t_sig_exec_reset(void)
{
	CHECK_SIG(ut_child(exec_child, 0), SIGUSR2);
	char buf[64] = {0};
	int fd = open(P("/tmp/sig_exec.out"), O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK(read(fd, buf, sizeof(buf) - 1) >= 0);
	close(fd);
	unlink(P("/tmp/sig_exec.out"));
	CHECKF(!strcmp(buf, "survived\n"), "output: %s", buf);
}

const struct ut_case ut_signal_cases[] = {
    UT(sig_handler),
    UT(sig_regs_restored),
    UT(sig_regs_async),
    UT(sig_fpu_preserved),
    UT(sig_nested),
    UT(sig_nodefer_resethand),
    UT(sig_altstack),
    UT(sig_restart_eintr),
    UT(sig_segv_siginfo),
    UT(sig_fpe_ill),
    UT(sig_fault_blocked_kills),
    UT(sig_procmask_pending),
    UT(sig_sigsuspend),
    UT(sig_sigtimedwait),
    UT(sig_sigchld),
    UT(sig_sigchld_ign),
    UT(sig_sigpipe),
    UT(sig_alarm_itimer),
    UT(sig_bad_sigreturn),
    UT(sig_fork_inherit),
    UT(sig_exec_reset),
    {0},
};
