/* Processes: address spaces, scheduling, signals (include/outer/signal.h).
 * Kernel code runs under the big kernel lock (outer/smp.c) and is not
 * preempted (the timer switches tasks only when it interrupts user mode,
 * or when a task sleeps). */
#ifndef OUTER_PROC_H
#define OUTER_PROC_H
#include <nk/types.h>
#include <outer/signal.h>

#define NR_OPEN 64 /* descriptors per process */

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17

struct file;
struct inode;
struct mm;

#define NPROC 256 /* process slots (the credential and list tables) */

/* Credentials: in a write-log region (issue "write mediation"): read them
 * in place with proc_cred, change them only with proc_set_cred. */
struct cred {
	int uid, gid, euid, egid;
};

struct proc {
	int pid, ppid;
	unsigned slot; /* index in the credential and list tables */
	char state;    /* 'R' runnable, 'S' sleeping, 'T' stopped, 'Z' zombie */
	char name[32]; /* the program's base name */
	struct mm *mm;
	struct file *fd[NR_OPEN];
	uint64_t cloexec;  /* bit n: fd n closes on execve */
	struct inode *cwd; /* referenced */
	/* scheduling */
	const void *chan;   /* what a sleeping task waits for */
	uint64_t ksp;	    /* saved kernel stack pointer (switch_to) */
	void *kstack;	    /* KSTACK_BYTES of kmalloc'd kernel stack */
	uint64_t fs_base;   /* arch_prctl(ARCH_SET_FS) */
	uint64_t user_rsp;  /* user RSP saved at syscall entry */
	int exit_status;    /* wait4 status word once a zombie */
	uint64_t wake_tick; /* nanosleep deadline (timer ticks) */
	uint64_t ticks;	    /* timer ticks spent running */
	struct proc *parent;
	struct proc *run_next;	   /* run queue */
	uint64_t clear_tid_addr;   /* set_tid_address / CLONE_CHILD_CLEARTID */
	uint64_t set_tid_addr;	   /* CLONE_CHILD_SETTID: written at first run */
	struct trap_frame *tf;	   /* user registers, at the top of kstack */
	void *fpu;		   /* 512-byte FXSAVE area (16-byte aligned) */
	unsigned slice;		   /* timer ticks left in this turn */
	unsigned on_cpu;	   /* 1 + the CPU it runs on (until switched off it); 0 */
	unsigned bkl_depth;	   /* this CPU's BKL depth when it switched away */
	uint32_t umask;		   /* file mode creation mask (umask(2)); fork copies it */
	struct proc *vfork_parent; /* sleeping until this child execs or exits */
	uint64_t fault_addr;	   /* CR2 of the user fault being handled */
	struct proc_signals sig;   /* dispositions, mask, pending, altstack, alarm */
	/* what /proc/PID/cmdline and exe show: set by execve, copied by fork */
	char cmdline[256];    /* argv strings, each NUL-terminated, cut at 256 bytes */
	uint16_t cmdline_len; /* bytes of cmdline used */
	char exe[256];	      /* the absolute path execve ran (NUL-terminated; "" for none) */
	/* job control (outer/proc_job.c); the group and session ids are in
	 * the process list's region: proc_pgid, proc_sid */
	bool did_exec;		 /* execve ran since fork (setpgid's EACCES) */
	bool ctty_detached;	 /* TIOCNOTTY: no controlling tty though in its session */
	uint8_t wait_report;	 /* WAIT_STOPPED / WAIT_CONTINUED: for the parent's wait4 */
	uint8_t stop_sig;	 /* the signal that stopped it (state 'T') */
	bool sleep_restart;	 /* the nanosleep being restarted keeps sleep_deadline */
	uint64_t sleep_deadline; /* an interrupted nanosleep's deadline (uptime ns) */
};

#define WAIT_STOPPED 1
#define WAIT_CONTINUED 2

#define KSTACK_BYTES 16384u

/* current: the running process on this CPU (NULL before the first one and
 * while the CPU idles): this CPU's cpu_local slot (include/outer/smp.h). */
#ifdef NK_HOST_BUILD
extern struct proc *current;
#else
#include <outer/smp.h>
#define current (get_current())
#endif

/* proc_init: declare the credential table and the process list's links
 * as write-log regions (nk records every change). Before nk_init_done. */
void proc_init(void);
/* proc_cred: p's credentials (read-only: the region is PROTECTED). */
const struct cred *proc_cred(const struct proc *p);
/* proc_set_cred: replace p's credentials through nk_write (logged). */
void proc_set_cred(struct proc *p, const struct cred *c);
/* proc_regions: the region ids of the credential table and the list links
 * (-1 before proc_init); the attack harness targets them. */
long proc_cred_region(void);
long proc_list_region(void);

/* sched_sleep: sleep on chan until sched_wakeup(chan) or a signal. Call
 * with interrupts off, after checking the condition; returns with them off.
 * Callers loop: while (!cond && !proc_signal_pending(current)) sleep. */
void sched_sleep(const void *chan);
/* sched_wakeup: make every task sleeping on chan runnable (any context). */
void sched_wakeup(const void *chan);
/* proc_signal_pending: p has a pending signal it does not block (one that
 * interrupts a blocking call: its handler runs or it kills). */
bool proc_signal_pending(const struct proc *p);
/* proc_signal: send signal sig (1..64) to p from the kernel (si_code
 * SI_KERNEL): its handler runs or its default action applies (man 7
 * signal) when p next returns to user mode. */
void proc_signal(struct proc *p, int sig);
/* proc_pgid, proc_sid: p's process group and session ids (man 2
 * setpgid, setsid), read in place from the process list's region. */
int proc_pgid(const struct proc *p);
int proc_sid(const struct proc *p);
/* proc_pgrp_signal: send sig to every live member of process group pgid
 * with *info (NULL: SI_KERNEL; the tty's ^C, ^\, ^Z). Returns how many
 * members it reached. Any context. */
int proc_pgrp_signal(int pgid, int sig, const struct ksiginfo *info);
/* proc_pgrp_session: the session of process group pgid (of a live or
 * zombie member), else of the process whose pid is pgid (Linux's
 * session_of_pgrp); -1 when neither exists. */
int proc_pgrp_session(int pgid);
/* proc_pgrp_orphaned: process group pgid is orphaned (POSIX.1-2017 3.264:
 * no member has a parent in another group of the same session; init does
 * not count, as Linux's will_become_orphaned_pgrp). ignore: a process to
 * leave out (one exiting), or NULL. */
bool proc_pgrp_orphaned(int pgid, const struct proc *ignore);
/* proc_find: the process with pid, or NULL. */
struct proc *proc_find(int pid);
/* proc_count: processes, zombies included. */
unsigned long proc_count(void);
/* proc_start_init: create pid 1 running path with argv (NULL-terminated)
 * on /dev/console, then run the scheduler; never returns. */
NK_NORETURN void proc_start_init(const char *path, const char *const *argv);
/* proc_set_fs_base: set current's FS.base (arch_prctl ARCH_SET_FS) and
 * load it: WRFSBASE when CR4.FSGSBASE is on, else nk_wrmsr. Returns 0 or
 * nk's error. */
long proc_set_fs_base(uint64_t base);
/* exec_image: replace p's image (p is current) by the executable at path
 * (kernel strings; argv and envp NULL-terminated): outer/exec.c. Returns 0
 * or -errno (-ENOENT, -EACCES, -ENOEXEC, -E2BIG, -ENOMEM); on error p's
 * image is untouched. */
long exec_image(struct proc *p, const char *path, const char *const *argv, const char *const *envp);
/* proc_exit: end current with wait4 status word `status` (exit code << 8,
 * or the killing signal number): close its files, free its memory, wake
 * its parent. Never returns. */
NK_NORETURN void proc_exit(int status);
/* proc_tick: the timer interrupt: wake nanosleep/poll sleepers whose
 * wake_tick passed, charge the running task. */
void proc_tick(void);
/* proc_kill_self: print why current dies and kill it with sig (the fault
 * paths); it dies on its way back to user mode. */
void proc_kill_self(int sig, const char *why);
struct nksys_proc;
struct trap_frame;
/* proc_list: fill out[0..cap) with every process (NKSYS_PS); returns how
 * many were written. */
unsigned proc_list(struct nksys_proc *out, unsigned cap);
/* proc_to_user: on the way back to user mode: deliver pending signals
 * (handlers or default actions), preempt when the turn is over. Returns tf
 * with a sanitised RFLAGS; interrupts are off on return. */
struct trap_frame *proc_to_user(struct trap_frame *tf);
/* proc_vfork_release: wake c's vfork parent (c execs or exits). */
void proc_vfork_release(struct proc *c);
/* uptime_ns: nanoseconds since boot (the PIT tick count). */
uint64_t uptime_ns(void);

/* The process system calls (Linux man 2 fork, vfork, clone, exit, wait4,
 * kill, sched_yield, execve); a[] as in include/outer/syscall.h. fork,
 * vfork and clone return the child's pid or -ENOMEM (clone: -EINVAL for
 * thread forms, CLONE_VM without CLONE_VFORK); wait4 -ECHILD, -EINTR,
 * -EFAULT, -EINVAL; kill -EINVAL, -ESRCH; execve -ENOENT, -EACCES,
 * -ENOEXEC, -E2BIG, -EFAULT, -ENAMETOOLONG, -ENOMEM (and 0 into the new
 * image); exit does not return. */
long sys_fork(const uint64_t *a);
long sys_vfork(const uint64_t *a);
long sys_clone(const uint64_t *a);
long sys_exit(const uint64_t *a);
long sys_wait4(const uint64_t *a);
long sys_kill(const uint64_t *a);
long sys_sched_yield(const uint64_t *a);
long sys_execve(const uint64_t *a);
#endif
