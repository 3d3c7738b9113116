/* The attack harness (spec attacks.md): one suite, the attack modules of
 * drivers/buggy/ (include/outer/attack_api.h). Each attack does one wrong
 * thing; the harness, not the attack, snapshots the named target first,
 * loads the module (the I5 scan may refuse it), runs its attack under
 * containment, then reads the target back (the oracle) and runs the
 * invariant checker. Only then does it count as blocked. The gadget sweep,
 * the direct calls, the timed interrupts and the NMIs are in
 * attack_sweep.c. */
#include <outer/kernel.h>
#include <outer/console.h>
#include <outer/mm.h>
#include <outer/trap.h>
#include <outer/module.h>
#include <outer/modelf.h>
#include <outer/attack_api.h>
#include <outer/syscall.h>
#include <outer/fs.h>
#include <outer/errno.h>
#include <outer/pci.h>
#include <outer/edu.h>
#include <x86/io.h>
#include <nk/vmmu.h>
#include <nk/region.h>
#include <outer/audit.h>
#include <outer/proc.h>
#include <outer/irq.h>
#include <outer/trap.h>
#include <outer/smp.h>

#include <x86/cpu.h> /* CR0, CR4, EFER bits, MSR numbers */
#define TARGET_MAX 64

/* What the attack gets: the arena (arena_setup) and the rest (fill_ctx). */
static struct attack_ctx actx;
static char attack_note[200]; /* an attack's own account of what stopped it */
static uint64_t reg_value;    /* a target that is a register, read by its locator */
static uint64_t seen_cr0;     /* CR0 as gate_jump_mid saw it after its jump */

/* ---- targets ---- */
static void loc_arena_pte(struct attack_ctx *a, const void **w, size_t *n)
{
	*w = (pte_t *)pa_to_dm(a->l1) + a->idx;
	*n = sizeof(pte_t);
}
static void loc_free_slot(struct attack_ctx *a, const void **w, size_t *n)
{
	*w = (pte_t *)pa_to_dm(a->l1) + a->idx + 1;
	*n = sizeof(pte_t);
}
/* A register target: read it now (before and after the attack). */
static void loc_reg(uint64_t v, const void **w, size_t *n)
{
	reg_value = v;
	*w = &reg_value;
	*n = sizeof(reg_value);
}
static void loc_cr0(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	loc_reg(read_cr0(), w, n);
}
static void loc_cr4(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	loc_reg(read_cr4(), w, n);
}
static void loc_efer(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	loc_reg(rdmsr(MSR_EFER), w, n);
}
/* CPU-state targets (item 7 of the no-gadget work): read back from the CPU
 * through the sweep's oracle (attack_snap). cr3: CR3 and the nk type of
 * its frame (PTP_L4 when it is a declared L4); msrs: LSTAR, STAR, CSTAR,
 * SFMASK, EFER, PAT, APIC_BASE; debug: DR0-DR3, DR7; idtr, gdtr, tr. */
static uint64_t cpu_buf[8];
static void loc_cr3(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	uint64_t cr3 = read_cr3(), pfn = (cr3 & PTE_ADDR_4K) >> PAGE_SHIFT;
	cpu_buf[0] = cr3;
	cpu_buf[1] = pfn < nk_view->nframes ? nk_view->frames[pfn].type : ~0ull;
	*w = cpu_buf;
	*n = 2 * sizeof(uint64_t);
}
static void loc_msrs(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	struct attack_snap s;
	attack_snap(&s);
	static const int pick[7] = {2, 1, 3, 4,
				    0, 5, 6}; /* LSTAR STAR CSTAR SFMASK EFER PAT APIC_BASE */
	for (int i = 0; i < 7; i++)
		cpu_buf[i] = s.msr[pick[i]];
	*w = cpu_buf;
	*n = 7 * sizeof(uint64_t);
}
static void loc_debug(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	struct attack_snap s;
	attack_snap(&s);
	memcpy(cpu_buf, s.dr, sizeof(s.dr));
	*w = cpu_buf;
	*n = sizeof(s.dr);
}
static void loc_dtr(int which, const void **w, size_t *n)
{
	struct attack_snap s;
	attack_snap(&s);
	memset(cpu_buf, 0, sizeof(cpu_buf));
	if (which == 0)
		memcpy(cpu_buf, &s.idtr, sizeof(s.idtr));
	else if (which == 1)
		memcpy(cpu_buf, &s.gdtr, sizeof(s.gdtr));
	else
		cpu_buf[0] = s.tr;
	*w = cpu_buf;
	*n = which == 2 ? sizeof(uint16_t) : sizeof(struct attack_dtr);
}
static void loc_idtr(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	loc_dtr(0, w, n);
}
static void loc_gdtr(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	loc_dtr(1, w, n);
}
static void loc_tr(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	loc_dtr(2, w, n);
}

/* The CR0 the attacker holds after jumping into a gate: arena_setup sets it
 * to the real CR0, the attack overwrites it with what it saw. */
static void loc_seen_cr0(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = &seen_cr0;
	*n = sizeof(seen_cr0);
}
static void loc_frame_desc(struct attack_ctx *a, const void **w, size_t *n)
{
	*w = &nk_view->frames[pa_pfn(a->l1)];
	*n = sizeof(struct nk_frame);
}
static void loc_text(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = (const void *)kprintf;
	*n = 16;
}
static volatile uint32_t exec_counter;
static void loc_exec_counter(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = (const void *)&exec_counter;
	*n = sizeof(exec_counter);
}
static const uint64_t ro_value = 0x1234;
static void loc_rodata(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = &ro_value;
	*n = sizeof(ro_value);
}
struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
static void loc_idt(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	struct dtr d;
	__asm__ volatile("sidt %0" : "=m"(d));
	*w = (const void *)(d.base + 14 * 16); /* the #PF vector */
	*n = 16;
}
static void loc_gdt(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	struct dtr d;
	__asm__ volatile("sgdt %0" : "=m"(d));
	*w = (const void *)(d.base + 8); /* kernel code descriptor */
	*n = 8;
}
static void loc_data_type(struct attack_ctx *a, const void **w, size_t *n)
{
	*w = &nk_view->frames[pa_pfn(a->data)];
	*n = sizeof(struct nk_frame);
}
static void loc_user_pg(struct attack_ctx *a, const void **w, size_t *n)
{
	*w = pa_to_dm(a->user_pg);
	*n = 8;
}
static void loc_l4_half(struct attack_ctx *a, const void **w, size_t *n)
{
	*w = (pte_t *)pa_to_dm(a->l4) + 300;
	*n = sizeof(pte_t);
}

/* ---- write-mediation targets (spec section 7) ---- */
/* Regions the policy attacks work on, declared once per boot (regions are
 * never removed). `table` is a write-once table filled at set-up and left
 * unsealed: a stand-in for the syscall table, which comes with the syscall
 * work (the real one will also be sealed at the end of init). */
static struct {
	bool ready;
	long table, log, wlog;
	uint64_t *table_va; /* 512 entries */
	uint8_t *log_va, *wlog_va;
} pr;
static uint64_t attack_roai_canary __ro_after_init = 0xc0ffee;

static uint8_t *region_frame(unsigned policy, long *id)
{
	paddr_t f = frame_alloc();
	if (!pa_addr(f))
		return NULL;
	*id = nk_region_declare(pa_to_dm(f), PAGE_SIZE, policy);
	return *id >= 0 ? pa_to_dm(f) : NULL;
}

static bool policy_regions_setup(void)
{
	if (pr.ready)
		return true;
	pr.table_va = (uint64_t *)region_frame(NK_POLICY_WRITE_ONCE, &pr.table);
	pr.log_va = region_frame(NK_POLICY_APPEND_ONLY, &pr.log);
	pr.wlog_va = region_frame(NK_POLICY_WRITE_LOG, &pr.wlog);
	if (!pr.table_va || !pr.log_va || !pr.wlog_va)
		return false;
	static uint64_t entries[512];
	for (unsigned i = 0; i < 512; i++)
		entries[i] = (uint64_t)kprintf + i; /* "handlers" */
	static const char recs[4][32] = {"rec0: pid 1 nr 39", "rec1", "rec2", "rec3"};
	pr.ready = nk_write(pr.table, pr.table_va, entries, sizeof(entries)) == 0 &&
		   nk_write(pr.log, pr.log_va, recs, sizeof(recs)) == 0 &&
		   nk_write(pr.wlog, pr.wlog_va, "uid=1000", 8) == 0;
	return pr.ready;
}

/* Without the regions (set-up failed) the attacks do nothing and count
 * as not blocked; their locators point here. */
static const uint8_t no_region[32];
static void loc_table_entry(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = pr.ready ? (const void *)(pr.table_va + 3) : no_region;
	*n = 8;
}
static void loc_log_record(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = pr.ready ? (const void *)pr.log_va : no_region;
	*n = 32;
}
static void loc_wlog(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = pr.ready ? (const void *)pr.wlog_va : no_region;
	*n = 8;
}
static void loc_roai(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = &attack_roai_canary;
	*n = sizeof(attack_roai_canary);
}
static void loc_tss(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = (const void *)(nk_view->regions[nk_view->region_tss].va + 4); /* RSP0 */
	*n = 8;
}

/* ---- the kernel's own protected data (write mediation) ---- */
static uint8_t *region_va(long id)
{
	return id < 0 ? (uint8_t *)no_region : (uint8_t *)nk_view->regions[id].va;
}
static void loc_cred0(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = region_va(proc_cred_region());
	*n = sizeof(struct cred);
}
static void loc_list_head(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = region_va(proc_list_region());
	*n = 8;
}
static void loc_audit0(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = audit_region() < 0 ? (const void *)no_region : (const void *)audit_ring();
	*n = sizeof(struct audit_rec);
}

/* Build the arena in *a (l1, idx, va, data, l4, user_pg): a heap page, a
 * spare frame, an L4 with a user page. */
static bool arena_setup(struct attack_ctx *a)
{
	static uint8_t *page;
	/* five pages of heap of its own: the first stays mapped (the arena
	 * page), the four after it are unmapped once and stay free, so the
	 * free slots idx+1..idx+4 are the arena's however the heap grows */
	for (int t = 0; t < 4 && !page; t++) {
		uint8_t *p = kmalloc(5 * PAGE_SIZE - 64);
		uint64_t va = align_down((uint64_t)p, PAGE_SIZE);
		paddr_t l1;
		unsigned i;
		if (!p || !mm_leaf(nk_view->master_l4, va, &l1, &i) || i > 500)
			continue; /* leave it allocated: the next block is elsewhere */
		for (unsigned k = 1; k <= 4; k++) {
			paddr_t f = pte_frame(((const pte_t *)pa_to_dm(l1))[i + k], 1);
			if (mm_unmap(nk_view->master_l4, va + k * PAGE_SIZE) == 0)
				frame_free(f);
		}
		page = p;
	}
	if (!page)
		return false;
	a->va = align_down((uint64_t)page, PAGE_SIZE);
	seen_cr0 = read_cr0();
	if (!mm_leaf(nk_view->master_l4, a->va, &a->l1, &a->idx) || a->idx > 500)
		return false;
	a->data = frame_alloc();
	a->l4 = frame_alloc();
	a->user_pg = frame_alloc();
	if (pa_addr(a->user_pg))
		*(uint8_t *)pa_to_dm(a->user_pg) = 0xc3; /* ret, for smep_exec_user */
	if (pa_addr(a->data))
		memset(pa_to_dm(a->data), 0, PAGE_SIZE); /* target "retyped" reads it */
	return pa_addr(a->data) && nk_declare_ptp(a->l4, 4) == 0 &&
	       mm_map(a->l4, 0x400000, a->user_pg, PTE_U | PTE_W | PTE_NX) == 0;
}

static void arena_teardown(struct attack_ctx *a)
{
	nk_load_cr3(nk_view->master_l4);
	for (unsigned i = 1; i <= 4; i++)
		nk_write_pte(a->l1, a->idx + i, 0);
	/* the user page's path, leaf-up: its L1, L2 and L3 */
	struct mm_walk w;
	mm_walk(a->l4, 0x400000, &w);
	nk_remove_ptp(a->l4);
	nk_write_pte(w.path[3], pt_index(0x400000, 3), 0);
	nk_write_pte(w.path[2], pt_index(0x400000, 2), 0);
	for (unsigned level = 1; level <= 3 && w.level == 1; level++) {
		nk_remove_ptp(w.path[level]);
		frame_free(w.path[level]);
	}
	frame_free(a->l4);
	frame_free(a->user_pg);
	/* a module may leave the spare frame kept read-only (NK_RM_KEEP:
	 * write_kept_frame): writable again (declared and removed plainly)
	 * before the allocator has it back */
	const struct nk_frame *df = &nk_view->frames[pa_pfn(a->data)];
	if (df->type == NK_F_DATA && (df->flags & NK_FF_DMRO) &&
	    (nk_declare_ptp(a->data, 1) || nk_remove_ptp(a->data)))
		kprintf("attack: the spare frame %lx stays kept read-only (leaked)\n",
			pa_addr(a->data));
	else
		frame_free(a->data);
}

struct result {
	bool stopped, unchanged, inv_ok;
	bool ran; /* an attack judged by what it observed ran to the end (known limits) */
	char stopped_by[320];
};

/* The attack's own note goes into the row whatever the outcome, also when
 * the action went through (it says what the attack saw). */
static void add_note(struct result *res)
{
	if (!attack_note[0] || strstr(res->stopped_by, attack_note))
		return;
	size_t l = strlen(res->stopped_by);
	ksnprintf(res->stopped_by + l, sizeof(res->stopped_by) - l, " (the attack's note: %s)",
		  attack_note);
}

int cmd_attack_sweep(void); /* tests/attacks/attack_sweep.c */
int cmd_attack_calls(void);
int cmd_attack_window(void);
int cmd_attack_nmi(int argc, char **argv);
static int attack_suite(const char *dir, const char *only);
static int attack_list(const char *dir);

#define ATTACK_DIR "/lib/modules/attacks"

static int cmd_attack(int argc, char **argv)
{
	const char *sel = argc > 1 ? argv[1] : "list";
	if (!strcmp(sel, "all"))
		return attack_suite(ATTACK_DIR, NULL);
	if (!strcmp(sel, "modules"))
		return attack_suite(argc > 2 ? argv[2] : ATTACK_DIR, NULL);
	if (!strcmp(sel, "sweep"))
		return cmd_attack_sweep();
	if (!strcmp(sel, "calls"))
		return cmd_attack_calls();
	if (!strcmp(sel, "window"))
		return cmd_attack_window();
	if (!strcmp(sel, "nmi"))
		return cmd_attack_nmi(argc, argv);
	if (!strcmp(sel, "list"))
		return attack_list(ATTACK_DIR);
	return attack_suite(ATTACK_DIR, sel);
}

/* ==== The attack-module suite (drivers/buggy/, attacks.md) ====
 * Each attack is a module; its metadata (struct attack_meta, section
 * .attack_meta) names a target the harness knows. For every module the
 * harness reads the metadata from the file, sets up the arena, snapshots
 * the target, loads the module (the I5 scan may refuse it), runs its
 * attack under containment (module_call), reads the target back (before
 * a failed module is unmapped, through module_failed_hook), unloads it,
 * and runs the invariant checker. */

static uint8_t *victim_text;
static struct module *cur_mod;
static const struct mtarget *cur_target;
static uint8_t hook_after[TARGET_MAX];
static size_t hook_len;
static bool hook_ran;

static void loc_code_count(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	loc_reg(nk_view->type_count[NK_F_CODE], w, n);
}
static void loc_victim_text(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	static const uint8_t none[16];
	*w = victim_text ? victim_text : none;
	*n = 16;
}
static void loc_own_text(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = cur_mod ? (const void *)cur_mod->va[0] : (const void *)victim_text;
	*n = 16;
}
static void loc_syscall_table(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = syscall_table_entry(60); /* exit */
	*n = 16;
}
extern char nk_gate_stack_top[];
/* The deepest 64 bytes of nk's 16 KiB gate stack (an NK frame): no gate
 * call reaches them, so they change only if an attack writes them. */
static const void *nk_stack_probe(void)
{
	return (const void *)((uint64_t)nk_gate_stack_top - 16384);
}
static void loc_nk_stack(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = nk_stack_probe();
	*n = 64;
}

/* ---- the IOMMU's own state and a device's configuration (class dma) ---- */
static uint64_t iommu_regs_now[2];
static uint32_t edu_config_now[4];
static void loc_iommu_root(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	*w = nk_view->iommu.on ? pa_to_dm(nk_view->iommu.root_table) : (const void *)no_region;
	*n = 64;
}
/* The unit's root-table address and global status, read through nk's
 * own (read-only, uncached) mapping of its register page: one access
 * each, as the unit wants. */
static void loc_iommu_regs(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	uint64_t regs = nk_view->iommu.regs_va;
	iommu_regs_now[0] = regs ? mmio_read64((volatile void *)regs, 0x20) : 0; /* RTADDR */
	iommu_regs_now[1] = regs ? mmio_read32((volatile void *)regs, 0x1c) : 0; /* GSTS */
	*w = iommu_regs_now;
	*n = sizeof(iommu_regs_now);
}
/* The spare DATA frame's first bytes (zeroed by the arena; a frame the
 * attack has nk declare a PTP, zeroed again by nk). */
static void loc_retyped(struct attack_ctx *a, const void **w, size_t *n)
{
	*w = pa_to_dm(a->data);
	*n = 64;
}
/* The edu device's configuration header (IDs, class, BAR0, subsystem
 * IDs), through the configuration ports; not the command register (a DMA
 * attack enables bus mastering itself) nor the status register (its
 * error bits record a refused DMA). */
static void loc_edu_config(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	struct pci_dev d;
	memset(edu_config_now, 0xff, sizeof(edu_config_now));
	if (pci_find(EDU_VENDOR, EDU_DEVICE, 0, &d) == 0)
		for (unsigned i = 0; i < 4; i++) {
			static const uint8_t off[4] = {0x00, 0x08, PCI_BAR0, 0x2c};
			edu_config_now[i] = pci_cfg_read32(d.bus, d.slot, d.func, off[i]);
		}
	*w = edu_config_now;
	*n = sizeof(edu_config_now);
}
/* ---- interrupt deliveries and RAM (interrupt and chipset attacks) ---- */
/* Two MSI vectors the suite reserves (irq_msi_alloc) for the interrupt
 * attacks: one a forged message would be delivered at, one for the
 * control interrupt; 0 when none was free. */
static unsigned irq_forged_vec, irq_control_vec;
static uint64_t irq_now[3];
/* What the CPU took that no one allowed: NMIs, interrupts at vectors no
 * one owns, and the forged vector's count (outer/trap.c, outer/irq.c). */
static void loc_irq_deliveries(struct attack_ctx *a, const void **w, size_t *n)
{
	irq_now[0] = trap_nmi_count;
	irq_now[1] = trap_stray_count;
	irq_now[2] = irq_msi_count(a->irq_vector);
	*w = irq_now;
	*n = sizeof(irq_now);
}
/* The spare DATA frame's first bytes (zeroed by the arena). */
static void loc_data_frame(struct attack_ctx *a, const void **w, size_t *n)
{
	*w = pa_to_dm(a->data);
	*n = 64;
}
/* The DATA frame at 32 MiB (RAM the outer kernel owns). */
#define RAM_32M 0x2000000ull
static void loc_ram_32m(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	uint64_t pfn = RAM_32M / PAGE_SIZE;
	bool data = pfn < nk_view->nframes && nk_view->frames[pfn].type == NK_F_DATA;
	*w = data ? pa_to_dm(pa_init(RAM_32M)) : (const void *)no_region;
	*n = 32;
}

/* What an IPI through nk_apic_ipi would have done: NMIs and stray vectors
 * taken, the ICR writes nk made (nk_view->apic.ipis_sent), and the
 * forged MSI vector's count (a fixed IPI there). An INIT or SIPI that got
 * through would have reset this CPU: the harness would not survive. */
static uint64_t ipi_now[4];
static void loc_apic_ipi(struct attack_ctx *a, const void **w, size_t *n)
{
	ipi_now[0] = trap_nmi_count;
	ipi_now[1] = trap_stray_count;
	ipi_now[2] = nk_view->apic.ipis_sent;
	ipi_now[3] = irq_msi_count(a->irq_vector);
	*w = ipi_now;
	*n = sizeof(ipi_now);
}
/* The last redirection entry of IOAPIC 0, read from the IOAPIC itself
 * (nk_ioapic_read refreshes nk_view's copy), and nk's IOAPIC write count. */
static uint64_t rte_now[2];
static void loc_ioapic_rte(struct attack_ctx *a, const void **w, size_t *n)
{
	(void)a;
	const struct nk_apic_view *v = &nk_view->apic;
	*n = sizeof(rte_now);
	if (!v->nioapic || nk_ioapic_read(0, v->ioapic[0].pins - 1u)) {
		*w = no_region;
		return;
	}
	rte_now[0] = v->ioapic[0].rte[v->ioapic[0].pins - 1u];
	rte_now[1] = v->ioapic_writes;
	*w = rte_now;
}

/* Entry 3 of the arena L4's L2 (the 6-8 MiB slot, empty). */
static void loc_user_l2_slot(struct attack_ctx *a, const void **w, size_t *n)
{
	struct mm_walk wk;
	mm_walk(a->l4, 0x400000, &wk);
	*w = (const pte_t *)pa_to_dm(wk.path[2]) + 3;
	*n = sizeof(pte_t);
}

/* The targets a module may name, with the oracle's locator. */
struct mtarget {
	const char *key, *what;
	void (*locate)(struct attack_ctx *a, const void **where, size_t *len);
};
static const struct mtarget mtargets[] = {
    {"arena_pte", "live PTE (heap L1)", loc_arena_pte},
    {"free_slot", "free PTE slot", loc_free_slot},
    {"cr0", "CR0", loc_cr0},
    {"cr4", "CR4", loc_cr4},
    {"efer", "EFER", loc_efer},
    {"seen_cr0", "CR0.WP seen after the jump", loc_seen_cr0},
    {"frame_desc", "heap L1's nk frame descriptor", loc_frame_desc},
    {"kernel_text", "kernel text (kprintf)", loc_text},
    {"exec_counter", "counter injected code would bump", loc_exec_counter},
    {"rodata", "kernel rodata canary", loc_rodata},
    {"idt", "IDT vector 14", loc_idt},
    {"gdt", "GDT kernel code descriptor", loc_gdt},
    {"data_type", "spare frame's nk descriptor", loc_data_type},
    {"user_pg", "user page", loc_user_pg},
    {"l4_half", "L4 entry 300 (kernel half)", loc_l4_half},
    {"table_entry", "write-once table entry", loc_table_entry},
    {"log_record", "append-only log record 0", loc_log_record},
    {"wlog", "write-log region", loc_wlog},
    {"roai", "ro_after_init variable", loc_roai},
    {"tss", "TSS RSP0", loc_tss},
    {"code_frames", "CODE frame count (nothing promoted)", loc_code_count},
    {"victim_text", "another module's text", loc_victim_text},
    {"own_text", "the module's own text", loc_own_text},
    {"syscall_table", "syscall table entry 60 (sealed write-once)", loc_syscall_table},
    {"cred", "process credentials, slot 0 (write-log)", loc_cred0},
    {"proc_list", "process list head (write-log)", loc_list_head},
    {"audit_record", "audit log record 0 (append-only)", loc_audit0},
    {"nk_stack", "nk gate stack", loc_nk_stack},
    {"cr3", "CR3 (a declared L4)", loc_cr3},
    {"msrs", "LSTAR STAR CSTAR SFMASK EFER PAT APIC_BASE", loc_msrs},
    {"debug", "DR0-DR3, DR7", loc_debug},
    {"idtr", "IDTR", loc_idtr},
    {"gdtr", "GDTR", loc_gdtr},
    {"tr", "TR", loc_tr},
    {"iommu_root", "nk's IOMMU root table", loc_iommu_root},
    {"iommu_regs", "the IOMMU's root-table address and status", loc_iommu_regs},
    {"retyped", "a DATA frame nk then declared a PTP", loc_retyped},
    {"edu_config", "the edu device's configuration header", loc_edu_config},
    {"user_l2_slot", "an empty L2 entry of the arena L4", loc_user_l2_slot},
    {"irq_deliveries", "NMIs, stray vectors, the forged MSI vector", loc_irq_deliveries},
    {"data_frame", "the spare DATA frame", loc_data_frame},
    {"ram_32m", "RAM at 32 MiB (a DATA frame)", loc_ram_32m},
    {"apic_ipi", "NMIs, stray vectors, nk's IPIs sent, the forged vector", loc_apic_ipi},
    {"ioapic_rte", "IOAPIC 0's last redirection entry (read back) and nk's writes", loc_ioapic_rte},
};

static const struct mtarget *mtarget_find(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(mtargets); i++)
		if (!strcmp(mtargets[i].key, key))
			return &mtargets[i];
	return NULL;
}

/* Read the whole initramfs file path into a kmalloc'd buffer. */
static uint8_t *read_file(const char *path, size_t *len)
{
	struct inode *ip;
	if (fs_lookup(NULL, path, true, &ip))
		return NULL;
	size_t cap = 1u << 20;
	uint8_t *b = kmalloc(cap + 1);
	*len = 0;
	while (b) {
		long n = inode_read(ip, b + *len, *len, cap - *len);
		if (n <= 0 || *len + (size_t)n >= cap) {
			if (n > 0)
				*len += (size_t)n;
			break;
		}
		*len += (size_t)n;
	}
	inode_put(ip);
	if (b)
		b[*len] = 0;
	return b;
}

/* The metadata in the file's .attack_meta section (strings only; the run
 * pointer is relocated by the loader). false when absent or malformed. */
static bool read_meta(const uint8_t *img, size_t len, struct attack_meta *out)
{
	static struct melf e;
	if (melf_parse(&e, img, len))
		return false;
	int s = melf_section(&e, ".attack_meta");
	if (s < 0 || e.sh[s].size != sizeof(*out) || e.sh[s].type != 1)
		return false;
	memcpy(out, img + e.sh[s].offset, sizeof(*out));
	out->name[sizeof(out->name) - 1] = out->class[sizeof(out->class) - 1] = 0;
	out->target[sizeof(out->target) - 1] = out->expected[sizeof(out->expected) - 1] = 0;
	out->run = NULL;
	return true;
}

extern char nk_nmi_return[]; /* nk/entry.asm */

/* The rest of actx once module m is loaded (arena_setup filled the arena). */
static void fill_ctx(struct module *m)
{
	actx.exec_counter = &exec_counter;
	actx.ro_value = &ro_value;
	actx.roai = &attack_roai_canary;
	actx.seen_cr0 = &seen_cr0;
	actx.note = attack_note;
	actx.note_cap = sizeof(attack_note);
	actx.table_id = pr.table;
	actx.log_id = pr.log;
	actx.wlog_id = pr.wlog;
	actx.table_va = pr.table_va;
	actx.log_va = pr.log_va;
	actx.wlog_va = pr.wlog_va;
	actx.victim_text = victim_text;
	actx.own_text = (uint8_t *)m->va[0];
	actx.own_data = (uint8_t *)(m->va[2] ? m->va[2] : m->va[1]);
	actx.syscall_table = syscall_table_entry(0);
	actx.nk_stack = nk_stack_probe();
	actx.nk_nmi_return = nk_nmi_return;
	actx.nmi_return_attacks = &nk_view->stats.nmi_return_attacks;
	actx.syscall_table_id = syscall_table_region();
	actx.cred = proc_cred_region() < 0 ? NULL : region_va(proc_cred_region());
	actx.proc_list_head =
	    proc_list_region() < 0 ? NULL : (uint64_t *)region_va(proc_list_region());
	actx.audit_rec = audit_region() < 0 ? NULL : (void *)audit_ring();
}

static long run_meta(void *arg)
{
	struct module *m = arg;
	return m->meta->run(&actx);
}

/* A failed module is about to be unmapped: read the target now. */
static void failed_hook(struct module *m)
{
	if (m != cur_mod || !cur_target)
		return;
	const void *w;
	cur_target->locate(&actx, &w, &hook_len);
	memcpy(hook_after, w, hook_len);
	hook_ran = true;
}

/* The verdict on a DMA attack (class dma) whose module programmed a device
 * (buggy_dma.h; fw_cfg's DMA attack reports itself) and returned r: stopped only by
 * a fault nk logged, since faults0, for a device's write to the page the
 * module aimed at (the caller also wants the target read back
 * unchanged). An attack that did not run (no device, or its control
 * transfer failed) is not stopped by anything. */
static void dma_verdict(struct result *res, long r, uint64_t faults0)
{
	res->stopped = false;
	if (r < 0) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "the attack did not run (%s)",
			  attack_note[0] ? attack_note : nk_strerror(r));
		return;
	}
	nk_iommu_poll();
	const struct nk_iommu_view *v = &nk_view->iommu;
	uint64_t page = pa_addr(actx.dma_bus) & ~(uint64_t)(PAGE_SIZE - 1);
	for (uint64_t i = faults0; i < v->faults; i++) {
		const struct nk_iommu_fault *f = &v->fault_log[i % NK_IOMMU_FAULTS_KEPT];
		if (!f->interrupt && f->write && f->addr == page) {
			res->stopped = true;
			ksnprintf(
			    res->stopped_by, sizeof(res->stopped_by),
			    "IOMMU: the device's write to %lx faulted (requester %02x:%02x.%u, "
			    "reason %#x), logged by nk",
			    page, f->sid >> 8, (f->sid >> 3) & 0x1f, f->sid & 7, f->reason);
			return;
		}
	}
	ksnprintf(res->stopped_by, sizeof(res->stopped_by),
		  "no IOMMU fault logged for the device's write to %lx", page);
}

/* The window record a chipset attack fills (buggy_chipset.h), and the
 * target read for it while the register is moved. */
static struct attack_window window_rec;
static void read_target_now(uint8_t *out)
{
	memset(out, 0, ATTACK_TARGET_BYTES);
	if (!cur_target)
		return;
	const void *w;
	size_t n;
	cur_target->locate(&actx, &w, &n);
	memcpy(out, w, n < ATTACK_TARGET_BYTES ? n : ATTACK_TARGET_BYTES);
}

/* Let a pending interrupt in: two timer ticks with interrupts on. The BKL
 * is dropped while this CPU halts (smp_halt_unlocked): the interrupt may
 * reach another CPU (the PIT and forged MSIs go to CPU 0), whose handler
 * takes the lock, and on an AP the ticks come from CPU 0. */
static void irq_settle(void)
{
	irq_disable();
	for (uint64_t t = timer_ticks; timer_ticks < t + 2;)
		smp_halt_unlocked();
	irq_enable();
}

/* The verdict on an interrupt attack (buggy_irq.h) that returned r:
 * stopped only if the control interrupt arrived, nothing the forged
 * message could deliver arrived (NMIs, stray vectors, the forged vector:
 * counts since before[]) and nk logged, since faults0, an interrupt fault
 * for the module's requester with the reason (and index) it named. The
 * attack ran (res->ran: a known limit may be reported) when the control
 * interrupt arrived. */
static void irq_verdict(struct result *res, long r, uint64_t faults0, const uint64_t before[3],
			uint64_t control0)
{
	res->stopped = false;
	if (r < 0) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "the attack did not run (%s)",
			  attack_note[0] ? attack_note : nk_strerror(r));
		return;
	}
	irq_settle();
	uint64_t nmi = trap_nmi_count - before[0], stray = trap_stray_count - before[1];
	uint64_t vec = irq_msi_count(actx.irq_vector) - before[2];
	if (irq_msi_count(actx.irq_control) == control0) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by),
			  "the control MSI did not arrive: the attack proves nothing");
		return;
	}
	res->ran = true;
	nk_iommu_poll();
	const struct nk_iommu_view *v = &nk_view->iommu;
	const struct nk_iommu_fault *hit = NULL;
	for (uint64_t i = faults0; i < v->faults && !hit; i++) {
		const struct nk_iommu_fault *f = &v->fault_log[i % NK_IOMMU_FAULTS_KEPT];
		if (f->interrupt && f->sid == actx.irq_sid && f->reason == actx.irq_reason &&
		    (actx.irq_index < 0 || f->addr >> 12 == (uint64_t)actx.irq_index))
			hit = f;
	}
	char counts[80];
	ksnprintf(counts, sizeof(counts), "NMIs +%lu, stray vectors +%lu, vector %#x +%lu", nmi,
		  stray, actx.irq_vector, vec);
	unsigned sid = actx.irq_sid;
	if (nmi || stray || vec)
		ksnprintf(
		    res->stopped_by, sizeof(res->stopped_by),
		    "observed: the forged MSI was DELIVERED (%s); nk logged %s interrupt fault "
		    "for it",
		    counts, hit ? "an" : "no");
	else if (hit)
		ksnprintf(
		    res->stopped_by, sizeof(res->stopped_by),
		    "interrupt remapping refused the forged MSI: nk logged an interrupt fault "
		    "(requester %02x:%02x.%u, index %ld, reason %#x); not delivered (%s); the "
		    "control MSI arrived",
		    sid >> 8, (sid >> 3) & 0x1f, sid & 7, (long)(hit->addr >> 12), hit->reason,
		    counts);
	else
		ksnprintf(
		    res->stopped_by, sizeof(res->stopped_by),
		    "observed: the forged MSI was not delivered (%s; the control MSI arrived), "
		    "but nk logged no interrupt fault (reason %#x from %02x:%02x.%u wanted)",
		    counts, actx.irq_reason, sid >> 8, (sid >> 3) & 0x1f, sid & 7);
	res->stopped = hit && !(nmi || stray || vec);
}

/* The verdict on a chipset attack (buggy_chipset.h) that returned r:
 * stopped only if the chipset took the module's value, took the old one
 * back, and the target read while moved equals the harness's snapshot
 * `before` (n bytes; the caller also wants it unchanged after). The attack
 * ran (res->ran) when both values took. */
static void window_verdict(struct result *res, long r, const uint8_t *before, size_t n)
{
	const struct attack_window *w = &window_rec;
	res->stopped = false;
	if (r < 0 || !w->used) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "the attack did not run (%s)",
			  attack_note[0] ? attack_note : nk_strerror(r));
		return;
	}
	if (w->moved != w->set) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by),
			  "the chipset did not take %lx (it read back %lx): the attack did not run",
			  w->set, w->moved);
		return;
	}
	if (w->restored != w->orig) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by),
			  "NOT put back: the register reads %lx, it was %lx", w->restored, w->orig);
		return;
	}
	res->ran = true;
	size_t k = n < ATTACK_TARGET_BYTES ? n : ATTACK_TARGET_BYTES;
	uint64_t was = 0, saw = 0;
	memcpy(&was, before, k < 8 ? k : 8);
	memcpy(&saw, w->seen, k < 8 ? k : 8);
	res->stopped = !memcmp(w->seen, before, k);
	if (res->stopped)
		ksnprintf(
		    res->stopped_by, sizeof(res->stopped_by),
		    "the chipset: the target, not the moved window, answered: with %lx in place it "
		    "read as before (%lx...); put back to %lx",
		    w->set, was, w->orig);
	else
		ksnprintf(
		    res->stopped_by, sizeof(res->stopped_by),
		    "observed: with %lx in place the target read %lx... instead of %lx...; put "
		    "back to %lx",
		    w->set, saw, was, w->orig);
}

static void run_module_attack(const char *path, const struct attack_meta *meta, const uint8_t *img,
			      size_t len, struct result *res)
{
	struct attack_ctx *a = &actx;
	uint8_t before[TARGET_MAX], after[TARGET_MAX];
	const void *where;
	size_t n;
	memset(res, 0, sizeof(*res));
	const struct mtarget *t = mtarget_find(meta->target);
	if (!t) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "harness: unknown target '%s'",
			  meta->target);
		return;
	}
	memset(a, 0, sizeof(*a));
	memset(&window_rec, 0, sizeof(window_rec));
	a->window = &window_rec;
	a->read_target = read_target_now;
	a->irq_vector = irq_forged_vec;
	a->irq_control = irq_control_vec;
	if (!arena_setup(a)) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "harness: arena setup failed");
		return;
	}
	cur_target = t;
	cur_mod = NULL;
	hook_ran = false;
	t->locate(a, &where, &n);
	memcpy(before, where, n);
	exec_counter = 0;
	attack_note[0] = 0;
	bool dma = !strcmp(meta->class, "dma");
	nk_iommu_poll(); /* faults from before this attack are not its */
	uint64_t faults0 = nk_view->iommu.faults;
	const uint64_t irq0[3] = {trap_nmi_count, trap_stray_count, irq_msi_count(irq_forged_vec)};
	uint64_t control0 = irq_msi_count(irq_control_vec);
	char err[128];
	struct module *m = NULL;
	long r = module_load(path, img, len, false, &m, err, sizeof(err));
	bool refused_wanted = !strcmp(meta->expected, ATTACK_REFUSED);
	if (r) {
		res->stopped = refused_wanted && r == -EPERM;
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "load refused: %s", err);
	} else if (!m->meta || m->meta->run < (long (*)(struct attack_ctx *))m->va[0] ||
		   (uint64_t)m->meta->run >= m->va[0] + m->pages[0] * PAGE_SIZE) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by),
			  "harness: bad metadata in the loaded module");
		module_unload(m);
	} else {
		cur_mod = m;
		fill_ctx(m);
		if (t->locate == loc_own_text) { /* the target exists only now */
			t->locate(a, &where, &n);
			memcpy(before, where, n);
		}
		struct fault_info fi;
		fi.vector = ~0ull; /* module_call fills it only when it contains a fault */
		char name[MODULE_NAME_MAX];
		memcpy(name, m->name, sizeof(name));
		r = module_call(m, run_meta, m, &fi);
		if (fi.vector != ~0ull) {
			res->stopped = true;
			ksnprintf(res->stopped_by, sizeof(res->stopped_by),
				  "%s at RIP %lx: %s; module contained",
				  fi.vector == 14   ? "page fault"
				  : fi.vector == 13 ? "#GP"
				  : fi.vector == 32 ? "watchdog"
				  : fi.vector == 8  ? "#DF"
						    : "fault",
				  fi.rip, fi.why);
			if (module_find(name)) {
				res->stopped = false;
				ksnprintf(res->stopped_by, sizeof(res->stopped_by),
					  "harness: failed module still loaded");
			}
			if (actx.chipset) /* it may have left a register moved */
				res->stopped = false;
		} else {
			if (dma && actx.irq_attack) {
				irq_verdict(res, r, faults0, irq0, control0);
			} else if (dma && actx.chipset) {
				window_verdict(res, r, before, n);
			} else if (dma && actx.dma_device) {
				dma_verdict(res, r, faults0);
			} else if (r < 0 && attack_note[0]) {
				res->stopped = true;
				ksnprintf(res->stopped_by, sizeof(res->stopped_by), "%s",
					  attack_note);
			} else if (r < 0) {
				res->stopped = true;
				ksnprintf(res->stopped_by, sizeof(res->stopped_by), "nk refusal %s",
					  nk_strerror(r));
			} else {
				ksnprintf(res->stopped_by, sizeof(res->stopped_by),
					  "nothing: the action went through");
			}
			failed_hook(m); /* read own-text targets while still mapped */
			module_unload(m);
		}
	}
	add_note(res);
	if (actx.irq_attack)
		irq_settle(); /* a forged interrupt still pending lands before the read */
	irq_enable();
	nk_load_cr3(nk_view->master_l4);
	size_t n2;
	if (hook_ran) {
		memcpy(after, hook_after, hook_len);
		n2 = hook_len;
	} else {
		const void *w2;
		t->locate(a, &w2, &n2);
		memcpy(after, w2, n2);
	}
	cur_mod = NULL;
	cur_target = NULL;
	res->unchanged =
	    n == n2 && !memcmp(before, after, n) && exec_counter == 0 && (read_cr0() & CR0_WP);
	arena_teardown(a);
	res->inv_ok = !nk_view->nested || nk_check_invariants() == 0;
}

/* One row's JSON, in three prints (kprintf formats at most 511 bytes). */
static void json_mod_row(const struct attack_meta *m, const char *what, const struct result *res,
			 const char *outcome)
{
	kprintf("attack-json: {\"name\":\"%s\",\"class\":\"%s\",\"target\":\"%s\",\"expected\":"
		"\"%s\",\"outcome\":\"%s\",",
		m->name, m->class, what, m->expected, outcome);
	kprintf("\"stopped_by\":\"%s\",", res->stopped_by);
	kprintf("\"target_unchanged\":%s,\"invariants_ok\":%s}\n",
		res->unchanged ? "true" : "false", res->inv_ok ? "true" : "false");
}

/* A known limit (attack_api.h): expected so, and the attack ran to the
 * end, so that its row says what the oracle observed. */
static bool is_limit(const char *expected)
{
	return !strcmp(expected, ATTACK_QEMU_LIMIT) || !strcmp(expected, ATTACK_NK_LIMIT);
}

/* The well-behaved driver after the suite: load /lib/modules/memdev.ko
 * and check that it is live and /dev/memdev exists. (It stays loaded; the
 * shell test in tests/qemu/run.py writes and reads the device back and
 * unloads it.) */
static bool driver_check(void)
{
	char err[128];
	struct module *m;
	long r = module_load_file("/lib/modules/memdev.ko", true, &m, err, sizeof(err));
	if (r) {
		kprintf("driver-check: memdev load failed: %s\n", err);
		return false;
	}
	struct inode *ip;
	bool ok = fs_lookup(NULL, "/dev/memdev", true, &ip) == 0;
	if (ok)
		inode_put(ip);
	ok = ok && module_find("memdev") && module_find("memdev")->state == MOD_LIVE;
	kprintf("driver-check: memdev %s\n", ok ? "loaded, /dev/memdev present" : "MISSING");
	return ok;
}

/* Index line `file` (NAME.ko) names attack `only`. */
static bool index_names(const char *file, const char *only)
{
	size_t n = strlen(only);
	return !memcmp(file, only, n) && (!file[n] || !strcmp(file + n, ".ko"));
}

/* attack_suite: run every attack module listed in dir/index (only: just the
 * one named so, NAME or NAME.ko), one table row and one attack-json line
 * each, then the memdev driver check (whole suite only). Returns 0 when
 * every attack was blocked and the invariants hold, 1 otherwise (also for
 * the native build, a missing index, or no attack named only). */
static int attack_suite(const char *dir, const char *only)
{
	if (!nk_view->nested) {
		kprintf("attack: the native build has no nested kernel to stop attacks\n");
		return 1;
	}
	if (!policy_regions_setup())
		kprintf("attack: could not set up the write-mediation regions\n");
	module_failed_hook = failed_hook;
	char path[128], err[128];
	struct module *victim = NULL;
	if (module_load_file("/lib/modules/victim.ko", true, &victim, err, sizeof(err)))
		kprintf("attack: victim module: %s\n", err);
	victim_text = victim ? (uint8_t *)victim->va[0] : NULL;
	ksnprintf(path, sizeof(path), "%s/index", dir);
	size_t ilen;
	char *index = (char *)read_file(path, &ilen);
	if (!index) {
		kprintf("attack: no %s\n", path);
		return 1;
	}
	int nrun = 0, blocked = 0, limits = 0;
	bool all_inv = true;
	/* the interrupt attacks' vectors: a forged one and a control one */
	long v1 = irq_msi_alloc(), v2 = irq_msi_alloc();
	irq_forged_vec = v1 > 0 && v2 > 0 ? (unsigned)v1 : 0;
	irq_control_vec = v1 > 0 && v2 > 0 ? (unsigned)v2 : 0;
	uint32_t inc0 = module_incidents;
	kprintf("attack-begin: nested (modules from %s)\n", dir);
	for (char *line = index; *line;) {
		char *e = line;
		while (*e && *e != '\n')
			e++;
		char c = *e;
		*e = 0;
		if (*line && (!only || index_names(line, only))) {
			ksnprintf(path, sizeof(path), "%s/%s", dir, line);
			size_t len;
			uint8_t *img = read_file(path, &len);
			struct attack_meta meta;
			struct result res;
			memset(&res, 0, sizeof(res));
			const char *what = "?";
			if (!img || !read_meta(img, len, &meta)) {
				memset(&meta, 0, sizeof(meta));
				ksnprintf(meta.name, sizeof(meta.name), "%s", line);
				ksnprintf(meta.class, sizeof(meta.class), "?");
				ksnprintf(meta.expected, sizeof(meta.expected), "blocked");
				ksnprintf(res.stopped_by, sizeof(res.stopped_by),
					  "harness: no readable .attack_meta");
			} else {
				const struct mtarget *t = mtarget_find(meta.target);
				what = t ? t->what : meta.target;
				run_module_attack(path, &meta, img, len, &res);
			}
			kfree(img);
			bool ok = res.stopped && res.unchanged && res.inv_ok;
			bool limit = !ok && is_limit(meta.expected) && res.ran && res.inv_ok;
			bool qemu = !strcmp(meta.expected, ATTACK_QEMU_LIMIT);
			nrun++;
			blocked += ok;
			limits += limit;
			all_inv &= res.inv_ok;
			const char *status = "NOT BLOCKED", *outcome = "not-blocked";
			if (ok) {
				status = "BLOCKED";
				outcome = "blocked";
			} else if (limit) {
				status = qemu ? "QEMU LIMIT" : "NK LIMIT";
				outcome = meta.expected;
			}
			kprintf("%-28s %-18s %-11s target %-9s invariants %-4s  ", meta.name,
				meta.class, status, res.unchanged ? "unchanged" : "CHANGED",
				res.inv_ok ? "ok" : "FAIL");
			kprintf("%s\n", res.stopped_by);
			json_mod_row(&meta, what, &res, outcome);
		}
		if (!c)
			break;
		line = e + 1;
	}
	kfree(index);
	module_failed_hook = NULL;
	if (v1 > 0)
		irq_msi_free((unsigned)v1);
	if (v2 > 0)
		irq_msi_free((unsigned)v2);
	irq_forged_vec = irq_control_vec = 0;
	if (victim && module_find("victim"))
		module_unload(victim);
	victim_text = NULL;
	if (only && !nrun) {
		kprintf("attack: no attack named '%s' (try attack list)\n", only);
		return 1;
	}
	bool final_inv = nk_check_invariants() == 0;
	bool drv = only ? true : driver_check();
	kprintf("attack-end: "
		"{\"ran\":%d,\"blocked\":%d,\"limits\":%d,\"invariants_ok\":%s,\"incidents\":%u,"
		"\"driver_ok\":%s}\n",
		nrun, blocked, limits, final_inv && all_inv ? "true" : "false",
		module_incidents - inc0, drv ? "true" : "false");
	kprintf(
	    "attacks: %d run, %d blocked, %d known limits (not blocked); kernel still running\n",
	    nrun, blocked, limits);
	return blocked + limits == nrun && nrun > 0 && final_inv && drv ? 0 : 1;
}

/* attack_list: one line per attack module in dir/index: name, class, target. */
static int attack_list(const char *dir)
{
	char path[128];
	ksnprintf(path, sizeof(path), "%s/index", dir);
	size_t ilen;
	char *index = (char *)read_file(path, &ilen);
	if (!index) {
		kprintf("attack: no %s\n", path);
		return 1;
	}
	int n = 0;
	for (char *line = index; *line;) {
		char *e = line;
		while (*e && *e != '\n')
			e++;
		char c = *e;
		*e = 0;
		ksnprintf(path, sizeof(path), "%s/%s", dir, line);
		size_t len;
		uint8_t *img = *line ? read_file(path, &len) : NULL;
		struct attack_meta meta;
		if (img && read_meta(img, len, &meta)) {
			const struct mtarget *t = mtarget_find(meta.target);
			kprintf("  %-28s %-18s %s\n", meta.name, meta.class,
				t ? t->what : meta.target);
			n++;
		}
		kfree(img);
		if (!c)
			break;
		line = e + 1;
	}
	kfree(index);
	kprintf("attack: %d attack modules in %s; also sweep, calls, window, nmi\n", n, dir);
	return 0;
}

CONSOLE_COMMAND(attack, "attack all | attack NAME | attack list | attack sweep|calls|window|nmi",
		cmd_attack, true);

/* attack_gate_jump (attack_asm.asm): jump into a gate mid-sequence with
 * RAX given; returns the CR0 seen afterwards (the gate_jump_mid module). */
extern uint64_t attack_gate_jump(const void *target, uint64_t rax);
EXPORT_SYMBOL(attack_gate_jump);
