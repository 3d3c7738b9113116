/* Signals: alarm, setitimer and getitimer (ITIMER_REAL only), counted in
 * timer ticks (10 ms at 100 Hz) and checked by the timer tick.
 * Source: Linux man 2 alarm, 2 setitimer (SIGALRM when ITIMER_REAL
 * expires, re-armed by it_interval). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/drivers.h>
#include <outer/proc.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include "proc_internal.h"

#define ITIMER_REAL 0
#define TICK_US (1000000ull / TIMER_HZ)

/* struct itimerval: it_interval then it_value, each a struct timeval. */
struct itimerval {
	int64_t interval_sec, interval_usec, value_sec, value_usec;
};

void proc_itimer_tick(struct proc *p)
{
	if (p->sig.alarm_tick && p->sig.alarm_tick <= timer_ticks && p->state != 'Z') {
		p->sig.alarm_tick = p->sig.alarm_period ? timer_ticks + p->sig.alarm_period : 0;
		proc_signal(p, SIGALRM);
	}
}

/* Ticks left before current's ITIMER_REAL fires (0: off). */
static uint64_t ticks_left(void)
{
	uint64_t t = current->sig.alarm_tick;
	return t > timer_ticks ? t - timer_ticks : t ? 1 : 0;
}

/* Microseconds to ticks, rounded up (a nonzero time is at least a tick). */
static uint64_t us_to_ticks(int64_t sec, int64_t usec)
{
	uint64_t us = (uint64_t)sec * 1000000ull + (uint64_t)usec;
	return (us + TICK_US - 1) / TICK_US;
}

static void current_value(struct itimerval *v)
{
	uint64_t left_us = ticks_left() * TICK_US, per_us = current->sig.alarm_period * TICK_US;
	*v = (struct itimerval){(int64_t)(per_us / 1000000), (int64_t)(per_us % 1000000),
				(int64_t)(left_us / 1000000), (int64_t)(left_us % 1000000)};
}

/* alarm(seconds): SIGALRM after that many seconds (0 cancels); returns the
 * seconds that were left of the previous alarm, rounded (at least 1 when
 * one was pending). Replaces any setitimer interval. */
long sys_alarm(const uint64_t *a)
{
	uint64_t left_us = ticks_left() * TICK_US;
	long old = (long)((left_us + 500000) / 1000000);
	if (left_us && !old)
		old = 1;
	unsigned secs = (unsigned)a[0];
	irq_disable();
	current->sig.alarm_tick = secs ? timer_ticks + (uint64_t)secs * TIMER_HZ : 0;
	current->sig.alarm_period = 0;
	irq_enable();
	return old;
}

/* setitimer(which, new, old): ITIMER_REAL only (EINVAL for
 * ITIMER_VIRTUAL and ITIMER_PROF, which we do not keep); EINVAL for a
 * negative time or tv_usec outside 0..999999; EFAULT. A NULL new disarms
 * (as Linux). */
long sys_setitimer(const uint64_t *a)
{
	if (a[0] != ITIMER_REAL)
		return -EINVAL;
	struct itimerval nv = {0}, ov;
	if (a[1] && copy_from_user(&nv, a[1], sizeof(nv)))
		return -EFAULT;
	if (nv.interval_sec < 0 || nv.interval_usec < 0 || nv.interval_usec > 999999 ||
	    nv.value_sec < 0 || nv.value_usec < 0 || nv.value_usec > 999999)
		return -EINVAL;
	current_value(&ov);
	uint64_t value = us_to_ticks(nv.value_sec, nv.value_usec);
	irq_disable();
	current->sig.alarm_tick = value ? timer_ticks + value : 0;
	current->sig.alarm_period = value ? us_to_ticks(nv.interval_sec, nv.interval_usec) : 0;
	irq_enable();
	if (a[2] && copy_to_user(a[2], &ov, sizeof(ov)))
		return -EFAULT;
	return 0;
}

/* getitimer(which, cur): ITIMER_REAL only (EINVAL otherwise), EFAULT. */
long sys_getitimer(const uint64_t *a)
{
	if (a[0] != ITIMER_REAL)
		return -EINVAL;
	struct itimerval v;
	current_value(&v);
	return copy_to_user(a[1], &v, sizeof(v));
}
