/* nksys (500): the nested kernel's own system call for user space
 * (include/uapi/nksys.h): console commands, counters, the process list,
 * the test exit. The commands that change state need euid 0. */
#include <outer/kernel.h>
#include <outer/smp.h>
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

/* nksys(op, a1, a2, a3): include/uapi/nksys.h. The console commands that
 * change state and NKSYS_EXIT need euid 0 (-EPERM). */
long sys_nksys(const uint64_t *a)
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
		vm_activate(current->mm);
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
		i.iotlb_invalidations = nk_view->iommu.invalidations;
		i.ptes_written = nk_view->stats.ptes_written;
		i.tlb_flushes = nk_view->stats.tlb_flushes;
		i.shootdowns = nk_view->stats.shootdowns;
		i.shoot_ipis = nk_view->stats.shoot_ipis;
		i.ncpus = smp_cpus_online();
		for (unsigned c = 0; c < NK_MAX_CPUS && c < 8; c++)
			i.cpu_switches[c] = cpu_locals[c].switches;
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
