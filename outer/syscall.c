/* The system call layer: the SYSCALL MSRs, the dispatch table (Linux
 * x86-64 numbers), and the small calls that fit nowhere else: identity,
 * time, limits, signals accepted without handlers, uname, getrandom,
 * reboot and the nested kernel's own nksys call.
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
#include <outer/syscall.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include <outer/vm.h>
#include <uapi/nksys.h>
#include <outer/audit.h>
#include <nk/region.h>


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

/* ---- identity ---- */
static long sys_getpid(const uint64_t *a)
{
	(void)a;
	return current->pid;
}
static long sys_getppid(const uint64_t *a)
{
	(void)a;
	return current->ppid;
}
static long sys_getuid(const uint64_t *a)
{
	(void)a;
	return proc_cred(current)->uid;
}
static long sys_geteuid(const uint64_t *a)
{
	(void)a;
	return proc_cred(current)->euid;
}
static long sys_getgid(const uint64_t *a)
{
	(void)a;
	return proc_cred(current)->gid;
}
static long sys_getegid(const uint64_t *a)
{
	(void)a;
	return proc_cred(current)->egid;
}
/* setuid/setgid: root sets all three ids; others only to their real id */
static long sys_setuid(const uint64_t *a)
{
	int id = (int)a[0];
	if (id < 0)
		return -EINVAL;
	struct cred c = *proc_cred(current);
	if (c.euid != 0 && id != c.uid)
		return -EPERM;
	if (c.euid == 0)
		c.uid = id;
	c.euid = id;
	proc_set_cred(current, &c); /* through nk: the write log records it */
	return 0;
}
static long sys_setgid(const uint64_t *a)
{
	int id = (int)a[0];
	if (id < 0)
		return -EINVAL;
	struct cred c = *proc_cred(current);
	if (c.euid != 0 && id != c.gid)
		return -EPERM;
	if (c.euid == 0)
		c.gid = id;
	c.egid = id;
	proc_set_cred(current, &c);
	return 0;
}
/* one process group and session: the ids are the caller's pid */
static long sys_getpgrp(const uint64_t *a)
{
	(void)a;
	return 1;
}
static long sys_setpgid(const uint64_t *a)
{
	(void)a;
	return 0;
}
static long sys_umask(const uint64_t *a)
{
	(void)a;
	return 022;
}

/* ---- runtime startup ---- */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
static long sys_arch_prctl(const uint64_t *a)
{
	switch (a[0]) {
	case ARCH_SET_FS:
		if (!user_range_ok(a[1], 0) || proc_set_fs_base(a[1]))
			return -EPERM;
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(a[1], &current->fs_base, 8);
	default:
		return -EINVAL;
	}
}
static long sys_set_tid_address(const uint64_t *a)
{
	current->clear_tid_addr = a[0];
	return current->pid;
}
static long sys_set_robust_list(const uint64_t *a)
{
	return a[1] == 24 ? 0 : -EINVAL; /* sizeof(struct robust_list_head) */
}
/* rt_sigaction(sig, act, oact, sigsetsize): accepted; handlers never run,
 * every signal keeps its default action */
static long sys_rt_sigaction(const uint64_t *a)
{
	int sig = (int)a[0];
	if (a[3] != 8 || sig < 1 || sig >= 65 || ((sig == SIGKILL || sig == 19) && a[1]))
		return -EINVAL;
	uint8_t act[32];
	if (a[1] && copy_from_user(act, a[1], sizeof(act)))
		return -EFAULT;
	static const uint8_t zero[32];
	if (a[2] && copy_to_user(a[2], zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}
static long sys_rt_sigprocmask(const uint64_t *a)
{
	if (a[3] != 8 || (a[1] && a[0] > 2))
		return -EINVAL;
	uint64_t set;
	if (a[1] && copy_from_user(&set, a[1], 8))
		return -EFAULT;
	uint64_t none = 0;
	if (a[2] && copy_to_user(a[2], &none, 8))
		return -EFAULT;
	return 0;
}
static long sys_sigaltstack(const uint64_t *a)
{
	static const uint8_t zero[24];
	if (a[1] && copy_to_user(a[1], zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}
/* getrlimit/prlimit64: RLIMIT_STACK 8 MiB, RLIMIT_NOFILE NR_OPEN, else
 * unlimited; new limits are accepted and not enforced */
static long rlimit_of(unsigned res, uint64_t out[2])
{
	if (res >= 16)
		return -EINVAL;
	out[0] = out[1] = ~0ull;
	if (res == 3)
		out[0] = USER_STACK_MAX;
	if (res == 7)
		out[0] = out[1] = NR_OPEN;
	return 0;
}
static long sys_getrlimit(const uint64_t *a)
{
	uint64_t l[2];
	long r = rlimit_of((unsigned)a[0], l);
	return r ? r : copy_to_user(a[1], l, sizeof(l));
}
static long sys_prlimit64(const uint64_t *a)
{
	if (a[0] && (int)a[0] != current->pid)
		return proc_find((int)a[0]) ? -EPERM : -ESRCH;
	uint64_t l[2], n[2];
	long r = rlimit_of((unsigned)a[1], l);
	if (r)
		return r;
	if (a[2] && copy_from_user(n, a[2], sizeof(n)))
		return -EFAULT;
	if (a[2] && n[0] > n[1])
		return -EINVAL;
	if (a[3] && copy_to_user(a[3], l, sizeof(l)))
		return -EFAULT;
	return 0;
}
static long sys_madvise(const uint64_t *a)
{
	return (a[0] & (PAGE_SIZE - 1)) ? -EINVAL : 0;
}

/* uname: struct utsname, six 65-byte fields */
static long sys_uname(const uint64_t *a)
{
	static const char *const f[6] = { "Linux", "nk", "6.1.0-nk", "#1 nested kernel", "x86_64", "(none)" };
	char u[6 * 65];
	memset(u, 0, sizeof(u));
	for (int i = 0; i < 6; i++)
		memcpy(&u[i * 65], f[i], strlen(f[i]));
	return copy_to_user(a[0], u, sizeof(u));
}

/* getrandom(buf, len, flags): xorshift64* stirred with the TSC (not a
 * cryptographic source; the kernel has none) */
static long sys_getrandom(const uint64_t *a)
{
	static uint64_t s = 0x9e3779b97f4a7c15ull;
	if (a[2] & ~7ull)
		return -EINVAL;
	uint64_t len = a[1] > 65536 ? 65536 : a[1];
	uint8_t chunk[256];
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		for (uint64_t i = 0; i < n; i++) {
			s ^= rdtsc();
			s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
			chunk[i] = (uint8_t)((s * 0x2545f4914f6cdd1dull) >> 56);
		}
		if (copy_to_user(a[0] + done, chunk, n))
			return -EFAULT;
		done += n;
	}
	return (long)len;
}

/* ---- time: the PIT tick (10 ms); no RTC, so CLOCK_REALTIME counts from
 * the Unix epoch plus a fixed boot time ---- */
#define BOOT_EPOCH 1767225600ull /* 2026-01-01T00:00:00Z */
static long sys_clock_gettime(const uint64_t *a)
{
	unsigned clk = (unsigned)a[0];
	if (clk > 7)
		return -EINVAL;
	uint64_t ns = uptime_ns();
	if (clk == 0 || clk == 5)
		ns += BOOT_EPOCH * 1000000000ull;
	if (clk == 2 || clk == 3) /* process and thread CPU time */
		ns = current->ticks * (1000000000ull / TIMER_HZ);
	uint64_t ts[2] = { ns / 1000000000ull, ns % 1000000000ull };
	return copy_to_user(a[1], ts, sizeof(ts));
}
static long sys_clock_getres(const uint64_t *a)
{
	if (a[0] > 7)
		return -EINVAL;
	uint64_t ts[2] = { 0, 1000000000ull / TIMER_HZ };
	return a[1] ? copy_to_user(a[1], ts, sizeof(ts)) : 0;
}
static long sys_gettimeofday(const uint64_t *a)
{
	uint64_t ns = uptime_ns() + BOOT_EPOCH * 1000000000ull;
	uint64_t tv[2] = { ns / 1000000000ull, (ns % 1000000000ull) / 1000 };
	if (a[0] && copy_to_user(a[0], tv, sizeof(tv)))
		return -EFAULT;
	static const uint64_t tz[1];
	return a[1] ? copy_to_user(a[1], tz, 8) : 0;
}
static long sys_time(const uint64_t *a)
{
	uint64_t t = uptime_ns() / 1000000000ull + BOOT_EPOCH;
	if (a[0] && copy_to_user(a[0], &t, 8))
		return -EFAULT;
	return (long)t;
}

/* Sleep until uptime reaches deadline_ns or a signal arrives. */
static long sleep_until(uint64_t deadline_ns)
{
	uint64_t tick_ns = 1000000000ull / TIMER_HZ;
	uint64_t tick = (deadline_ns + tick_ns - 1) / tick_ns;
	while (timer_ticks < tick) {
		irq_disable();
		if (proc_signal_pending(current)) {
			irq_enable();
			return -EINTR;
		}
		current->wake_tick = tick;
		sched_sleep(&current->wake_tick);
		current->wake_tick = 0;
		irq_enable();
	}
	return 0;
}
static long sys_nanosleep(const uint64_t *a)
{
	uint64_t ts[2];
	if (copy_from_user(ts, a[0], sizeof(ts)))
		return -EFAULT;
	if ((int64_t)ts[0] < 0 || ts[1] >= 1000000000ull)
		return -EINVAL;
	uint64_t start = uptime_ns();
	long r = sleep_until(start + ts[0] * 1000000000ull + ts[1]);
	if (r && a[1]) {
		static const uint64_t zero[2];
		copy_to_user(a[1], zero, sizeof(zero));
	}
	return r;
}
static long sys_clock_nanosleep(const uint64_t *a)
{
	uint64_t ts[2];
	if (a[0] > 7)
		return -EINVAL;
	if (copy_from_user(ts, a[2], sizeof(ts)))
		return -EFAULT;
	if ((int64_t)ts[0] < 0 || ts[1] >= 1000000000ull)
		return -EINVAL;
	uint64_t d = ts[0] * 1000000000ull + ts[1];
	if (a[1] & 1) { /* TIMER_ABSTIME */
		if (a[0] == 0)
			d = d > BOOT_EPOCH * 1000000000ull ? d - BOOT_EPOCH * 1000000000ull : 0;
		return sleep_until(d);
	}
	return sleep_until(uptime_ns() + d);
}
static long sys_pause(const uint64_t *a)
{
	(void)a;
	irq_disable();
	while (!proc_signal_pending(current))
		sched_sleep(&current->sig_pending);
	irq_enable();
	return -EINTR;
}

/* sysinfo: uptime, RAM and process count (Linux struct sysinfo, 112
 * bytes on x86-64) */
struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};

static long sys_sysinfo(const uint64_t *a)
{
	struct linux_sysinfo s;
	memset(&s, 0, sizeof(s));
	s.uptime = (int64_t)(uptime_ns() / 1000000000ull);
	s.totalram = nk_view->nframes * PAGE_SIZE;
	s.freeram = frames_free() * PAGE_SIZE;
	s.procs = (uint16_t)proc_count();
	s.mem_unit = 1;
	return copy_to_user(a[0], &s, sizeof(s));
}

/* sync: every file lives in memory (tmpfs): nothing to write back */
static long sys_sync(const uint64_t *a)
{
	(void)a;
	return 0;
}

/* reboot(magic, magic2, cmd, arg): power off or restart QEMU (root only) */
static long sys_reboot(const uint64_t *a)
{
	if ((uint32_t)a[0] != 0xfee1dead)
		return -EINVAL;
	if (proc_cred(current)->euid != 0)
		return -EPERM;
	switch ((uint32_t)a[2]) {
	case 0x4321fedc: /* POWER_OFF */
	case 0xcdef0123: /* HALT */
	case 0x01234567: /* RESTART */
		kprintf("reboot: powering off\n");
		poweroff();
	default:
		return -EINVAL;
	}
}

/* nksys(op, a1, a2, a3): include/uapi/nksys.h. The console commands that
 * change state and NKSYS_EXIT need euid 0 (-EPERM). */
static long sys_nksys(const uint64_t *a)
{
	switch (a[0]) {
	case NKSYS_CONSOLE: {
		char line[160];
		long n = strncpy_from_user(line, a[1], sizeof(line));
		if (n < 0)
			return n == -ENAMETOOLONG ? -EINVAL : n;
		if (console_needs_root(line) && proc_cred(current)->euid != 0)
			return -EPERM;
		int r = console_exec(line);
		/* the attack harness and the vMMU tests switch CR3 to their own
		 * address spaces and back to the kernel's: resume in ours */
		mm_activate(current->mm);
		return r < 0 ? -EINVAL : r;
	}
	case NKSYS_INFO: {
		struct nksys_info i = {
			.frames_total = nk_view->nframes,
			.frames_free = frames_free(),
			.heap_pages = heap_pages(),
			.nprocs = proc_count(),
			.nested = nk_view->nested,
		};
		for (unsigned t = NK_F_PTP1; t <= NK_F_PTP4; t++)
			i.ptps += nk_view->type_count[t];
		for (unsigned c = 0; c < NK_CALL_MAX; c++)
			i.vmmu_calls += nk_view->stats.calls[c];
		i.gate_crossings = nk_view->nested ? i.vmmu_calls : 0;
		i.cr_writes = 2 * i.gate_crossings + nk_view->stats.cr_writes;
		return copy_to_user(a[1], &i, sizeof(i));
	}
	case NKSYS_PS: {
		unsigned cap = a[2] > 256 ? 256 : (unsigned)a[2];
		struct nksys_proc *buf = kmalloc(256 * sizeof(*buf));
		if (!buf)
			return -ENOMEM;
		unsigned n = proc_list(buf, cap);
		long r = copy_to_user(a[1], buf, n * sizeof(*buf));
		kfree(buf);
		return r ? r : (long)n;
	}
	case NKSYS_EXIT:
		if (proc_cred(current)->euid != 0)
			return -EPERM;
		kprintf("nksys: exit %lu\n", a[1]);
		debug_exit(a[1] ? 1 : 0x10);
	default:
		return -EINVAL;
	}
}

/* ---- the table ---- */
#define NR_SYSCALLS 512
/* The live table: one page, a write-once region filled once from
 * syscall_defaults and sealed by nk_init_done (spec section 7). */
static syscall_fn syscall_table[NR_SYSCALLS] __attribute__((aligned(4096)));
static long syscall_table_rid = -1;
_Static_assert(sizeof(syscall_table) == 4096, "the syscall table is one page");

static const syscall_fn syscall_defaults[NR_SYSCALLS] = {
	[0] = sys_read,
	[1] = sys_write,
	[2] = sys_open,
	[3] = sys_close,
	[4] = sys_stat,
	[5] = sys_fstat,
	[6] = sys_lstat,
	[7] = sys_poll,
	[8] = sys_lseek,
	[9] = sys_mmap,
	[10] = sys_mprotect,
	[11] = sys_munmap,
	[12] = sys_brk,
	[13] = sys_rt_sigaction,
	[14] = sys_rt_sigprocmask,
	[16] = sys_ioctl,
	[19] = sys_readv,
	[20] = sys_writev,
	[21] = sys_access,
	[22] = sys_pipe,
	[24] = sys_sched_yield,
	[28] = sys_madvise,
	[32] = sys_dup,
	[33] = sys_dup2,
	[34] = sys_pause,
	[35] = sys_nanosleep,
	[39] = sys_getpid,
	[56] = sys_clone,
	[57] = sys_fork,
	[58] = sys_vfork,
	[59] = sys_execve,
	[60] = sys_exit,
	[61] = sys_wait4,
	[62] = sys_kill,
	[63] = sys_uname,
	[72] = sys_fcntl,
	[79] = sys_getcwd,
	[80] = sys_chdir,
	[82] = sys_rename,
	[83] = sys_mkdir,
	[84] = sys_rmdir,
	[87] = sys_unlink,
	[89] = sys_readlink,
	[95] = sys_umask,
	[96] = sys_gettimeofday,
	[97] = sys_getrlimit,
	[99] = sys_sysinfo,
	[102] = sys_getuid,
	[104] = sys_getgid,
	[105] = sys_setuid,
	[106] = sys_setgid,
	[107] = sys_geteuid,
	[108] = sys_getegid,
	[109] = sys_setpgid,
	[110] = sys_getppid,
	[111] = sys_getpgrp,
	[112] = sys_getpgrp, /* setsid */
	[121] = sys_getpgrp, /* getpgid */
	[124] = sys_getpgrp, /* getsid */
	[131] = sys_sigaltstack,
	[158] = sys_arch_prctl,
	[162] = sys_sync,
	[169] = sys_reboot,
	[186] = sys_getpid, /* gettid */
	[201] = sys_time,
	[217] = sys_getdents64,
	[218] = sys_set_tid_address,
	[228] = sys_clock_gettime,
	[229] = sys_clock_getres,
	[230] = sys_clock_nanosleep,
	[231] = sys_exit, /* exit_group: one thread per process */
	[257] = sys_openat,
	[258] = sys_mkdirat,
	[262] = sys_newfstatat,
	[263] = sys_unlinkat,
	[269] = sys_faccessat,
	[271] = sys_ppoll,
	[273] = sys_set_robust_list,
	[292] = sys_dup3,
	[293] = sys_pipe2,
	[302] = sys_prlimit64,
	[318] = sys_getrandom,
	[175] = sys_init_module,
	[176] = sys_delete_module,
	[178] = sys_query_module,
	[313] = sys_finit_module,
	[439] = sys_faccessat, /* faccessat2 */
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
 * task's kernel stack with its user registers in tf; returns the frame to
 * resume in user mode. */
struct trap_frame *syscall_handler(struct trap_frame *tf);
struct trap_frame *syscall_handler(struct trap_frame *tf)
{
	uint64_t a[6] = { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 };
	uint32_t nr = (uint32_t)tf->rax;
	audit_record(AUDIT_ENTRY, (uint32_t)current->pid, nr, 0);
	long r = syscall_dispatch(tf->rax, a);
	tf->rax = (uint64_t)r;
	audit_record(AUDIT_EXIT, (uint32_t)current->pid, nr, r);
	return proc_to_user(tf);
}
