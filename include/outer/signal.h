/* Signals: dispositions, masks, the Linux x86-64 signal frame, and the
 * calls that send, wait for and return from signals (outer/signal.c,
 * outer/sigframe.c, outer/itimer.c).
 * Source: Linux man 7 signal, 2 sigaction, 2 sigreturn, 2 sigaltstack,
 * 2 rt_sigprocmask, 2 sigsuspend, 2 sigtimedwait, 2 setitimer; the frame is
 * Linux's arch/x86 uapi (struct sigcontext, struct ucontext, siginfo_t). */
#ifndef OUTER_SIGNAL_H
#define OUTER_SIGNAL_H
#include <nk/types.h>

#define NSIG 64 /* signals 1..64; the user sigset is 8 bytes, bit sig-1 */
#define SIGBIT(sig) (1ull << ((sig)-1))

/* Signal numbers beyond include/outer/proc.h's. */
#define SIGUSR1 10
#define SIGUSR2 12
#define SIGSTKFLT 16
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28

/* The stop signals: their default action stops the process. */
#define SIG_STOP_MASK (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

/* What can never be blocked, caught or ignored. */
#define SIG_UNBLOCKABLE ((1ull << (9 - 1)) | (1ull << (19 - 1)))

#define SIGRTMIN 32	/* the real-time signals, 32..64, queue (man 7 signal) */
#define SIGQUEUE_MAX 64 /* queued real-time instances per process (EAGAIN beyond) */

#define SIG_DFL 0ull
#define SIG_IGN 1ull

/* sa_flags (Linux uapi asm-generic/signal-defs.h, x86 SA_RESTORER) */
#define SA_NOCLDSTOP 0x1u
#define SA_NOCLDWAIT 0x2u
#define SA_SIGINFO 0x4u
#define SA_RESTORER 0x04000000u
#define SA_ONSTACK 0x08000000u
#define SA_RESTART 0x10000000u
#define SA_NODEFER 0x40000000u
#define SA_RESETHAND 0x80000000u

/* si_code values (Linux uapi asm-generic/siginfo.h) */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define FPE_INTDIV 1
#define ILL_ILLOPN 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* The kernel's struct sigaction for rt_sigaction on x86-64 (32 bytes). */
struct k_sigaction {
	uint64_t handler; /* SIG_DFL, SIG_IGN or a user address */
	uint64_t flags;	  /* SA_* */
	uint64_t restorer;
	uint64_t mask; /* blocked while the handler runs */
};

/* What one pending signal carries (standard signals do not queue: one per
 * number; real-time ones do). addr is si_addr for faults; pid/uid the
 * sender (or the child for SIGCHLD, with status its exit code or signal);
 * value sigqueue's si_value. */
struct ksiginfo {
	int code;
	int pid;
	int uid;
	int status;
	uint64_t addr;
	uint64_t value;
};

/* One queued instance of a real-time signal (kmalloc'd; FIFO). */
struct sigqueue {
	struct sigqueue *next;
	int sig;
	struct ksiginfo info;
};

/* The tables a process that uses signals gets (kmalloc'd by its first
 * rt_sigaction, rt_sigprocmask or rt_sigtimedwait, copied by fork, freed
 * with the process): a process that never asks, as most fork+exec
 * children, stays small and its fork as cheap as before. Without one every
 * action is SIG_DFL and a pending signal carries no siginfo (none is read:
 * only handlers and rt_sigtimedwait read it). */
struct sig_table {
	struct k_sigaction action[NSIG + 1]; /* [sig], 1..64; valid where actset says */
	struct ksiginfo info[NSIG + 1];	     /* valid where pending says */
};

/* Per-process signal state, part of struct proc. */
struct proc_signals {
	uint64_t pending;	 /* bit sig-1: sent and not yet delivered */
	uint64_t blocked;	 /* the signal mask */
	uint64_t saved;		 /* rt_sigsuspend's mask to restore, if restore_mask */
	bool restore_mask;	 /* rt_sigsuspend changed blocked temporarily */
	uint64_t waiting;	 /* rt_sigtimedwait's set while it sleeps */
	uint64_t ss_sp, ss_size; /* sigaltstack; ss_size 0: disabled */
	uint64_t alarm_tick;	 /* ITIMER_REAL deadline in timer ticks, 0: off */
	uint64_t alarm_period;	 /* ITIMER_REAL interval in ticks, 0: one-shot */
	uint64_t actset;	 /* bit sig-1: tab->action[sig] was written (else SIG_DFL) */
	struct sig_table *tab;	 /* NULL until the first rt_sigaction/rt_sigprocmask */
	struct sigqueue *queue;	 /* real-time instances, oldest first (their bits pending) */
	unsigned nqueued;	 /* entries in queue */
};

struct proc;
struct trap_frame;

/* proc_signal_info: send sig (1..64) to p with *info (NULL: SI_KERNEL).
 * SIGCONT continues a stopped p and discards pending stop signals; a stop
 * signal discards a pending SIGCONT. Then sig is discarded when p ignores
 * it and does not block it, or p is init without a handler for it; else
 * pending, and p wakes if it sleeps and sig is not blocked (SIGKILL wakes
 * a stopped p too). Any context (the timer too). */
void proc_signal_info(struct proc *p, int sig, const struct ksiginfo *info);
/* proc_signal_refused: p blocks sig or sets it to SIG_IGN (the tty's
 * job-control test, Linux's is_ignored). */
bool proc_signal_refused(const struct proc *p, int sig);
/* proc_sigmask_enter: ppoll's and pselect6's mask: the 8-byte set at
 * user address uset (0: none) is current's blocked mask for the call
 * (SIGKILL and SIGSTOP stay unblocked). 0 or -EFAULT. proc_sigmask_leave:
 * the call ends with r: the old mask is back at once, or, when r is -EINTR
 * with a signal to deliver, once its handler's frame has saved it (man 2
 * ppoll, pselect). */
long proc_sigmask_enter(uint64_t uset);
void proc_sigmask_leave(long r);
/* proc_fault_signal: a user-mode fault sends the synchronous sig with
 * si_code code and si_addr addr. Returns true when a handler will take it
 * (delivered on the way out); false when it kills (no handler, or sig
 * blocked or ignored, as Linux's force_sig_fault): the caller then kills. */
bool proc_fault_signal(int sig, int code, uint64_t addr);
/* proc_signal_child: tell p's parent that p exited with wait status
 * status (SIGCHLD, CLD_EXITED or CLD_KILLED). Returns true when the parent
 * reaps its children automatically (SIGCHLD SIG_IGN or SA_NOCLDWAIT). */
bool proc_signal_child(struct proc *p, int status);
/* proc_signal_deliver: the slow half of the return to user mode, taken
 * when a signal is pending (it returns at once when all are blocked). Applies default actions (may
 * not return), builds a handler frame on the user stack for each caught signal, restarts an
 * interrupted system call under SA_RESTART (tf from a SYSCALL: tf->error holds its number).
 * Interrupts off on entry and exit. */
void proc_signal_deliver(struct trap_frame *tf);
/* proc_signal_fork: the child's signal state: dispositions, mask and
 * altstack copied, nothing pending, no alarm (man 2 fork). Returns 0 or
 * -ENOMEM (no memory for the child's table). */
long proc_signal_fork(struct proc *child, const struct proc *parent);
/* proc_signal_free: free p's signal table (p is being freed). */
void proc_signal_free(struct proc *p);
/* proc_signal_exec: handlers reset to SIG_DFL, SIG_IGN kept, the mask and
 * pending signals kept, the altstack off (man 2 execve). */
void proc_signal_exec(struct proc *p);
/* proc_itimer_tick: the timer tick's part: SIGALRM to p when its
 * ITIMER_REAL expires (re-armed by the interval). Interrupts off. */
void proc_itimer_tick(struct proc *p);

/* The signal system calls, a[] as in include/outer/syscall.h; each
 * returns 0 (or its value) or -errno as its man page says. */
long sys_rt_sigaction(const uint64_t *a);
long sys_rt_sigprocmask(const uint64_t *a);
long sys_rt_sigpending(const uint64_t *a);
long sys_rt_sigsuspend(const uint64_t *a);
long sys_rt_sigtimedwait(const uint64_t *a);
long sys_rt_sigreturn(const uint64_t *a);
long sys_sigaltstack(const uint64_t *a);
long sys_tkill(const uint64_t *a);
long sys_tgkill(const uint64_t *a);
long sys_rt_sigqueueinfo(const uint64_t *a);
long sys_rt_tgsigqueueinfo(const uint64_t *a);
long sys_alarm(const uint64_t *a);
long sys_setitimer(const uint64_t *a);
long sys_getitimer(const uint64_t *a);
#endif
