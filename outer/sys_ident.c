/* The small system calls: identity (pids, uids, groups), what a C
 * runtime calls at startup (process groups and sessions are
 * outer/proc_job.c) (arch_prctl, set_tid_address, rlimits, uname,
 * getrandom; its signal calls are outer/signal.c), sysinfo, sync and reboot.
 * Source: man 2 of each call (Linux x86-64 semantics). */
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

/* ---- identity ---- */
long sys_getpid(const uint64_t *a)
{
	(void)a;
	return current->pid;
}
long sys_getppid(const uint64_t *a)
{
	(void)a;
	return current->ppid;
}
long sys_getuid(const uint64_t *a)
{
	(void)a;
	return proc_cred(current)->uid;
}
long sys_geteuid(const uint64_t *a)
{
	(void)a;
	return proc_cred(current)->euid;
}
long sys_getgid(const uint64_t *a)
{
	(void)a;
	return proc_cred(current)->gid;
}
long sys_getegid(const uint64_t *a)
{
	(void)a;
	return proc_cred(current)->egid;
}
/* setuid/setgid: root sets all three ids; others only to their real id */
long sys_setuid(const uint64_t *a)
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
long sys_setgid(const uint64_t *a)
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

/* ---- runtime startup ---- */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
long sys_arch_prctl(const uint64_t *a)
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
long sys_set_tid_address(const uint64_t *a)
{
	current->clear_tid_addr = a[0];
	return current->pid;
}
long sys_set_robust_list(const uint64_t *a)
{
	return a[1] == 24 ? 0 : -EINVAL; /* sizeof(struct robust_list_head) */
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
long sys_getrlimit(const uint64_t *a)
{
	uint64_t l[2];
	long r = rlimit_of((unsigned)a[0], l);
	return r ? r : copy_to_user(a[1], l, sizeof(l));
}
long sys_prlimit64(const uint64_t *a)
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
long sys_madvise(const uint64_t *a)
{
	return (a[0] & (PAGE_SIZE - 1)) ? -EINVAL : 0;
}

/* uname: struct utsname, six 65-byte fields */
long sys_uname(const uint64_t *a)
{
	static const char *const f[6] = {"Linux",  "nk",    "6.1.0-nk", "#1 nested kernel",
					 "x86_64", "(none)"};
	char u[6 * 65];
	memset(u, 0, sizeof(u));
	for (int i = 0; i < 6; i++)
		memcpy(&u[i * 65], f[i], strlen(f[i]));
	return copy_to_user(a[0], u, sizeof(u));
}

/* getrandom(buf, len, flags): xorshift64* stirred with the TSC (not a
 * cryptographic source; the kernel has none) */
long sys_getrandom(const uint64_t *a)
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

long sys_sysinfo(const uint64_t *a)
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
long sys_sync(const uint64_t *a)
{
	(void)a;
	return 0;
}

/* reboot(magic, magic2, cmd, arg): power off or restart QEMU (root only) */
long sys_reboot(const uint64_t *a)
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
