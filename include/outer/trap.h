/* Traps as the nk interrupt stubs hand them to the outer kernel. */
#ifndef OUTER_TRAP_H
#define OUTER_TRAP_H
#include <nk/types.h>

/* Laid out by nk/gate.asm's isr_common (pushed last = lowest address). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* outer_trap: the outer kernel's handler for every vector, called by nk's
 * stubs with CR0.WP set (I7). */
void outer_trap(struct trap_frame *tf);

/* What stopped a fault, as the fault handlers explain it. */
struct fault_info {
	uint64_t vector, error, rip, addr;
	char why[96]; /* "read-only mapping of a PTP frame", "NX", "SMEP", ... */
};

/* A recovery point: a fault in kernel mode while one is armed returns to it
 * (recover_arm returns 1 then) instead of panicking. */
struct recovery {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
	volatile int armed;
	unsigned bkl_depth; /* the BKL depth at recover_arm, restored by recover_jump */
	struct fault_info fault;
};

/* recover_arm: arm r as the current recovery point (setjmp-like; returns 0
 * when armed, 1 when a fault came back to it). */
int recover_arm(struct recovery *r) __attribute__((returns_twice));
/* recover_disarm: forget the current recovery point. */
void recover_disarm(void);
/* recover_jump: return to recovery point r (recover_arm returns 1 there). */
NK_NORETURN void recover_jump(struct recovery *r);

/* Run-time interrupt hooks, NULL unless some code (today only the attack
 * harness, tests/attacks/attack_sweep.c) sets one around a test; the
 * kernel names no user of them (Makefile: the harness check). While set,
 * trap_irq0_hook takes the timer interrupt from kernel mode instead of the
 * scheduler (the PIT is in one-shot mode then; the hook sends the EOI), and
 * trap_nmi_hook takes every NMI from kernel mode. */
extern void (*volatile trap_irq0_hook)(struct trap_frame *tf);
extern void (*volatile trap_nmi_hook)(struct trap_frame *tf);

/* What the outer kernel saw arrive, counted since boot, whatever else
 * handles it (a hook, user or kernel mode): NMIs (vector 2), and
 * interrupts at a vector nobody owns (above the 8259A's, neither an MSI
 * vector of include/outer/irq.h nor the APIC's spurious vector). The
 * interrupt attacks (drivers/buggy/msi_*.c) read them as their oracle. */
extern volatile uint64_t trap_nmi_count, trap_stray_count;

/* ftype_name: the name of nk frame type t (enum nk_ftype), "?" if unknown. */
const char *ftype_name(unsigned t);

/* explain_fault: fill why with what stopped an access at addr (page-table
 * walk of the current address space and the frame's nk type). */
void explain_fault(uint64_t vector, uint64_t error, uint64_t addr, char *why, size_t cap);

/* user_return: resume user mode from tf (outer/usermode.asm). */
NK_NORETURN void user_return(struct trap_frame *tf);
/* run_on_stack: call fn(arg) on the stack ending at sp; fn must not return. */
NK_NORETURN void run_on_stack(void *sp, void (*fn)(void *), void *arg);
/* The user-copy loops (outer/usermode.asm): a fault between start and end
 * resumes at uaccess_fixup, which returns -EFAULT. */
extern char uaccess_fault_start[], uaccess_fault_end[], uaccess_fixup[];
/* user_iret: user_return's IRETQ (user GS already loaded: a fault there is
 * taken in kernel mode with the user's GS base). */
extern char user_iret[];

extern volatile uint64_t timer_ticks;
#endif
