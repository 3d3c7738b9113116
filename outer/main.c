/* The outer kernel's entry: nk hands off here with CR0.WP set, on a stack
 * of DATA frames. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/console.h>
#include <outer/proc.h>
#include <outer/syscall.h>
#include <nk/vmmu.h>
#include <outer/audit.h>
#include <outer/module.h>
#include <outer/smp.h>

NK_NORETURN void outer_main(void)
{
	smp_boot_init(); /* GS: this CPU's slot (current); the BKL */
	uart_init();
	kprintf("outer: kernel up; CR0 %lx CR4 %lx EFER %lx\n", read_cr0(), read_cr4(),
		rdmsr(0xc0000080));
	mm_init();
	pic_init();
	pit_init(TIMER_HZ);
	time_init();
	syscall_init();
	irq_enable();
	audit_init();
	proc_init();
	long r = nk_init_done();
	if (r)
		kprintf("outer: nk_init_done: %s (.data.ro_after_init unprotected)\n",
			nk_strerror(r));
	kprintf("outer: %lu frames free, interrupts on (PIT %u Hz)\n", frames_free(), TIMER_HZ);
	cmd_mem(0, NULL);
	cmd_check(0, NULL);
	fs_init();
	module_boot();	     /* modules=a,b on the command line */
	outer_smp_release(); /* the APs nk parked: each says it is up and halts */
	/* run=... (tests, attacks) and nk.console=1 keep the kernel console;
	 * otherwise user space starts: /sbin/init, in test mode with utest=1,
	 * in benchmark mode with bench=1 (init bench full) or bench=MODE
	 * (init bench MODE: quick, one sample each; MODE:N, N runs of each
	 * macro workload; /bench/run-all) */
	char v[16];
	if (cmdline_get("run", v, sizeof(v)) ||
	    (cmdline_get("nk.console", v, sizeof(v)) && v[0] == '1'))
		console_run();
	static const char *const argv_normal[] = {"/sbin/init", NULL};
	static const char *const argv_test[] = {"/sbin/init", "test", NULL};
	static char bench_mode[16];
	static const char *const argv_bench[] = {"/sbin/init", "bench", bench_mode, NULL};
	bool test = cmdline_get("utest", v, sizeof(v)) && v[0] == '1';
	const char *const *argv = test ? argv_test : argv_normal;
	if (cmdline_get("bench", bench_mode, sizeof(bench_mode))) {
		if (!strcmp(bench_mode, "1"))
			memcpy(bench_mode, "full", sizeof("full"));
		argv = argv_bench;
	}
	tty_enable();
	proc_start_init("/sbin/init", argv);
}
