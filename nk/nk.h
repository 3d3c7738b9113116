/* nk-private state and helpers. Only nk/ and policies/ include this. */
#ifndef NK_NK_H
#define NK_NK_H

#include <nk/vmmu.h>
#include "arch.h"

/* NK_MAX_CPUS: the most CPUs nk runs (the boot CPU and up to 7 APs; more
 * APs are halted at check-in). NK_CPUS: the size of per-CPU arrays. */
#define NK_MAX_CPUS 8
#define NK_CPUS NK_MAX_CPUS

/* NK_FRAMES_MAX: the most RAM frames nk tracks (32 GiB - 2 MiB); boot
 * leaves RAM above it unused. It bounds the frame counters: each counts
 * entries of PTPs, of which there are at most NK_FRAMES_MAX * 512 < 2^32,
 * so a uint32_t counter cannot wrap and no call checks for it. */
#define NK_FRAMES_MAX ((1ull << 23) - PTES_PER_PTP)

/* nk's device window: the last 2 MiB of the image's 1 GiB, an L1 of nk's
 * own in which nk maps the device pages it owns (the IOMMU's registers,
 * the local APIC page, the IOAPICs' pages: nk/apic.c). */
#define NK_DEVICE_BASE (KERNEL_VMA + (1ull << 30) - HUGE_2M_SIZE)
#define NK_DEVICE_PAGES 16

/* All of nk's mutable state; lives in nk frames (I8). */
struct nk_state {
	struct nk_frame *frames; /* nframes descriptors, a multiple of 512 */
	uint64_t nframes;
	struct nk_frame2m *f2m; /* nframes / 512 entries */
	pte_t *dm_ptes;		/* direct-map L1 entries, indexed by pfn */
	paddr_t master_l4;
	paddr_t cur_cr3[NK_CPUS];
	uint64_t phys_limit;  /* 1 << MAXPHYADDR, bytes */
	uint64_t cr4_allowed; /* CR4 bits the outer kernel may change */
	uint64_t cr4_required;
	uint32_t *scratch;    /* nframes counters for the invariant checker */
	uint64_t *ptp_groups; /* nframes: of a PTP, bit g clear when entries 8g..8g+7 are
			       * all 0 (nk_ptp_group_set) */
	uint32_t *ptp_parent; /* nframes: of a PTP, the PTP linking it (nk_ptp_root) */
	bool msrs_locked;
	uint32_t ncpus;	     /* CPUs online: the boot CPU and the APs that checked in */
	bool smp_released;   /* nk_smp_release ran (one-shot) */
	bool shoot_on;	     /* it ran with other CPUs online: nk_shoot has CPUs to reach */
	uint64_t shoot_root; /* revocations since the last shootdown: nk_ptp_root merged */
	uint64_t shoot_gen;  /* the last shootdown's generation (nk/shoot.c) */
	struct nk_pte_write batch[NK_BATCH_MAX]; /* copy-in buffer (one CPU) */
	paddr_t code_frames[NK_CODE_MAX];	 /* copy-in buffer of nk_*_code */
	uint64_t priv_pfn; /* the frame of nk's gated page (nk/priv.asm), 0 in host tests */
	paddr_t dev_l1;	   /* the device window's L1 (NK_DEVICE_BASE) */
	uint64_t dev_pfns[NK_DEVICE_PAGES]; /* nk-owned device pages */
	uint32_t ndev;
};

extern struct nk_state nk;
extern struct nk_view nk_view_store;

/* nk_panic: stop the machine with a message; only for nk bugs, never for
 * outer input (style.md rule 5). Its first act is a store to nk memory
 * (nk_stopping): reached by outer code directly, with CR0.WP set, it
 * faults there instead. */
extern volatile uint32_t nk_stopping;
NK_NORETURN void nk_panic(const char *file, int line, const char *why);
#define NK_CHECK(c)                                                                                \
	do {                                                                                       \
		if (__builtin_expect(!(c), 0))                                                     \
			nk_panic(__FILE__, __LINE__, #c);                                          \
	} while (0)

/* nk_printf: print to COM1, polled (at most 256 bytes per call). nk/log.c. */
void nk_printf(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* nk_exit_qemu: leave QEMU through isa-debug-exit (port 0xf4) with status
 * (code << 1) | 1; halts where the device is absent. */
NK_NORETURN void nk_exit_qemu(uint8_t code);

/* nk_fwcfg_read: read QEMU fw_cfg file `name` into buf (cap bytes, NUL
 * terminated). Returns its length in bytes, or -1 if absent. Source: QEMU
 * docs/specs/fw_cfg (I/O ports 0x510/0x511, file directory at key 0x19). */
long nk_fwcfg_read(const char *name, char *buf, size_t cap);

/* nk_fwcfg_dma_present: whether QEMU's fw_cfg device advertises its DMA
 * interface: bit 1 of the le32 ID item (selector 0x0001), read through the
 * port interface (0x510/0x511). That DMA engine (FWCfgDmaAccess address
 * written big-endian to ports 0x514/0x518) copies to any physical address
 * and no IOMMU covers it, so the nested build refuses to boot when it is
 * there. false when no fw_cfg device answers (the signature is not
 * "QEMU"). Changes the selected item. Source: spec I11; QEMU
 * docs/specs/fw_cfg (FW_CFG_ID, the DMA interface). */
bool nk_fwcfg_dma_present(void);

/* nk_fwcfg_cpus: the CPU count QEMU's fw_cfg gives (item FW_CFG_NB_CPUS,
 * selector 0x0005, le16), or 0 when no fw_cfg device answers. Source: QEMU
 * docs/specs/fw_cfg, hw/nvram/fw_cfg.c. */
uint32_t nk_fwcfg_cpus(void);

/* SMP boot (nk/smp.c; issue 17). nk_smp_early: the boot CPU's record
 * (index 0, APIC ID), first thing at boot, before nk_cpu_early.
 * nk_smp_boot: with the boot tables loaded, start the APs (INIT-SIPI-SIPI)
 * and wait, bounded, until the CPU count fw_cfg gives checked in; sets
 * nk.ncpus. nk.smp=0 on the command line keeps them halted.
 * nk_smp_alloc_stacks: each AP's IST, RSP0 and outer stacks (DATA
 * frames), with the boot CPU's. nk_smp_start_aps: on nk's tables, after
 * nk_cpu_init: each AP's GDT and TSS, then each AP sets itself up and
 * parks; prints the CPUs online. All boot-only. */
void nk_smp_early(void);
void nk_smp_boot(void);
void nk_smp_alloc_stacks(void);
void nk_smp_start_aps(void);
long nk_smp_release_impl(void);

/* nk_smp_wait_state: wait, polling at most NK_SMP_WAIT_POLLS times (some
 * seconds under TCG, far more than an AP needs), until CPU cpu's record
 * has state s (enum nk_cpu_state); whether it has. nk/smp_release.c. */
#define NK_SMP_WAIT_POLLS 200000000u
bool nk_smp_wait_state(unsigned cpu, uint32_t s);

/* nk_memset, nk_memcpy: nk's own (it calls no outer code). n in bytes;
 * whole 8-byte words when the addresses (and, for memset, n) are 8-byte
 * aligned, else bytes. The ranges of nk_memcpy must not overlap. */
void nk_memset(void *d, int c, size_t n);
void nk_memcpy(void *d, const void *s, size_t n);

/* nk_frames_init: set up the frame table over nframes frames (rounded up to
 * a multiple of 512 by the caller, at most NK_FRAMES_MAX) with every frame
 * a HOLE, the PTP group sets (nframes words) all ones and the PTP parents
 * (nframes entries) all NK_PARENT_NONE. The arrays are given by the caller
 * (boot allocator or host test). */
void nk_frames_init(struct nk_frame *frames, struct nk_frame2m *f2m, uint64_t *ptp_groups,
		    uint32_t *ptp_parent, uint64_t nframes);

/* The PTP parents (nk.ptp_parent[pfn]), which say which CPUs a revocation
 * in a PTP must reach (spec I10 with SMP; issue 17: a user-half shootdown
 * goes only to the CPUs that have that address space loaded). For a PTP
 * of levels 1-3: NK_PARENT_NONE while no entry links it (refs 0), pfn + 1
 * of the one PTP whose entries link it, NK_PARENT_MANY once entries of two
 * PTPs did (until refs is 0 again). Kept by every change of refs; the
 * invariant checker tests that each linking entry sits in the recorded
 * parent (unless MANY) and that an unlinked PTP records none. */
#define NK_PARENT_NONE 0u
#define NK_PARENT_MANY 0xffffffffu

/* nk_ptp_root answers */
#define NK_ROOT_NONE (~0ull)	/* no address space reaches the PTP: no CPU caches it */
#define NK_ROOT_ALL (~0ull - 1) /* the kernel half, or linked from several places */

/* nk_ptp_root: which address space a translation through PTP pfn belongs
 * to: the pfn of the one L4 that reaches it (walking at most three
 * recorded parents up), NK_ROOT_ALL for a kernel-half PTP or one linked
 * from two places on the way (every CPU may cache it), NK_ROOT_NONE when
 * no L4 reaches it. O(1). Source: SDM Vol. 3A 4.10.2-4.10.4 (TLBs and
 * paging-structure caches are filled only through the loaded CR3). */
uint64_t nk_ptp_root(uint64_t pfn);

/* The PTP group sets (nk.ptp_groups[pfn]): for a PTP, bit g is set
 * whenever one of its entries 8g..8g+7 may be present (a superset: a
 * declare clears the set, every PTE write sets its group's bit, and a PTP
 * nk did not declare has every bit set), so a remove reads only the
 * groups in the set (O(1) per entry still; spec section 4). The invariant
 * checker tests that no present entry is outside its set. */
static inline uint64_t nk_ptp_group_bit(uint64_t index)
{
	return 1ull << (index / 8);
}

/* nk_set_type: retype frame pfn, keeping the per-type and per-2 MiB counts. */
void nk_set_type(uint64_t pfn, enum nk_ftype t);

/* nk_ptp_level: the level (1..4) of PTP type t, 0 if t is not a PTP type. */
static inline unsigned nk_ptp_level(unsigned t)
{
	return (t >= NK_F_PTP1 && t <= NK_F_PTP4) ? t - NK_F_PTP1 + 1 : 0;
}

/* nk_frame_ok: 0 if pa is a 4 KiB-aligned RAM frame, else -NK_EALIGN or
 * -NK_ERANGE. */
static inline long nk_frame_ok(paddr_t pa)
{
	if (pa_addr(pa) & (PAGE_SIZE - 1))
		return -NK_EALIGN;
	if (pa_pfn(pa) >= nk.nframes || nk.frames[pa_pfn(pa)].type == NK_F_HOLE)
		return -NK_ERANGE;
	return 0;
}
/* nk_frame_retypable: whether RAM frame pfn may leave DATA (become a PTP
 * or CODE): it is DATA, no writable leaf maps it (wcount) and no huge
 * mapping covers it. Returns 0, -NK_ETYPE, -NK_EWRITABLE or -NK_EHUGE.
 * Spec sections 3 (I2, I4) and 4 (frame table). */
long nk_frame_retypable(uint64_t pfn);

/* The vMMU calls' bodies (called only by the gate stubs or nk/native.c). */
long nk_declare_ptp_impl(paddr_t frame, unsigned level);
long nk_remove_ptp_impl(paddr_t frame);
long nk_write_pte_impl(paddr_t ptp, unsigned index, pte_t pte);
long nk_write_ptes_impl(const struct nk_pte_write *w, size_t count);
long nk_load_cr3_impl(paddr_t l4);
long nk_load_cr0_impl(uint64_t v);
long nk_load_cr4_impl(uint64_t v);
long nk_wrmsr_impl(uint32_t msr, uint64_t v);
long nk_null_impl(void);
long nk_init_done_impl(void);
long nk_check_invariants_impl(void);

/* Write mediation (nk/region.c; spec section 7). */
long nk_region_declare_impl(void *base, size_t size_bytes, unsigned policy);
long nk_write_impl(long id, void *dst, const void *src, size_t len, uint64_t caller_rip);
/* nk_write_tagged: nk_write_impl, its write-log record also naming tag
 * (when tagged: the native build's nk_multicall, which counts the call
 * and its refusal itself). */
long nk_write_tagged(long id, void *dst, const void *src, size_t len, uint64_t caller_rip,
		     uint64_t tag, bool tagged);
/* nk_multicall's body (nk/multicall.c); caller_rip as the gate captured it. */
long nk_multicall_impl(const struct nk_op *ops, size_t count, uint64_t caller_rip);
long nk_region_seal_impl(long id);

/* nk_regions_init: empty region table and policy state (boot, host tests). */
void nk_regions_init(void);

/* nk_region_declare_nk: declare a region of nk's own choosing (boot):
 * as nk_region_declare, but with nk_frames the frames must be NK frames
 * (IDT, GDT, TSS), stay NK, and their contents count as written. Returns
 * the id or -NK_E*. */
long nk_region_declare_nk(const void *base, size_t size_bytes, unsigned policy, bool nk_frames);

/* nk_regions_init_done: end of init: declare .data.ro_after_init (sealed
 * no-write) and seal every NK_REGION_SEAL_AT_INIT region. Returns 0, or
 * the declaration's error with nothing sealed. */
long nk_regions_init_done(void);

/* nk_check_regions: the region part of I2: every frame of every region is
 * PROTECTED (NK for nk's own) and marked, with no writable mapping, and no
 * other frame is marked. Failures go to nk_check_fail. */
void nk_check_regions(void);

/* nk_dm_set_writable: set frame pfn's direct-map entry writable or
 * read-only, and flush it from the TLB (I10). nk/vmmu.c. */
void nk_dm_set_writable(uint64_t pfn, bool w);

/* Module text (nk/code.c; spec 5, I4, I5). */
long nk_promote_code_impl(const paddr_t *frames, size_t count);
long nk_demote_code_impl(const paddr_t *frames, size_t count);

/* nk_cmdline_flag: value of `key`=0/1 (or off/on) on the kernel command
 * line (the last one wins), dflt when absent or malformed. */
bool nk_cmdline_flag(const char *key, bool dflt);

/* nk_adopt_counts: set every frame's refs and wcount from the page tables
 * as they stand (boot, after nk built its own tables). */
void nk_adopt_counts(void);

/* nk_check_fail: record a failure of invariant inv (1..11) at physical
 * address pa in nk_view->check; the first one's message is kept as
 * "I<inv>: <msg>". */
void nk_check_fail(int inv, uint64_t pa, const char *msg);

/* The IOMMU (nk/iommu.c; spec I11). */
long nk_iommu_poll_impl(void);
long nk_irq_remap_impl(uint32_t sid, uint32_t vector);

/* nk_iommu_reserve: boot, with the boot tables loaded: map the remapping
 * unit's register set (reg_pages 4 KiB pages at physical reg_base, as its
 * DRHD says) into nk's device window and take the NK frames its tables
 * will need. Returns 0, or -NK_ENOIOMMU (no room in the window). */
long nk_iommu_reserve(paddr_t reg_base, uint64_t reg_pages);

/* nk_iommu_boot: boot, on nk's own tables, after nk_iommu_reserve: check
 * the unit (3- or 4-level second-level tables covering RAM, queued
 * invalidation, interrupt remapping), build its tables (devices see the
 * DATA frames only; an empty interrupt-remapping table) and turn DMA and
 * interrupt remapping on, with compatibility-format interrupts blocked.
 * Returns 0, or -NK_ENOIOMMU after printing why. Source: VT-d 3.4.3, 5.1,
 * 6.5.2, 10.4. */
long nk_iommu_boot(void);

/* nk_iommu_set_frame: frame pfn is DATA (devices may read and write it)
 * or not (they may not): its device entry follows. A revoked right is
 * gone from the unit's IOTLB only after nk_iommu_sync. No-op while no
 * unit is on. */
void nk_iommu_set_frame(uint64_t pfn, bool data);

/* nk_iommu_sync: if a device right was revoked since the last call,
 * invalidate the IOTLB and wait for the unit to finish (I10 for devices:
 * called before nk relies on the revocation). VT-d 6.5.2.3, 6.5.2.8. */
void nk_iommu_sync(void);

/* nk_check_iommu: I11: the device tables map exactly the DATA frames,
 * nothing revoked is pending invalidation, remapping and queued
 * invalidation are on with compatibility format blocked, and every
 * interrupt-remapping entry is one nk made. Failures go to nk_check_fail. */
void nk_check_iommu(void);

/* The local APIC and IOAPICs (nk/apic.c; include/nk/apic.h). */
long nk_apic_eoi_impl(uint64_t vector);
long nk_apic_timer_impl(uint32_t vector, uint32_t divide, uint32_t count, uint32_t mode);
long nk_apic_ipi_impl(uint32_t icr, uint64_t cpu_mask);
long nk_ioapic_write_impl(uint32_t ioapic, uint32_t pin, uint64_t entry);
long nk_ioapic_read_impl(uint32_t ioapic, uint32_t pin);

/* nk_lapic_cpu_init: software-enable this CPU's local APIC: TPR 0 (no
 * priority class masked), SVR = APIC software enable | spurious vector
 * 0xFF, the LVT timer masked. Returns this CPU's APIC ID (ID register
 * bits 31:24). Runs with CR0.WP clear (boot, or the AP bring-up code of
 * each CPU before it first runs outer code), once nk's device window maps
 * the local APIC page (boot_reserve_apic); every CPU's local APIC is at
 * the same physical address, so the one mapping serves them all. Boot-only
 * (NK_BOOT): every AP starts before the outer kernel first runs. Source:
 * SDM Vol. 3A 11.4.6, 11.8.3.1, 11.9. */
uint32_t nk_lapic_cpu_init(void);

/* nk_apic_cpu_index: the CPU index (0..ncpus_online-1) whose APIC ID is
 * apic_id in nk_view->apic.cpu_apic_id[], or -1 when no online CPU has it. */
long nk_apic_cpu_index(uint32_t apic_id);

/* nk_apic_rte_check: the decision on an IOAPIC redirection entry e (any
 * pin): 0, or -NK_EDELIVERY, -NK_EDESTMODE, -NK_ERESERVED, -NK_EVECTOR,
 * -NK_ENKVECTOR, -NK_ECPU as nk_ioapic_write documents. */
long nk_apic_rte_check(uint64_t e);

/* The performs, unchecked (the gates' bodies call them after their
 * decisions; the native build calls them directly). CR0.WP clear, or the
 * native build's writable mapping. nk_apic_ipi_perform takes the ICR low
 * word (vector and delivery mode) and a mask of CPU indices, and ignores
 * indices not online; nk_apic_rte_perform writes entry e of pin (< io's
 * pins) masked first, high word, low word, and reads it back into io->rte;
 * nk_apic_eoi_perform returns what nk_apic_eoi does. */
void nk_apic_timer_perform(uint32_t vector, uint32_t divide, uint32_t count, uint32_t mode);
void nk_apic_ipi_perform(uint32_t icr, uint64_t cpu_mask);
void nk_apic_rte_perform(struct nk_ioapic_view *io, uint32_t pin, uint64_t e);
long nk_apic_eoi_perform(uint64_t vector);

/* nk_boot_map_device: boot, with the boot tables loaded: map device page
 * pa (outside RAM) into nk's device window: read-only to all (nk writes it
 * with CR0.WP clear; writable in the native build, which has no WP
 * window), uncached, NX, global; it becomes an nk-owned device
 * page that no outer leaf may cover (spec section 4). Returns nk's virtual
 * address of it, or 0 when the window (NK_DEVICE_PAGES) is full. */
uint64_t nk_boot_map_device(paddr_t pa);

/* nk_device_covered: whether physical frames [pfn, pfn + n) hold an
 * nk-owned device page: the IOMMU's registers (nk_boot_map_device), the
 * first MiB (the BIOS area and the reset vector's shadow) or the firmware
 * flash (the 4 MiB below 4 GiB). O(NK_DEVICE_PAGES). Spec section 4. */
bool nk_device_covered(uint64_t pfn, uint64_t n);

/* nk_count: record a call and, when r < 0, its refusal; returns r. */
static inline long nk_count(enum nk_call c, long r)
{
	nk_view_store.stats.calls[c]++;
	if (r < 0 && -r < NK_EMAX)
		nk_view_store.stats.refusals[-r]++;
	return r;
}

/* ---- the nk lock and the TLB shootdown (nk/shoot.c) ---- */

/* The nk lock's ticket counters (taken and released by nk/gate.asm). */
extern volatile uint32_t nk_lock_next, nk_lock_serving;

/* nk_smp_poll_impl: nk_smp_poll's body; also polled by nk_lock_wait
 * (nk/gate.asm) while this CPU spins for the nk lock. */
long nk_smp_poll_impl(void);

/* nk_shoot_note: a right was removed from an entry of PTP ptp_pfn (this
 * CPU's TLB is flushed by the caller): remember which address space it
 * belongs to (nk_ptp_root) for the next nk_shoot. O(1). */
void nk_shoot_note(uint64_t ptp_pfn);

/* nk_shoot: make every other running CPU that may cache a translation of
 * root (an L4's pfn, NK_ROOT_ALL, NK_ROOT_NONE) or of what nk_shoot_note
 * noted since the last call flush its TLB, and wait until each has said so
 * in nk memory (spec I10). No-op before nk_smp_release and when no other
 * CPU is a target. Call with the nk lock held (or, in the native build,
 * the outer kernel's). */
void nk_shoot(uint64_t root);

/* nk_lapic_send_fixed: send fixed IPI vector to the CPU whose local APIC
 * ID is apic_id (physical destination, edge), waiting for the ICR to
 * accept it. nk/apic.c; SDM Vol. 3A 11.6.1. */
void nk_lapic_send_fixed(uint32_t apic_id, uint32_t vector);

#endif
