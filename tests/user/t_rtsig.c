/* Real-time signals queue (each instance delivered, with its si_value and
 * si_code, lowest number first), standard ones do not; rt_sigqueueinfo and
 * rt_tgsigqueueinfo's rules; SIG_IGN discards queued instances; the masks
 * of pselect6 and ppoll apply while they wait. Linux semantics: the suite
 * passes natively too (make user-host-test). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "utest.h"

#define RT0 40 /* clear of the C libraries' reserved 32..34 */

static volatile int nhits, order[16], values[16], codes[16];

static void record(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (nhits < 16) {
		order[nhits] = sig;
		values[nhits] = si->si_value.sival_int;
		codes[nhits] = si->si_code;
	}
	nhits++;
}

static void on(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = record;
	sa.sa_flags = SA_SIGINFO;
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
}

static void mask(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	REQUIRE(sigprocmask(how, &s, NULL) == 0);
}

/* rt_sigqueueinfo(pid, sig) with si_code code and si_value v. */
static long queue(pid_t pid, int sig, int code, int v)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = v;
	return SC(SYS_rt_sigqueueinfo, pid, sig, &si);
}

static void t_rt_queue_handler(void)
{
	on(RT0);
	on(RT0 + 1);
	on(SIGUSR1);
	mask(SIG_BLOCK, RT0);
	mask(SIG_BLOCK, RT0 + 1);
	mask(SIG_BLOCK, SIGUSR1);
	nhits = 0;
	CHECK_OK(queue(getpid(), RT0 + 1, SI_QUEUE, 7));
	for (int i = 1; i <= 3; i++)
		CHECK_OK(sigqueue(getpid(), RT0, (union sigval){.sival_int = i}));
	CHECK_OK(SC(SYS_kill, getpid(), SIGUSR1));
	CHECK_OK(SC(SYS_kill, getpid(), SIGUSR1)); /* standard: one instance */
	CHECK_EQ(nhits, 0);
	mask(SIG_UNBLOCK, SIGUSR1);
	CHECK_EQ(nhits, 1);
	mask(SIG_UNBLOCK, RT0 + 1); /* RT0 still blocked */
	CHECK_EQ(nhits, 2);
	mask(SIG_UNBLOCK, RT0);
	REQUIRE(nhits == 5);
	CHECK_EQ(order[0], SIGUSR1);
	CHECK_EQ(order[1], RT0 + 1);
	CHECK_EQ(values[1], 7);
	for (int i = 2; i < 5; i++) {
		CHECK_EQ(order[i], RT0);
		CHECK_EQ(values[i], i - 1); /* in the order sent */
		CHECK_EQ(codes[i], SI_QUEUE);
	}
	/* kill queues real-time signals too; the lower number comes first */
	mask(SIG_BLOCK, RT0);
	mask(SIG_BLOCK, RT0 + 1);
	CHECK_OK(SC(SYS_kill, getpid(), RT0 + 1));
	CHECK_OK(SC(SYS_kill, getpid(), RT0));
	CHECK_OK(SC(SYS_kill, getpid(), RT0));
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, RT0);
	sigaddset(&both, RT0 + 1);
	const int want[3] = {RT0, RT0, RT0 + 1};
	for (int i = 0; i < 3; i++) {
		siginfo_t si;
		struct timespec zero = {0, 0};
		CHECK_EQ(sigtimedwait(&both, &si, &zero), want[i]);
		CHECK_EQ(si.si_code, SI_USER);
	}
}

static void t_rt_queue_wait(void)
{
	mask(SIG_BLOCK, RT0);
	for (int i = 10; i < 13; i++)
		CHECK_OK(queue(getpid(), RT0, SI_QUEUE, i));
	sigset_t s, pend;
	sigemptyset(&s);
	sigaddset(&s, RT0);
	for (int i = 10; i < 13; i++) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		struct timespec zero = {0, 0};
		CHECK_EQ(sigtimedwait(&s, &si, &zero), RT0);
		CHECK_EQ(si.si_value.sival_int, i);
		CHECK_EQ(si.si_code, SI_QUEUE);
		CHECK_EQ(si.si_pid, getpid());
		sigpending(&pend);
		CHECK_EQ(sigismember(&pend, RT0), i < 12);
	}
	struct timespec zero = {0, 0};
	CHECK_ERR(SC(SYS_rt_sigtimedwait, &s, 0, &zero, 8), EAGAIN);
	/* SIG_IGN discards every queued instance */
	for (int i = 0; i < 3; i++)
		CHECK_OK(queue(getpid(), RT0, SI_QUEUE, i));
	signal(RT0, SIG_IGN);
	signal(RT0, SIG_DFL);
	sigpending(&pend);
	CHECK(!sigismember(&pend, RT0));
}

static void t_rt_sigqueueinfo_errors(void)
{
	pid_t c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		for (;;)
			pause();
	}
	/* claiming to be kill or the kernel: only to oneself */
	CHECK_ERR(queue(c, SIGUSR1, SI_USER, 0), EPERM);
	CHECK_ERR(queue(c, SIGUSR1, SI_KERNEL, 0), EPERM);
	CHECK_ERR(queue(c, SIGUSR1, SI_TKILL, 0), EPERM);
	CHECK_OK(queue(c, 0, SI_QUEUE, 0)); /* 0: only the checks */
	CHECK_ERR(queue(c, 65, SI_QUEUE, 0), EINVAL);
	CHECK_ERR(SC(SYS_rt_sigqueueinfo, c, SIGUSR1, UT_BAD_PTR), EFAULT);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	CHECK_ERR(SC(SYS_rt_tgsigqueueinfo, c, c + 1, SIGUSR1, &si), ESRCH);
	CHECK_ERR(SC(SYS_rt_tgsigqueueinfo, 0, c, SIGUSR1, &si), EINVAL);
	CHECK_OK(SC(SYS_rt_tgsigqueueinfo, c, c, SIGTERM, &si));
	CHECK_SIG(ut_wait(c), SIGTERM);
	CHECK_ERR(queue(c, SIGUSR1, SI_QUEUE, 0), ESRCH);
	mask(SIG_BLOCK, SIGUSR2);
	CHECK_OK(queue(getpid(), SIGUSR2, SI_USER, 0)); /* to oneself: allowed */
	signal(SIGUSR2, SIG_IGN);
}

/* pselect6 and ppoll wait with their mask: a signal blocked outside is
 * taken inside (EINTR, the handler ran), and the old mask is back after. */
static void t_pselect_ppoll_mask(void)
{
	for (int round = 0; round < 2; round++) {
		on(SIGUSR1);
		mask(SIG_BLOCK, SIGUSR1);
		nhits = 0;
		CHECK_OK(SC(SYS_kill, getpid(), SIGUSR1));
		CHECK_EQ(nhits, 0);
		sigset_t open_all;
		sigemptyset(&open_all);
		struct timespec t = {2, 0};
		long long t0 = ut_now_ns();
		long r;
		if (round == 0) {
			struct {
				const sigset_t *ss;
				size_t len;
			} arg = {&open_all, 8};
			r = SC(SYS_pselect6, 0, 0, 0, 0, &t, &arg);
		} else {
			struct pollfd pf = {-1, 0, 0};
			r = SC(SYS_ppoll, &pf, 1, &t, &open_all, 8);
		}
		CHECK_ERR(r, EINTR);
		CHECK(ut_now_ns() - t0 < 1000000000LL);
		CHECK_EQ(nhits, 1);
		sigset_t now;
		sigprocmask(SIG_BLOCK, NULL, &now);
		CHECK(sigismember(&now, SIGUSR1));
		/* no signal: the mask is back too, and a timeout is 0 */
		struct timespec z = {0, 1000000};
		if (round == 0) {
			struct {
				const sigset_t *ss;
				size_t len;
			} arg = {&open_all, 8};
			r = SC(SYS_pselect6, 0, 0, 0, 0, &z, &arg);
		} else {
			struct pollfd pf = {-1, 0, 0};
			r = SC(SYS_ppoll, &pf, 1, &z, &open_all, 8);
		}
		CHECK_EQ(r, 0);
		sigprocmask(SIG_BLOCK, NULL, &now);
		CHECK(sigismember(&now, SIGUSR1));
		mask(SIG_UNBLOCK, SIGUSR1);
	}
}

const struct ut_case ut_rtsig_cases[] = {
    UT(rt_queue_handler),
    UT(rt_queue_wait),
    UT(rt_sigqueueinfo_errors),
    UT(pselect_ppoll_mask),
    {0},
};
