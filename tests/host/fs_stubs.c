/* Host stand-ins for the file system's kernel dependencies (fs_stubs.h).
 * kprintf and panic_at format with the kernel's formatter (lib/fmt.c). */
#include <stdio.h>
#include <stdlib.h>
#include "fs_stubs.h"
#include "../../lib/fmt.h"
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/mm.h>
#include <outer/uaccess.h>

char stub_log[16384];
char stub_uart_out[4096];
size_t stub_uart_len;
int stub_sleeps;
const void *stub_last_chan;
int stub_last_signal;
bool stub_signal_pending;
uint64_t stub_now_ns;
struct proc stub_proc;
struct proc *current = &stub_proc;

static char uart_in[4096];
static size_t uart_in_len, uart_in_pos;

void stub_reset(void)
{
	memset(&stub_proc, 0, sizeof(stub_proc));
	stub_proc.pid = 1;
	stub_log[0] = 0;
	stub_uart_len = 0;
	stub_sleeps = 0;
	stub_last_chan = NULL;
	stub_last_signal = 0;
	stub_signal_pending = false;
	stub_now_ns = 0;
	uart_in_len = uart_in_pos = 0;
	fs_root = NULL;
	assert_int_equal(dev_init(), 0);
}

void *kmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p)
		memset(p, 0xa5, n); /* kmalloc does not zero */
	return p;
}

void kfree(void *p)
{
	free(p);
}

void *fs_page_alloc(void)
{
	return calloc(1, FS_PAGE_BYTES);
}

void *fs_buf_alloc(void)
{
	void *p = malloc(FS_PAGE_BYTES);
	if (p)
		memset(p, 0xa5, FS_PAGE_BYTES); /* garbage, as in the kernel */
	return p;
}

void fs_page_free(void *page)
{
	free(page);
}

/* The host tree has no /proc (outer/fs/procfs.c is not linked): nothing
 * is ever marked PROC_DIR, so vfs.c never calls this. */
void procfs_refresh(struct inode *dir)
{
	(void)dir;
}

int kprintf(const char *f, ...)
{
	size_t used = strlen(stub_log);
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_vsnprintf(stub_log + used, sizeof(stub_log) - used, f, ap);
	va_end(ap);
	return (int)n;
}

NK_NORETURN void panic_at(const char *file, int line, const char *f, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, f);
	fmt_vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	fprintf(stderr, "PANIC (%s:%d): %s\n", file, line, buf);
	abort();
}

uint64_t stub_last_wake_tick;

void sched_sleep(const void *chan)
{
	stub_sleeps++;
	stub_last_chan = chan;
	stub_last_wake_tick = current->wake_tick;
	stub_signal_pending = true;
}

void sched_wakeup(const void *chan)
{
	(void)chan;
}

bool proc_signal_pending(const struct proc *p)
{
	(void)p;
	return stub_signal_pending;
}

void proc_signal(struct proc *p, int sig)
{
	(void)p;
	stub_last_signal = sig;
}

/* The stand-in process's credentials (the kernel keeps them in a
 * write-log region; here a plain variable the tests set). */
struct cred stub_cred;

const struct cred *proc_cred(const struct proc *p)
{
	(void)p;
	return &stub_cred;
}

/* Job control: the stand-in process leads session 1 and group 1, the only
 * group there is; nothing is orphaned, blocked or ignored. */
int proc_pgid(const struct proc *p)
{
	(void)p;
	return 1;
}

int proc_sid(const struct proc *p)
{
	(void)p;
	return 1;
}

int proc_pgrp_session(int pgid)
{
	return pgid == 1 ? 1 : -1;
}

int proc_pgrp_signal(int pgid, int sig, const struct ksiginfo *info)
{
	(void)info;
	if (pgid != 1)
		return 0;
	stub_last_signal = sig;
	return 1;
}

bool proc_pgrp_orphaned(int pgid, const struct proc *ignore)
{
	(void)pgid, (void)ignore;
	return false;
}

bool proc_signal_refused(const struct proc *p, int sig)
{
	(void)p, (void)sig;
	return false;
}

/* ppoll's and pselect6's mask: not applied (the stand-in's signals are
 * stub_signal_pending alone); a bad address still faults. */
long proc_sigmask_enter(uint64_t uset)
{
	uint64_t set;
	return uset ? copy_from_user(&set, uset, sizeof(set)) : 0;
}

void proc_sigmask_leave(long r)
{
	(void)r;
}

struct proc *proc_find(int pid)
{
	return pid == stub_proc.pid ? &stub_proc : NULL;
}

uint64_t uptime_ns(void)
{
	return stub_now_ns;
}

/* The wall clock of the file system's times: 2026-01-01 plus stub_now_ns. */
uint64_t fs_now_ns(void)
{
	return 1767225600ull * 1000000000ull + stub_now_ns;
}

long copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (usrc < 0x10000 || !user_range_ok(usrc, n))
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)usrc, n);
	return 0;
}

long copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (udst < 0x10000 || !user_range_ok(udst, n))
		return -EFAULT;
	memcpy((void *)(uintptr_t)udst, src, n);
	return 0;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t cap)
{
	if (usrc < 0x10000 || !user_range_ok(usrc, 1))
		return -EFAULT;
	const char *s = (const char *)(uintptr_t)usrc;
	for (size_t i = 0; i < cap; i++) {
		dst[i] = s[i];
		if (!s[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

void uart_putc(char c)
{
	if (stub_uart_len < sizeof(stub_uart_out) - 1)
		stub_uart_out[stub_uart_len++] = c;
	stub_uart_out[stub_uart_len] = 0;
}

int uart_getc(void)
{
	return uart_in_pos < uart_in_len ? (uint8_t)uart_in[uart_in_pos++] : -1;
}

void uart_rx_irq_enable(void)
{
}

void pic_unmask(unsigned irq)
{
	(void)irq;
}

void stub_uart_feed(const char *bytes, size_t n)
{
	uart_in_len = uart_in_pos = 0;
	memcpy(uart_in, bytes, n);
	uart_in_len = n;
	tty_rx_irq();
}
