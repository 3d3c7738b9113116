/* nk's driver of the Intel VT-d remapping unit, shared by its run-time
 * half (nk/iommu.c) and its boot half (nk/iommu_boot.c). nk-private.
 * Source: Intel VT-d spec rev. 3.x, sections as given. */
#ifndef NK_VTD_H
#define NK_VTD_H

#include "nk.h"

/* Registers (VT-d 10.4), byte offsets in the unit's page. */
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_FSTS 0x34
#define VTD_FECTL 0x38
#define VTD_IQT 0x88
#define VTD_IQA 0x90
#define VTD_IRTA 0xb8

/* GCMD / GSTS bits (10.4.4, 10.4.5) */
#define VTD_TE (1u << 31)
#define VTD_SRTP (1u << 30)
#define VTD_QIE (1u << 26)
#define VTD_IRE (1u << 25)
#define VTD_SIRTP (1u << 24)
#define VTD_CFI (1u << 23)
#define VTD_KEPT (VTD_TE | VTD_QIE | VTD_IRE | VTD_CFI) /* not one-shot */

/* CAP and ECAP fields (10.4.2, 10.4.3) */
#define CAP_RWBF (1ull << 4)
#define CAP_CM (1ull << 7)
#define CAP_SAGAW(c) (((c) >> 8) & 0x1f)
#define CAP_MGAW(c) ((((c) >> 16) & 0x3f) + 1)
#define CAP_FRO(c) ((((c) >> 24) & 0x3ff) * 16)
#define CAP_NFR(c) ((((c) >> 40) & 0xff) + 1)
#define ECAP_C (1ull << 0)
#define ECAP_QI (1ull << 1)
#define ECAP_IR (1ull << 3)

/* Second-level entries (9.8): read, write; the rest of a leaf's bits 0 */
#define SL_R 1ull
#define SL_W 2ull

/* Fault recording register, upper quadword (10.4.14) */
#define FRR_F (1ull << 63)
#define FRR_T (1ull << 62) /* 1: read request */

/* Invalidation descriptors (6.5.2), 128 bits */
#define QI_CC_GLOBAL (0x1ull | 1ull << 4)		 /* context cache, global */
#define QI_IOTLB_GLOBAL (0x2ull | 1ull << 4 | 3ull << 6) /* IOTLB, global, drain R/W */
#define QI_IEC_GLOBAL 0x4ull				 /* interrupt entry cache */
#define QI_WAIT_SW (0x5ull | 1ull << 5)			 /* wait, status write */

#define QI_ENTRIES 256	 /* one page of 16-byte descriptors */
#define IRT_SIZE_FIELD 7 /* 2^(7+1) = 256 entries */

struct vtd_desc {
	uint64_t lo, hi;
};

/* The unit as nk drives it. The frames are NK frames nk_iommu_reserve
 * took: the second-level tables per level (sl[1]: an L1 entry per RAM
 * frame; enough for 4 levels), the context table every bus shares, the
 * root table, the interrupt-remapping table, the invalidation queue and
 * the word the unit writes at a wait descriptor. */
struct vtd_state {
	uint64_t regs;	    /* nk's virtual address of the register set */
	uint64_t reg_bytes; /* its size: the DMAR's register pages, bytes */
	uint64_t cap, ecap;
	pte_t *io_ptes; /* L1 entries for devices, indexed by pfn (nk.nframes) */
	struct vtd_desc *queue;
	uint32_t tail;
	uint64_t (*irt)[2];	   /* NK_IRQ_MAX entries */
	volatile uint32_t *status; /* the first word of status_pa */
	bool stale;		   /* an entry lost a right since the last invalidation */
	paddr_t sl[5];
	uint64_t nsl[5];
	paddr_t ctx_pa, root_pa, irt_pa, queue_pa, status_pa;
};
extern struct vtd_state vtd;

/* The entries nk writes, encoded once (VT-d 9.1, 9.3, 9.8, 9.10). */

/* vtd_sl_entry: a second-level entry that lets devices read and write
 * physical page pa: a leaf, or (pa a table) a link to the next level. */
static inline pte_t vtd_sl_entry(paddr_t pa)
{
	return pa_addr(pa) | SL_R | SL_W;
}

/* vtd_leaf: frame pfn's device entry: identity-mapped when DATA, else
 * absent. */
static inline pte_t vtd_leaf(uint64_t pfn, bool data)
{
	return data ? vtd_sl_entry(pa_from_pfn(pfn)) : 0;
}

/* vtd_ctx_hi: a context entry's upper quadword: the address width of a
 * `levels`-level table (AW 1: 3 levels, 39 bits; 2: 4 levels, 48) and
 * domain 1. The lower quadword is the top table | P (TT 0: translated). */
static inline uint64_t vtd_ctx_hi(unsigned levels)
{
	return (levels == 3 ? 1 : 2) | (1ull << 8);
}

/* vtd_irte_lo, vtd_irte_hi: an interrupt-remapping entry nk hands out:
 * present, fixed delivery, physical destination APIC 0 (xAPIC), edge, the
 * vector; source validation of requester sid (SVT 01, SQ 00). */
static inline uint64_t vtd_irte_lo(uint32_t vector)
{
	return 1 | (uint64_t)vector << 16;
}
static inline uint64_t vtd_irte_hi(uint32_t sid)
{
	return sid | (1ull << 18);
}

static inline struct nk_iommu_view *vtd_view(void)
{
	return &nk_view_store.iommu;
}

/* The unit's registers (10.4), at byte offset off. */
static inline uint32_t vtd_rd32(uint32_t off)
{
	return arch_mmio_read32(vtd.regs + off);
}
static inline uint64_t vtd_rd64(uint32_t off)
{
	return arch_mmio_read64(vtd.regs + off);
}
static inline void vtd_wr32(uint32_t off, uint32_t v)
{
	arch_mmio_write32(vtd.regs + off, v);
}
static inline void vtd_wr64(uint32_t off, uint64_t v)
{
	arch_mmio_write64(vtd.regs + off, v);
}

/* vtd_publish: a table entry the unit reads, written back to memory when
 * the unit does not snoop the caches (ECAP.C clear). */
static inline void vtd_publish(const void *p)
{
	if (!(vtd.ecap & ECAP_C))
		arch_clflush(p);
}

/* vtd_qi_submit: queue the n descriptors d and a wait descriptor after
 * them, and wait until the unit wrote the wait's status: every earlier
 * descriptor has then completed (6.5.2.8). */
void vtd_qi_submit(const struct vtd_desc *d, unsigned n);

#endif
