/* Signals: delivery on the way back to user mode (the Linux x86-64 signal
 * frame on the user stack or the sigaltstack, SA_RESTART's restart of an
 * interrupted call), rt_sigreturn, and the synchronous fault signals.
 * Source: Linux man 2 sigreturn, 7 signal ("Interruption of system calls
 * and library functions by signal handlers"); the frame is Linux's
 * arch/x86 struct rt_sigframe (pretcode, struct ucontext with struct
 * sigcontext, siginfo_t, the FXSAVE area: no XSAVE, CR4.OSXSAVE is off);
 * SDM Vol. 1 10.5 (FXSAVE), Vol. 3A 6.14.3 (IRET to 64-bit mode). */
#include <outer/kernel.h>
#include <x86/selectors.h>
#include <outer/errno.h>
#include <outer/proc.h>
#include <outer/syscall_nr.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include "proc_internal.h"

#define SYSCALL_VECTOR 0x100 /* tf->vector of a SYSCALL frame (usermode.asm) */
#define UCODE (SEL_UCODE | 3)
#define UDATA (SEL_UDATA | 3)
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define FX_BYTES 512
/* RFLAGS bits sigreturn takes from the frame: CF PF AF ZF SF TF DF OF
 * (proc_to_user then keeps IF on and IOPL 0, as Linux's FIX_EFLAGS) */
#define RFLAGS_USER 0xdd5ull
#define RFLAGS_DF_TF_RF (0x400ull | 0x100ull | 0x10000ull)

/* Linux's struct sigcontext (64-bit), 256 bytes. */
struct sigctx {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* user address of the FXSAVE area, 0: none */
	uint64_t reserved1[8];
};

struct ustack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

/* Linux's struct ucontext with the kernel's 8-byte sigset_t. */
struct uctx {
	uint64_t flags, link;
	struct ustack stack;
	struct sigctx mc;
	uint64_t sigmask;
};

struct rt_sigframe {
	uint64_t pretcode; /* the handler's return address: sa_restorer */
	struct uctx uc;
	uint8_t info[128]; /* siginfo_t */
};

_Static_assert(sizeof(struct sigctx) == 256, "struct sigcontext is 256 bytes");
_Static_assert(__builtin_offsetof(struct sigctx, fpstate) == 184, "sigcontext.fpstate");
_Static_assert(__builtin_offsetof(struct uctx, mc) == 40, "ucontext.uc_mcontext");
_Static_assert(__builtin_offsetof(struct uctx, sigmask) == 296, "ucontext.uc_sigmask");
_Static_assert(__builtin_offsetof(struct rt_sigframe, info) == 312, "rt_sigframe.info");

/* The FXSAVE image a handler starts with (FCW 0x37f, MXCSR 0x1f80: the
 * state execve gives) and the MXCSR bits the CPU accepts. */
static struct {
	uint16_t fcw;
	uint8_t pad0[22];
	uint32_t mxcsr, mxcsr_mask;
	uint8_t pad1[480];
} __attribute__((aligned(16))) fx_init = {.fcw = 0x37f, .mxcsr = 0x1f80};
_Static_assert(sizeof(fx_init) == FX_BYTES, "the FXSAVE area is 512 bytes");
static uint32_t mxcsr_mask;

/* The MXCSR bits FXRSTOR accepts (the FXSAVE area's MXCSR_MASK, 0xffbf
 * when it reads 0; SDM Vol. 1 11.6.6). */
static uint32_t cpu_mxcsr_mask(void)
{
	if (!mxcsr_mask) {
		static uint8_t area[FX_BYTES] __attribute__((aligned(16)));
		sched_fxsave(area);
		memcpy(&mxcsr_mask, area + 28, 4);
		if (!mxcsr_mask)
			mxcsr_mask = 0xffbf;
	}
	return mxcsr_mask;
}

void sig_fill_siginfo(uint8_t out[128], int sig, const struct ksiginfo *ki)
{
	memset(out, 0, 128);
	int32_t w[3] = {sig, 0, ki->code};
	memcpy(out, w, sizeof(w));
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP) {
		memcpy(out + 16, &ki->addr, 8); /* si_addr */
	} else {
		int32_t id[2] = {ki->pid, ki->uid}; /* si_pid, si_uid */
		memcpy(out + 16, id, sizeof(id));
		if (sig == SIGCHLD)
			memcpy(out + 24, &ki->status, 4); /* si_status */
		else
			memcpy(out + 24, &ki->value, 8); /* si_value */
	}
}

/* The system calls signal(7) lists as restarted under SA_RESTART (those we
 * have): their -EINTR means "a handler interrupted me" (Linux's
 * -ERESTARTSYS; fcntl's only wait is F_SETLKW). poll, ppoll, select,
 * pselect6, nanosleep, clock_nanosleep, pause, rt_sigsuspend and
 * rt_sigtimedwait are never restarted. */
static bool restartable(uint64_t nr)
{
	switch (nr) {
	case __NR_read:
	case __NR_write:
	case __NR_readv:
	case __NR_writev:
	case __NR_ioctl:
	case __NR_open:
	case __NR_openat:
	case __NR_wait4:
	case __NR_fcntl:
		return true;
	default:
		return false;
	}
}

/* Rewind a SYSCALL frame so the call runs again (RIP back over the 2-byte
 * SYSCALL, RAX its number). */
static void restart_syscall_frame(struct trap_frame *tf)
{
	tf->rax = tf->error;
	tf->rip -= 2;
}

/* Build the frame for sig with action *ka on current's user stack (or its
 * sigaltstack) and point tf at the handler. oldmask is the mask sigreturn
 * restores. Returns false when the frame cannot be written (no
 * SA_RESTORER, a bad handler address, a bad stack): the caller kills. */
static bool setup_frame(struct trap_frame *tf, int sig, const struct k_sigaction *ka,
			const struct ksiginfo *ki, uint64_t oldmask)
{
	struct proc *p = current;
	if (!(ka->flags & SA_RESTORER) || ka->handler >= USER_TOP)
		return false;
	uint64_t sp = tf->rsp;
	bool on_alt = sig_on_altstack(p, sp);
	if ((ka->flags & SA_ONSTACK) && p->sig.ss_size && !on_alt)
		sp = p->sig.ss_sp + p->sig.ss_size;
	else
		sp -= 128; /* the red zone */
	uint64_t fp = (sp - FX_BYTES) & ~63ull;
	uint64_t frame = ((fp - sizeof(struct rt_sigframe)) & ~15ull) - 8;
	if (sp > USER_TOP || frame > sp || !user_range_ok(frame, sp - frame))
		return false;
	/* the live FPU/SSE state (current's: sched_schedule restores it) */
	sched_fxsave(p->fpu);
	memset((uint8_t *)p->fpu + 464, 0, FX_BYTES - 464); /* sw_reserved: no XSAVE magic */
	if (copy_to_user(fp, p->fpu, FX_BYTES))
		return false;
	struct rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.stack.sp = p->sig.ss_sp;
	f.uc.stack.size = p->sig.ss_size;
	f.uc.stack.flags = !p->sig.ss_size ? SS_DISABLE : on_alt ? SS_ONSTACK : 0;
	struct sigctx *m = &f.uc.mc;
	*m = (struct sigctx){
	    .r8 = tf->r8,
	    .r9 = tf->r9,
	    .r10 = tf->r10,
	    .r11 = tf->r11,
	    .r12 = tf->r12,
	    .r13 = tf->r13,
	    .r14 = tf->r14,
	    .r15 = tf->r15,
	    .rdi = tf->rdi,
	    .rsi = tf->rsi,
	    .rbp = tf->rbp,
	    .rbx = tf->rbx,
	    .rdx = tf->rdx,
	    .rax = tf->rax,
	    .rcx = tf->rcx,
	    .rsp = tf->rsp,
	    .rip = tf->rip,
	    .eflags = tf->rflags,
	    .cs = (uint16_t)tf->cs,
	    .ss = (uint16_t)tf->ss,
	    .oldmask = oldmask,
	    .fpstate = fp,
	};
	if (tf->vector < 32) { /* a fault: what the CPU said */
		m->err = tf->error;
		m->trapno = tf->vector;
		m->cr2 = tf->vector == 14 ? p->fault_addr : 0;
	}
	f.uc.sigmask = oldmask;
	sig_fill_siginfo(f.info, sig, ki);
	if (copy_to_user(frame, &f, sizeof(f)))
		return false;
	tf->rip = ka->handler;
	tf->rsp = frame;
	tf->rdi = (uint64_t)sig;
	tf->rsi = frame + __builtin_offsetof(struct rt_sigframe, info);
	tf->rdx = frame + __builtin_offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~RFLAGS_DF_TF_RF;
	tf->cs = UCODE;
	tf->ss = UDATA;
	sched_fxrstor(&fx_init); /* the handler starts with a clean FPU */
	return true;
}

/* The next signal to take from ready (nonzero): synchronous ones (faults,
 * SIGKILL) first, then the lowest number (Linux's order). */
static int next_signal(uint64_t ready)
{
	const uint64_t sync = SIGBIT(SIGKILL) | SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) |
			      SIGBIT(SIGTRAP) | SIGBIT(SIGFPE);
	if (ready & sync)
		ready &= sync;
	return __builtin_ctzll(ready) + 1;
}

void proc_signal_deliver(struct trap_frame *tf)
{
	struct proc *p = current;
	if (!(p->sig.pending & ~p->sig.blocked))
		return; /* all blocked: nothing to do */
	bool from_call = tf->vector == SYSCALL_VECTOR && (int64_t)tf->rax == -EINTR;
	bool interrupted = from_call && restartable(tf->error);
	/* a sleep a stop interrupted runs on to its first deadline when no
	 * handler runs (Linux's -ERESTART_RESTARTBLOCK); else it is EINTR */
	bool sleep =
	    from_call && (tf->error == __NR_nanosleep || tf->error == __NR_clock_nanosleep);
	bool handled = false;
	for (;;) {
		uint64_t ready = p->sig.pending & ~p->sig.blocked;
		if (!ready)
			break;
		int sig = next_signal(ready);
		struct ksiginfo ki;
		sig_take(p, sig, &ki);
		struct k_sigaction ka = *sig_action(p, sig);
		if (sig_ignored(p, sig))
			continue;
		if (ka.handler == SIG_DFL && (SIGBIT(sig) & SIG_STOP_MASK)) {
			/* stop, except that TSTP, TTIN and TTOU are discarded in
			 * an orphaned group (man 7 signal; POSIX.1-2017 2.4.3) */
			if (sig == SIGSTOP || !proc_pgrp_orphaned(proc_pgid(p), NULL))
				proc_job_stop(sig);
			continue; /* continued (or SIGKILL, next) */
		}
		if (ka.handler == SIG_DFL) { /* terminate (with or without a core) */
			irq_enable();
			proc_exit(sig);
		}
		if (interrupted) { /* once, for the first handler */
			interrupted = false;
			if (ka.flags & SA_RESTART)
				restart_syscall_frame(tf);
			else
				tf->rax = (uint64_t)-EINTR;
		}
		uint64_t oldmask = p->sig.restore_mask ? p->sig.saved : p->sig.blocked;
		irq_enable();
		bool ok = setup_frame(tf, sig, &ka, &ki, oldmask);
		irq_disable();
		if (!ok) {
			proc_kill_self(SIGSEGV, "cannot write the signal frame");
			continue; /* SIGSEGV is next, by SIG_DFL */
		}
		p->sig.restore_mask = false;
		p->sig.blocked |= ka.mask | ((ka.flags & SA_NODEFER) ? 0 : SIGBIT(sig));
		p->sig.blocked &= ~SIG_UNBLOCKABLE;
		if (ka.flags & SA_RESETHAND)
			sig_action_set(p, sig)->handler = SIG_DFL;
		handled = true;
	}
	/* no handler ran: an interrupted restartable call runs again */
	if (interrupted && !handled)
		restart_syscall_frame(tf);
	if (sleep && !handled) {
		p->sleep_restart = true;
		restart_syscall_frame(tf);
	}
	if (p->sig.restore_mask) {
		p->sig.blocked = p->sig.saved;
		p->sig.restore_mask = false;
	}
}

/* rt_sigreturn(): the restorer calls it with RSP just above pretcode.
 * Restores every register, the mask and the FPU/SSE state from the frame;
 * returns the frame's RAX. A frame that does not check out (unreadable, a
 * kernel or odd CS/SS, a non-canonical RIP or RSP, an unreadable FPU area)
 * changes nothing and gets SIGSEGV, as Linux's signal_fault. */
long sys_rt_sigreturn(const uint64_t *a)
{
	(void)a;
	struct proc *p = current;
	struct trap_frame *tf = p->tf;
	struct uctx uc;
	const char *bad = NULL;
	if (tf->rsp >= USER_TOP || copy_from_user(&uc, tf->rsp, sizeof(uc)))
		bad = "unreadable frame";
	const struct sigctx *m = &uc.mc;
	if (!bad && (m->cs != UCODE || m->ss != UDATA))
		bad = "not a user segment selector";
	if (!bad && (m->rip >= USER_TOP || m->rsp >= USER_TOP))
		bad = "non-canonical or kernel RIP/RSP";
	if (!bad && m->fpstate && copy_from_user(p->fpu, m->fpstate, FX_BYTES))
		bad = "unreadable FPU state";
	if (bad) {
		char why[80];
		ksnprintf(why, sizeof(why), "rt_sigreturn: %s", bad);
		if (!proc_fault_signal(SIGSEGV, SI_KERNEL, 0))
			proc_kill_self(SIGSEGV, why);
		return (long)tf->rax;
	}
	if (m->fpstate) {
		uint32_t mx;
		memcpy(&mx, (uint8_t *)p->fpu + 24, 4);
		mx &= cpu_mxcsr_mask(); /* a reserved bit would fault FXRSTOR */
		memcpy((uint8_t *)p->fpu + 24, &mx, 4);
		sched_fxrstor(p->fpu);
	} else {
		sched_fxrstor(&fx_init);
	}
	tf->r8 = m->r8, tf->r9 = m->r9, tf->r10 = m->r10, tf->r11 = m->r11;
	tf->r12 = m->r12, tf->r13 = m->r13, tf->r14 = m->r14, tf->r15 = m->r15;
	tf->rdi = m->rdi, tf->rsi = m->rsi, tf->rbp = m->rbp, tf->rbx = m->rbx;
	tf->rdx = m->rdx, tf->rax = m->rax, tf->rcx = m->rcx;
	tf->rsp = m->rsp, tf->rip = m->rip;
	tf->rflags = (tf->rflags & ~RFLAGS_USER) | (m->eflags & RFLAGS_USER);
	tf->cs = UCODE;
	tf->ss = UDATA;
	tf->error = __NR_rt_sigreturn; /* never taken for a restart */
	p->sig.blocked = uc.sigmask & ~SIG_UNBLOCKABLE;
	return (long)m->rax;
}
