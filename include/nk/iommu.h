/* nk's IOMMU, as the outer kernel sees it (spec I11, I7 with I11): nk owns
 * the Intel VT-d remapping unit. Devices reach memory only through its
 * second-level tables, which identity-map DATA frames and nothing else,
 * and every device interrupt goes through its interrupt-remapping table,
 * whose entries only nk writes. Source: Intel VT-d spec (rev. 3.x)
 * sections 3 (DMA remapping), 5 (interrupt remapping), 6.5 (invalidation),
 * 7 (faults), 9 (table formats), 10 (registers). */
#ifndef NK_IOMMU_H
#define NK_IOMMU_H

#include <nk/types.h>

#define NK_IOMMU_FAULTS_KEPT 16 /* the last faults nk_view keeps */
#define NK_IRQ_MAX 256		/* interrupt-remapping table entries */

/* One DMA or interrupt-remapping fault, as nk read it from the unit's
 * fault-recording registers (VT-d 10.4.14). */
struct nk_iommu_fault {
	uint16_t sid;	   /* requester: bus << 8 | device << 3 | function */
	uint8_t reason;	   /* fault reason (VT-d appendix A), e.g. 0x05 write to a
			    * non-writable entry, 0x06 read, 0x22 interrupt index */
	uint8_t write;	   /* 1: a write request, 0: a read */
	uint8_t interrupt; /* 1: an interrupt request (addr holds its index << 12) */
	uint64_t addr;	   /* the faulting bus address (page-aligned), physical */
};

/* What nk's IOMMU is doing. */
struct nk_iommu_view {
	bool present;		    /* a DMAR table named a remapping unit */
	bool on;		    /* DMA and interrupt remapping are enabled */
	bool off_by_cmdline;	    /* nk.iommu=off: DMA is not protected */
	paddr_t reg_base;	    /* the unit's register page (an nk-owned device page) */
	uint64_t regs_va;	    /* nk's read-only, uncached mapping of it (virtual) */
	paddr_t root_table;	    /* nk's root table (an NK frame), for the attack suite */
	uint64_t cap, ecap;	    /* its CAP and ECAP registers */
	uint32_t levels;	    /* second-level table levels (3: 39 bits, 4: 48) */
	uint64_t mapped_frames;	    /* frames devices may read and write (the DATA frames) */
	uint64_t invalidations;	    /* IOTLB invalidations nk waited for */
	uint64_t iec_invalidations; /* interrupt-entry-cache invalidations */
	uint64_t faults;	    /* faults nk read and cleared */
	uint32_t nirqs;		    /* interrupt-remapping entries handed out */
	struct nk_iommu_fault fault_log[NK_IOMMU_FAULTS_KEPT]; /* fault_log[i % KEPT] */
};

/* nk_iommu_poll: read and clear the remapping unit's fault-recording
 * registers, logging each fault (nk's console line; nk_view->iommu's
 * fault_log and faults). Returns the number of new faults (>= 0), or
 * -NK_ENOIOMMU when no unit is on. Source: VT-d 7.2.1, 10.4.9, 10.4.14. */
long nk_iommu_poll(void);

/* nk_irq_remap: an interrupt-remapping entry for requester sid (bus << 8 |
 * device << 3 | function) that delivers `vector` (32..239) to CPU 0,
 * fixed delivery, edge, physical destination; only sid may use it (source
 * validation). Returns the entry's handle (0..NK_IRQ_MAX-1; the same
 * handle again for the same sid and vector), -NK_EVECTOR (vector < 32 or >
 * 255), -NK_ENKVECTOR (one of nk's vectors 0xF0..0xFF, include/nk/apic.h),
 * -NK_ENOMEM (table full) or -NK_ENOIOMMU (no unit on: use
 * compatibility-format MSIs). The MSI to program is nk_msi_remappable's.
 * Source: VT-d 5.1.4 (IRTE), 5.1.5.2 (remappable MSI format). */
long nk_irq_remap(uint32_t sid, uint32_t vector);

/* nk_msi_remappable: the MSI address (physical, 0xFEEx_xxxx) and data that
 * name interrupt-remapping entry `handle` in remappable format: address
 * bits 19:5 handle[14:0], bit 4 the format (1), bit 3 SHV (0), bit 2
 * handle[15]; data 0. Source: VT-d 5.1.5.2. */
static inline void nk_msi_remappable(uint32_t handle, uint64_t *addr, uint32_t *data)
{
	*addr = 0xfee00000ull | ((uint64_t)(handle & 0x7fff) << 5) | (1ull << 4) |
		((uint64_t)((handle >> 15) & 1) << 2);
	*data = 0;
}

#endif
