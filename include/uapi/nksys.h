/* The nested kernel's own system call, shared by the kernel and user
 * programs (user/nk, tests/user). Everything else user space sees is the
 * Linux x86-64 syscall ABI.
 *
 * long syscall(NKSYS_NR, op, a1, a2, a3) returns >= 0 or -errno:
 *   NKSYS_CONSOLE  a1 = const char *line: run one kernel console command
 *                  (e.g. "mem", "vmmu", "check", "attack all"); its output
 *                  goes to the console. Returns the command's status (0 ok,
 *                  1 failed), -EINVAL for an unknown command, -EFAULT,
 *                  -EPERM for attack, test, fuzz, bench and poweroff
 *                  when the caller's euid is not 0 (the read-only
 *                  commands help, mem, vmmu, check, regions, audit and
 *                  wlog are open to every user).
 *   NKSYS_INFO     a1 = struct nksys_info *: memory and vMMU counters.
 *   NKSYS_PS       a1 = struct nksys_proc *buf, a2 = capacity (entries):
 *                  returns the number of processes written.
 *   NKSYS_EXIT     a1 = status: power QEMU off through isa-debug-exit with
 *                  status 0 (QEMU exit 33, success) or not 0 (failure).
 *                  Used by the test suites; does not return.
 *                  -EPERM when the caller's euid is not 0.
 */
#ifndef UAPI_NKSYS_H
#define UAPI_NKSYS_H

#define NKSYS_NR 500

#define NKSYS_CONSOLE 0
#define NKSYS_INFO 1
#define NKSYS_PS 2
#define NKSYS_EXIT 3

struct nksys_info {
	unsigned long frames_total; /* 4 KiB frames of RAM */
	unsigned long frames_free;  /* free in the outer kernel's allocator */
	unsigned long ptps;	    /* page-table pages declared to nk */
	unsigned long heap_pages;   /* kernel heap pages mapped */
	unsigned long nprocs;	    /* processes, zombies included */
	unsigned long nested;	    /* 1 on the nested build, 0 native */
	unsigned long vmmu_calls;   /* vMMU calls since boot (nk_view stats.calls) */
	unsigned long
	    gate_crossings;	 /* of them through a gate: all on the nested build, none native */
	unsigned long cr_writes; /* serialising writes: CR0/CR3/CR4 and WRMSR, the gates' two
				  * CR0 writes per crossing included */
	unsigned long iotlb_invalidations; /* IOTLB invalidations nk waited for (0: no IOMMU) */
	unsigned long ptes_written; /* PTEs nk wrote for the vMMU calls (0 native: not counted) */
	unsigned long tlb_flushes;  /* TLB flushes nk made after removing a right (0 native) */
	unsigned long ncpus;	    /* CPUs running the outer kernel (issue 17) */
	unsigned long cpu_switches[8]; /* task switches onto each CPU since boot (0..7) */
	unsigned long shootdowns;      /* TLB shootdowns that waited for other CPUs (nk/shoot.c) */
	unsigned long shoot_ipis;      /* the shootdown IPIs they sent */
};

struct nksys_proc {
	int pid, ppid;
	int uid, gid;
	char state; /* 'R' runnable/running, 'S' sleeping, 'T' stopped, 'Z' zombie */
	char name[31];
};

#endif
