/* The vMMU: the only way the outer kernel changes translations and
 * protected CPU state. Spec: nested-kernel.md section 5; paper section 3.
 *
 * Every call validates first and mutates after (a batch is all-or-nothing),
 * returns 0 or a negative NK_E* code naming the failed precondition, and
 * never panics on outer input. In the nested build (NK=1) each call is a
 * gate stub (nk/gate.asm); in the native build (NK=0) a plain function
 * (nk/native.c) with the same effect and no checks. */
#ifndef NK_VMMU_H
#define NK_VMMU_H

#include <nk/types.h>
#include <nk/pte.h>
#include <nk/errors.h>
#include <nk/calls.h>
#include <nk/iommu.h>
#include <nk/apic.h>

/* Error codes, one per precondition (returned negated): the list in
 * include/nk/errors.h. */
#define NK_ERR_ENUM(name, value, why) NK_##name = value,
enum nk_err { NK_OK = 0, NK_ERRORS(NK_ERR_ENUM) NK_EMAX };
#undef NK_ERR_ENUM

/* nk_strerror: a short name for error code e (positive or negative),
 * e.g. "NK_EPROT". Never NULL. Plain read-only function (no gate). */
const char *nk_strerror(long e);

/* Level argument flags for nk_declare_ptp. */
#define NK_PTP_KERNEL 0x100u /* the PTP will map the kernel half (U=0) */

/* nk_declare_ptp: make DATA frame `frame` a page-table page of `level`
 * (1..4, optionally | NK_PTP_KERNEL for levels 1..3). nk zeroes it; an L4
 * gets the kernel half (entries 256-511) copied from the master L4. Its
 * direct-map alias becomes read-only.
 * Errors: NK_EALIGN, NK_ERANGE, NK_ELEVEL, NK_ETYPE (not DATA),
 * NK_EWRITABLE (a writable mapping exists), NK_EHUGE (covered by a huge page).
 * Source: spec 4-5; paper 4.2 (declare_PTP). */
long nk_declare_ptp(paddr_t frame, unsigned level);

/* nk_remove_ptp: return PTP `frame` to DATA. Its entries' references are
 * dropped; its direct-map alias becomes writable again.
 * Errors: NK_EALIGN, NK_ERANGE, NK_ETYPE (not a PTP), NK_EPINNED,
 * NK_EINUSE (a parent entry still points to it), NK_ELOADED (it is CR3).
 * Source: spec 4-5; paper 4.2 (remove_PTP). */
long nk_remove_ptp(paddr_t frame);

/* nk_write_pte: set entry `index` (0..511) of PTP `ptp` to `pte`.
 * Errors: NK_EALIGN, NK_ERANGE, NK_ETYPE, NK_EINDEX, NK_EKERNHALF,
 * NK_EPINNED (the PTP, or a non-leaf entry's target, is nk's own),
 * NK_ERESERVED, NK_EGLOBAL, NK_EHALF, NK_ENOTPTP,
 * NK_EWRONGLEVEL, NK_EHUGE, NK_EPROT, NK_EEXEC.
 * A change that removes a right (frame, W, U, X, present) is flushed from
 * the TLB before the call returns (I10). Source: spec 3 (I1, I2, I4, I9),
 * 5; paper 4.2 (write_PTE). */
long nk_write_pte(paddr_t ptp, unsigned index, pte_t pte);

/* One update of a batch. */
struct nk_pte_write {
	paddr_t ptp;
	uint64_t index; /* 0..511 */
	pte_t pte;
};

#define NK_BATCH_MAX 512u

/* nk_write_ptes: apply `count` (1..NK_BATCH_MAX) updates all-or-nothing:
 * every update is validated against the state the earlier ones leave, and
 * none is applied unless all pass. One TLB flush at most.
 * Errors: NK_EBATCH (NULL, 0 or > NK_BATCH_MAX), NK_EFAULT (array not in
 * mapped kernel memory), or any nk_write_pte error of the first bad update.
 * Source: spec 5; style.md (seL4 decode/perform). */
long nk_write_ptes(const struct nk_pte_write *writes, size_t count);

/* ---- The multicall: many vMMU operations in one gate crossing ---- */

/* Operation kinds of a multicall (struct nk_op.kind). */
enum nk_op_kind {
	NK_OP_DECLARE_PTP = 1, /* a: frame; arg: level (| NK_PTP_KERNEL) */
	NK_OP_REMOVE_PTP = 2,  /* a: frame; b, arg: the hint (below); c: NK_RM_KEEP or 0 */
	NK_OP_WRITE_PTE = 3,   /* a: ptp; arg: index (0..511); b: pte */
	NK_OP_LOAD_CR3 = 4,    /* a: l4 */
	NK_OP_WRITE = 5,       /* a: region id; b: dst; c: src; arg: len (bytes); tag */
	NK_OP_MAX
};

/* A remove's c: the frame stays read-only in the direct map (a DATA frame
 * marked NK_FF_DMRO), so that the outer kernel can keep it for its next
 * PTP and nk declares it again without a TLB shootdown: its alias has
 * been read-only on every CPU since its declare (I10). The outer kernel
 * cannot write it until it is declared and removed without the flag.
 * Other bits of c are ignored. Source: issue 17 (fewer shootdowns). */
#define NK_RM_KEEP 1u

/* One operation of a multicall: 40 bytes. The fields each kind reads are
 * listed at enum nk_op_kind; the others are ignored. tag (NK_OP_WRITE) is
 * the outer kernel's own name for who asked (e.g. the return address of
 * its wrapper): nk records it in the write log, marked as outer-supplied
 * (include/nk/region.h, NK_LOG_TAGGED), and never trusts it.
 * A remove's hint (b: a parent PTP, 0 for none; arg: the index of the
 * entry in it that links the frame) lets a list without declares remove a
 * tree top-down without nk reading the removed PTPs' entries: when an
 * earlier remove of the list removed that parent and the hinted entry, as
 * the list left it, is the frame's one link, the frame counts as unlinked.
 * nk checks the hint; a wrong or missing one costs NK_EMCFULL at worst
 * (the list is exact when sent in two), never a wrong decision. */
struct nk_op {
	uint32_t kind; /* enum nk_op_kind */
	uint32_t arg;
	uint64_t a, b, c;
	uint64_t tag;
};

#define NK_MC_MAX 512u	       /* operations per multicall */
#define NK_MC_DATA_BYTES 4096u /* NK_OP_WRITE bytes per multicall, all writes together */

/* A multicall's refusal: -(index << NK_MC_SHIFT | error), error an NK_E*
 * code and index the operation that failed (0 for errors of the whole
 * list). nk_mc_index and nk_mc_error take it apart. */
#define NK_MC_SHIFT 16
static inline unsigned long nk_mc_index(long r)
{
	return r < 0 ? (unsigned long)-r >> NK_MC_SHIFT : 0;
}
static inline long nk_mc_error(long r)
{
	return r < 0 ? (long)((unsigned long)-r & ((1ul << NK_MC_SHIFT) - 1)) : 0;
}

/* nk_multicall: perform `count` (1..NK_MC_MAX) operations, all or
 * nothing, in one gate crossing. nk first copies the list (and every
 * NK_OP_WRITE's source bytes, NK_MC_DATA_BYTES in all) into its own
 * memory, so what is checked is what is performed whatever the outer
 * arrays hold later. It then decodes each operation, in order, against
 * the state the earlier ones leave (their effect on the frame table,
 * the loaded CR3, the PTP entries and the regions' policy state, kept in
 * a shadow), with the preconditions of the single call of the same name
 * (nk_declare_ptp, nk_remove_ptp, nk_write_pte, nk_load_cr3, nk_write);
 * only when every one passes does it perform them, in order. One TLB
 * flush at most (I10: before the call returns); a CR3 load in the list
 * flushes as nk_load_cr3 does. Each NK_OP_WRITE is recorded as nk_write
 * records it, its write-log record naming both the multicall's caller
 * (the return address the gate captures) and the op's tag.
 * Returns 0, or -(index << NK_MC_SHIFT | error) (nk_mc_index,
 * nk_mc_error) with nothing changed but the counters: NK_EBATCH at 0
 * (NULL, 0 or > NK_MC_MAX), NK_EFAULT at 0 (list not readable kernel
 * memory), and at operation index: NK_EOP (unknown kind), for a write
 * NK_EFAULT (source unreadable, checked as it is copied, before its other
 * preconditions), NK_EMCFULL (the writes' bytes exceed NK_MC_DATA_BYTES,
 * or the list exceeds nk's shadow: operations [0, index) fit, so the
 * caller may send them, then the rest), NK_EDUP (a second write to one
 * write-once region), or any error of the single call.
 * Cost: O(1) per operation (a remove is O(512), as nk_remove_ptp), plus
 * O(len) per write. Source: spec 5 (batches: all or nothing); Xen's
 * multicall and mmu_update hypercalls (one crossing, many operations). */
long nk_multicall(const struct nk_op *ops, size_t count);

/* nk_load_cr3: switch to the address space whose L4 is `l4` (no PCID).
 * Errors: NK_EALIGN, NK_ERANGE, NK_ETYPE (not a declared L4).
 * Source: spec I3; SDM 4.10.4.1. */
long nk_load_cr3(paddr_t l4);

/* nk_load_cr0: write CR0. PE, PG and WP must stay set; NW needs CD; bits
 * other than PE MP EM TS ET NE WP AM NW CD PG are refused.
 * Errors: NK_ECR0. Source: spec I3; SDM 2.5. */
long nk_load_cr0(uint64_t value);

/* nk_load_cr4: write CR4. PAE, SMEP (and SMAP when present) must stay set;
 * only TSD DE PGE PCE OSFXSR OSXMMEXCPT (and FSGSBASE, UMIP when present)
 * may change. Errors: NK_ECR4. Source: spec I3; SDM 2.5. */
long nk_load_cr4(uint64_t value);

/* nk_wrmsr: write an allow-listed MSR: EFER (NXE and LME stay set),
 * STAR, LSTAR, CSTAR, SFMASK (these five locked after nk_init_done),
 * FS_BASE, GS_BASE, KERNEL_GS_BASE (canonical values).
 * Errors: NK_EMSR, NK_EMSRVAL, NK_ELOCKED. Source: spec 5; SDM 2.2.1. */
long nk_wrmsr(uint32_t msr, uint64_t value);

/* Most frames one nk_promote_code / nk_demote_code call takes (1 MiB of text). */
#define NK_CODE_MAX 256u

/* nk_promote_code: make `count` (1..NK_CODE_MAX) DATA frames the text of a
 * module: CODE, read-only everywhere (their direct-map entries become
 * read-only, I2), and from then on mappable supervisor-executable (I4).
 * frames[0..count) is the text in the order it will be mapped; nk scans
 * every byte offset of that concatenation with the I5 matcher (lib/i5.c) and
 * refuses on a hit, printing the offset; it also refuses a frame whose last
 * bytes start an encoding that a neighbouring frame could complete (a 0F
 * in the last byte, or 0F 00/01/22/23 in the last two), so no arrangement
 * of CODE frames can form one. All-or-nothing.
 * Errors: NK_EBATCH (NULL, 0 or > NK_CODE_MAX), NK_EFAULT (array not kernel
 * memory), NK_EALIGN, NK_ERANGE, NK_EDUP (a frame twice), NK_ETYPE (not
 * DATA), NK_EWRITABLE (a writable mapping outside the direct map exists),
 * NK_EHUGE (a 2 MiB mapping covers it), NK_EI5 (forbidden encoding).
 * Source: spec 3 (I2, I4, I5), 5; paper 4.3 (de-privileging). */
long nk_promote_code(const paddr_t *frames, size_t count);

/* nk_demote_code: return module text frames (made by nk_promote_code) to
 * DATA; their direct-map entries become writable again. Every frame must
 * be mapped nowhere (outside the direct map): unmap first. All-or-nothing.
 * Errors: NK_EBATCH, NK_EFAULT, NK_EALIGN, NK_ERANGE, NK_EDUP, NK_ETYPE
 * (not CODE), NK_EPINNED (the boot image's text), NK_EMAPPED (a mapping
 * remains). Source: spec 5. */
long nk_demote_code(const paddr_t *frames, size_t count);

/* nk_smp_release: start the outer kernel on the application processors.
 * Every AP nk brought up at boot waits parked in nk (CR0.WP set,
 * interrupts off, polling nk memory). On the boot CPU, the first call
 * releases them one at a time, in CPU index order: each loads the shared
 * MSR records (nk_wrmsr of STAR, LSTAR, CSTAR, SFMASK, EFER made on the boot
 * CPU reach every AP here; FS_BASE, GS_BASE and KERNEL_GS_BASE are per
 * CPU), flushes nk's boot-only and gated pages from its TLB, and jumps
 * once to outer_ap_main(index) on an outer stack nk allocated for it (DATA
 * frames, 16-byte aligned), interrupts off, CR0.WP set. The call returns
 * when every AP took its entry or a bounded wait ran out, with the number
 * of APs released (0 on one CPU). Errors: NK_EDONE (called again, or on an
 * AP outside nk's park loop). nk's park loop itself calls it on each AP:
 * there it returns outer_ap_main's address, taken from nk memory and
 * cleared (a second jump into the park loop gets NK_EDONE). Source: SDM
 * Vol. 3A 8.4 (MP initialization); issue 17. */
long nk_smp_release(void);

/* nk_smp_poll: acknowledge this CPU's pending TLB shootdown, if any: flush
 * this CPU's whole TLB (a CR3 reload) and record, in nk memory, that it
 * did (nk_view->cpus[this CPU].shoot_ack := shoot_req). Returns 1 when it
 * flushed, 0 when nothing was pending. Never refused; takes no lock. nk's
 * stub for its shootdown IPI calls it; outer code that spins with
 * interrupts off (a lock's wait) must call it whenever its CPU's
 * shoot_req and shoot_ack differ, or the CPU that asked waits on it.
 * Source: nk/shoot.c; spec I10; issue 17 section 3. */
long nk_smp_poll(void);

/* outer_ap_main: the outer kernel's entry on an AP (cpu: its index,
 * 1..ncpus-1), called once by nk after nk_smp_release; never returns. */
NK_NORETURN void outer_ap_main(unsigned cpu);

/* nk_null: a gate round trip that does nothing (benchmark). Returns 0. */
long nk_null(void);

/* nk_init_done: end of outer init: locks the syscall MSRs, declares the
 * outer kernel's .data.ro_after_init section a sealed no-write region and
 * seals every region declared with NK_REGION_SEAL_AT_INIT (and nk's IDT,
 * GDT, TSS regions). All or nothing: returns 0, or the region error that
 * kept .data.ro_after_init from being declared (NK_EWRITABLE, ...) with
 * nothing sealed, nothing locked and init not ended. A second call after
 * success changes nothing and returns 0. Source: spec sections 5, 7. */
long nk_init_done(void);

/* nk_check_invariants: run the invariant checker (I1-I4, I7-I9) over the
 * whole machine state. Returns 0 when every invariant holds, else -1;
 * details in nk_view->check. Source: spec 3. */
long nk_check_invariants(void);

/* ---- Read-only view of nk state (the outer kernel may read, never write:
 * nk promises integrity, not confidentiality, spec 2). ---- */

enum nk_ftype {
	NK_F_HOLE = 0, /* not RAM (MMIO, reserved, below 1 MiB) */
	NK_F_DATA,
	NK_F_PTP1,
	NK_F_PTP2,
	NK_F_PTP3,
	NK_F_PTP4,
	NK_F_CODE,
	NK_F_NK,
	NK_F_PROTECTED,
	NK_F_NTYPES
};

/* One descriptor per 4 KiB frame (spec section 4). */
struct nk_frame {
	uint8_t type;  /* enum nk_ftype */
	uint8_t flags; /* NK_FF_* */
	uint16_t spare;
	uint32_t wcount; /* writable leaf mappings (outside the direct map) */
	uint32_t refs;	 /* parent entries pointing to it as a PTP */
	uint32_t maps;	 /* 4 KiB leaf mappings (outside the direct map), any rights */
};

#define NK_FF_PINNED 0x01  /* nk's own PTP: no outer writes, no removal */
#define NK_FF_KHALF 0x02   /* PTP maps the kernel half */
#define NK_FF_DMAP 0x04	   /* PTP of the direct map (its leaves are not counted) */
#define NK_FF_REGION 0x08  /* frame of a declared region (include/nk/region.h) */
#define NK_FF_MODTEXT 0x10 /* CODE frame made by nk_promote_code (demotable) */
#define NK_FF_DMRO 0x20	   /* DATA frame read-only in the direct map (removed with NK_RM_KEEP) */

/* Per 2 MiB of RAM: what huge mappings cover it, how many frames are not DATA. */
struct nk_frame2m {
	uint32_t huge_maps;
	uint16_t nondata;
	uint16_t spare;
};

/* The vMMU calls (include/nk/calls.h), for the counters in nk_stats. */
#define NK_CALL_ENUM(fn, call, rip, exported) NK_CALL_##call,
enum nk_call { NK_CALLS(NK_CALL_ENUM) NK_CALL_MAX };
#undef NK_CALL_ENUM

struct nk_stats {
	uint64_t calls[NK_CALL_MAX];
	uint64_t refusals[NK_EMAX];
	uint64_t ptes_written;
	uint64_t tlb_flushes;
	uint64_t shootdowns;	/* calls that waited for other CPUs' flushes (nk/shoot.c) */
	uint64_t shoot_ipis;	/* the IPIs they sent */
	uint64_t wp_violations; /* interrupts that found CR0.WP=0 outside nk (I7) */
	uint64_t gate_busy;	/* gate entries refused with NK_EBUSY (an NMI's, inside nk) */
	uint64_t nmi_in_nk;	/* NMIs and #MCs that interrupted nk (I7) */
	uint64_t
	    nmi_return_attacks; /* entries to nk's NMI return path with no NMI to return from */
	uint64_t cr_writes;	/* CR0/CR3/CR4 writes and WRMSRs nk made, the gates' own excepted */
	uint64_t mc_ops[NK_OP_MAX]; /* operations performed by nk_multicall, per kind */
	/* The shootdown's cost in TSC ticks (instructions under -icount), for
	 * the bench (nk/shoot.c): the initiators' wait for acknowledgements
	 * (under -icount QEMU runs the CPUs round-robin, so the receivers' run
	 * is in it), and the receivers' flush and acknowledgement in
	 * nk_smp_poll_impl (the interrupt stub and gates around it excluded). */
	uint64_t shoot_wait_tsc;
	uint64_t shoot_ack_tsc;
};

#define NK_INV_MAX 11
struct nk_check_report {
	uint32_t runs;
	uint32_t failures[NK_INV_MAX + 1]; /* per invariant I1..I11 of the last run */
	uint64_t first_bad_pa;		   /* where the first failure was seen */
	char first_msg[96];
};

#define NK_MMAP_MAX 64
struct nk_mem_range {
	paddr_t base;
	uint64_t len;  /* bytes */
	uint32_t type; /* multiboot2 type: 1 available */
};

struct nk_module {
	paddr_t start, end; /* [start, end) */
	char name[64];
};

#define NK_MODULES_MAX 8
#define NK_CMDLINE_MAX 512

struct nk_region; /* include/nk/region.h */

/* The most CPUs nk runs (nk/nk.h NK_MAX_CPUS). */
#define NK_VIEW_CPUS 8

/* A CPU's state as nk keeps it (struct nk_cpu's state). */
enum nk_cpu_state {
	NK_CPU_OFFLINE = 0, /* absent, or did not check in */
	NK_CPU_BOOTING = 1, /* checked in at boot, being set up by nk */
	NK_CPU_PARKED = 2,  /* set up; waits in nk (WP set, interrupts off) for nk_smp_release */
	NK_CPU_RUNNING = 3, /* runs the outer kernel */
};

/* nk's record of one CPU (nk memory, read-only to the outer kernel; nk_view
 * cpus[]). 128 bytes each, laid out for nk's assembly, which finds this
 * CPU's record from TR (nk/cr0.inc PCPU): do not reorder. */
struct nk_cpu {
	uint64_t gate_state;  /* bits 0-2: NK_GS_* (1: this CPU runs nk, 2: an NMI that
			       * interrupted nk is in the outer handler, 4: nk uses its
			       * gated page here: nk/cr0.inc); bits 3-63: gate entries on
			       * this CPU (nk_cpu_gate_entries) */
	uint64_t stack_top;   /* this CPU's nk gate stack: where a gate's first push goes */
	uint64_t cr3;	      /* the CR3 nk loaded on this CPU (the CPU's value) */
	uint64_t msr_table;   /* nk's MSR records for this CPU (nk memory) */
	uint32_t msr_count;   /* records in msr_table */
	uint32_t apic_id;     /* initial APIC ID (CPUID leaf 1 EBX[31:24]) */
	uint64_t nmi_save;    /* this CPU's NMI save area (nk/entry.asm) */
	uint64_t outer_entry; /* outer_ap_main until this AP takes it (nk_smp_release) */
	uint64_t outer_stack; /* top of the outer stack nk allocated for this AP (virtual) */
	uint32_t state;	      /* enum nk_cpu_state */
	uint32_t index;	      /* this CPU's index: 0 the boot CPU, APs in check-in order */
	uint64_t pad64;
	uint64_t shoot_req; /* the newest TLB-shootdown generation asked of this CPU */
	uint64_t shoot_ack; /* the newest it flushed for (nk/shoot.c) */
	uint64_t shoots;    /* shootdowns this CPU acknowledged */
	uint64_t pad[3];
};

/* nk_cpu_gate_entries: gate entries counted on CPU c (nk_view->cpus[c]). */
static inline uint64_t nk_cpu_gate_entries(const struct nk_cpu *c)
{
	return c->gate_state >> 3;
}

/* What nk knows and lets the outer kernel read. */
struct nk_view {
	bool nested; /* NK=1 build */
	/* CPU features (CPUID) */
	bool has_nx, has_smep, has_smap, has_pcid, has_pge, has_fsgsbase, has_umip;
	char cpu_vendor[13];
	/* boot information (multiboot2 + fw_cfg) */
	char cmdline[NK_CMDLINE_MAX];
	uint32_t nmmap;
	struct nk_mem_range mmap[NK_MMAP_MAX];
	uint32_t nmodules;
	struct nk_module modules[NK_MODULES_MAX];
	/* physical memory left to the outer kernel: [free_start, ...) of each
	 * available range, above nk's boot allocations */
	paddr_t outer_free_start;
	/* frame table */
	const struct nk_frame *frames;
	uint64_t nframes;
	const struct nk_frame2m *frames2m;
	uint64_t type_count[NK_F_NTYPES];
	/* layout */
	uint64_t direct_map_base; /* virtual, bytes */
	paddr_t master_l4;
	uint64_t heap_base, heap_size;	   /* virtual area for the outer kernel's heap */
	paddr_t heap_l3;		   /* kernel L3 PTP covering heap_base */
	uint64_t module_base, module_size; /* virtual area for module sections */
	paddr_t module_l2; /* kernel L2 PTP covering module_base (outer-extendable) */
	uint64_t nk_text_start, nk_text_end; /* virtual */
	/* state */
	bool init_done;
	/* write mediation (include/nk/region.h, spec section 7) */
	bool audit; /* nk.audit=0/1 on the command line (default 1): write-log
		     * records and the outer kernel's audit log are kept */
	uint32_t nregions;
	const struct nk_region *regions; /* nregions entries, indexed by id */
	int32_t region_idt, region_gdt, region_tss, region_ro_after_init; /* ids, -1 if none */
	uint64_t log_records; /* write-log records ever made */
	struct nk_stats stats;
	struct nk_check_report check;
	struct nk_iommu_view iommu; /* include/nk/iommu.h (spec I11) */
	/* SMP (nk/smp.c): CPUs online (the boot CPU and the APs that checked
	 * in at boot), and nk's record of each, indexed by CPU index */
	uint32_t ncpus;
	const struct nk_cpu *cpus; /* NK_VIEW_CPUS entries; [ncpus..) OFFLINE */
	struct nk_apic_view apic;  /* include/nk/apic.h (spec I7 with I11) */
};

/* nk_view: nk's state, read-only to the outer kernel. */
extern const struct nk_view *const nk_view;

/* The kernel half's layout (spec section 8): all RAM direct-mapped at
 * DIRECT_MAP_BASE, the heap, the kernel image at KERNEL_VMA (loaded at
 * physical KERNEL_VMA less), the modules. The two maps' arithmetic is in
 * the four conversions below and nowhere else. */
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define HEAP_BASE 0xffffc00000000000ull
#define KERNEL_VMA 0xffffffff80000000ull
#define MODULE_BASE 0xffffffffc0000000ull /* within 2 GiB of the image: -mcmodel=kernel */

/* pa_to_dm: the direct-map virtual address of physical address pa. */
static inline void *pa_to_dm(paddr_t pa)
{
	return (void *)(pa_addr(pa) + DIRECT_MAP_BASE);
}

/* dm_to_pa: the physical address behind direct-map address v (for any
 * other address the result lies beyond all RAM or wraps). */
static inline paddr_t dm_to_pa(const void *v)
{
	return pa_init((uint64_t)v - DIRECT_MAP_BASE);
}

/* kimg_to_pa: the physical address of kernel-image virtual address va
 * (at or above KERNEL_VMA: the image is loaded at its link address less
 * KERNEL_VMA, linker.ld). */
static inline paddr_t kimg_to_pa(vaddr_t va)
{
	return pa_init(va_addr(va) - KERNEL_VMA);
}

/* pa_to_kimg: the kernel-image virtual address of physical address pa
 * (inside the image). */
static inline vaddr_t pa_to_kimg(paddr_t pa)
{
	return va_init(pa_addr(pa) + KERNEL_VMA);
}

#endif
