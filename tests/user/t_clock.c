/* Cases for the wall clock (issue 15 item 4): CLOCK_REALTIME, time and
 * gettimeofday agree and start from the RTC, not a fixed date; root may
 * set the clock (clock_settime, settimeofday), others get EPERM. The
 * QEMU runner compares the "# utest-clock:" line with the host's time
 * (tests/qemu/run.py). */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "utest.h"

#define UT_USER 1000
#define JAN_2026 1767225600L /* the old fixed start of the wall clock */

static void t_realtime(void)
{
	struct timespec ts;
	struct timeval tv;
	long t;
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_REALTIME, &ts), 0);
	CHECK_EQ(SC(SYS_gettimeofday, &tv, 0), 0);
	t = SC(SYS_time, 0);
	/* the three agree to the second */
	CHECKF(tv.tv_sec - ts.tv_sec <= 1 && tv.tv_sec >= ts.tv_sec, "gettimeofday %ld, clock %ld",
	       (long)tv.tv_sec, (long)ts.tv_sec);
	CHECKF(t - ts.tv_sec <= 1 && t >= ts.tv_sec, "time %ld, clock %ld", t, (long)ts.tv_sec);
	/* a date from the RTC: after this code was written, and not the old
	 * fixed start plus the uptime */
	CHECKF(ts.tv_sec > 1764547200L, "CLOCK_REALTIME %ld is before 2025-12-01", (long)ts.tv_sec);
	struct timespec mono;
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_MONOTONIC, &mono), 0);
	if (ut_on_nk)
		CHECKF(ts.tv_sec - mono.tv_sec != JAN_2026,
		       "CLOCK_REALTIME is still 2026-01-01 + uptime: the RTC was not read");
	ut_diag("utest-clock: %ld", (long)ts.tv_sec); /* for tests/qemu/run.py */
}

/* As uid UT_USER: setting the clock is refused. */
static void settime_nonroot(long arg)
{
	(void)arg;
	if (SC(SYS_geteuid) == 0) {
		CHECK_EQ(SC(SYS_setgid, UT_USER), 0);
		CHECK_EQ(SC(SYS_setuid, UT_USER), 0);
	}
	REQUIRE(SC(SYS_geteuid) != 0);
	struct timespec ts;
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_REALTIME, &ts), 0);
	CHECK_ERR(SC(SYS_clock_settime, CLOCK_REALTIME, &ts), EPERM);
	struct timeval tv = {ts.tv_sec, 0};
	CHECK_ERR(SC(SYS_settimeofday, &tv, 0), EPERM);
}

static void t_settime(void)
{
	CHECK_EXIT(ut_child(settime_nonroot, 0), 0);
	CHECK_ERR(SC(SYS_clock_settime, CLOCK_MONOTONIC, 0), EINVAL);
	struct timespec bad = {0, 1000000000};
	CHECK_ERR(SC(SYS_clock_settime, CLOCK_REALTIME, &bad), EINVAL);
	bad = (struct timespec){-1, 0};
	CHECK_ERR(SC(SYS_clock_settime, CLOCK_REALTIME, &bad), EINVAL);
	CHECK_ERR(SC(SYS_clock_settime, CLOCK_REALTIME, UT_BAD_PTR), EFAULT);
	struct timeval badtv = {0, 1000000};
	CHECK_ERR(SC(SYS_settimeofday, &badtv, 0), EINVAL);
	CHECK_ERR(SC(SYS_settimeofday, UT_BAD_PTR, 0), EFAULT);
	if (!ut_on_nk || SC(SYS_geteuid) != 0)
		ut_skip("setting the host's clock: only in the guest, as root");
	/* root: set the clock one hour ahead, see it, set it back */
	struct timespec now, later, back;
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_REALTIME, &now), 0);
	struct timespec ahead = {now.tv_sec + 3600, now.tv_nsec};
	CHECK_EQ(SC(SYS_clock_settime, CLOCK_REALTIME, &ahead), 0);
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_REALTIME, &later), 0);
	CHECKF(later.tv_sec - now.tv_sec >= 3600 && later.tv_sec - now.tv_sec <= 3602,
	       "after clock_settime +1 h: %ld s later", (long)(later.tv_sec - now.tv_sec));
	CHECK(SC(SYS_time, 0) >= now.tv_sec + 3600);
	struct timeval tv = {now.tv_sec, now.tv_nsec / 1000};
	CHECK_EQ(SC(SYS_settimeofday, &tv, 0), 0);
	CHECK_EQ(SC(SYS_clock_gettime, CLOCK_REALTIME, &back), 0);
	CHECKF(back.tv_sec - now.tv_sec >= 0 && back.tv_sec - now.tv_sec <= 2,
	       "after settimeofday back: %ld s off", (long)(back.tv_sec - now.tv_sec));
	CHECK_EQ(SC(SYS_settimeofday, 0, 0), 0); /* nothing to set */
}

const struct ut_case ut_clock_cases[] = {
    UT(realtime),
    UT(settime),
    {0},
};
