/* The kernel console: a line editor on the UART and the `nk>` commands. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/console.h>
#include <outer/mm.h>
#include <outer/trap.h>
#include <nk/vmmu.h>

#define CALL_NAME(fn, call, rip, exported) [NK_CALL_##call] = #fn,
static const char *const call_names[NK_CALL_MAX] = {NK_CALLS(CALL_NAME)};
#undef CALL_NAME

int cmd_mem(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("frames by type (4 KiB each):\n");
	for (unsigned t = 0; t < NK_F_NTYPES; t++)
		kprintf("  %-10s %8lu\n", ftype_name(t), nk_view->type_count[t]);
	uint64_t ptps = 0;
	for (unsigned t = NK_F_PTP1; t <= NK_F_PTP4; t++)
		ptps += nk_view->type_count[t];
	kprintf("PTPs declared: %lu; outer free frames: %lu; heap pages: %lu\n", ptps,
		frames_free(), heap_pages());
	return 0;
}

int cmd_vmmu(int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct nk_stats *s = &nk_view->stats;
	kprintf("vMMU calls (%s build):\n", nk_view->nested ? "nested" : "native");
	for (int c = 0; c < NK_CALL_MAX; c++)
		kprintf("  %-18s %10lu\n", call_names[c], s->calls[c]);
	kprintf("refusals by error code:\n");
	uint64_t total = 0;
	for (int e = 1; e < NK_EMAX; e++)
		if (s->refusals[e]) {
			kprintf("  %-18s %10lu\n", nk_strerror(e), s->refusals[e]);
			total += s->refusals[e];
		}
	kprintf("  total              %10lu\n", total);
	kprintf("PTEs written %lu, TLB flushes %lu, interrupts that found WP=0: %lu\n",
		s->ptes_written, s->tlb_flushes, s->wp_violations);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(0xc0000080);
	kprintf("CR0.WP=%d CR4.SMEP=%d CR4.SMAP=%d EFER.NXE=%d\n", !!(cr0 & (1 << 16)),
		!!(cr4 & (1 << 20)), !!(cr4 & (1 << 21)), !!(efer & (1 << 11)));
	if (!nk_view->nested) {
		kprintf("invariants: not checked (native build: no nested kernel)\n");
		return 0;
	}
	long r = nk_check_invariants();
	const struct nk_check_report *c = &nk_view->check;
	if (r == 0) {
		kprintf("invariants: I1-I4, I7-I9%s hold (run %u)\n",
			nk_view->iommu.on ? ", I11" : " (I11 not checked: no IOMMU on)", c->runs);
		return 0;
	}
	kprintf("invariants: FAILED (run %u):", c->runs);
	for (int i = 1; i <= NK_INV_MAX; i++)
		if (c->failures[i])
			kprintf(" I%d x%u", i, c->failures[i]);
	kprintf("\n  first: %s (at %lx)\n", c->first_msg, c->first_bad_pa);
	return 1;
}

/* nk iommu: the remapping unit's state, after nk read its fault registers. */
static int cmd_iommu(int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct nk_iommu_view *v = &nk_view->iommu;
	long n = nk_iommu_poll();
	if (!v->on) {
		kprintf("iommu: off (%s): device DMA is not protected\n",
			!nk_view->nested    ? "native build"
			: v->off_by_cmdline ? "nk.iommu=off"
					    : "no usable remapping unit");
		return 0;
	}
	kprintf("iommu: VT-d unit at %lx, CAP %lx ECAP %lx, %u-level tables\n",
		pa_addr(v->reg_base), v->cap, v->ecap, v->levels);
	kprintf("  frames mapped for devices %lu (the DATA frames), not mapped %lu\n",
		v->mapped_frames, nk_view->nframes - v->mapped_frames);
	kprintf("  IOTLB invalidations %lu, interrupt-cache invalidations %lu, "
		"remapped interrupts %u\n",
		v->invalidations, v->iec_invalidations, v->nirqs);
	kprintf("  faults %lu (%ld new)\n", v->faults, n);
	uint64_t first = v->faults > NK_IOMMU_FAULTS_KEPT ? v->faults - NK_IOMMU_FAULTS_KEPT : 0;
	for (uint64_t i = first; i < v->faults; i++) {
		const struct nk_iommu_fault *f = &v->fault_log[i % NK_IOMMU_FAULTS_KEPT];
		kprintf("  fault %lu: %02x:%02x.%u %s %lx, reason %#x\n", i, f->sid >> 8,
			(f->sid >> 3) & 0x1f, f->sid & 7,
			f->interrupt ? "interrupt index"
			: f->write   ? "write"
				     : "read",
			f->interrupt ? f->addr >> 12 : f->addr, f->reason);
	}
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("powering off\n");
	poweroff();
}

/* The registered commands (CONSOLE_COMMAND), sorted by name (linker.ld). */
extern const struct console_cmd __console_cmds_start[], __console_cmds_end[];

/* linker symbols bound one array: count it by address */
static size_t ncmds(void)
{
	return (size_t)((uint64_t)__console_cmds_end - (uint64_t)__console_cmds_start) /
	       sizeof(struct console_cmd);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (size_t i = 0; i < ncmds(); i++) {
		const struct console_cmd *c = &__console_cmds_start[i];
		kprintf("  %-9s %s%s\n", c->name, c->help,
			c->root ? " (root only from user space)" : "");
	}
	return 0;
}

/* The outer kernel's commands; root: the command changes state, so nksys
 * refuses it to a process whose euid is not 0; the others only read. The
 * harnesses (tests/, Makefile HARNESS=1) register attack, test, fuzz and
 * bench themselves. */
CONSOLE_COMMAND(help, "list commands", cmd_help, false);
CONSOLE_COMMAND(mem, "frames by type", cmd_mem, false);
CONSOLE_COMMAND(vmmu, "vMMU calls and refusals by error code", cmd_vmmu, false);
CONSOLE_COMMAND(check, "run the invariant checker", cmd_check, false);
CONSOLE_COMMAND(iommu, "the IOMMU: mapped frames, invalidations, DMA faults", cmd_iommu, false);
CONSOLE_COMMAND(regions, "protected regions, write log, audit log", cmd_regions, false);
CONSOLE_COMMAND(audit, "audit [N]: the last N syscall records (append-only log)", cmd_audit, false);
CONSOLE_COMMAND(wlog, "wlog [N]: the last N records of nk's write log", cmd_wlog, false);
CONSOLE_COMMAND(poweroff, "switch the machine off", cmd_poweroff, true);

/* The command named by the n bytes at name, or NULL. */
static const struct console_cmd *cmd_find(const char *name, size_t n)
{
	for (size_t i = 0; i < ncmds(); i++)
		if (strlen(__console_cmds_start[i].name) == n &&
		    !memcmp(name, __console_cmds_start[i].name, n))
			return &__console_cmds_start[i];
	return NULL;
}

/* Split line in place into at most max words. */
static int split(char *line, char **argv, int max)
{
	int n = 0;
	while (*line && n < max) {
		while (*line == ' ')
			*line++ = 0;
		if (!*line)
			break;
		argv[n++] = line;
		while (*line && *line != ' ')
			line++;
	}
	return n;
}

bool console_needs_root(const char *line)
{
	while (*line == ' ')
		line++;
	size_t n = 0;
	while (line[n] && line[n] != ' ')
		n++;
	const struct console_cmd *c = cmd_find(line, n);
	return c && c->root;
}

int console_exec(char *line)
{
	char *argv[8];
	int argc = split(line, argv, 8);
	if (!argc)
		return 0;
	const struct console_cmd *c = cmd_find(argv[0], strlen(argv[0]));
	if (c)
		return c->fn(argc, argv);
	kprintf("unknown command '%s' (try help)\n", argv[0]);
	return -1;
}

/* Read a line with echo and backspace; interrupts stay on while waiting. */
static void read_line(char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		int c = uart_getc();
		if (c < 0) {
			__asm__ volatile("hlt");
			continue;
		}
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			buf[n] = 0;
			return;
		}
		if ((c == 8 || c == 127) && n) {
			n--;
			kprintf("\b \b");
		} else if (c >= 32 && c < 127 && n + 1 < cap) {
			buf[n++] = (char)c;
			uart_putc((char)c);
		}
	}
}

NK_NORETURN void console_run(void)
{
	char line[128];
	/* run=cmd:arg: a command given on the kernel command line (tests);
	 * exit=1 leaves QEMU afterwards with the command's status */
	if (cmdline_get("run", line, sizeof(line))) {
		for (char *p = line; *p; p++)
			if (*p == ':')
				*p = ' ';
		int r = console_exec(line);
		char ex[4];
		if (cmdline_get("exit", ex, sizeof(ex)) && ex[0] == '1')
			debug_exit(r ? 1 : 0x10);
	}
	kprintf("\nnk console: type help for commands\n");
	for (;;) {
		kprintf("nk> ");
		read_line(line, sizeof(line));
		console_exec(line);
	}
}
