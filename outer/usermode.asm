; Ring 3 entry and exit for the outer kernel: SYSCALL entry, the return to
; user mode, the kernel-stack switch between tasks, and user-memory copies
; whose faults are turned into -EFAULT.
; Source: SDM Vol. 2B SYSCALL/SYSRET/IRETQ, Vol. 3A 6.14 (64-bit interrupt
; frames), 4.6 (SMAP: STAC/CLAC).
%include "x86/gprs.inc"

section .text
bits 64

extern syscall_handler, proc_task_start, sched_idle, smp_bkl
global syscall_entry, user_return, user_iret, switch_to, task_first_entry, run_on_stack
global idle_first_entry
global uaccess_copy, uaccess_strncpy, uaccess_fault_start, uaccess_fault_end

%include "asm_offsets.inc"         ; USER_CS, USER_SS, EFAULT (tools/asm_offsets.c)
SYSCALL_VECTOR equ 0x100                ; marks a trap_frame built by SYSCALL

; SYSCALL: RCX = user RIP, R11 = user RFLAGS, RSP = user RSP, IF = 0
; (SFMASK), user GS. SWAPGS loads this CPU's cpu_local (include/outer/smp.h)
; as GS; build a struct trap_frame at the top of the task's kernel stack.
; syscall_handler takes the BKL, then enables interrupts.
syscall_entry:
	swapgs
	mov [gs:CPU_USER_RSP], rsp            ; this CPU's scratch, interrupts off
	mov rsp, [gs:CPU_KSTACK_TOP]
	push USER_SS
	push qword [gs:CPU_USER_RSP]
	push r11                              ; RFLAGS
	push USER_CS
	push rcx                              ; RIP
	push rax                              ; error: the number (a restart's)
	push SYSCALL_VECTOR
	push rax
	PUSH_GPRS
	mov rdi, rsp
	cld
	call syscall_handler                  ; returns the frame to resume
	mov rdi, rax
	; fall through

; noreturn void user_return(struct trap_frame *tf): resume user mode from tf.
; This CPU's hold of the BKL ends here, whatever its depth (outer/smp.c):
; only the holder writes owner and serving, and x86 stores are not
; reordered with older ones (SDM Vol. 3A 8.2.2), so the plain increment of
; serving releases. Then the user's GS comes back (SWAPGS).
user_return:
	cli
	mov rsp, rdi
	mov eax, [gs:CPU_INDEX]
	cmp [rel smp_bkl + BKL_OWNER], eax
	jne .unlocked
	mov dword [gs:CPU_BKL_DEPTH], 0
	mov dword [rel smp_bkl + BKL_OWNER], -1
	inc dword [rel smp_bkl + BKL_SERVING]
.unlocked:
	POP_GPRS
	pop rax
	add rsp, 16                           ; vector, error
	swapgs
user_iret:
	iretq

; void switch_to(uint64_t *save_ksp, uint64_t next_ksp): save the callee-
; saved registers on this stack, store RSP, and resume the task whose
; stack is next_ksp (from its own switch_to, or task_first_entry).
switch_to:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; A new task's first switch_to returns here with RSP at its trap frame.
task_first_entry:
	mov rbx, rsp
	and rsp, -16
	call proc_task_start
	mov rdi, rbx
	jmp user_return

; The boot CPU's idle context's first switch_to returns here, on its own
; stack (outer/smp.c prepares it).
idle_first_entry:
	and rsp, -16
	call sched_idle
	ud2

; noreturn void run_on_stack(void *sp, void (*fn)(void *), void *arg)
run_on_stack:
	mov rsp, rdi
	and rsp, -16
	mov rdi, rdx
	call rsi
	ud2

; long uaccess_copy(void *dst, const void *src, size_t n): 0 or -EFAULT.
; The caller has checked that the user side lies in the user half.
uaccess_copy:
	mov rcx, rdx
	stac
uaccess_fault_start:
	rep movsb
	clac
	xor eax, eax
	ret

; long uaccess_strncpy(char *dst, const char *usrc, size_t cap): the length
; of the string copied with its NUL, or cap when no NUL was found, or -EFAULT.
uaccess_strncpy:
	xor eax, eax
	stac
.next:
	cmp rax, rdx
	jae .done
	mov cl, [rsi + rax]
	mov [rdi + rax], cl
	inc rax
	test cl, cl
	jnz .next
.done:
	clac
	ret
uaccess_fault_end:

; A fault between uaccess_fault_start and uaccess_fault_end resumes here
; (outer_trap sets RIP).
global uaccess_fixup
uaccess_fixup:
	clac
	mov rax, -EFAULT
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
