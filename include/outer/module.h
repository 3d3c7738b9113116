/* Loadable driver modules: the API a module is written against, and the
 * loader's interface to the rest of the kernel (outer/module.c).
 *
 * A module is an ET_REL x86-64 object (.ko) built with the kernel's flags
 * (`make modules`) against these headers. It names its entry points with
 * MODULE_INIT / MODULE_EXIT and may call only kernel functions exported
 * with EXPORT_SYMBOL (outer/ksyms.c). The loader places its text in the
 * module area (MODULE_BASE, within 2 GiB of the image), asks nk to make
 * the text frames CODE (nk_promote_code: the I5 scan), maps rodata RO+NX
 * and data RW+NX. Every call into a module runs under containment: a fault
 * or a watchdog timeout marks it failed and unloads it. docs/modules.md. */
#ifndef OUTER_MODULE_H
#define OUTER_MODULE_H
#include <nk/types.h>
#include <outer/trap.h>

/* MODULE_INIT(fn): int fn(void) runs at load; non-zero fails the load. */
#define MODULE_INIT(fn)                                                                            \
	int __module_init(void);                                                                   \
	int __module_init(void)                                                                    \
	{                                                                                          \
		return fn();                                                                       \
	}
/* MODULE_EXIT(fn): void fn(void) runs at unload (not after a failure). */
#define MODULE_EXIT(fn)                                                                            \
	void __module_exit(void);                                                                  \
	void __module_exit(void)                                                                   \
	{                                                                                          \
		fn();                                                                              \
	}

/* A kernel symbol a module may use: {name, address} in section .ksymtab
 * (inside the protected .rodata; linker.ld). */
struct ksym {
	const char *name;
	uint64_t addr;
} __attribute__((aligned(16))); /* entries are packed 16 bytes apart */
#define EXPORT_SYMBOL(sym)                                                                         \
	static const struct ksym __ksym_##sym                                                      \
	    __attribute__((section(".ksymtab"), used, aligned(16))) = {#sym, (uint64_t)&sym}

/* ksym_lookup: the address of exported kernel symbol name; false if it is
 * not exported. */
bool ksym_lookup(const char *name, uint64_t *addr);

#ifndef MODULE /* ---- the kernel side ---- */
struct attack_meta;

enum module_state { MOD_LIVE, MOD_FAILED };

#define MODULE_NAME_MAX 32

struct module {
	char name[MODULE_NAME_MAX];
	enum module_state state;
	uint64_t va[3];	     /* text, rodata, data: first byte (virtual) */
	uint64_t pages[3];   /* pages mapped in each area */
	paddr_t *frames[3];  /* the frames behind each area, pages[i] each */
	uint64_t text_bytes; /* text size before padding */
	int (*init)(void);
	void (*exit)(void);
	const struct attack_meta *meta; /* .attack_meta, or NULL */
	uint32_t calls, faults;
	struct module *next;
};

/* module_load: load the .ko image img (len bytes) as module `name` (its
 * base name without .ko; NULL: the source file named in the object's
 * STT_FILE symbol, without .c):
 * parse, relocate, promote, map; then run its init under containment when
 * run_init. Returns 0 and *out, or a negative errno (-ENOEXEC malformed,
 * -ENOENT undefined symbol, -EPERM I5 refusal by nk, -ENOMEM, -EEXIST
 * name taken, -EIO init faulted, or init's own error) with err (cap bytes)
 * saying why; nothing of the module stays on failure. */
long module_load(const char *name, const uint8_t *img, size_t len, bool run_init,
		 struct module **out, char *err, size_t cap);
/* module_load_file: module_load of the initramfs file at path (name = its
 * base name without .ko). */
long module_load_file(const char *path, bool run_init, struct module **out, char *err, size_t cap);
/* module_load_inode: module_load of regular file ip (name: its path). */
struct inode;
long module_load_inode(struct inode *ip, const char *name, bool run_init, struct module **out,
		       char *err, size_t cap);
/* module_unload: run exit (if live, under containment), unmap, demote the
 * text (nk_demote_code), free every frame and forget m. Returns 0 or the
 * nk error that kept the text from being demoted (frames then leak). */
long module_unload(struct module *m);
/* module_find: the loaded module named name, or NULL. */
struct module *module_find(const char *name);
/* module_by_rip: the module whose text holds rip, or NULL. */
struct module *module_by_rip(uint64_t rip);

/* module_call: call fn(arg) (code of module m, or kernel code on its
 * behalf) under containment: on its own stack with a guard page, tracked
 * as the running module. A fault (#PF #GP #UD #DE ...) or a watchdog stop
 * marks m failed, logs an incident, unmaps and frees it, and returns
 * -EIO with *fi (may be NULL) saying what happened (*fi is written only
 * then, so a caller can tell containment from fn returning -EIO itself). A failed module is not
 * called again: -ENOEXEC. Otherwise fn's result. */
long module_call(struct module *m, long (*fn)(void *), void *arg, struct fault_info *fi);

/* module_watchdog_tick: from the timer interrupt: stop the running module
 * if it has run for longer than MODULE_WATCHDOG_MS. Returns only if not.
 * It jumps only to a recovery point recover_arm has armed. */
void module_watchdog_tick(void);
#define MODULE_WATCHDOG_MS 200

/* module_call_window_hook: NULL but in the in-kernel test
 * (tests/kernel/ktest.c watchdog_window): called by module_call in the
 * window where the running module and its recovery point are already
 * published and the point is not armed yet, so that the test can let the
 * watchdog's ticks land there. */
extern void (*volatile module_call_window_hook)(void);

/* module_block_begin / module_block_end: bracket a bounded wait the
 * kernel makes for the running module (irq_msi_wait: a device's
 * completion interrupt): the watchdog does not fire between them, and
 * module_block_end moves the module's start forward by the wait's length,
 * so the watchdog measures the time the module itself ran, all its waits
 * left out. The wait must end by itself (a timeout); no task switch may
 * happen inside. No-ops with no module running. */
void module_block_begin(void);
void module_block_end(void);

/* module_boot: load the modules named by modules=a,b on the command line
 * (/lib/modules/NAME.ko). */
void module_boot(void);
/* module_list: print the loaded modules (lsmod) into buf; returns bytes. */
size_t module_list(char *buf, size_t cap);
/* module_proc_list: the same list as /proc/modules shows it (Linux man 5
 * proc: "name size refcount deps state address" per line); returns bytes. */
size_t module_proc_list(char *buf, size_t cap);
/* module_failed_hook: NULL, or set at run time by whoever watches module
 * failures (today the attack harness, which reads targets in the module):
 * called with a module that just failed, before it is unmapped. */
extern void (*module_failed_hook)(struct module *m);
/* modules_loaded / incidents: counters for tests. */
extern uint32_t module_incidents;
#endif

#endif
