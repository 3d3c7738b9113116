/* The time system calls: the PIT tick (10 ms) as the clock, the wall
 * clock started from the CMOS RTC (settable by root), nanosleep,
 * clock_nanosleep and pause. Source: man 2 clock_gettime, clock_settime,
 * nanosleep, gettimeofday, settimeofday, time, pause. */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/console.h>
#include <outer/drivers.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include <uapi/nksys.h>
#include <outer/audit.h>
#include <nk/region.h>

/* ---- time: the PIT tick (10 ms) since boot, plus the wall clock's
 * start read from the CMOS RTC (drivers/rtc.c) ---- */
#define FALLBACK_EPOCH 1767225600ull /* 2026-01-01T00:00:00Z, if the RTC reads nothing */
#define NS_PER_S 1000000000ull
#define CLOCK_REALTIME 0
#define CLOCK_REALTIME_COARSE 5
/* CLOCK_REALTIME in ns = uptime_ns() + wall_base_ns (settable) */
static uint64_t wall_base_ns = FALLBACK_EPOCH * NS_PER_S;

void time_init(void)
{
	uint64_t epoch = rtc_read_epoch();
	if (!epoch) {
		kprintf("time: the RTC reads no valid date; the wall clock starts at 2026-01-01\n");
		epoch = FALLBACK_EPOCH;
	}
	wall_base_ns = epoch * NS_PER_S - uptime_ns();
	kprintf("time: wall clock from the RTC: %lu s since the epoch\n", epoch);
}

uint64_t time_realtime_ns(void)
{
	return uptime_ns() + wall_base_ns;
}

/* Set CLOCK_REALTIME to ns (validated by the caller); others follow. */
static void set_realtime(uint64_t ns)
{
	wall_base_ns = ns - uptime_ns();
}

/* Whether the caller may set the clock (CAP_SYS_TIME: root here). */
static bool may_set_time(void)
{
	return proc_cred(current)->euid == 0;
}

long sys_clock_gettime(const uint64_t *a)
{
	unsigned clk = (unsigned)a[0];
	if (clk > 7)
		return -EINVAL;
	uint64_t ns = uptime_ns();
	if (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE)
		ns = time_realtime_ns();
	if (clk == 2 || clk == 3) /* process and thread CPU time */
		ns = current->ticks * (NS_PER_S / TIMER_HZ);
	uint64_t ts[2] = {ns / NS_PER_S, ns % NS_PER_S};
	return copy_to_user(a[1], ts, sizeof(ts));
}

/* clock_settime(clockid, tp): Linux man 2 clock_settime. Only
 * CLOCK_REALTIME can be set. Errors in Linux's order: -EINVAL (another
 * clock, before tp is read), -EFAULT (tp), -EINVAL (tv_sec < 0, tv_nsec outside
 * 0..999999999), -EPERM (not root). */
long sys_clock_settime(const uint64_t *a)
{
	uint64_t ns;
	if (a[0] != CLOCK_REALTIME)
		return -EINVAL;
	long r = timespec_from_user(a[1], &ns);
	if (r)
		return r;
	if (ns == INT64_MAX)
		return -EINVAL;
	if (!may_set_time())
		return -EPERM;
	set_realtime(ns);
	return 0;
}

long sys_clock_getres(const uint64_t *a)
{
	if (a[0] > 7)
		return -EINVAL;
	uint64_t ts[2] = {0, NS_PER_S / TIMER_HZ};
	return a[1] ? copy_to_user(a[1], ts, sizeof(ts)) : 0;
}
long sys_gettimeofday(const uint64_t *a)
{
	uint64_t ns = time_realtime_ns();
	uint64_t tv[2] = {ns / NS_PER_S, (ns % NS_PER_S) / 1000};
	if (a[0] && copy_to_user(a[0], tv, sizeof(tv)))
		return -EFAULT;
	static const uint64_t tz[1];
	return a[1] ? copy_to_user(a[1], tz, 8) : 0;
}

/* settimeofday(tv, tz): Linux man 2 settimeofday. tv (struct timeval:
 * tv_sec, tv_usec) sets CLOCK_REALTIME; tz (struct timezone) is checked
 * and ignored (the kernel keeps UTC). Both NULL: nothing to do. Errors:
 * -EFAULT, -EINVAL (tv_sec < 0, tv_usec outside 0..999999, tz_minuteswest
 * outside -900..900), -EPERM (not root). */
long sys_settimeofday(const uint64_t *a)
{
	int64_t tv[2] = {0, 0};
	int32_t tz[2] = {0, 0};
	if (a[0] && copy_from_user(tv, a[0], sizeof(tv)))
		return -EFAULT;
	if (a[1] && copy_from_user(tz, a[1], sizeof(tz)))
		return -EFAULT;
	if (a[0] && (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000 ||
		     (uint64_t)tv[0] > INT64_MAX / NS_PER_S - 1))
		return -EINVAL;
	if (a[1] && (tz[0] < -15 * 60 || tz[0] > 15 * 60))
		return -EINVAL;
	if ((a[0] || a[1]) && !may_set_time())
		return -EPERM;
	if (a[0])
		set_realtime((uint64_t)tv[0] * NS_PER_S + (uint64_t)tv[1] * 1000);
	return 0;
}

long sys_time(const uint64_t *a)
{
	uint64_t t = time_realtime_ns() / NS_PER_S;
	if (a[0] && copy_to_user(a[0], &t, 8))
		return -EFAULT;
	return (long)t;
}

/* Sleep until uptime reaches deadline_ns or a signal arrives (-EINTR).
 * A sleep that a stop interrupted (no handler ran) is restarted by
 * outer/sigframe.c with its first deadline, as Linux's restart_block: the
 * restarted call finds current->sleep_restart set and keeps that deadline. */
static long sleep_until(uint64_t deadline_ns)
{
	struct proc *p = current;
	if (p->sleep_restart) {
		deadline_ns = p->sleep_deadline;
		p->sleep_restart = false;
	}
	uint64_t tick_ns = 1000000000ull / TIMER_HZ;
	uint64_t tick = (deadline_ns + tick_ns - 1) / tick_ns;
	while (timer_ticks < tick) {
		irq_disable();
		if (proc_signal_pending(p)) {
			irq_enable();
			p->sleep_deadline = deadline_ns;
			return -EINTR;
		}
		p->wake_tick = tick;
		sched_sleep(&p->wake_tick);
		p->wake_tick = 0;
		irq_enable();
	}
	return 0;
}
/* The time an interrupted sleep had left, to the user timespec at urem. */
static void write_rem(uint64_t urem)
{
	uint64_t now = uptime_ns(), deadline = current->sleep_deadline;
	uint64_t left = deadline > now ? deadline - now : 0;
	uint64_t ts[2] = {left / 1000000000ull, left % 1000000000ull};
	copy_to_user(urem, ts, sizeof(ts));
}
/* nanosleep(req, rem): -EINVAL, -EFAULT, -EINTR with the time left in rem
 * (man 2 nanosleep). */
long sys_nanosleep(const uint64_t *a)
{
	uint64_t d;
	long r = timespec_from_user(a[0], &d);
	if (r)
		return r;
	r = sleep_until(uptime_ns() + d);
	if (r && a[1])
		write_rem(a[1]);
	return r;
}
long sys_clock_nanosleep(const uint64_t *a)
{
	if (a[0] > 7)
		return -EINVAL;
	uint64_t d;
	long r = timespec_from_user(a[2], &d);
	if (r)
		return r;
	if (a[1] & 1) { /* TIMER_ABSTIME */
		if (a[0] == CLOCK_REALTIME)
			d = d > wall_base_ns ? d - wall_base_ns : 0;
		return sleep_until(d);
	}
	r = sleep_until(uptime_ns() + d);
	if (r && a[3])
		write_rem(a[3]);
	return r;
}
long sys_pause(const uint64_t *a)
{
	(void)a;
	irq_disable();
	while (!proc_signal_pending(current))
		sched_sleep(&current->sig.pending);
	irq_enable();
	return -EINTR;
}
