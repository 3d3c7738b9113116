/* The attack harness and the first attacks, compiled in (loadable attack
 * modules come with the driver-module work). Each attack does one wrong
 * thing; the harness, not the attack, snapshots the target first, runs the
 * attack under a recovery point, then reads the target back (the oracle)
 * and runs the invariant checker. Only then does it count as blocked.
 * Spec: attacks.md. */
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
#include <nk/vmmu.h>
#include <nk/region.h>
#include <outer/audit.h>
#include <outer/proc.h>
#include <outer/syscall.h>

#define CR0_WP (1ull << 16)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define EFER_NXE (1ull << 11)
#define MSR_EFER 0xc0000080u
#define TARGET_MAX 64

/* What an attack works on: set up by the harness before it runs. */
struct arena {
	paddr_t l1;      /* a live kernel L1 PTP (maps arena_va) */
	unsigned idx;    /* arena_va's entry in it; idx+1.. are free slots */
	uint64_t va;     /* a mapped, writable kernel page */
	paddr_t data;    /* a spare DATA frame, mapped nowhere */
	paddr_t l4;      /* a declared, unloaded L4 with a user page at 4 MiB */
	paddr_t user_pg; /* that user page's frame */
};

struct attack {
	const char *name, *class, *target;
	/* where the target is: the oracle copies `len` bytes from `where`
	 * (filled by locate) before and after */
	void (*locate)(struct arena *a, const void **where, size_t *len);
	/* the attack: returns a vMMU result (< 0 = nk refused) or 0 when its
	 * action went through; a fault returns through the recovery point */
	long (*run)(struct arena *a);
};

static struct arena arena;
static char attack_note[112]; /* an attack's own account of what stopped it */
static uint64_t reg_value;  /* a target that is a register, read by its locator */
static uint64_t seen_cr0;   /* CR0 as gate_jump_mid saw it after its jump */

/* ---- targets ---- */
static void loc_arena_pte(struct arena *a, const void **w, size_t *n)
{
	*w = (pte_t *)pa_to_dm(a->l1) + a->idx;
	*n = sizeof(pte_t);
}
static void loc_free_slot(struct arena *a, const void **w, size_t *n)
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
static void loc_cr0(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	loc_reg(read_cr0(), w, n);
}
static void loc_cr4(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	loc_reg(read_cr4(), w, n);
}
static void loc_efer(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	loc_reg(rdmsr(MSR_EFER), w, n);
}
/* CPU-state targets (item 7 of the no-gadget work): read back from the CPU
 * through the sweep's oracle (attack_snap). cr3: CR3 and the nk type of
 * its frame (PTP_L4 when it is a declared L4); msrs: LSTAR, STAR, CSTAR,
 * SFMASK, EFER, PAT, APIC_BASE; debug: DR0-DR3, DR7; idtr, gdtr, tr. */
static uint64_t cpu_buf[8];
static void loc_cr3(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	uint64_t cr3 = read_cr3(), pfn = (cr3 & PTE_ADDR_4K) >> PAGE_SHIFT;
	cpu_buf[0] = cr3;
	cpu_buf[1] = pfn < nk_view->nframes ? nk_view->frames[pfn].type : ~0ull;
	*w = cpu_buf;
	*n = 2 * sizeof(uint64_t);
}
static void loc_msrs(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	struct attack_snap s;
	attack_snap(&s);
	static const int pick[7] = { 2, 1, 3, 4, 0, 5, 6 }; /* LSTAR STAR CSTAR SFMASK EFER PAT APIC_BASE */
	for (int i = 0; i < 7; i++)
		cpu_buf[i] = s.msr[pick[i]];
	*w = cpu_buf;
	*n = 7 * sizeof(uint64_t);
}
static void loc_debug(struct arena *a, const void **w, size_t *n)
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
static void loc_idtr(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	loc_dtr(0, w, n);
}
static void loc_gdtr(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	loc_dtr(1, w, n);
}
static void loc_tr(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	loc_dtr(2, w, n);
}

/* The CR0 the attacker holds after jumping into a gate: arena_setup sets it
 * to the real CR0, the attack overwrites it with what it saw. */
static void loc_seen_cr0(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = &seen_cr0;
	*n = sizeof(seen_cr0);
}
static void loc_frame_desc(struct arena *a, const void **w, size_t *n)
{
	*w = &nk_view->frames[pa_pfn(a->l1)];
	*n = sizeof(struct nk_frame);
}
static void loc_text(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = (const void *)kprintf;
	*n = 16;
}
static volatile uint32_t exec_counter;
static void loc_exec_counter(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = (const void *)&exec_counter;
	*n = sizeof(exec_counter);
}
static const uint64_t ro_value = 0x1234;
static void loc_rodata(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = &ro_value;
	*n = sizeof(ro_value);
}
struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
static void loc_idt(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	struct dtr d;
	__asm__ volatile("sidt %0" : "=m"(d));
	*w = (const void *)(d.base + 14 * 16); /* the #PF vector */
	*n = 16;
}
static void loc_gdt(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	struct dtr d;
	__asm__ volatile("sgdt %0" : "=m"(d));
	*w = (const void *)(d.base + 8); /* kernel code descriptor */
	*n = 8;
}
static void loc_data_type(struct arena *a, const void **w, size_t *n)
{
	*w = &nk_view->frames[pa_pfn(a->data)];
	*n = sizeof(struct nk_frame);
}
static void loc_user_pg(struct arena *a, const void **w, size_t *n)
{
	*w = pa_to_dm(a->user_pg);
	*n = 8;
}
static void loc_l4_half(struct arena *a, const void **w, size_t *n)
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
	static const char recs[4][32] = { "rec0: pid 1 nr 39", "rec1", "rec2", "rec3" };
	pr.ready = nk_write(pr.table, pr.table_va, entries, sizeof(entries)) == 0 &&
		   nk_write(pr.log, pr.log_va, recs, sizeof(recs)) == 0 &&
		   nk_write(pr.wlog, pr.wlog_va, "uid=1000", 8) == 0;
	return pr.ready;
}

/* Without the regions (set-up failed) the attacks do nothing and count
 * as not blocked; their locators point here. */
static const uint8_t no_region[32];
static void loc_table_entry(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = pr.ready ? (const void *)(pr.table_va + 3) : no_region;
	*n = 8;
}
static void loc_log_record(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = pr.ready ? (const void *)pr.log_va : no_region;
	*n = 32;
}
static void loc_wlog(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = pr.ready ? (const void *)pr.wlog_va : no_region;
	*n = 8;
}
static void loc_roai(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = &attack_roai_canary;
	*n = sizeof(attack_roai_canary);
}
static void loc_tss(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = (const void *)(nk_view->regions[nk_view->region_tss].va + 4); /* RSP0 */
	*n = 8;
}

/* ---- attacks ---- */
/* Store into a live PTE through the direct map: make it map its own PTP
 * writable. */
static long a_pte_direct_map(struct arena *a)
{
	volatile pte_t *p = (pte_t *)pa_to_dm(a->l1) + a->idx;
	*p = pte_make(a->l1, PTE_P | PTE_W | PTE_NX);
	return 0;
}
static long a_pte_map_ptp_writable(struct arena *a)
{
	return nk_write_pte(a->l1, a->idx + 1, pte_make(a->l1, PTE_P | PTE_W | PTE_NX));
}
static long a_cr0_clear_wp(struct arena *a)
{
	(void)a;
	return nk_load_cr0(read_cr0() & ~CR0_WP);
}
static long a_cr4_clear_smep(struct arena *a)
{
	(void)a;
	return nk_load_cr4(read_cr4() & ~CR4_SMEP);
}
static long a_efer_clear_nxe(struct arena *a)
{
	(void)a;
	return nk_wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_NXE);
}
static long a_frame_table_store(struct arena *a)
{
	volatile struct nk_frame *f = (struct nk_frame *)&nk_view->frames[pa_pfn(a->l1)];
	f->type = NK_F_DATA;
	return 0;
}
static long a_write_kernel_text(struct arena *a)
{
	(void)a;
	*(volatile uint8_t *)(uintptr_t)kprintf = 0xc3; /* ret */
	return 0;
}
static long a_exec_heap(struct arena *a)
{
	(void)a;
	uint8_t *code = kmalloc(64);
	static const uint8_t inc_rdi_ret[] = { 0xff, 0x07, 0xc3 }; /* inc dword [rdi]; ret */
	memcpy(code, inc_rdi_ret, sizeof(inc_rdi_ret));
	((void (*)(volatile uint32_t *))(void *)code)(&exec_counter);
	kfree(code);
	return 0;
}
static long a_exec_stack(struct arena *a)
{
	(void)a;
	uint8_t code[16] = { 0xff, 0x07, 0xc3 };
	__asm__ volatile("" ::"r"(code) : "memory");
	((void (*)(volatile uint32_t *))(void *)code)(&exec_counter);
	return 0;
}
static long a_write_rodata(struct arena *a)
{
	(void)a;
	*(volatile uint64_t *)&ro_value = 0xbad;
	return 0;
}
static long a_write_rodata_dm(struct arena *a)
{
	(void)a;
	*(volatile uint64_t *)pa_to_dm(pa_init((uint64_t)&ro_value - KERNEL_VMA)) = 0xbad;
	return 0;
}
static long a_idt_overwrite(struct arena *a)
{
	const void *w;
	size_t n;
	loc_idt(a, &w, &n);
	*(volatile uint64_t *)w = 0;
	return 0;
}
static long a_gdt_overwrite(struct arena *a)
{
	const void *w;
	size_t n;
	loc_gdt(a, &w, &n);
	*(volatile uint64_t *)w = 0;
	return 0;
}
static long a_declare_mapped_writable(struct arena *a)
{
	/* map the spare frame writable, then ask for it as a PTP */
	long r = nk_write_pte(a->l1, a->idx + 2, pte_make(a->data, PTE_P | PTE_W | PTE_NX));
	if (r)
		return r;
	r = nk_declare_ptp(a->data, 1 | NK_PTP_KERNEL);
	nk_write_pte(a->l1, a->idx + 2, 0);
	return r;
}
static long a_data_as_ptp(struct arena *a)
{
	/* a non-leaf L4 entry to an undeclared DATA frame */
	return nk_write_pte(a->l4, 5, pte_make(a->data, PTE_P | PTE_W | PTE_U));
}
static long a_level_confusion(struct arena *a)
{
	/* an L4 entry pointing at an L1 */
	paddr_t l1 = pte_frame(((pte_t *)pa_to_dm(pte_frame(((pte_t *)pa_to_dm(pte_frame(
		((pte_t *)pa_to_dm(a->l4))[0], 4)))[0], 3)))[pt_index(0x400000, 2)], 2);
	return nk_write_pte(a->l4, 6, pte_make(l1, PTE_P | PTE_W | PTE_U));
}
static long a_remove_referenced(struct arena *a)
{
	return nk_remove_ptp(a->l1);
}
static long a_load_cr3_data(struct arena *a)
{
	return nk_load_cr3(a->data);
}
static long a_kernel_half(struct arena *a)
{
	return nk_write_pte(a->l4, 300, pte_make(a->data, PTE_P | PTE_W | PTE_NX));
}
static long a_map_code_writable(struct arena *a)
{
	paddr_t code = pa_init(align_down((uint64_t)kprintf - KERNEL_VMA, PAGE_SIZE));
	return nk_write_pte(a->l1, a->idx + 1, pte_make(code, PTE_P | PTE_W));
}
static long a_map_data_exec(struct arena *a)
{
	return nk_write_pte(a->l1, a->idx + 1, pte_make(a->data, PTE_P));
}
static long a_map_nk_writable(struct arena *a)
{
	paddr_t f = pa_init(align_down((uint64_t)nk_view - KERNEL_VMA, PAGE_SIZE));
	return nk_write_pte(a->l1, a->idx + 1, pte_make(f, PTE_P | PTE_W | PTE_NX));
}
static long a_huge_over_ptp(struct arena *a)
{
	/* a 2 MiB leaf in a user L2 over the region holding a PTP */
	paddr_t l3 = pte_frame(((pte_t *)pa_to_dm(a->l4))[0], 4);
	paddr_t l2 = pte_frame(((pte_t *)pa_to_dm(l3))[0], 3);
	paddr_t base = pa_init(align_down(pa_addr(a->l1), HUGE_2M_SIZE));
	return nk_write_pte(l2, 100, pte_make(base, PTE_P | PTE_W | PTE_U | PTE_NX | PTE_PS));
}
static long a_batch_mixed(struct arena *a)
{
	struct nk_pte_write w[3] = {
		{ a->l1, a->idx + 1, pte_make(a->data, PTE_P | PTE_W | PTE_NX) },
		{ a->l1, a->idx + 3, pte_make(a->data, PTE_P | PTE_NX) },
		{ a->l1, a->idx + 4, pte_make(a->l1, PTE_P | PTE_W | PTE_NX) },
	};
	return nk_write_ptes(w, 3);
}
static long a_smep_exec_user(struct arena *a)
{
	long r = nk_load_cr3(a->l4); /* the user page holds `ret` (arena_setup) */
	if (r)
		return r;
	((void (*)(void))0x400000)();
	return 0;
}
static long a_smap_read_user(struct arena *a)
{
	long r = nk_load_cr3(a->l4);
	if (r)
		return r;
	*(volatile uint64_t *)0x400000 = 0xbad;
	return 0;
}
static long a_null_write(struct arena *a)
{
	(void)a;
	// cppcheck-suppress nullPointer ; the attack is this store
	*(volatile uint64_t *)(uintptr_t)0 = 1;
	return 0;
}
static long a_gate_jump_mid(struct arena *a)
{
	(void)a;
	/* find the CR0 write in nk_null's gate (0f 22 c0: mov cr0, rax) */
	const uint8_t *p = (const uint8_t *)nk_null;
	int i = 0;
	while (i < 64 && !(p[i] == 0x0f && p[i + 1] == 0x22 && p[i + 2] == 0xc0))
		i++;
	if (i == 64)
		return 0;
	extern uint64_t attack_gate_jump(const void *target, uint64_t rax);
	seen_cr0 = attack_gate_jump(p + i, read_cr0() & ~CR0_WP);
	if (!(seen_cr0 & CR0_WP))
		return 0;
	ksnprintf(attack_note, sizeof(attack_note),
		  "gate: fixed call path, exit loop set CR0.WP again (%lu WP=0 interrupts seen)",
		  nk_view->stats.wp_violations);
	return -1;
}

/* Replace the #PF vector through nk's write path. */
static long a_idt_vector_via_nk(struct arena *a)
{
	const void *w;
	size_t n;
	loc_idt(a, &w, &n);
	static const uint8_t evil[16] = { 0x90, 0x90 };
	return nk_write(nk_view->region_idt, (void *)w, evil, sizeof(evil));
}
static long a_tss_overwrite(struct arena *a)
{
	const void *w;
	size_t n;
	loc_tss(a, &w, &n);
	*(volatile uint64_t *)w = 0xdead000;
	return 0;
}
static long a_ro_after_init_write(struct arena *a)
{
	(void)a;
	*(volatile uint64_t *)&attack_roai_canary = 0xbad;
	return 0;
}
/* The .data.ro_after_init region, declared through its image address,
 * stored to through its direct-map alias. */
static long a_region_direct_map(struct arena *a)
{
	(void)a;
	*(volatile uint64_t *)pa_to_dm(pa_init((uint64_t)&attack_roai_canary - KERNEL_VMA)) = 0xbad;
	return 0;
}
static long a_region_store_table(struct arena *a)
{
	(void)a;
	if (!pr.ready)
		return 0;
	*(volatile uint64_t *)&pr.table_va[3] = 0xbad;
	return 0;
}
static long a_region_store_wlog(struct arena *a)
{
	(void)a;
	if (!pr.ready)
		return 0;
	*(volatile uint64_t *)pr.wlog_va = 0x303d646975; /* "uid=0" */
	return 0;
}
/* Declare a permissive region over the table's frame, then write through it. */
static long a_region_overlap_declare(struct arena *a)
{
	(void)a;
	if (!pr.ready)
		return 0;
	long id = nk_region_declare(pr.table_va, PAGE_SIZE, NK_POLICY_WRITE_LOG);
	if (id < 0)
		return id;
	uint64_t evil = 0xbad;
	return nk_write(id, pr.table_va + 3, &evil, sizeof(evil));
}
static long a_write_once_twice(struct arena *a)
{
	(void)a;
	if (!pr.ready)
		return 0;
	uint64_t evil = 0xbad;
	return nk_write(pr.table, pr.table_va + 3, &evil, sizeof(evil));
}
static long a_append_rewrite(struct arena *a)
{
	(void)a;
	if (!pr.ready)
		return 0;
	static const char forged[32] = "rec0: pid 1 nr 0 (forged)";
	return nk_write(pr.log, pr.log_va, forged, sizeof(forged));
}

/* ---- the kernel's own protected data (write mediation) ---- */
#define NR_GETPID 39
static uint8_t *region_va(long id)
{
	return id < 0 ? (uint8_t *)no_region : (uint8_t *)nk_view->regions[id].va;
}
static void loc_syscall_entry(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = syscall_table_entry(NR_GETPID);
	*n = 8;
}
static void loc_cred0(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = region_va(proc_cred_region());
	*n = sizeof(struct cred);
}
static void loc_list_head(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = region_va(proc_list_region());
	*n = 8;
}
static void loc_audit0(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = audit_region() < 0 ? (const void *)no_region : (const void *)audit_ring();
	*n = sizeof(struct audit_rec);
}
/* Point getpid's entry at attacker code with a plain store. */
static long a_syscall_table_store(struct arena *a)
{
	(void)a;
	*(volatile uint64_t *)syscall_table_entry(NR_GETPID) = 0xdeadbeef;
	return 0;
}
/* The same through nk: the table is write-once and sealed. */
static long a_syscall_table_via_nk(struct arena *a)
{
	(void)a;
	uint64_t evil = 0xdeadbeef;
	return nk_write(syscall_table_region(), (void *)syscall_table_entry(NR_GETPID), &evil, 8);
}
/* Make the first process slot's owner root-equivalent with a plain store
 * (uid 4660: different from any value the slot holds). */
static long a_cred_store(struct arena *a)
{
	(void)a;
	if (proc_cred_region() < 0)
		return 0;
	((volatile struct cred *)region_va(proc_cred_region()))->euid = 4660;
	return 0;
}
/* Hide every process: unlink the list's head with a plain store. */
static long a_proc_unlink(struct arena *a)
{
	(void)a;
	if (proc_list_region() < 0)
		return 0;
	*(volatile uint64_t *)region_va(proc_list_region()) = 0;
	return 0;
}
/* Erase the first audit record with a plain store. */
static long a_audit_rewrite(struct arena *a)
{
	(void)a;
	if (audit_region() < 0)
		return 0;
	((volatile struct audit_rec *)audit_ring())->nr = 0;
	((volatile struct audit_rec *)audit_ring())->kind = 0;
	return 0;
}

static const struct attack attacks[] = {
	{ "pte_direct_map", "mmu-isolation", "live PTE (heap L1)", loc_arena_pte, a_pte_direct_map },
	{ "pte_map_ptp_writable", "mmu-isolation", "free PTE slot", loc_free_slot, a_pte_map_ptp_writable },
	{ "cr0_clear_wp", "mmu-isolation", "CR0.WP", loc_cr0, a_cr0_clear_wp },
	{ "frame_table_store", "mmu-isolation", "nk frame table entry", loc_frame_desc, a_frame_table_store },
	{ "write_kernel_text", "memory-protection", "kernel text (kprintf)", loc_text, a_write_kernel_text },
	{ "exec_heap", "memory-protection", "counter the heap code would bump", loc_exec_counter, a_exec_heap },
	{ "exec_stack", "memory-protection", "counter the stack code would bump", loc_exec_counter, a_exec_stack },
	{ "write_rodata", "memory-protection", "kernel rodata", loc_rodata, a_write_rodata },
	{ "write_rodata_direct_map", "memory-protection", "kernel rodata via direct map", loc_rodata, a_write_rodata_dm },
	{ "cr4_clear_smep", "mmu-isolation", "CR4.SMEP", loc_cr4, a_cr4_clear_smep },
	{ "efer_clear_nxe", "mmu-isolation", "EFER.NXE", loc_efer, a_efer_clear_nxe },
	{ "idt_overwrite", "gates", "IDT vector 14", loc_idt, a_idt_overwrite },
	{ "gdt_overwrite", "gates", "GDT kernel code descriptor", loc_gdt, a_gdt_overwrite },
	{ "declare_mapped_writable", "mmu-isolation", "spare frame's type", loc_data_type, a_declare_mapped_writable },
	{ "data_frame_as_ptp", "mmu-isolation", "spare frame's type", loc_data_type, a_data_as_ptp },
	{ "level_confusion", "mmu-isolation", "spare frame's type", loc_data_type, a_level_confusion },
	{ "remove_referenced_ptp", "mmu-isolation", "heap L1's descriptor", loc_frame_desc, a_remove_referenced },
	{ "load_cr3_undeclared", "mmu-isolation", "CR0 (kernel keeps running)", loc_cr0, a_load_cr3_data },
	{ "l4_kernel_half", "mmu-isolation", "L4 entry 300", loc_l4_half, a_kernel_half },
	{ "map_code_writable", "mmu-isolation", "free PTE slot", loc_free_slot, a_map_code_writable },
	{ "map_data_executable", "mmu-isolation", "free PTE slot", loc_free_slot, a_map_data_exec },
	{ "map_nk_writable", "mmu-isolation", "free PTE slot", loc_free_slot, a_map_nk_writable },
	{ "huge_page_over_ptp", "mmu-isolation", "heap L1's descriptor", loc_frame_desc, a_huge_over_ptp },
	{ "batch_mixed", "mmu-isolation", "free PTE slot", loc_free_slot, a_batch_mixed },
	{ "smep_exec_user", "memory-protection", "user page", loc_user_pg, a_smep_exec_user },
	{ "smap_write_user", "memory-protection", "user page", loc_user_pg, a_smap_read_user },
	{ "null_write", "memory-protection", "kernel rodata (unrelated canary)", loc_rodata, a_null_write },
	{ "gate_jump_mid", "gates", "CR0.WP seen after the jump", loc_seen_cr0, a_gate_jump_mid },
	{ "idt_vector_via_nk", "write-mediation", "IDT vector 14 (sealed write-once)", loc_idt, a_idt_vector_via_nk },
	{ "tss_overwrite", "gates", "TSS RSP0", loc_tss, a_tss_overwrite },
	{ "ro_after_init_write", "memory-protection", "ro_after_init variable", loc_roai, a_ro_after_init_write },
	{ "region_direct_map_alias", "write-mediation", "ro_after_init region via direct map", loc_roai, a_region_direct_map },
	{ "region_store_table", "write-mediation", "write-once table entry (syscall-table stand-in)", loc_table_entry, a_region_store_table },
	{ "region_store_write_log", "write-mediation", "write-log region (creds stand-in)", loc_wlog, a_region_store_wlog },
	{ "region_overlap_declare", "write-mediation", "write-once table entry (syscall-table stand-in)", loc_table_entry, a_region_overlap_declare },
	{ "write_once_twice", "write-mediation", "write-once table entry (syscall-table stand-in)", loc_table_entry, a_write_once_twice },
	{ "append_only_rewrite", "write-mediation", "append-only log record 0", loc_log_record, a_append_rewrite },
	{ "syscall_table_store", "write-mediation", "syscall table entry (getpid)", loc_syscall_entry, a_syscall_table_store },
	{ "syscall_table_via_nk", "write-mediation", "syscall table entry (getpid), sealed", loc_syscall_entry, a_syscall_table_via_nk },
	{ "cred_store", "write-mediation", "process credentials (slot 0)", loc_cred0, a_cred_store },
	{ "proc_list_unlink", "write-mediation", "process list head", loc_list_head, a_proc_unlink },
	{ "audit_record_rewrite", "write-mediation", "audit log record 0", loc_audit0, a_audit_rewrite },
};

/* Build the arena: a heap page, a spare frame, an L4 with a user page. */
static bool arena_setup(struct arena *a)
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
		if (!p || !vm_leaf(nk_view->master_l4, va, &l1, &i) || i > 500)
			continue; /* leave it allocated: the next block is elsewhere */
		for (unsigned k = 1; k <= 4; k++) {
			paddr_t f = pte_frame(((const pte_t *)pa_to_dm(l1))[i + k], 1);
			if (vm_unmap(nk_view->master_l4, va + k * PAGE_SIZE) == 0)
				frame_free(f);
		}
		page = p;
	}
	if (!page)
		return false;
	a->va = align_down((uint64_t)page, PAGE_SIZE);
	seen_cr0 = read_cr0();
	if (!vm_leaf(nk_view->master_l4, a->va, &a->l1, &a->idx) || a->idx > 500)
		return false;
	a->data = frame_alloc();
	a->l4 = frame_alloc();
	a->user_pg = frame_alloc();
	if (pa_addr(a->user_pg))
		*(uint8_t *)pa_to_dm(a->user_pg) = 0xc3; /* ret, for smep_exec_user */
	return pa_addr(a->data) && nk_declare_ptp(a->l4, 4) == 0 &&
	       vm_map(a->l4, 0x400000, a->user_pg, PTE_U | PTE_W | PTE_NX) == 0;
}

static void arena_teardown(struct arena *a)
{
	nk_load_cr3(nk_view->master_l4);
	for (unsigned i = 1; i <= 4; i++)
		nk_write_pte(a->l1, a->idx + i, 0);
	paddr_t t[3];
	paddr_t up = a->l4;
	for (unsigned level = 4; level > 1; level--) {
		up = pte_frame(((pte_t *)pa_to_dm(up))[pt_index(0x400000, level)], level);
		t[level - 2] = up;
	}
	nk_remove_ptp(a->l4);
	nk_write_pte(t[2], 0, 0);
	nk_write_pte(t[1], pt_index(0x400000, 2), 0);
	for (int i = 0; i < 3; i++) {
		nk_remove_ptp(t[i]);
		frame_free(t[i]);
	}
	frame_free(a->l4);
	frame_free(a->user_pg);
	frame_free(a->data);
}

struct result {
	bool stopped, unchanged, inv_ok;
	char stopped_by[240];
};

/* The attack's own note goes into the row whatever the outcome, also when
 * the action went through (it says what the attack saw). */
static void add_note(struct result *res)
{
	if (!attack_note[0] || strstr(res->stopped_by, attack_note))
		return;
	size_t l = strlen(res->stopped_by);
	ksnprintf(res->stopped_by + l, sizeof(res->stopped_by) - l, " (the attack's note: %s)", attack_note);
}

static void run_one(const struct attack *at, struct result *res)
{
	struct arena *a = &arena;
	uint8_t before[TARGET_MAX], after[TARGET_MAX];
	const void *where;
	size_t len;
	struct recovery rec;
	volatile long r = 0;

	memset(res, 0, sizeof(*res));
	if (!arena_setup(a)) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "harness: arena setup failed");
		return;
	}
	at->locate(a, &where, &len);
	memcpy(before, where, len);
	exec_counter = 0;
	attack_note[0] = 0;
	if (recover_arm(&rec) == 0) {
		r = at->run(a);
		recover_disarm();
		if (r < 0 && attack_note[0]) {
			res->stopped = true;
			ksnprintf(res->stopped_by, sizeof(res->stopped_by), "%s", attack_note);
		} else if (r < 0) {
			res->stopped = true;
			ksnprintf(res->stopped_by, sizeof(res->stopped_by), "nk refusal %s", nk_strerror(r));
		} else {
			ksnprintf(res->stopped_by, sizeof(res->stopped_by), "nothing: the action went through");
		}
	} else {
		res->stopped = true;
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "%s at RIP %lx: %s",
			  rec.fault.vector == 14 ? "page fault" : rec.fault.vector == 13 ? "#GP" : "fault",
			  rec.fault.rip, rec.fault.why);
	}
	add_note(res);
	irq_enable();
	nk_load_cr3(nk_view->master_l4);
	/* the oracle: read the target back (register targets are re-read) */
	const void *w2;
	size_t len2;
	at->locate(a, &w2, &len2);
	memcpy(after, w2, len2);
	res->unchanged = len == len2 && !memcmp(before, after, len) && exec_counter == 0 &&
			 (read_cr0() & CR0_WP);
	arena_teardown(a);
	res->inv_ok = !nk_view->nested || nk_check_invariants() == 0;
}

static void json_row(const struct attack *at, const struct result *res, bool blocked)
{
	kprintf("attack-json: {\"name\":\"%s\",\"class\":\"%s\",\"target\":\"%s\",\"expected\":\"blocked\","
		"\"outcome\":\"%s\",\"stopped_by\":\"%s\",\"target_unchanged\":%s,\"invariants_ok\":%s}\n",
		at->name, at->class, at->target, blocked ? "blocked" : "not-blocked", res->stopped_by,
		res->unchanged ? "true" : "false", res->inv_ok ? "true" : "false");
}

int cmd_attack_modules(const char *dir);
int cmd_attack_sweep(void); /* outer/attack_sweep.c */
int cmd_attack_calls(void);
int cmd_attack_window(void);
int cmd_attack_nmi(int argc, char **argv);

int cmd_attack(int argc, char **argv)
{
	const char *sel = argc > 1 ? argv[1] : "list";
	if (!strcmp(sel, "modules"))
		return cmd_attack_modules(argc > 2 ? argv[2] : "/lib/modules/attacks");
	if (!strcmp(sel, "sweep"))
		return cmd_attack_sweep();
	if (!strcmp(sel, "calls"))
		return cmd_attack_calls();
	if (!strcmp(sel, "window"))
		return cmd_attack_window();
	if (!strcmp(sel, "nmi"))
		return cmd_attack_nmi(argc, argv);
	if (!strcmp(sel, "list")) {
		for (size_t i = 0; i < ARRAY_SIZE(attacks); i++)
			kprintf("  %-26s %-18s %s\n", attacks[i].name, attacks[i].class, attacks[i].target);
		return 0;
	}
	if (!nk_view->nested) {
		kprintf("attack: the native build has no nested kernel to stop attacks\n");
		return 1;
	}
	if (!policy_regions_setup())
		kprintf("attack: could not set up the write-mediation regions\n");
	int n = 0, blocked = 0;
	bool all_inv = true;
	kprintf("attack-begin: %s\n", nk_view->nested ? "nested" : "native");
	for (size_t i = 0; i < ARRAY_SIZE(attacks); i++) {
		if (strcmp(sel, "all") && strcmp(sel, attacks[i].name))
			continue;
		struct result res;
		run_one(&attacks[i], &res);
		bool ok = res.stopped && res.unchanged && res.inv_ok;
		n++;
		blocked += ok;
		all_inv &= res.inv_ok;
		kprintf("%-26s %-11s target %-9s invariants %-4s  %s\n", attacks[i].name,
			ok ? "BLOCKED" : "NOT BLOCKED", res.unchanged ? "unchanged" : "CHANGED",
			res.inv_ok ? "ok" : "FAIL", res.stopped_by);
		json_row(&attacks[i], &res, ok);
	}
	if (!n) {
		kprintf("attack: no attack named '%s' (try attack list)\n", sel);
		return 1;
	}
	bool final_inv = nk_check_invariants() == 0;
	kprintf("attack-end: {\"ran\":%d,\"blocked\":%d,\"invariants_ok\":%s}\n", n, blocked,
		final_inv && all_inv ? "true" : "false");
	kprintf("attacks: %d run, %d blocked; kernel still running\n", n, blocked);
	return blocked == n && final_inv ? 0 : 1;
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

static void loc_code_count(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	loc_reg(nk_view->type_count[NK_F_CODE], w, n);
}
static void loc_victim_text(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	static const uint8_t none[16];
	*w = victim_text ? victim_text : none;
	*n = 16;
}
static void loc_own_text(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = cur_mod ? (const void *)cur_mod->va[0] : (const void *)victim_text;
	*n = 16;
}
static void loc_syscall_table(struct arena *a, const void **w, size_t *n)
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
static void loc_nk_stack(struct arena *a, const void **w, size_t *n)
{
	(void)a;
	*w = nk_stack_probe();
	*n = 64;
}

/* The targets a module may name, with the oracle's locator. */
struct mtarget {
	const char *key, *what;
	void (*locate)(struct arena *a, const void **where, size_t *len);
};
static const struct mtarget mtargets[] = {
	{ "arena_pte", "live PTE (heap L1)", loc_arena_pte },
	{ "free_slot", "free PTE slot", loc_free_slot },
	{ "cr0", "CR0", loc_cr0 },
	{ "cr4", "CR4", loc_cr4 },
	{ "efer", "EFER", loc_efer },
	{ "seen_cr0", "CR0.WP seen after the jump", loc_seen_cr0 },
	{ "frame_desc", "heap L1's nk frame descriptor", loc_frame_desc },
	{ "kernel_text", "kernel text (kprintf)", loc_text },
	{ "exec_counter", "counter injected code would bump", loc_exec_counter },
	{ "rodata", "kernel rodata canary", loc_rodata },
	{ "idt", "IDT vector 14", loc_idt },
	{ "gdt", "GDT kernel code descriptor", loc_gdt },
	{ "data_type", "spare frame's nk descriptor", loc_data_type },
	{ "user_pg", "user page", loc_user_pg },
	{ "l4_half", "L4 entry 300 (kernel half)", loc_l4_half },
	{ "table_entry", "write-once table entry", loc_table_entry },
	{ "log_record", "append-only log record 0", loc_log_record },
	{ "wlog", "write-log region", loc_wlog },
	{ "roai", "ro_after_init variable", loc_roai },
	{ "tss", "TSS RSP0", loc_tss },
	{ "code_frames", "CODE frame count (nothing promoted)", loc_code_count },
	{ "victim_text", "another module's text", loc_victim_text },
	{ "own_text", "the module's own text", loc_own_text },
	{ "syscall_table", "syscall table entry 60", loc_syscall_table },
	{ "nk_stack", "nk gate stack", loc_nk_stack },
	{ "cr3", "CR3 (a declared L4)", loc_cr3 },
	{ "msrs", "LSTAR STAR CSTAR SFMASK EFER PAT APIC_BASE", loc_msrs },
	{ "debug", "DR0-DR3, DR7", loc_debug },
	{ "idtr", "IDTR", loc_idtr },
	{ "gdtr", "GDTR", loc_gdtr },
	{ "tr", "TR", loc_tr },
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

static struct attack_ctx actx;
extern char nk_nmi_return[]; /* nk/entry.asm */

static void fill_ctx(struct arena *a, struct module *m)
{
	memset(&actx, 0, sizeof(actx));
	actx.l1 = a->l1;
	actx.idx = a->idx;
	actx.va = a->va;
	actx.data = a->data;
	actx.l4 = a->l4;
	actx.user_pg = a->user_pg;
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
	cur_target->locate(&arena, &w, &hook_len);
	memcpy(hook_after, w, hook_len);
	hook_ran = true;
}

static void run_module_attack(const char *path, const struct attack_meta *meta, const uint8_t *img,
			      size_t len, struct result *res)
{
	struct arena *a = &arena;
	uint8_t before[TARGET_MAX], after[TARGET_MAX];
	const void *where;
	size_t n;
	memset(res, 0, sizeof(*res));
	const struct mtarget *t = mtarget_find(meta->target);
	if (!t) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "harness: unknown target '%s'", meta->target);
		return;
	}
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
	char err[128];
	struct module *m = NULL;
	long r = module_load(path, img, len, false, &m, err, sizeof(err));
	bool refused_wanted = !strcmp(meta->expected, ATTACK_REFUSED);
	if (r) {
		res->stopped = refused_wanted && r == -EPERM;
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "load refused: %s", err);
	} else if (!m->meta || m->meta->run < (long (*)(struct attack_ctx *))m->va[0] ||
		   (uint64_t)m->meta->run >= m->va[0] + m->pages[0] * PAGE_SIZE) {
		ksnprintf(res->stopped_by, sizeof(res->stopped_by), "harness: bad metadata in the loaded module");
		module_unload(m);
	} else {
		cur_mod = m;
		fill_ctx(a, m);
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
			ksnprintf(res->stopped_by, sizeof(res->stopped_by), "%s at RIP %lx: %s; module contained",
				  fi.vector == 14 ? "page fault" : fi.vector == 13 ? "#GP" :
				  fi.vector == 32 ? "watchdog" : fi.vector == 8 ? "#DF" : "fault",
				  fi.rip, fi.why);
			if (module_find(name)) {
				res->stopped = false;
				ksnprintf(res->stopped_by, sizeof(res->stopped_by), "harness: failed module still loaded");
			}
		} else {
			if (r < 0 && attack_note[0]) {
				res->stopped = true;
				ksnprintf(res->stopped_by, sizeof(res->stopped_by), "%s", attack_note);
			} else if (r < 0) {
				res->stopped = true;
				ksnprintf(res->stopped_by, sizeof(res->stopped_by), "nk refusal %s", nk_strerror(r));
			} else {
				ksnprintf(res->stopped_by, sizeof(res->stopped_by), "nothing: the action went through");
			}
			failed_hook(m); /* read own-text targets while still mapped */
			module_unload(m);
		}
	}
	add_note(res);
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
	res->unchanged = n == n2 && !memcmp(before, after, n) && exec_counter == 0 && (read_cr0() & CR0_WP);
	arena_teardown(a);
	res->inv_ok = !nk_view->nested || nk_check_invariants() == 0;
}

static void json_mod_row(const struct attack_meta *m, const char *what, const struct result *res, bool blocked)
{
	kprintf("attack-json: {\"name\":\"%s\",\"class\":\"%s\",\"target\":\"%s\",\"expected\":\"%s\","
		"\"outcome\":\"%s\",\"stopped_by\":\"%s\",\"target_unchanged\":%s,\"invariants_ok\":%s}\n",
		m->name, m->class, what, m->expected, blocked ? "blocked" : "not-blocked", res->stopped_by,
		res->unchanged ? "true" : "false", res->inv_ok ? "true" : "false");
}

/* The well-behaved driver after the suite: load /lib/modules/memdev.ko,
 * write and read back /dev/memdev through the VFS, unload it. */
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

int cmd_attack_modules(const char *dir)
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
	int nrun = 0, blocked = 0;
	bool all_inv = true;
	uint32_t inc0 = module_incidents;
	kprintf("attack-begin: nested (modules from %s)\n", dir);
	for (char *line = index; *line;) {
		char *e = line;
		while (*e && *e != '\n')
			e++;
		char c = *e;
		*e = 0;
		if (*line) {
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
				ksnprintf(res.stopped_by, sizeof(res.stopped_by), "harness: no readable .attack_meta");
			} else {
				const struct mtarget *t = mtarget_find(meta.target);
				what = t ? t->what : meta.target;
				run_module_attack(path, &meta, img, len, &res);
			}
			kfree(img);
			bool ok = res.stopped && res.unchanged && res.inv_ok;
			nrun++;
			blocked += ok;
			all_inv &= res.inv_ok;
			kprintf("%-28s %-18s %-11s target %-9s invariants %-4s  %s\n", meta.name, meta.class,
				ok ? "BLOCKED" : "NOT BLOCKED", res.unchanged ? "unchanged" : "CHANGED",
				res.inv_ok ? "ok" : "FAIL", res.stopped_by);
			json_mod_row(&meta, what, &res, ok);
		}
		if (!c)
			break;
		line = e + 1;
	}
	kfree(index);
	module_failed_hook = NULL;
	if (victim && module_find("victim"))
		module_unload(victim);
	victim_text = NULL;
	bool final_inv = nk_check_invariants() == 0;
	bool drv = driver_check();
	kprintf("attack-end: {\"ran\":%d,\"blocked\":%d,\"invariants_ok\":%s,\"incidents\":%u,\"driver_ok\":%s}\n",
		nrun, blocked, final_inv && all_inv ? "true" : "false", module_incidents - inc0,
		drv ? "true" : "false");
	kprintf("attacks: %d run, %d blocked; kernel still running\n", nrun, blocked);
	return blocked == nrun && nrun > 0 && final_inv && drv ? 0 : 1;
}
