/* The process code's shared part (outer/proc_cred.c, sched.c, signal.c,
 * fork.c, exit.c; private to them): the process list page, the run queue,
 * the counters, and the helpers more than one of them calls. One CPU; the
 * outer kernel is not preempted (outer/sched.c). */
#ifndef OUTER_PROC_INTERNAL_H
#define OUTER_PROC_INTERNAL_H

#include <outer/proc.h>

#define SLICE_TICKS 2 /* 20 ms turns at 100 Hz */

/* The process list's links and each slot's process group and session
 * ids (pids fit in 16 bits: proc_alloc wraps at 32767), a write-log region
 * of one page (outer/proc_cred.c): the outer kernel reads them in place and
 * changes them only through nk_write. */
struct proc_list_page {
	struct proc *head;
	struct proc *next[NPROC];
	int16_t pgid[NPROC], sid[NPROC];
	uint8_t pad[4096 - 8 - 8 * NPROC - 4 * NPROC]; /* the region is the whole page */
};
extern struct proc_list_page proc_plist;
#define NEXT(p) (proc_plist.next[(p)->slot])

/* proc_plist_store: *where = val in the process list page, through nk
 * (panics when nk refuses: the kernel's own region). */
void proc_plist_store(struct proc **where, struct proc *val);

/* proc_set_job: p's process group and session ids, through nk: queued
 * (nkq_write), so in place and in nk's write log from the next flush (at
 * the latest the system call's end, with its other list changes); a
 * refusal panics there, as for proc_plist_store. */
void proc_set_job(struct proc *p, int pgid, int sid);

/* The process slot each pid's struct proc holds (NULL: free). */
extern struct proc *proc_slot_owner[NPROC];
/* The last pid given out; the processes that exist (zombies included). */
extern int proc_last_pid;
extern unsigned long proc_nprocs;

/* proc_free: give back a reaped process's slot, stack and address space. */
void proc_free(struct proc *p);

/* The run queue (FIFO of runnable processes; outer/sched.c). */
extern struct proc *sched_runq_head, *sched_runq_tail;
/* sched_runq_push: queue p, which is runnable and not queued, at the tail. */
void sched_runq_push(struct proc *p);
/* sched_make_runnable: p becomes runnable (queued unless it runs). */
void sched_make_runnable(struct proc *p);
/* sched_schedule: switch to the next runnable process (idles with
 * interrupts on while there is none). */
void sched_schedule(void);
/* sched_task_start: a new task's first code after its first switch_to
 * (proc_task_start): the task switched away from is off this CPU, and the
 * new one holds the BKL at depth 1. */
void sched_task_start(void);
/* proc_set_running: make p this CPU's running task with nothing switched
 * away from (the first process): its turn, kernel stack, address space,
 * FS.base. BKL held. */
void proc_set_running(struct proc *p);
/* sched_yield_cpu: give the CPU to the next runnable process, if any. */
void sched_yield_cpu(void);
/* sched_fxsave, sched_fxrstor: save and load the FPU/SSE state (the
 * 512-byte FXSAVE area, 16-byte aligned; SDM Vol. 1 10.5). */
void sched_fxsave(void *area);
void sched_fxrstor(const void *area);
/* Whether CR4.FSGSBASE is on (WRFSBASE instead of nk_wrmsr). */
extern bool sched_use_fsgsbase;

/* outer/usermode.asm: switch_to saves the callee-saved registers and RSP
 * in *save_ksp and resumes the task whose RSP is next_ksp;
 * task_first_entry is where a new task's first switch_to returns. (The
 * kernel stack top the SYSCALL entry switches to is this CPU's
 * cpu_local.kstack_top.) */
void switch_to(uint64_t *save_ksp, uint64_t next_ksp);
void task_first_entry(void);

/* The signal code's shared part (outer/signal.c, sigframe.c, itimer.c).
 * sig_ignored: p's disposition of sig discards it (SIG_IGN, or SIG_DFL of
 * a signal whose default is to ignore it). sig_on_altstack: sp lies on
 * p's sigaltstack. sig_fill_siginfo: the 128-byte user siginfo_t of sig
 * from *ki (Linux uapi asm-generic/siginfo.h layout). */
bool sig_ignored(const struct proc *p, int sig);
/* sig_action: p's action for sig (SIG_DFL unless set); sig_action_set: the
 * entry to write whole, now valid (p has its table). sig_table_get: p's
 * table, made on first use; NULL when out of memory. */
static inline const struct k_sigaction *sig_action(const struct proc *p, int sig)
{
	static const struct k_sigaction dfl;
	return (p->sig.actset & SIGBIT(sig)) ? &p->sig.tab->action[sig] : &dfl;
}
static inline struct k_sigaction *sig_action_set(struct proc *p, int sig)
{
	p->sig.actset |= SIGBIT(sig);
	return &p->sig.tab->action[sig];
}
struct sig_table *sig_table_get(struct proc *p);
bool sig_on_altstack(const struct proc *p, uint64_t sp);
/* sig_take: take one pending instance of sig from p (interrupts off):
 * *ki its siginfo (SI_KERNEL when none was kept); sig stays pending while
 * more real-time instances of it are queued. */
void sig_take(struct proc *p, int sig, struct ksiginfo *ki);
void sig_fill_siginfo(uint8_t out[128], int sig, const struct ksiginfo *ki);

/* Job control (outer/proc_job.c). proc_job_stop: current stops with
 * sig (state 'T', the parent told: SIGCHLD CLD_STOPPED unless SA_NOCLDSTOP,
 * and wait4's WUNTRACED report); returns once SIGCONT or SIGKILL made it
 * runnable. Interrupts off. proc_job_continue: a stopped p runs again
 * (SIGCONT: the parent told with CLD_CONTINUED and wait4's WCONTINUED
 * report); nothing if p is not stopped. proc_job_exit: p is exiting (its
 * children not yet handed to init): groups it orphans that have a stopped
 * member get SIGHUP and SIGCONT, and a session leader's controlling tty is
 * released (tty_session_end). */
void proc_job_stop(int sig);
void proc_job_continue(struct proc *p);
void proc_job_exit(struct proc *p);

#endif
