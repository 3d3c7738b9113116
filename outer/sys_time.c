/* The time system calls: the PIT tick (10 ms) as the clock, nanosleep,
 * clock_nanosleep and pause. Source: man 2 clock_gettime, nanosleep,
 * gettimeofday, time, pause. */
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

/* ---- time: the PIT tick (10 ms); no RTC, so CLOCK_REALTIME counts from
 * the Unix epoch plus a fixed boot time ---- */
#define BOOT_EPOCH 1767225600ull /* 2026-01-01T00:00:00Z */
long sys_clock_gettime(const uint64_t *a)
{
	unsigned clk = (unsigned)a[0];
	if (clk > 7)
		return -EINVAL;
	uint64_t ns = uptime_ns();
	if (clk == 0 || clk == 5)
		ns += BOOT_EPOCH * 1000000000ull;
	if (clk == 2 || clk == 3) /* process and thread CPU time */
		ns = current->ticks * (1000000000ull / TIMER_HZ);
	uint64_t ts[2] = {ns / 1000000000ull, ns % 1000000000ull};
	return copy_to_user(a[1], ts, sizeof(ts));
}
long sys_clock_getres(const uint64_t *a)
{
	if (a[0] > 7)
		return -EINVAL;
	uint64_t ts[2] = {0, 1000000000ull / TIMER_HZ};
	return a[1] ? copy_to_user(a[1], ts, sizeof(ts)) : 0;
}
long sys_gettimeofday(const uint64_t *a)
{
	uint64_t ns = uptime_ns() + BOOT_EPOCH * 1000000000ull;
	uint64_t tv[2] = {ns / 1000000000ull, (ns % 1000000000ull) / 1000};
	if (a[0] && copy_to_user(a[0], tv, sizeof(tv)))
		return -EFAULT;
	static const uint64_t tz[1];
	return a[1] ? copy_to_user(a[1], tz, 8) : 0;
}
long sys_time(const uint64_t *a)
{
	uint64_t t = uptime_ns() / 1000000000ull + BOOT_EPOCH;
	if (a[0] && copy_to_user(a[0], &t, 8))
		return -EFAULT;
	return (long)t;
}

/* Sleep until uptime reaches deadline_ns or a signal arrives. */
static long sleep_until(uint64_t deadline_ns)
{
	uint64_t tick_ns = 1000000000ull / TIMER_HZ;
	uint64_t tick = (deadline_ns + tick_ns - 1) / tick_ns;
	while (timer_ticks < tick) {
		irq_disable();
		if (proc_signal_pending(current)) {
			irq_enable();
			return -EINTR;
		}
		current->wake_tick = tick;
		sched_sleep(&current->wake_tick);
		current->wake_tick = 0;
		irq_enable();
	}
	return 0;
}
long sys_nanosleep(const uint64_t *a)
{
	uint64_t d;
	long r = timespec_from_user(a[0], &d);
	if (r)
		return r;
	r = sleep_until(uptime_ns() + d);
	if (r && a[1]) {
		static const uint64_t zero[2];
		copy_to_user(a[1], zero, sizeof(zero));
	}
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
		if (a[0] == 0)
			d = d > BOOT_EPOCH * 1000000000ull ? d - BOOT_EPOCH * 1000000000ull : 0;
		return sleep_until(d);
	}
	return sleep_until(uptime_ns() + d);
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
