/* Module containment (include/outer/module.h): every call into a module
 * goes through module_call, which runs it on the module stack (guard page
 * below) under a recovery point; a fault or the watchdog turns into
 * "module failed": incident logged, module unmapped and freed, the kernel
 * carries on. Source: attacks.md (containment). */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/modelf.h>
#include <outer/module.h>
#include <x86/i5.h>
#include <outer/attack_api.h>
#include <outer/trap.h>
#include <outer/moddev.h>
#include <nk/vmmu.h>
#include <outer/smp.h>
#include "module_internal.h"

#define MODULE_STACK_PAGES 4
extern struct recovery *recover_current; /* outer/trap.c */

/* The watchdog's clock: the timer ticks of the CPU running the module
 * (it holds the BKL throughout, and a bounded wait halts on the same CPU):
 * CPU 0's PIT ticks (timer_ticks, which only CPU 0's handler moves), an
 * AP's LAPIC ticks (SMP_TIMER_VECTOR, as often). Either way a stretch the
 * module spends with interrupts off counts as one tick, however long, as
 * it always did on CPU 0: on an AP, timer_ticks would go on meanwhile. */
static uint64_t module_clock(void)
{
	struct cpu_local *c = this_cpu();
	return c->index == 0 ? timer_ticks : c->apic_ticks;
}

/* The module running now (module_call), its recovery point and start. */
/* Volatile: the watchdog reads them from an interrupt on this CPU. */
static struct module *volatile running;
static struct recovery *volatile running_rec;
static volatile uint64_t running_since;
static volatile bool running_blocked; /* in a bounded kernel wait for it (module_block_begin) */
static uint64_t stack_top;	      /* the module stack (mapped once), 0 before */

void (*volatile module_call_window_hook)(void);

struct module *module_running(void)
{
	return running;
}

void (*module_failed_hook)(struct module *m);

/* The module stack: MODULE_STACK_PAGES pages with an unmapped guard page
 * below, mapped once in the module area. Returns its top, 0 if out. */
static uint64_t module_stack(void)
{
	if (stack_top)
		return stack_top;
	uint64_t va = module_va_alloc(MODULE_STACK_PAGES + 1);
	if (!va)
		return 0;
	for (unsigned i = 1; i <= MODULE_STACK_PAGES; i++) {
		paddr_t f = frame_alloc();
		if (!pa_addr(f) ||
		    mm_map(nk_view->master_l4, va + i * PAGE_SIZE, f, PTE_W | PTE_NX))
			return 0;
	}
	stack_top = va + (MODULE_STACK_PAGES + 1) * PAGE_SIZE;
	return stack_top;
}

/* module_stack_call: fn(arg) on the stack ending at sp (outer/modcall.asm). */
long module_stack_call(long (*fn)(void *), void *arg, uint64_t sp);

static const char *vec_name(uint64_t v)
{
	switch (v) {
	case 0:
		return "#DE";
	case 6:
		return "#UD";
	case 8:
		return "#DF (stack overflow?)";
	case 13:
		return "#GP";
	case 14:
		return "#PF";
	case 32:
		return "watchdog";
	default:
		return "exception";
	}
}

long module_call(struct module *m, long (*fn)(void *), void *arg, struct fault_info *fi)
{
	if (m->state != MOD_LIVE)
		return -ENOEXEC;
	struct recovery rec;
	struct recovery *saved = recover_current;
	struct module *prev = running;
	struct recovery *prev_rec = running_rec;
	uint64_t prev_since = running_since;
	bool prev_blocked = running_blocked;
	uint64_t sp = prev ? 0 : module_stack();
	volatile long r;

	m->calls++;
	/* the watchdog (a tick on this CPU, module_watchdog_tick) reads these:
	 * the start and the state first, the recovery point last, and it
	 * jumps there only once recover_arm has armed it. A tick between the
	 * stores used to find the new recovery point with the last module's
	 * start (or 0): it fired and jumped to rec before rec held anything,
	 * with whatever RSP the stack had there (a CI panic: a fault in nk's
	 * frame move, the interrupted RSP 0x20 or not canonical) */
	rec.armed = 0;
	running_since = module_clock();
	running_blocked = false;
	running = m;
	running_rec = &rec; /* volatile stores: not reordered with the ones above */
	if (module_call_window_hook)
		module_call_window_hook();
	if (recover_arm(&rec) == 0) {
		r = sp ? module_stack_call(fn, arg, sp) : fn(arg);
		rec.armed = 0;
		recover_current = saved;
		running = prev;
		running_rec = prev_rec;
		running_since = prev_since;
		running_blocked = prev_blocked;
		return r;
	}
	/* a fault or the watchdog came back here */
	recover_current = saved;
	running = prev;
	running_rec = prev_rec;
	running_since = prev_since;
	running_blocked = prev_blocked;
	irq_enable();
	nk_load_cr3(nk_view->master_l4);
	m->faults++;
	m->state = MOD_FAILED;
	module_incidents++;
	bool in_text = module_by_rip(rec.fault.rip) == m;
	kprintf("module %s: INCIDENT %u: %s at RIP %lx (%s), address %lx: %s; module failed, "
		"unloading\n",
		m->name, module_incidents, vec_name(rec.fault.vector), rec.fault.rip,
		in_text ? "in its text" : "in a kernel path it called", rec.fault.addr,
		rec.fault.why);
	if (fi)
		*fi = rec.fault;
	if (module_failed_hook)
		module_failed_hook(m);
	if (!prev) /* a nested call's module is unloaded by the outermost one */
		module_unload(m);
	return -EIO;
}

/* The tick at which the running module's bounded wait began. */
static uint64_t blocked_since;

void module_block_begin(void)
{
	if (running && !running_blocked) {
		running_blocked = true;
		blocked_since = module_clock();
	}
}

void module_block_end(void)
{
	if (running && running_blocked) {
		running_blocked = false;
		running_since += module_clock() - blocked_since; /* the wait is not the module's */
	}
}

void module_watchdog_tick(void)
{
	if (!running || !running_rec || !running_rec->armed || running_blocked)
		return;
	uint64_t limit = (uint64_t)MODULE_WATCHDOG_MS * 100 / 1000; /* TIMER_HZ 100 */
	if (module_clock() - running_since <= limit)
		return;
	struct recovery *r = running_rec;
	r->fault.vector = 32;
	r->fault.error = 0;
	r->fault.rip = 0;
	r->fault.addr = 0;
	ksnprintf(r->fault.why, sizeof(r->fault.why), "watchdog: ran for more than %u ms",
		  MODULE_WATCHDOG_MS);
	recover_current = NULL;
	recover_jump(r);
}
