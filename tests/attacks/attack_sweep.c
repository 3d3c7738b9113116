/* The gadget sweep and the direct calls into nk (attacks.md: "reach every
 * privileged-write site in nk's text directly", "call the nk functions
 * behind the gates directly"; spec I6, the no-gadget rule).
 *
 * The harness, not the attacking module, enumerates the attack surface at
 * run time: every byte offset of nk's text where the I5 matcher
 * (lib/i5.c) finds a privileged write, and every function symbol in nk's
 * text (the build's symbol list, a multiboot2 module named "nksyms"). The
 * module drivers/mod/gadget_jump.c reaches each with a plain `jmp`, every
 * register as the harness chose it (struct sweep_shot). Around each shot
 * the oracle snapshots CR0, CR3, CR4, the MSRs nk pins, DR0-DR3, DR7, IDTR,
 * GDTR and TR and compares them afterwards; the invariant checker runs after
 * each site's shots. One report row (attack-json) per site and per
 * function.
 *
 * The sweep runs on every CPU (issue 17): each CPU has its own CR0, CR4,
 * MSRs, GDT, TSS and nk gate state, so each site's shots are fired on each
 * online CPU in turn (this CPU, then every other one through smp_call,
 * outer/smp.c), and after them, on that CPU, the invariant checker and a
 * comparison with nk's record of that CPU (sweep_record_diff). A site's row
 * is blocked only when it was blocked on every CPU; a `sweep-cpu:` line per
 * CPU and the summary's "cpus_swept" say which CPUs ran every site.
 *
 * Console: `attack sweep` (every site: all registers hostile, only the
 * named register hostile, and RSP hostile too), `attack calls` (every nk
 * function), `attack window` (-icount boots: an interrupt timed into the
 * window between each executable site's write and its check; fails
 * unless nk's stubs were seen repairing CR0). */
#include <outer/kernel.h>
#include <outer/attack_api.h>
#include <outer/module.h>
#include <outer/mm.h>
#include <outer/trap.h>
#include <outer/drivers.h>
#include <outer/smp.h>
#include <nk/vmmu.h>
#include <nk/region.h>
#include <x86/io.h>
#include <x86/i5.h>

#include <x86/cpu.h> /* CR0, CR4, EFER bits, MSR numbers */

enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI, NREG = 16 };

/* ---- the oracle: the CPU state nk owns ---- */

/* The MSRs the sweep writes and the oracle reads (SDM Vol. 4). */
static const struct {
	uint32_t msr;
	const char *name;
} sweep_msrs[ATTACK_SNAP_MSRS] = {
    {0xc0000080, "EFER"},      {0xc0000081, "STAR"},	{0xc0000082, "LSTAR"},
    {0xc0000083, "CSTAR"},     {0xc0000084, "SFMASK"},	{0x277, "PAT"},
    {0x1b, "APIC_BASE"},       {0x174, "SYSENTER_CS"},	{0x175, "SYSENTER_ESP"},
    {0x176, "SYSENTER_EIP"},   {0x1d9, "DEBUGCTL"},	{0x2ff, "MTRR_DEF_TYPE"},
    {0x200, "MTRR_PHYSBASE0"}, {0xc0000103, "TSC_AUX"},
};
#define NMSR ATTACK_SNAP_MSRS
static bool msr_present[NMSR];

static uint64_t read_dr(int i)
{
	uint64_t v = 0;
	switch (i) {
	case 0:
		__asm__ volatile("mov %%dr0, %0" : "=r"(v));
		break;
	case 1:
		__asm__ volatile("mov %%dr1, %0" : "=r"(v));
		break;
	case 2:
		__asm__ volatile("mov %%dr2, %0" : "=r"(v));
		break;
	case 3:
		__asm__ volatile("mov %%dr3, %0" : "=r"(v));
		break;
	default:
		__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	}
	return v;
}

static void msrs_probe(void);

void attack_snap(struct attack_snap *s)
{
	msrs_probe();
	memset(s, 0, sizeof(*s));
	s->cr0 = read_cr0();
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
	for (size_t i = 0; i < NMSR; i++)
		if (msr_present[i])
			s->msr[i] = rdmsr(sweep_msrs[i].msr);
	for (int i = 0; i < 5; i++)
		s->dr[i] = read_dr(i);
	__asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(s->gdtr), "=m"(s->idtr), "=r"(s->tr));
}

/* snap_diff: the first item that differs, or NULL. */
static const char *snap_diff(const struct attack_snap *a, const struct attack_snap *b)
{
	static const char *const drn[5] = {"DR0", "DR1", "DR2", "DR3", "DR7"};
	if (a->cr0 != b->cr0)
		return "CR0";
	if (a->cr3 != b->cr3)
		return "CR3";
	if (a->cr4 != b->cr4)
		return "CR4";
	for (size_t i = 0; i < NMSR; i++)
		if (a->msr[i] != b->msr[i])
			return sweep_msrs[i].name;
	for (int i = 0; i < 5; i++)
		if (a->dr[i] != b->dr[i])
			return drn[i];
	if (memcmp(&a->gdtr, &b->gdtr, sizeof(a->gdtr)))
		return "GDTR";
	if (memcmp(&a->idtr, &b->idtr, sizeof(a->idtr)))
		return "IDTR";
	if (a->tr != b->tr)
		return "TR";
	return NULL;
}

/* Whether this CPU has MSR msr: an RDMSR under a recovery point. */
static __attribute__((noinline)) bool msr_probe(uint32_t msr)
{
	struct recovery rec;
	if (recover_arm(&rec) != 0)
		return false;
	(void)rdmsr(msr);
	recover_disarm();
	return true;
}

/* msrs_probe: which of sweep_msrs this CPU has (once per boot). */
static void msrs_probe(void)
{
	static bool probed;
	if (probed)
		return;
	probed = true;
	for (size_t i = 0; i < NMSR; i++)
		msr_present[i] = msr_probe(sweep_msrs[i].msr);
}

/* ---- nk's symbols (the "nksyms" boot module: "addr size type name") ---- */

struct nksym {
	uint64_t addr, size;
	char type; /* F function, N label */
	const char *name;
};
static struct nksym *syms;
static size_t nsyms;

static uint64_t hex_field(const char **p)
{
	uint64_t v = 0;
	while (**p == ' ')
		(*p)++;
	for (;; (*p)++) {
		char c = **p;
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
						    : 16;
		if (d == 16)
			return v;
		v = v << 4 | d;
	}
}

/* syms_load: parse the symbol list once; false when the module is absent. */
static bool syms_load(void)
{
	if (syms)
		return true;
	const struct nk_module *m = NULL;
	for (uint32_t i = 0; i < nk_view->nmodules; i++)
		if (!strcmp(nk_view->modules[i].name, "nksyms"))
			m = &nk_view->modules[i];
	if (!m)
		return false;
	size_t len = pa_addr(m->end) - pa_addr(m->start), lines = 0;
	const char *t = pa_to_dm(m->start);
	for (size_t i = 0; i < len; i++)
		lines += t[i] == '\n';
	char *copy = kmalloc(len + 1);
	syms = kmalloc((lines + 1) * sizeof(*syms));
	if (!copy || !syms)
		return false;
	memcpy(copy, t, len);
	copy[len] = 0;
	for (char *p = copy; *p;) {
		char *e = p;
		while (*e && *e != '\n')
			e++;
		char c = *e;
		*e = 0;
		const char *q = p;
		struct nksym s;
		s.addr = hex_field(&q);
		s.size = hex_field(&q);
		while (*q == ' ')
			q++;
		s.type = *q ? *q++ : 0;
		while (*q == ' ')
			q++;
		s.name = q;
		if (s.addr >= nk_view->nk_text_start && s.addr < nk_view->nk_text_end && *s.name)
			syms[nsyms++] = s;
		if (!c)
			break;
		p = e + 1;
	}
	return true;
}

/* sym_at: the nk symbol at or below a (functions before labels); NULL if none. */
static const struct nksym *sym_at(uint64_t a)
{
	const struct nksym *best = NULL;
	for (size_t i = 0; i < nsyms; i++)
		if (syms[i].addr <= a && (!best || syms[i].addr > best->addr ||
					  (syms[i].addr == best->addr && syms[i].type == 'F')))
			best = &syms[i];
	return best;
}

static void site_name(uint64_t a, char *buf, size_t cap)
{
	const struct nksym *s = sym_at(a);
	if (s)
		ksnprintf(buf, cap, "%s+0x%lx", s->name, a - s->addr);
	else
		ksnprintf(buf, cap, "nk+0x%lx", a - nk_view->nk_text_start);
}

/* ---- shots ---- */

static struct module *jmod;
static struct sweep_shot shot;
static struct attack_ctx jctx;

/* Hostile state the shots use. */
static paddr_t evil_l4;		    /* an L4 of DATA frames mapping a live PTP writable */
static struct attack_dtr *fake_dtr; /* points at a fake descriptor table */
static uint64_t attacker_fn;	    /* "attacker code": the jump module's text */
static uint8_t *live_ptp;	    /* that live L1 PTP, through the direct map (read-only) */

/* A checksum (FNV-1a) of the live PTP: shots with a hostile RSP aim it
 * into this page, so a push made while WP is clear would show here. */
static uint64_t ptp_sum(void)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < PAGE_SIZE; i++)
		h = (h ^ live_ptp[i]) * 0x100000001b3ull;
	return h;
}

enum how { H_LANDED, H_FAULT, H_NX, H_MAX };
struct outcome {
	unsigned shots, how[H_MAX], changed, refused;
	const char *what_changed;
	const char *failed; /* the row fails for this reason, even with nothing changed */
};

/* jump_once: the jump of `shot` under a recovery point (interrupts off
 * unless the shot turns them on): H_LANDED, or how it faulted. */
static __attribute__((noinline)) enum how jump_once(void)
{
	struct recovery rec;
	irq_disable();
	if (recover_arm(&rec) == 0) {
		jmod->meta->run(&jctx);
		recover_disarm();
		return H_LANDED;
	}
	/* NX or SMEP: the fetch of the site itself faulted (a later fetch fault, e.g.
	 * after an IRETQ through a hostile frame, is another fault) */
	return rec.fault.vector == 14 && (rec.fault.error & 0x10) && rec.fault.addr == shot.target
		   ? H_NX
		   : H_FAULT;
}

/* fire_shot: the shot in `shot`; the oracle compares before and after.
 * Returns whether the state changed. */
/* The CPU the harness command runs on (sweep_setup): its shots end with
 * interrupts on, as the console runs (a window shot's pending interrupt
 * lands then); on the other CPUs the sweep runs from smp_call, whose
 * function runs with interrupts off. */
static unsigned harness_cpu;

static bool fire_shot(struct outcome *o)
{
	struct attack_snap before, after;
	jctx.shot = &shot;
	attack_snap(&before);
	uint64_t sum = shot.rsp_hostile ? ptp_sum() : 0;
	enum how h = jump_once();
	__asm__ volatile("push $2; popfq" ::: "memory", "cc"); /* IOPL 0, AC, DF, TF clear */
	attack_snap(&after);
	o->shots++;
	o->how[h]++;
	o->refused += h == H_LANDED && (long)shot.rax_after < 0 && (long)shot.rax_after > -NK_EMAX;
	const char *d = snap_diff(&before, &after);
	if (!d && shot.rsp_hostile && ptp_sum() != sum)
		d = "the live PTP RSP pointed into";
	if (d) {
		o->changed++;
		if (!o->what_changed)
			o->what_changed = d;
		/* put the machine back for the next shot, through nk */
		nk_null();
		nk_load_cr3(nk_view->master_l4);
	}
	if (this_cpu()->index == harness_cpu)
		irq_enable();
	return d != NULL;
}

/* fire: one shot at target with the registers in regs (fire_shot). */
static bool fire(uint64_t target, const uint64_t regs[NREG], bool rsp_hostile, struct outcome *o)
{
	memset(&shot, 0, sizeof(shot));
	shot.target = target;
	memcpy(shot.regs, regs, sizeof(shot.regs));
	shot.rsp_hostile = rsp_hostile;
	return fire_shot(o);
}

/* The hostile value for a site of kind k (and MSR index mi for WRMSR). */
static uint64_t hostile(enum i5_kind k, size_t mi)
{
	switch (k) {
	case I5_MOV_CR0:
	case I5_LMSW:
		return read_cr0() & ~CR0_WP;
	case I5_MOV_CR3:
		return pa_addr(evil_l4);
	case I5_MOV_CR4:
		return read_cr4() & ~(CR4_SMEP | CR4_SMAP);
	case I5_MOV_DR:
		return 0x3ff; /* DR7: every breakpoint enabled; DR0-3: an address */
	case I5_WRMSR:
		switch (sweep_msrs[mi].msr) {
		case 0xc0000080:
			return rdmsr(0xc0000080) & ~EFER_NXE;
		case 0xc0000082:
		case 0xc0000083:
		case 0x176:
			return attacker_fn;
		case 0x1b:
			return 0x100000 | (rdmsr(0x1b) & 0xfff); /* the APIC page over RAM */
		case 0x174:
			return 0x08;
		case 0x175:
			return (uint64_t)fake_dtr;
		case 0x1d9:
			return 1; /* LBR */
		case 0x200:
			return 0x6; /* WB from 0 */
		case 0xc0000103:
			return 0xbad;
		default:
			return 0; /* STAR, SFMASK, PAT (all UC), MTRR_DEF_TYPE (MTRRs off) */
		}
	default:
		return (uint64_t)fake_dtr; /* LGDT, LIDT, LLDT, LTR: a fake table */
	}
}

/* The benign value of the same kind: what the register would hold legitimately. */
static uint64_t benign(enum i5_kind k)
{
	switch (k) {
	case I5_MOV_CR0:
	case I5_LMSW:
		return read_cr0();
	case I5_MOV_CR3:
		return read_cr3();
	case I5_MOV_CR4:
		return read_cr4();
	default:
		return 0;
	}
}

static bool is_prefix(uint8_t b)
{
	return (b & 0xf0) == 0x40 || b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 ||
	       b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/* The register an entry at e names for the write at site (MOV to CR/DR:
 * ModRM.rm, plus REX.B when the entry includes the REX byte); -1 when the
 * operands are implicit (WRMSR: ECX, EDX:EAX) or a memory operand. */
static int named_reg(const uint8_t *e, const uint8_t *site, enum i5_kind k)
{
	uint8_t modrm = site[2];
	int rexb = e < site && (site[-1] & 0xf0) == 0x40 && (site[-1] & 1);
	if (k == I5_MOV_CR0 || k == I5_MOV_CR3 || k == I5_MOV_CR4 || k == I5_MOV_DR)
		return (modrm & 7) + 8 * rexb;
	if ((modrm >> 6) == 3 || ((modrm & 7) != 4 && !((modrm >> 6) == 0 && (modrm & 7) == 5)))
		return (modrm & 7) + 8 * rexb;
	return -1;
}

static void set_all(uint64_t regs[NREG], uint64_t v)
{
	for (int i = 0; i < NREG; i++)
		regs[i] = v;
}

static const char *where_in_nk(uint64_t a)
{
	extern char __nk_priv_start[], __nk_priv_end[], __nk_boot_start[], __nk_boot_end[];
	if (a >= (uint64_t)__nk_priv_start && a < (uint64_t)__nk_priv_end)
		return "gated page";
	if (a >= (uint64_t)__nk_boot_start && a < (uint64_t)__nk_boot_end)
		return "boot-only";
	return "text";
}

/* A copy of nk's text, for reading its bytes: nk's gated page is a user
 * page (nk/priv.asm), which SMAP keeps ring 0 from reading without STAC;
 * the sweep reads the copy and jumps into the real text. */
static uint8_t *text_copy;

static const uint8_t *nk_text_bytes(void)
{
	size_t len = nk_view->nk_text_end - nk_view->nk_text_start;
	if (!text_copy && (text_copy = kmalloc(len))) {
		__asm__ volatile("stac" ::: "cc", "memory");
		memcpy(text_copy, (const void *)nk_view->nk_text_start, len);
		__asm__ volatile("clac" ::: "cc", "memory");
	}
	return text_copy;
}

/* One site (at offset off of nk's text): every entry, every variant (and
 * every MSR for WRMSR). Bytes come from the copy (nk_text_bytes). */
static void sweep_site(size_t off, enum i5_kind k, struct outcome *o)
{
	const uint8_t *text = nk_text_bytes(), *site = text + off;
	const uint8_t *first = site;
	while (site - first < 4 && first > text && is_prefix(first[-1]))
		first--;
	for (const uint8_t *e = first; e <= site; e++) {
		size_t nm = k == I5_WRMSR ? NMSR : 1;
		for (size_t mi = 0; mi < nm; mi++) {
			if (k == I5_WRMSR && !msr_present[mi])
				continue;
			uint64_t regs[NREG], v = hostile(k, mi);
			for (int variant = 0; variant < 3; variant++) {
				set_all(regs, variant == 1 ? benign(k) : v);
				if (variant == 1) {
					int r = named_reg(e, site, k);
					if (r >= 0)
						regs[r] = v;
					else
						set_all(regs, v);
				}
				if (k == I5_WRMSR) {
					regs[R_RCX] = sweep_msrs[mi].msr;
					regs[R_RAX] = (uint32_t)v;
					regs[R_RDX] = v >> 32;
				}
				/* variant 2: RSP hostile too: into the middle of a
				 * live L1 PTP (read-only outside nk) */
				regs[R_RSP] = (uint64_t)live_ptp + PAGE_SIZE / 2;
				fire(nk_view->nk_text_start + (uint64_t)(e - text), regs,
				     variant == 2, o);
			}
		}
	}
}

/* The hostile CR3 target: an L4 of plain DATA frames (never declared),
 * with the kernel half of the master L4 and, at 512 GiB, an alias of the
 * live heap L1 that maps it writable. */
static bool evil_setup(void)
{
	if (pa_addr(evil_l4))
		return true;
	paddr_t l4 = frame_alloc(), l3 = frame_alloc(), l2 = frame_alloc(), l1 = frame_alloc();
	void *page = kmalloc(PAGE_SIZE);
	if (!pa_addr(l4) || !pa_addr(l3) || !pa_addr(l2) || !pa_addr(l1) || !page)
		return false;
	paddr_t live;
	unsigned idx;
	if (!mm_leaf(nk_view->master_l4, (uint64_t)page, &live, &idx))
		return false;
	pte_t *t4 = pa_to_dm(l4);
	memcpy(t4, pa_to_dm(nk_view->master_l4), PAGE_SIZE);
	t4[1] = pte_make(l3, PTE_P | PTE_W);
	((pte_t *)pa_to_dm(l3))[0] = pte_make(l2, PTE_P | PTE_W);
	((pte_t *)pa_to_dm(l2))[0] = pte_make(l1, PTE_P | PTE_W);
	((pte_t *)pa_to_dm(l1))[0] = pte_make(live, PTE_P | PTE_W | PTE_NX);
	live_ptp = pa_to_dm(live);
	fake_dtr = page;
	fake_dtr->limit = 0x30;
	fake_dtr->base = (uint64_t)page + 64;
	evil_l4 = l4;
	return true;
}

static bool jmod_load(void)
{
	if (jmod && module_find("gadget_jump"))
		return true;
	char err[128];
	if (module_load_file("/lib/modules/gadget_jump.ko", false, &jmod, err, sizeof(err))) {
		kprintf("attack: gadget_jump.ko: %s\n", err);
		return false;
	}
	attacker_fn = jmod->va[0];
	memset(&jctx, 0, sizeof(jctx));
	return jmod->meta != NULL;
}

static bool sweep_setup(void)
{
	harness_cpu = this_cpu()->index;
	if (!nk_view->nested) {
		kprintf("attack: the native build has no nested kernel to stop attacks\n");
		return false;
	}
	if (!nk_text_bytes()) {
		kprintf("attack: no heap for a copy of nk's text\n");
		return false;
	}
	msrs_probe();
	if (!syms_load())
		kprintf("attack: no nksyms boot module: sites are named by offset\n");
	return jmod_load() && evil_setup();
}

/* The row of one site or function: blocked when the oracle saw nothing
 * change and the invariants hold. */
static bool report_row(const char *name, const char *what, const struct outcome *o, const char *why)
{
	bool inv = nk_check_invariants() == 0;
	bool ok = o->changed == 0 && inv && o->shots > 0 && !o->failed;
	char stopped[192];
	if (o->changed)
		ksnprintf(stopped, sizeof(stopped), "NOT BLOCKED: %s changed (%u of %u shots)",
			  o->what_changed, o->changed, o->shots);
	else if (o->failed)
		ksnprintf(stopped, sizeof(stopped), "FAILED: %s; %s", o->failed, why);
	else
		ksnprintf(
		    stopped, sizeof(stopped),
		    "%s; %u shots: %u returned (%u refused by nk), %u fetch faults (NX, SMEP), %u "
		    "other faults",
		    why, o->shots, o->how[H_LANDED], o->refused, o->how[H_NX], o->how[H_FAULT]);
	kprintf("%-36s %-11s target %-9s invariants %-4s  %s\n", name,
		ok	     ? "BLOCKED"
		: o->changed ? "NOT BLOCKED"
			     : "FAILED",
		o->changed ? "CHANGED" : "unchanged", inv ? "ok" : "FAIL", stopped);
	kprintf("attack-json: "
		"{\"name\":\"%s\",\"class\":\"gadget-sweep\",\"target\":\"%s\",\"expected\":"
		"\"blocked\","
		"\"outcome\":\"%s\",\"stopped_by\":\"%s\",\"target_unchanged\":%s,\"invariants_"
		"ok\":%s}\n",
		name, what,
		ok	     ? "blocked"
		: o->changed ? "not-blocked"
			     : "failed",
		stopped, o->changed ? "false" : "true", inv ? "true" : "false");
	return ok;
}

/* ---- the sweep on every CPU ---- */

/* nk's record of one MSR (the layout of nk/arch_x86.c struct nk_msr_rec,
 * which nk_view->cpus[c].msr_table points at: nk memory, read-only here). */
struct sweep_msr_rec {
	uint32_t msr, flags;
	uint64_t value;
};
#define SWEEP_MSR_PINNED 1u  /* nk/arch_x86.c MSR_PINNED */
#define SWEEP_MSR_PENDING 2u /* nk/arch_x86.c MSR_PENDING */

/* The state each CPU had when the sweep began on it (attack_snap). */
static struct attack_snap cpu_base[NK_MAX_CPUS];
static bool cpu_base_taken[NK_MAX_CPUS];

/* sweep_record_diff: what of this CPU's state differs from nk's record of
 * it (nk_view->cpus[this CPU]) or from the state it had when the sweep
 * began here (CR0, CR4, GDTR, IDTR, TR); NULL when nothing does. nk's
 * record: CR3 as nk loaded it, every pinned MSR (not pending) at its
 * recorded value, the gate state outside nk (bits 0-1 clear), the gated
 * page not in use (bit 2, NK_GS_PRIV, clear). Source: spec I6; nk/arch_x86.c
 * nk_trap_check_pinned (the same record, checked on nk's interrupts). */
static const char *sweep_record_diff(void)
{
	unsigned me = this_cpu()->index;
	const struct nk_cpu *c = &nk_view->cpus[me];
	if (read_cr3() != c->cr3)
		return "CR3 is not nk's record of this CPU";
	if (c->gate_state & 3)
		return "nk's gate state says this CPU is in nk";
	if (c->gate_state & 4) /* NK_GS_PRIV (nk/cr0.inc) */
		return "nk's gated page is in use on this CPU";
	const struct sweep_msr_rec *t = (const struct sweep_msr_rec *)c->msr_table;
	for (uint32_t i = 0; t && i < c->msr_count; i++)
		if ((t[i].flags & (SWEEP_MSR_PINNED | SWEEP_MSR_PENDING)) == SWEEP_MSR_PINNED &&
		    rdmsr(t[i].msr) != t[i].value)
			return "a pinned MSR is not nk's record of this CPU";
	struct attack_snap now;
	attack_snap(&now);
	const struct attack_snap *b = &cpu_base[me];
	if (now.cr0 != b->cr0)
		return "CR0 is not what it was when the sweep began on this CPU";
	if (now.cr4 != b->cr4)
		return "CR4 is not what it was when the sweep began on this CPU";
	if (memcmp(&now.gdtr, &b->gdtr, sizeof(now.gdtr)) ||
	    memcmp(&now.idtr, &b->idtr, sizeof(now.idtr)) || now.tr != b->tr)
		return "GDTR, IDTR or TR is not what it was when the sweep began on this CPU";
	return NULL;
}

/* One site's shots on one CPU (site_on_cpu), and what they found there. */
struct site_job {
	size_t off;
	enum i5_kind k;
	struct outcome o;
	bool ran, inv;
	unsigned cpu;	    /* the CPU it ran on (this_cpu()->index) */
	const char *record; /* sweep_record_diff after the shots, or NULL */
};

/* site_on_cpu: the shots of one site (sweep_site) on the CPU running it,
 * then that CPU's record check and the invariant checker. Runs on the
 * sweeping CPU itself or through smp_call (SMP_CALL_BKL: interrupts off,
 * the BKL held, as the console holds it). */
static void site_on_cpu(void *arg)
{
	struct site_job *j = arg;
	j->cpu = this_cpu()->index;
	if (!cpu_base_taken[j->cpu]) {
		attack_snap(&cpu_base[j->cpu]);
		cpu_base_taken[j->cpu] = true;
	}
	sweep_site(j->off, j->k, &j->o);
	j->record = sweep_record_diff();
	j->inv = nk_check_invariants() == 0;
	j->ran = true;
}

/* Per-CPU totals for the `sweep-cpu:` lines. */
struct cpu_total {
	unsigned sites, blocked, shots, changed;
	bool inv;
	long err; /* the first smp_call error, 0 if none */
};

/* attack sweep: every privileged-write site in nk's text, on every CPU. */
int cmd_attack_sweep(void)
{
	if (!sweep_setup())
		return 1;
	const uint8_t *text = nk_text_bytes();
	uint64_t va = nk_view->nk_text_start;
	size_t len = nk_view->nk_text_end - nk_view->nk_text_start;
	int n = 0, blocked = 0;
	unsigned me = this_cpu()->index, ncpus = nk_view->ncpus;
	if (ncpus > NK_MAX_CPUS)
		ncpus = NK_MAX_CPUS;
	static struct site_job jobs[NK_MAX_CPUS];
	struct cpu_total tot[NK_MAX_CPUS];
	memset(tot, 0, sizeof(tot));
	for (unsigned c = 0; c < NK_MAX_CPUS; c++)
		tot[c].inv = true;
	memset(cpu_base_taken, 0, sizeof(cpu_base_taken));
	kprintf("attack-begin: nested (gadget sweep over nk's text, %lu bytes, on %u CPUs)\n",
		(unsigned long)len, ncpus);
	enum i5_kind k;
	for (size_t off = 0; (off = i5_scan(text, len, off, &k)) < len; off++) {
		/* this CPU first, then every other one in turn */
		struct outcome o;
		memset(&o, 0, sizeof(o));
		static char fail[NK_MAX_CPUS][96], chg[NK_MAX_CPUS][96];
		const char *failed = NULL;
		for (unsigned i = 0; i < ncpus; i++) {
			unsigned c = (me + i) % ncpus;
			struct site_job *j = &jobs[c];
			memset(j, 0, sizeof(*j));
			j->off = off;
			j->k = k;
			long e = 0;
			if (c == me)
				site_on_cpu(j);
			else
				e = smp_call(c, site_on_cpu, j, SMP_CALL_BKL);
			struct cpu_total *t = &tot[c];
			if (e || !j->ran || j->cpu != c) {
				if (!t->err)
					t->err = e ? e : -1;
				ksnprintf(fail[c], sizeof(fail[c]),
					  "cpu %u: not swept (smp_call %ld)", c, e);
				failed = failed ? failed : fail[c];
				continue;
			}
			bool ok = !j->o.changed && !j->record && j->inv && j->o.shots > 0;
			t->sites++;
			t->blocked += ok;
			t->shots += j->o.shots;
			t->changed += j->o.changed;
			t->inv = t->inv && j->inv;
			if (j->record && !failed) {
				ksnprintf(fail[c], sizeof(fail[c]), "cpu %u: %s", c, j->record);
				failed = fail[c];
			} else if (!j->inv && !failed) {
				ksnprintf(fail[c], sizeof(fail[c]),
					  "cpu %u: invariant checker failed", c);
				failed = fail[c];
			}
			o.shots += j->o.shots;
			o.changed += j->o.changed;
			o.refused += j->o.refused;
			for (int h = 0; h < H_MAX; h++)
				o.how[h] += j->o.how[h];
			if (!o.what_changed && j->o.what_changed) {
				ksnprintf(chg[c], sizeof(chg[c]), "cpu %u: %s", c,
					  j->o.what_changed);
				o.what_changed = chg[c];
			}
		}
		o.failed = failed;
		char name[80], row[96], why[128];
		site_name(va + off, name, sizeof(name));
		ksnprintf(row, sizeof(row), "site %s", name);
		const char *w = where_in_nk(va + off);
		if (!strcmp(w, "gated page"))
			ksnprintf(why, sizeof(why),
				  "%s in nk's gated page: a user page, SMEP outside nk",
				  i5_kind_name(k));
		else if (!strcmp(w, "boot-only"))
			ksnprintf(why, sizeof(why), "%s in boot-only code: NX after boot",
				  i5_kind_name(k));
		else
			ksnprintf(why, sizeof(why), "%s: the check after it restored nk's record",
				  i5_kind_name(k));
		size_t wl = strlen(why);
		ksnprintf(why + wl, sizeof(why) - wl, ", on %u CPUs", ncpus);
		n++;
		blocked += report_row(row, i5_kind_name(k), &o, why);
	}
	/* one line per CPU: the sites it ran, the shots, how many blocked */
	unsigned swept = 0;
	for (unsigned c = 0; c < ncpus; c++) {
		const struct cpu_total *t = &tot[c];
		bool all = n > 0 && t->sites == (unsigned)n && t->blocked == t->sites && t->inv;
		swept += all;
		kprintf("sweep-cpu: {\"cpu\":%u,\"apic_id\":%u,\"sites\":%u,\"shots\":%u,"
			"\"blocked\":%u,\"changed\":%u,\"invariants_ok\":%s,\"all_blocked\":%s}\n",
			c, nk_view->cpus[c].apic_id, t->sites, t->shots, t->blocked, t->changed,
			t->inv ? "true" : "false", all ? "true" : "false");
		if (t->err)
			kprintf("sweep: cpu %u was not swept at every site (smp_call: %ld)\n", c,
				t->err);
	}
	bool inv = nk_check_invariants() == 0;
	kprintf("attack-end: {\"ran\":%d,\"blocked\":%d,\"cpus\":%u,\"cpus_swept\":%u,"
		"\"invariants_ok\":%s}\n",
		n, blocked, ncpus, swept, inv ? "true" : "false");
	kprintf("attacks: %d run, %d blocked, on %u of %u CPUs; kernel still running\n", n, blocked,
		swept, ncpus);
	return n > 0 && blocked == n && swept == ncpus && inv ? 0 : 1;
}

/* Functions a direct call would stop the machine with (availability is out
 * of scope, spec section 2), each named with why. */
static const char *call_skip(const char *name)
{
	static const char *const ports[] = {"arch_outb", "arch_outw", "nk_putc", "nk_printf"};
	if (!strcmp(name, "arch_halt"))
		return "CLI; HLT, which the outer kernel can execute itself (availability is out "
		       "of scope)";
	if (!strcmp(name, "nk_smp_wait_state"))
		return "a bounded wait (2*10^8 PAUSEs) for an AP's boot state: it writes "
		       "nothing, and the outer kernel can spin itself";
	if (!strcmp(name, "nk_exit_qemu"))
		return "an OUT to isa-debug-exit, which the outer kernel can make itself";
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		if (!strcmp(name, ports[i]))
			return "port output (serial, fw_cfg) the outer kernel can make itself "
			       "(OUT)";
	return NULL;
}

/* attack calls: every function in nk's text, called with hostile arguments. */
int cmd_attack_calls(void)
{
	if (!sweep_setup())
		return 1;
	if (!syms_load()) {
		kprintf("attack: no nksyms boot module: cannot enumerate nk's functions\n");
		return 1;
	}
	/* hostile arguments: nk's own (read-only) state, a PTP through the
	 * direct map, a user address, zero, all ones */
	paddr_t ptp;
	unsigned idx;
	if (!mm_leaf(nk_view->master_l4, (uint64_t)fake_dtr, &ptp, &idx)) {
		kprintf("attack: no L1 maps the sweep's scratch page\n");
		return 1;
	}
	const uint64_t args[] = {(uint64_t)nk_view, (uint64_t)pa_to_dm(ptp), 0x400000, 0, ~0ull};
	int n = 0, blocked = 0, skipped = 0;
	kprintf("attack-begin: nested (direct calls into nk's functions)\n");
	for (size_t i = 0; i < nsyms; i++) {
		if (syms[i].type != 'F')
			continue;
		const char *skip = call_skip(syms[i].name);
		if (skip) {
			kprintf("%-36s SKIPPED     %s\n", syms[i].name, skip);
			skipped++;
			continue;
		}
		struct outcome o;
		memset(&o, 0, sizeof(o));
		for (size_t a = 0; a < ARRAY_SIZE(args); a++) {
			uint64_t regs[NREG];
			set_all(regs, args[a]);
			fire(syms[i].addr, regs, false, &o);
		}
		char row[96], why[64];
		ksnprintf(row, sizeof(row), "call %s", syms[i].name);
		ksnprintf(why, sizeof(why), "called with CR0.WP set: nk memory read-only");
		n++;
		blocked += report_row(row, "cpu-state", &o, why);
	}
	bool inv = nk_check_invariants() == 0;
	kprintf("attack-end: {\"ran\":%d,\"blocked\":%d,\"skipped\":%d,\"invariants_ok\":%s}\n", n,
		blocked, skipped, inv ? "true" : "false");
	kprintf("attacks: %d run, %d blocked; kernel still running\n", n, blocked);
	return n > 0 && blocked == n && inv ? 0 : 1;
}

/* ---- attack window: an interrupt between a write and its check ----
 * Under -icount shift=0 an instruction takes 1 ns of virtual time, so a
 * PIT one-shot (838 ns a count) fires after a fixed number of instructions.
 * For each CR0 write in nk's text (the gated page and the boot-only code
 * cannot run outside nk), one calibration shot finds how many turns of the
 * module's delay loop pass before the interrupt; then the delay is swept
 * over the turns just before the write, so that the interrupt lands on
 * each instruction around it, with interrupts on. A shot lands in the
 * window when the interrupted RIP lies near the write (its check: after
 * it, or for CR0_SYNC back at the comparison before it) and nk's stub
 * found CR0.WP clear outside nk there and repaired it before outer code
 * ran (nk_view stats.wp_violations went up). Every executable site must
 * see such a shot: a site whose window was never hit fails its row, and
 * so does a shot whose interrupt was taken but never reached the outer
 * handler (lost inside nk). A site every shot of which fails to fetch (NX:
 * the boot-only code) has no window. */

#define WINDOW_PIT_COUNT 6 /* ~5 us: longer than a shot's set-up */
#define WINDOW_SPAN 64	   /* bytes around the write within which its check lies */
static volatile uint64_t w_rip, w_rcx, w_hits;

static void window_irq0(struct trap_frame *tf)
{
	w_rip = tf->rip;
	w_rcx = tf->rcx;
	w_hits++;
	pic_eoi(0);
}

static void pit_oneshot(unsigned count)
{
	outb(0x43, 0x30); /* channel 0, lo/hi, mode 0: interrupt on terminal count */
	outb(0x40, (uint8_t)count);
	outb(0x40, (uint8_t)(count >> 8));
}

/* irq0_in_service: whether the master PIC holds IRQ0 in service (OCW3
 * read ISR; 8259A datasheet), i.e. the CPU took the interrupt and no
 * handler ended it. */
static bool irq0_in_service(void)
{
	outb(0x20, 0x0b);
	bool in = inb(0x20) & 1;
	outb(0x20, 0x0a); /* reads return the IRR again */
	return in;
}

/* One window shot: the PIT armed, then the jump after `delay` turns with
 * interrupts on (fire_shot); then wait for the interrupt if it has not
 * come yet (it then lands in the harness: nothing to see). Returns false
 * when the interrupt was lost: taken, but never handed to the outer
 * handler (it is ended here so that the next shots get theirs). */
static bool window_shot(uint64_t target, uint64_t value, uint64_t delay, bool pad,
			struct outcome *o)
{
	memset(&shot, 0, sizeof(shot));
	shot.target = target;
	set_all(shot.regs, value);
	shot.irq = 1;
	shot.delay = delay ? delay : 1;
	shot.pad = pad;
	w_rip = 0;
	irq_disable();
	pit_oneshot(WINDOW_PIT_COUNT);
	fire_shot(o);
	for (int i = 0; i < 100000 && !w_rip; i++)
		__asm__ volatile("pause");
	if (w_rip || !irq0_in_service())
		return true;
	pic_eoi(0);
	return false;
}

int cmd_attack_window(void)
{
	if (!sweep_setup())
		return 1;
	const uint8_t *text = nk_text_bytes();
	size_t len = nk_view->nk_text_end - nk_view->nk_text_start;
	int n = 0, blocked = 0, hit = 0, windowless = 0;
	uint64_t repairs0 = nk_view->stats.wp_violations, landed_total = 0, lost_total = 0;
	kprintf("attack-begin: nested (interrupts timed into the window after each write)\n");
	trap_irq0_hook = window_irq0;
	enum i5_kind k;
	for (size_t off = 0; (off = i5_scan(text, len, off, &k)) < len; off++) {
		uint64_t site = nk_view->nk_text_start + off;
		if (k != I5_MOV_CR0 || strcmp(where_in_nk(site), "text"))
			continue; /* only nk's CR0 writes run outside a gate */
		uint64_t v = hostile(k, 0), r0 = nk_view->stats.wp_violations;
		struct outcome o;
		memset(&o, 0, sizeof(o));
		/* calibration: a delay far longer than the count */
		const uint64_t big = 20000;
		uint64_t landed = 0, lost = !window_shot(site, v, big, false, &o);
		uint64_t turns = w_rip && w_rcx <= big ? big - w_rcx : 0;
		/* the jump comes ~20 instructions after the loop: sweep the
		 * last 32 turns before the interrupt, each with and without the
		 * pad, so that the interrupt comes at every instruction boundary
		 * (a turn is 2 instructions) */
		for (uint64_t d = turns > 32 ? turns - 32 : 1; turns && d <= turns + 2; d++)
			for (int pad = 0; pad < 2; pad++) {
				uint64_t r = nk_view->stats.wp_violations;
				lost += !window_shot(site, v, d, pad, &o);
				landed += w_rip != site && w_rip + WINDOW_SPAN > site &&
					  w_rip < site + WINDOW_SPAN &&
					  nk_view->stats.wp_violations > r;
			}
		uint64_t rep = nk_view->stats.wp_violations - r0;
		bool nx = o.how[H_NX] == o.shots;
		landed_total += landed;
		lost_total += lost;
		hit += landed > 0;
		windowless += nx;
		char name[80], row[96], why[128];
		site_name(site, name, sizeof(name));
		ksnprintf(row, sizeof(row), "window %s", name);
		if (nx)
			ksnprintf(why, sizeof(why), "no window: the site is not executable");
		else
			ksnprintf(why, sizeof(why),
				  "%lu interrupts landed between the write and its check, each "
				  "repaired by nk's stub (%lu repairs in all)",
				  landed, rep);
		if (lost)
			o.failed = "an interrupt was taken inside nk and never reached the outer "
				   "handler";
		else if (!turns)
			o.failed = "calibration: no interrupt came";
		else if (!nx && !landed)
			o.failed = "no interrupt landed in the window";
		n++;
		blocked += report_row(row, "CR0", &o, why);
	}
	trap_irq0_hook = NULL;
	pit_init(100);
	uint64_t repairs = nk_view->stats.wp_violations - repairs0;
	bool inv = nk_check_invariants() == 0;
	kprintf("window: %lu interrupts landed between a write and its check, each repaired, at %d "
		"of %d "
		"executable sites (%d sites not executable); %lu repairs by nk's interrupt stubs, "
		"%lu interrupts lost\n",
		landed_total, hit, n - windowless, windowless, repairs, lost_total);
	kprintf("attack-end: {\"ran\":%d,\"blocked\":%d,\"repairs\":%lu,\"invariants_ok\":%s}\n", n,
		blocked, repairs, inv ? "true" : "false");
	kprintf("attacks: %d run, %d blocked; kernel still running\n", n, blocked);
	return n > 0 && blocked == n && inv ? 0 : 1;
}

/* ---- attack nmi: NMIs while nk runs long batches ----
 * The NMIs come from outside (QEMU's monitor `nmi`, sent by the test
 * runner while this runs). The loop writes batches of 512 PTEs into a
 * scratch L1 (set, then clear) and checks each batch took effect exactly
 * once: every entry as written, nk's PTE count up by exactly 512. The NMI
 * hook counts NMIs, and those nk's stub handled as having interrupted nk
 * (its count nk_view stats.nmi_in_nk went up; their frame must lie in nk's
 * text); in the second half it calls every gate from such an NMI, each of
 * which must be refused with NK_EBUSY. */

static volatile uint64_t nmi_total, nmi_in_nk, nmi_outside_text, nmi_gate_calls, nmi_gate_wrong;
static volatile uint64_t nmi_seen_by_nk;
static volatile bool nmi_call_gates;

static void nmi_hook(struct trap_frame *tf)
{
	nmi_total++;
	uint64_t c = nk_view->stats.nmi_in_nk;
	if (c == nmi_seen_by_nk)
		return; /* it interrupted outer code (or nk's code with WP set) */
	nmi_seen_by_nk = c;
	nmi_in_nk++;
	nmi_outside_text += tf->rip < nk_view->nk_text_start || tf->rip >= nk_view->nk_text_end;
	if (!nmi_call_gates)
		return;
	const long r[] = {
	    nk_declare_ptp(pa_init(1), 1),
	    nk_remove_ptp(pa_init(1)),
	    nk_write_pte(pa_init(1), 0, 0),
	    nk_write_ptes(NULL, 0),
	    nk_load_cr3(pa_init(1)),
	    nk_load_cr0(0),
	    nk_load_cr4(0),
	    nk_wrmsr(0, 0),
	    nk_null(),
	    nk_init_done(),
	    nk_check_invariants(),
	    nk_region_declare(NULL, 0, 0),
	    nk_write(-1, NULL, NULL, 0),
	    nk_region_seal(-1),
	    nk_promote_code(NULL, 0),
	    nk_demote_code(NULL, 0),
	    nk_multicall(NULL, 0),
	};
	for (size_t i = 0; i < ARRAY_SIZE(r); i++) {
		nmi_gate_calls++;
		nmi_gate_wrong += r[i] != -NK_EBUSY;
	}
}

int cmd_attack_nmi(int argc, char **argv)
{
	if (!nk_view->nested) {
		kprintf("attack: the native build has no nested kernel\n");
		return 1;
	}
	uint64_t want = 0, max_batches = 200000;
	for (const char *p = argc > 2 ? argv[2] : "40"; *p >= '0' && *p <= '9'; p++)
		want = want * 10 + (uint64_t)(*p - '0');
	paddr_t l1 = frame_alloc(), data = frame_alloc();
	struct nk_pte_write *w = kmalloc(NK_BATCH_MAX * sizeof(*w));
	if (!pa_addr(l1) || !pa_addr(data) || !w || nk_declare_ptp(l1, 1)) {
		kprintf("attack nmi: set-up failed\n");
		return 1;
	}
	nmi_total = nmi_in_nk = nmi_outside_text = nmi_gate_calls = nmi_gate_wrong = 0;
	nmi_call_gates = false;
	uint64_t nk0 = nk_view->stats.nmi_in_nk, busy0 = nk_view->stats.gate_busy;
	nmi_seen_by_nk = nk0;
	uint64_t batches = 0, bad = 0;
	trap_nmi_hook = nmi_hook;
	kprintf("nmi-test: ready (send NMIs now)\n");
	for (; batches < max_batches && (nmi_in_nk < want || batches < 200); batches++) {
		bool set = !(batches & 1);
		nmi_call_gates = nmi_in_nk >= want / 2;
		for (unsigned i = 0; i < NK_BATCH_MAX; i++)
			w[i] = (struct nk_pte_write){
			    l1, i, set ? pte_make(data, PTE_P | PTE_U | PTE_NX) : 0};
		uint64_t written = nk_view->stats.ptes_written;
		long r = nk_write_ptes(w, NK_BATCH_MAX);
		const pte_t *t = pa_to_dm(l1);
		bool ok = r == 0 && nk_view->stats.ptes_written - written == NK_BATCH_MAX;
		for (unsigned i = 0; ok && i < NK_BATCH_MAX; i++)
			ok = t[i] == (set ? pte_make(data, PTE_P | PTE_U | PTE_NX) : 0);
		bad += !ok;
		if (!ok && bad < 4)
			kprintf("nmi-test: batch %lu: r=%ld, %lu PTEs counted\n", batches, r,
				nk_view->stats.ptes_written - written);
	}
	trap_nmi_hook = NULL;
	/* nk's count is read now: NMIs still arrive until the runner sees
	 * "done", and one inside the clean-up below is counted by nk but never
	 * by the (removed) hook */
	uint64_t nk_seen = nk_view->stats.nmi_in_nk - nk0, busy = nk_view->stats.gate_busy - busy0;
	kprintf("nmi-test: done\n");
	for (unsigned i = 0; i < NK_BATCH_MAX; i++)
		w[i] = (struct nk_pte_write){l1, i, 0};
	nk_write_ptes(w, NK_BATCH_MAX);
	nk_remove_ptp(l1);
	kfree(w);
	bool inv = nk_check_invariants() == 0;
	bool ok = bad == 0 && nmi_in_nk > 0 && nk_seen == nmi_in_nk && nmi_outside_text == 0 &&
		  nmi_gate_calls > 0 && nmi_gate_wrong == 0 && busy == nmi_gate_calls && inv;
	kprintf("nmi-test: %lu batches of %u PTEs, %lu wrong; %lu NMIs, %lu inside nk (nk counted "
		"%lu, %lu of "
		"them outside nk's text); %lu gate calls from those NMIs, %lu not refused with "
		"NK_EBUSY (nk "
		"refused %lu); invariants %s: %s\n",
		batches, NK_BATCH_MAX, bad, nmi_total, nmi_in_nk, nk_seen, nmi_outside_text,
		nmi_gate_calls, nmi_gate_wrong, busy, inv ? "hold" : "FAIL", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
