/* The system call layer: the SYSCALL MSRs and the dispatch table (Linux
 * x86-64 numbers, include/outer/syscall_nr.h; a write-once region). The
 * small calls are in outer/sys_ident.c and sys_time.c, nk's own nksys in
 * outer/nksys.c.
 * Source: SDM Vol. 2B SYSCALL (STAR/LSTAR/SFMASK), Vol. 3A 2.2.1 (EFER);
 * Linux arch/x86/entry/syscalls/syscall_64.tbl for the numbers; man 2 of
 * each call for its semantics. */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/console.h>
#include <outer/drivers.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/signal.h>
#include <outer/syscall.h>
#include <outer/syscall_nr.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include <uapi/nksys.h>
#include <outer/audit.h>
#include <nk/region.h>
#include <outer/nkq.h>
#include <outer/smp.h>

void syscall_entry(void);
static void syscall_table_init(void);

/* syscall_init: enable SYSCALL through nk (EFER.SCE, STAR, LSTAR, SFMASK;
 * nk locks them at nk_init_done) and CR4.FSGSBASE when the CPU has it. */
void syscall_init(void)
{
	/* SYSCALL: CS 0x08, SS 0x10; SYSRET (unused; IRETQ returns): 0x10+16|3
	 * = 0x23 user code, 0x10+8|3 = 0x1b user data (the GDT in nk/cpu.c) */
	uint64_t star = (0x10ull << 48) | (0x08ull << 32);
	/* clear IF, TF, DF, AC, NT on entry */
	uint64_t sfmask = 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000;
	long r = nk_wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	if (!r)
		r = nk_wrmsr(MSR_STAR, star);
	if (!r)
		r = nk_wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	if (!r)
		r = nk_wrmsr(MSR_SFMASK, sfmask);
	if (r)
		panic("syscall_init: nk refused a SYSCALL MSR: %s", nk_strerror(-r));
	syscall_table_init();
	if (nk_view->has_fsgsbase && nk_load_cr4(read_cr4() | CR4_FSGSBASE))
		kprintf("syscall: nk refused CR4.FSGSBASE; FS.base goes through nk_wrmsr\n");
}
/* ---- the table ---- */
#define NR_SYSCALLS 512
/* The live table: one page, a write-once region filled once from
 * syscall_defaults and sealed by nk_init_done (spec section 7). */
static syscall_fn syscall_table[NR_SYSCALLS] __attribute__((aligned(4096)));
static long syscall_table_rid = -1;
_Static_assert(sizeof(syscall_table) == 4096, "the syscall table is one page");

static const syscall_fn syscall_defaults[NR_SYSCALLS] = {
    [__NR_read] = sys_read,
    [__NR_write] = sys_write,
    [__NR_open] = sys_open,
    [__NR_close] = sys_close,
    [__NR_stat] = sys_stat,
    [__NR_fstat] = sys_fstat,
    [__NR_lstat] = sys_lstat,
    [__NR_poll] = sys_poll,
    [__NR_lseek] = sys_lseek,
    [__NR_mmap] = sys_mmap,
    [__NR_mprotect] = sys_mprotect,
    [__NR_munmap] = sys_munmap,
    [__NR_brk] = sys_brk,
    [__NR_rt_sigaction] = sys_rt_sigaction,
    [__NR_rt_sigprocmask] = sys_rt_sigprocmask,
    [__NR_rt_sigreturn] = sys_rt_sigreturn,
    [__NR_ioctl] = sys_ioctl,
    [__NR_readv] = sys_readv,
    [__NR_sendfile] = sys_sendfile,
    [__NR_writev] = sys_writev,
    [__NR_access] = sys_access,
    [__NR_pipe] = sys_pipe,
    [__NR_sched_yield] = sys_sched_yield,
    [__NR_madvise] = sys_madvise,
    [__NR_dup] = sys_dup,
    [__NR_dup2] = sys_dup2,
    [__NR_pause] = sys_pause,
    [__NR_nanosleep] = sys_nanosleep,
    [__NR_getitimer] = sys_getitimer,
    [__NR_alarm] = sys_alarm,
    [__NR_setitimer] = sys_setitimer,
    [__NR_getpid] = sys_getpid,
    [__NR_clone] = sys_clone,
    [__NR_fork] = sys_fork,
    [__NR_vfork] = sys_vfork,
    [__NR_execve] = sys_execve,
    [__NR_exit] = sys_exit,
    [__NR_wait4] = sys_wait4,
    [__NR_kill] = sys_kill,
    [__NR_uname] = sys_uname,
    [__NR_fcntl] = sys_fcntl,
    [__NR_getcwd] = sys_getcwd,
    [__NR_chdir] = sys_chdir,
    [__NR_rename] = sys_rename,
    [__NR_mkdir] = sys_mkdir,
    [__NR_rmdir] = sys_rmdir,
    [__NR_unlink] = sys_unlink,
    [__NR_readlink] = sys_readlink,
    [__NR_umask] = sys_umask,
    [__NR_gettimeofday] = sys_gettimeofday,
    [__NR_getrlimit] = sys_getrlimit,
    [__NR_sysinfo] = sys_sysinfo,
    [__NR_getuid] = sys_getuid,
    [__NR_getgid] = sys_getgid,
    [__NR_setuid] = sys_setuid,
    [__NR_setgid] = sys_setgid,
    [__NR_geteuid] = sys_geteuid,
    [__NR_getegid] = sys_getegid,
    [__NR_setpgid] = sys_setpgid,
    [__NR_getppid] = sys_getppid,
    [__NR_getpgrp] = sys_getpgrp,
    [__NR_setsid] = sys_setsid,
    [__NR_getpgid] = sys_getpgid,
    [__NR_getsid] = sys_getsid,
    [__NR_rt_sigpending] = sys_rt_sigpending,
    [__NR_rt_sigtimedwait] = sys_rt_sigtimedwait,
    [__NR_rt_sigqueueinfo] = sys_rt_sigqueueinfo,
    [__NR_rt_tgsigqueueinfo] = sys_rt_tgsigqueueinfo,
    [__NR_rt_sigsuspend] = sys_rt_sigsuspend,
    [__NR_sigaltstack] = sys_sigaltstack,
    [__NR_arch_prctl] = sys_arch_prctl,
    [__NR_statfs] = sys_statfs,
    [__NR_fstatfs] = sys_fstatfs,
    [__NR_getgroups] = sys_getgroups,
    [__NR_prctl] = sys_prctl,
    [__NR_sync] = sys_sync,
    [__NR_reboot] = sys_reboot,
    [__NR_gettid] = sys_getpid, /* gettid */
    [__NR_tkill] = sys_tkill,
    [__NR_time] = sys_time,
    [__NR_getdents64] = sys_getdents64,
    [__NR_set_tid_address] = sys_set_tid_address,
    [__NR_clock_gettime] = sys_clock_gettime,
    [__NR_clock_getres] = sys_clock_getres,
    [__NR_clock_nanosleep] = sys_clock_nanosleep,
    [__NR_exit_group] = sys_exit, /* exit_group: one thread per process */
    [__NR_tgkill] = sys_tgkill,
    [__NR_openat] = sys_openat,
    [__NR_mkdirat] = sys_mkdirat,
    [__NR_newfstatat] = sys_newfstatat,
    [__NR_unlinkat] = sys_unlinkat,
    [__NR_faccessat] = sys_faccessat,
    [__NR_ppoll] = sys_ppoll,
    [__NR_set_robust_list] = sys_set_robust_list,
    [__NR_dup3] = sys_dup3,
    [__NR_pipe2] = sys_pipe2,
    [__NR_prlimit64] = sys_prlimit64,
    [__NR_getrandom] = sys_getrandom,
    [__NR_init_module] = sys_init_module,
    [__NR_delete_module] = sys_delete_module,
    [__NR_query_module] = sys_query_module,
    [__NR_finit_module] = sys_finit_module,
    [__NR_faccessat2] = sys_faccessat, /* faccessat2 */
    /* files and memory (issue 15, item 3) */
    [__NR_pread64] = sys_pread64,
    [__NR_pwrite64] = sys_pwrite64,
    [__NR_preadv] = sys_preadv,
    [__NR_pwritev] = sys_pwritev,
    [__NR_select] = sys_select,
    [__NR_pselect6] = sys_pselect6,
    [__NR_mremap] = sys_mremap,
    [__NR_fsync] = sys_fsync,
    [__NR_fdatasync] = sys_fsync, /* fdatasync: tmpfs has nothing to write back either */
    [__NR_truncate] = sys_truncate,
    [__NR_ftruncate] = sys_ftruncate,
    [__NR_symlink] = sys_symlink,
    [__NR_symlinkat] = sys_symlinkat,
    [__NR_readlinkat] = sys_readlinkat,
    [__NR_chmod] = sys_chmod,
    [__NR_fchmod] = sys_fchmod,
    [__NR_fchmodat] = sys_fchmodat,
    [__NR_chown] = sys_chown,
    [__NR_fchown] = sys_fchown,
    [__NR_lchown] = sys_lchown,
    [__NR_fchownat] = sys_fchownat,
    [__NR_utimensat] = sys_utimensat,
    [__NR_statx] = sys_statx,
    /* the wall clock (issue 15, item 4) */
    [__NR_clock_settime] = sys_clock_settime,
    [__NR_settimeofday] = sys_settimeofday,
    [NKSYS_NR] = sys_nksys,
};

/* Declare the table write-once (sealed at the end of init) and fill it. */
static void syscall_table_init(void)
{
	long id = nk_region_declare(syscall_table, sizeof(syscall_table),
				    NK_POLICY_WRITE_ONCE | NK_REGION_SEAL_AT_INIT);
	if (id < 0)
		panic("syscall_table_init: nk refused the region: %s", nk_strerror(id));
	long r = nk_write(id, syscall_table, syscall_defaults, sizeof(syscall_table));
	if (r)
		panic("syscall_table_init: nk refused the write: %s", nk_strerror(r));
	syscall_table_rid = id;
}

long syscall_table_region(void)
{
	return syscall_table_rid;
}

const void *syscall_table_entry(unsigned nr)
{
	return &syscall_table[nr % NR_SYSCALLS];
}

long syscall_dispatch(uint64_t nr, const uint64_t *a)
{
	static uint64_t logged[NR_SYSCALLS / 64 + 1];
	if (nr < NR_SYSCALLS && syscall_table[nr])
		return syscall_table[nr](a);
	uint64_t slot = nr < NR_SYSCALLS ? nr : NR_SYSCALLS;
	if (!(logged[slot / 64] & (1ull << (slot % 64)))) {
		logged[slot / 64] |= 1ull << (slot % 64);
		kprintf("syscall: %s[%d] called unknown syscall %lu: ENOSYS (logged once)\n",
			current->name, current->pid, nr);
	}
	return -ENOSYS;
}

/* syscall_handler: called by syscall_entry (outer/usermode.asm) on the
 * task's kernel stack with its user registers in tf, interrupts off;
 * takes the BKL, then enables interrupts; returns the frame to resume in
 * user mode (user_return drops the BKL). */
struct trap_frame *syscall_handler(struct trap_frame *tf);
struct trap_frame *syscall_handler(struct trap_frame *tf)
{
	bkl_lock();
	irq_enable();
	this_cpu()->syscalls++;
	uint64_t a[6] = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9};
	uint32_t nr = (uint32_t)tf->rax;
	audit_record(AUDIT_ENTRY, (uint32_t)current->pid, nr, 0);
	long r = syscall_dispatch(tf->rax, a);
	tf->rax = (uint64_t)r;
	audit_record(AUDIT_EXIT, (uint32_t)current->pid, nr, r);
	nkq_flush(); /* the call's queued changes (with its exit record, when audited) */
	return proc_to_user(tf);
}
