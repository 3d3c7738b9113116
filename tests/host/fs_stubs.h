/* Host stand-ins for what the file system needs from the rest of the
 * kernel (kmalloc, kprintf, pages, the current process, the scheduler, user
 * copies, the UART), with hooks the tests read and set. */
#ifndef TESTS_FS_STUBS_H
#define TESTS_FS_STUBS_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <outer/proc.h>
#include "fs_internal.h"

/* A user address the copy stubs refuse (-EFAULT), as is everything below
 * 64 KiB. Every other address is a host pointer. */
#define BAD_UPTR 0x1000ull

/* stub_log: everything kprintf printed since stub_reset. */
extern char stub_log[16384];
/* stub_uart_out: bytes sent with uart_putc since stub_reset. */
extern char stub_uart_out[4096];
extern size_t stub_uart_len;
/* stub_sleeps: sched_sleep calls; stub_last_chan: the last channel. Each
 * sleep makes a signal pending (so blocking loops end with -EINTR). */
extern int stub_sleeps;
/* current->wake_tick when sched_sleep was last called (a timed sleep's deadline) */
extern uint64_t stub_last_wake_tick;
extern const void *stub_last_chan;
extern int stub_last_signal; /* proc_signal's last sig, 0 if none */
extern bool stub_signal_pending;
extern uint64_t stub_now_ns;  /* uptime_ns() */
extern struct proc stub_proc; /* current */

/* stub_reset: a fresh process (pid 1, uid 0, no fds), fresh tmpfs root
 * with /dev, empty logs, no signal. The old tree is leaked. */
void stub_reset(void);
/* stub_uart_feed: bytes uart_getc returns next, then tty_rx_irq(). */
void stub_uart_feed(const char *bytes, size_t n);
/* U: a host pointer as a user address. */
#define U(p) ((uint64_t)(uintptr_t)(p))
extern struct cred stub_cred;
#endif
