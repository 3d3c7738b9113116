/* The module loader (include/outer/module.h); containment is in
 * outer/module_call.c.
 * Load: parse and relocate the .ko in staging buffers (outer/modelf.c),
 * copy it into fresh DATA frames, ask nk to make the text frames CODE
 * (nk_promote_code scans them for I5 encodings), then map text RO+X,
 * rodata RO+NX and data RW+NX in the module area through the vMMU.
 * Unload reverses it: unmap, nk_demote_code, free.
 * Containment: every call into a module goes through module_call, which
 * runs it on the module stack (guard page below) under a recovery point;
 * a fault or the watchdog turns into "module failed": incident logged,
 * module unmapped and freed, the kernel carries on.
 * Source: spec 3 (I4, I5), 5, 8; attacks.md (containment). */
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
#include "module_internal.h"

#define MODULE_MAX_BYTES (1u << 20)

static struct module *modules;
static uint64_t next_va = MODULE_BASE;
uint32_t module_incidents;

extern const struct ksym __ksymtab_start[], __ksymtab_end[]; /* linker.ld */

bool ksym_lookup(const char *name, uint64_t *addr)
{
	size_t n =
	    (size_t)((uint64_t)__ksymtab_end - (uint64_t)__ksymtab_start) / sizeof(struct ksym);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(__ksymtab_start[i].name, name)) {
			*addr = __ksymtab_start[i].addr;
			return true;
		}
	return false;
}

static bool resolve(const char *name, uint64_t *addr, void *ctx)
{
	(void)ctx;
	return ksym_lookup(name, addr);
}

struct module *module_find(const char *name)
{
	for (struct module *m = modules; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

struct module *module_by_rip(uint64_t rip)
{
	for (struct module *m = modules; m; m = m->next)
		if (rip >= m->va[MELF_TEXT] &&
		    rip < m->va[MELF_TEXT] + m->pages[MELF_TEXT] * PAGE_SIZE)
			return m;
	return NULL;
}

/* Virtual space for n pages plus a guard page after them (never reused:
 * the 1 GiB area outlasts any test run). 0 when the area is full. */
uint64_t module_va_alloc(uint64_t n)
{
	uint64_t va = next_va;
	if ((n + 1) * PAGE_SIZE > MODULE_BASE + nk_view->module_size - va - PAGE_SIZE)
		return 0;
	next_va += (n + 1) * PAGE_SIZE;
	return va;
}

/* Unmap, demote (text) and free what area a of m holds. */
static long area_release(struct module *m, int a)
{
	long r = 0;
	if (!m->frames[a])
		return 0;
	mm_unmap_pages(nk_view->master_l4, m->va[a], m->pages[a]);
	if (a == MELF_TEXT && m->pages[a]) {
		r = nk_demote_code(m->frames[a], m->pages[a]);
		if (r) {
			kprintf("module %s: nk_demote_code: %s; its text frames stay CODE\n",
				m->name, nk_strerror(r));
			kfree(m->frames[a]);
			m->frames[a] = NULL;
			return r;
		}
	}
	for (uint64_t i = 0; i < m->pages[a]; i++)
		if (pa_addr(m->frames[a][i]))
			frame_free(m->frames[a][i]);
	kfree(m->frames[a]);
	m->frames[a] = NULL;
	return r;
}

/* Copy staging buffer buf (pages pages) into fresh frames of area a. */
static long area_fill(struct module *m, int a, const uint8_t *buf)
{
	m->frames[a] = kmalloc(m->pages[a] * sizeof(paddr_t) + 1);
	if (!m->frames[a])
		return -ENOMEM;
	memset(m->frames[a], 0, m->pages[a] * sizeof(paddr_t));
	for (uint64_t i = 0; i < m->pages[a]; i++) {
		paddr_t f = frame_alloc();
		if (!pa_addr(f))
			return -ENOMEM;
		m->frames[a][i] = f;
		memcpy(pa_to_dm(f), buf + i * PAGE_SIZE, PAGE_SIZE);
	}
	return 0;
}

static long area_map(struct module *m, int a)
{
	static const uint64_t rights[3] = {0, PTE_NX, PTE_W | PTE_NX};
	return mm_map_pages(nk_view->master_l4, m->va[a], m->frames[a], m->pages[a], rights[a]);
}

static void module_free(struct module *m)
{
	for (int a = 0; a < 3; a++)
		area_release(m, a);
	kfree(m);
}

/* The base name of path without a .ko suffix. */
static void base_name(const char *path, char *out, size_t cap)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			b = p + 1;
	size_t n = strlen(b);
	if (n > 3 && !strcmp(b + n - 3, ".ko"))
		n -= 3;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, b, n);
	out[n] = 0;
}

static long call_init(void *arg)
{
	return ((struct module *)arg)->init();
}

static long call_exit(void *arg)
{
	((struct module *)arg)->exit();
	return 0;
}

long module_load(const char *name, const uint8_t *img, size_t len, bool run_init,
		 struct module **out, char *err, size_t cap)
{
	struct melf *e = kmalloc(sizeof(*e));
	struct module *m = kmalloc(sizeof(*m));
	uint8_t *buf[MELF_NAREAS] = {0};
	long r = -ENOMEM;
	err[0] = 0;
	if (!e || !m)
		goto fail;
	memset(m, 0, sizeof(*m));
	r = -ENOEXEC;
	if (melf_parse(e, img, len)) {
		ksnprintf(err, cap, "%s", e->err);
		goto fail;
	}
	if (!name) { /* the source file's name (STT_FILE), as Linux's modinfo would */
		name = "module";
		for (uint64_t i = 1; i < e->nsyms; i++)
			if ((e->syms[i].info & 0xf) == 4) {
				name = e->str + e->syms[i].name;
				break;
			}
	}
	base_name(name, m->name, sizeof(m->name));
	char *dot = strstr(m->name, ".c");
	if (dot && dot[2] == 0)
		*dot = 0;
	r = -EEXIST;
	if (module_find(m->name)) {
		ksnprintf(err, cap, "a module named %s is loaded", m->name);
		goto fail;
	}
	r = -ENOEXEC;
	if (!e->area_size[MELF_TEXT]) {
		ksnprintf(err, cap, "no executable section");
		goto fail;
	}
	uint64_t total = 0;
	for (int a = 0; a < MELF_NAREAS; a++) {
		m->pages[a] = align_up(e->area_size[a], PAGE_SIZE) / PAGE_SIZE;
		total += m->pages[a];
	}
	r = -ENOMEM;
	if (total * PAGE_SIZE > 4 * MODULE_MAX_BYTES || m->pages[MELF_TEXT] > NK_CODE_MAX) {
		ksnprintf(err, cap, "module too large");
		goto fail;
	}
	for (int a = 0; a < MELF_NAREAS; a++) {
		if (!m->pages[a])
			continue;
		buf[a] = kmalloc(m->pages[a] * PAGE_SIZE);
		m->va[a] = module_va_alloc(m->pages[a]);
		if (!buf[a] || !m->va[a]) {
			ksnprintf(err, cap, "out of memory or module space");
			goto fail;
		}
		/* text padding is int3: no I5 encoding can be completed there */
		memset(buf[a], a == MELF_TEXT ? 0xcc : 0, m->pages[a] * PAGE_SIZE);
	}
	/* A relocated address or distance can spell an I5 encoding by chance
	 * (nk would refuse the text): then the text is placed again elsewhere,
	 * up to 3 times. Encodings of the module's own stay wherever it is put,
	 * and nk refuses them below. */
	for (int place = 0;; place++) {
		r = -ENOEXEC;
		if (melf_relocate(e, buf, m->va, resolve, NULL)) {
			ksnprintf(err, cap, "%s", e->err);
			if (strstr(e->err, "undefined symbol"))
				r = -ENOENT;
			goto fail;
		}
		size_t tb = m->pages[MELF_TEXT] * PAGE_SIZE;
		if (place == 3 || i5_scan(buf[MELF_TEXT], tb, 0, NULL) == tb)
			break;
		uint64_t va = module_va_alloc(m->pages[MELF_TEXT]);
		if (!va)
			break;
		m->va[MELF_TEXT] = va;
		memset(buf[MELF_TEXT], 0xcc, tb);
	}
	m->text_bytes = e->area_size[MELF_TEXT];
	m->init = (int (*)(void))melf_symbol(e, "__module_init");
	m->exit = (void (*)(void))melf_symbol(e, "__module_exit");
	int ms = melf_section(e, ".attack_meta");
	if (ms >= 0) {
		if (e->sh[ms].size != sizeof(struct attack_meta) || e->area[ms] < 0) {
			ksnprintf(err, cap, ".attack_meta has %lu bytes, want %lu",
				  (unsigned long)e->sh[ms].size,
				  (unsigned long)sizeof(struct attack_meta));
			goto fail;
		}
		m->meta = (const struct attack_meta *)e->va[ms];
	}
	r = -ENOMEM;
	for (int a = 0; a < MELF_NAREAS; a++)
		if (m->pages[a] && area_fill(m, a, buf[a])) {
			ksnprintf(err, cap, "out of frames");
			goto fail;
		}
	long nr = nk_promote_code(m->frames[MELF_TEXT], m->pages[MELF_TEXT]);
	if (nr) {
		r = nr == -NK_EI5 ? -EPERM : -ENOEXEC;
		ksnprintf(err, cap, "nk refused the text: %s%s", nk_strerror(nr),
			  nr == -NK_EI5 ? " (forbidden instruction, I5; offset in nk's log line)"
					: "");
		/* the frames are still DATA: free them without demoting */
		for (uint64_t i = 0; i < m->pages[MELF_TEXT]; i++)
			frame_free(m->frames[MELF_TEXT][i]);
		kfree(m->frames[MELF_TEXT]);
		m->frames[MELF_TEXT] = NULL;
		goto fail;
	}
	for (int a = 0; a < MELF_NAREAS; a++) {
		long mr = area_map(m, a);
		if (mr) {
			r = -ENOMEM;
			ksnprintf(err, cap, "mapping area %d: %s", a, nk_strerror(mr));
			goto fail;
		}
	}
	for (int a = 0; a < MELF_NAREAS; a++)
		kfree(buf[a]);
	kfree(e);
	m->state = MOD_LIVE;
	m->next = modules;
	modules = m;
	kprintf("module %s: loaded: text %lx (%lu bytes), rodata %lx, data %lx\n", m->name,
		m->va[MELF_TEXT], m->text_bytes, m->va[MELF_RODATA], m->va[MELF_DATA]);
	if (run_init && m->init) {
		struct fault_info fi;
		long ir = module_call(m, call_init, m, &fi);
		if (ir) {
			ksnprintf(err, cap, "init failed (%ld)", ir);
			if (ir != -EIO)
				module_unload(m);
			return ir;
		}
	}
	if (out)
		*out = m;
	return 0;
fail:
	for (int a = 0; a < MELF_NAREAS; a++)
		kfree(buf[a]);
	kfree(e);
	if (m)
		module_free(m);
	kprintf("module %s: load refused: %s\n", name ? name : "?", err);
	return r;
}

long module_load_inode(struct inode *ip, const char *name, bool run_init, struct module **out,
		       char *err, size_t cap)
{
	uint8_t *img = kmalloc(MODULE_MAX_BYTES);
	size_t len = 0;
	long r = 0;
	(void)name;
	if (!img) {
		ksnprintf(err, cap, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		long n = inode_read(ip, img + len, len, MODULE_MAX_BYTES - len);
		if (n < 0) {
			r = n;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == MODULE_MAX_BYTES) {
			r = -EFBIG;
			break;
		}
	}
	if (r == 0)
		r = module_load(name, img, len, run_init, out, err, cap);
	else
		ksnprintf(err, cap, "read error %ld", r);
	kfree(img);
	return r;
}

long module_load_file(const char *path, bool run_init, struct module **out, char *err, size_t cap)
{
	struct inode *ip;
	long r = fs_lookup(NULL, path, true, &ip);
	if (r) {
		ksnprintf(err, cap, "%s: not found", path);
		return r;
	}
	r = module_load_inode(ip, path, run_init, out, err, cap);
	inode_put(ip);
	return r;
}

static void unlink_module(struct module *m)
{
	for (struct module **p = &modules; *p; p = &(*p)->next)
		if (*p == m) {
			*p = m->next;
			return;
		}
}

long module_unload(struct module *m)
{
	if (m->state == MOD_LIVE && m->exit)
		module_call(m, call_exit, m, NULL);
	unlink_module(m);
	moddev_module_gone(m);
	long r = 0;
	for (int a = 0; a < 3; a++) {
		long ar = area_release(m, a);
		if (ar && !r)
			r = ar;
	}
	kprintf("module %s: unloaded\n", m->name);
	kfree(m);
	return r;
}

void module_boot(void)
{
	char list[128], err[128];
	if (!cmdline_get("modules", list, sizeof(list)))
		return;
	char *p = list;
	while (*p) {
		char *q = p;
		while (*q && *q != ',')
			q++;
		char c = *q;
		*q = 0;
		if (*p) {
			char path[96];
			ksnprintf(path, sizeof(path), "/lib/modules/%s.ko", p);
			long r = module_load_file(path, true, NULL, err, sizeof(err));
			kprintf("modules=: %s: %s%s\n", p, r ? "FAILED: " : "loaded", r ? err : "");
		}
		if (!c)
			break;
		p = q + 1;
	}
}

/* One line per module into buf (cap bytes): ours ("name bytes state
 * calls N") or, when proc, Linux's /proc/modules ("name bytes refcount
 * deps state address"; no module uses another here: 0 and "-"). Lines
 * that do not fit are left out. Returns the bytes written. */
static size_t list_modules(char *buf, size_t cap, bool proc)
{
	size_t n = 0;
	if (cap)
		buf[0] = 0;
	for (struct module *m = modules; m && n + 1 < cap; m = m->next) {
		unsigned long bytes =
		    (unsigned long)((m->pages[0] + m->pages[1] + m->pages[2]) * PAGE_SIZE);
		const char *state = m->state == MOD_LIVE ? "Live" : "Failed";
		int k = proc ? ksnprintf(buf + n, cap - n, "%s %lu 0 - %s 0x%016lx\n", m->name,
					 bytes, state, (unsigned long)m->va[0])
			     : ksnprintf(buf + n, cap - n, "%s %lu %s calls %u\n", m->name, bytes,
					 state, m->calls);
		if (k < 0 || (size_t)k >= cap - n)
			break;
		n += (size_t)k;
	}
	return n;
}

size_t module_list(char *buf, size_t cap)
{
	return list_modules(buf, cap, false);
}

size_t module_proc_list(char *buf, size_t cap)
{
	return list_modules(buf, cap, true);
}
