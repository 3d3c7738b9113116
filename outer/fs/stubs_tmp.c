/* TEMPORARY (branch fs): weak stand-ins for the process, scheduler and
 * user-copy functions the file system calls, so the kernel links before
 * the lead's proc/sched/uaccess code is merged. The real (strong)
 * definitions replace these at link time; delete this file on merge.
 * None of them is reached at boot: no process exists yet. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/proc.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include <outer/errno.h>

__attribute__((weak)) struct proc *current;

/* sched_sleep: no scheduler yet: wait for one interrupt. */
__attribute__((weak)) void sched_sleep(const void *chan)
{
	(void)chan;
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

__attribute__((weak)) void sched_wakeup(const void *chan)
{
	(void)chan;
}

__attribute__((weak)) bool proc_signal_pending(const struct proc *p)
{
	(void)p;
	return false;
}

__attribute__((weak)) void proc_signal(struct proc *p, int sig)
{
	(void)p, (void)sig;
}

__attribute__((weak)) struct proc *proc_find(int pid)
{
	(void)pid;
	return NULL;
}

__attribute__((weak)) uint64_t uptime_ns(void)
{
	return timer_ticks * (1000000000ull / TIMER_HZ);
}

__attribute__((weak)) long copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	(void)dst, (void)usrc, (void)n;
	return -EFAULT;
}

__attribute__((weak)) long copy_to_user(uint64_t udst, const void *src, size_t n)
{
	(void)udst, (void)src, (void)n;
	return -EFAULT;
}

__attribute__((weak)) long strncpy_from_user(char *dst, uint64_t usrc, size_t cap)
{
	(void)dst, (void)usrc, (void)cap;
	return -EFAULT;
}
