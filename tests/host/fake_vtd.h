/* A model of an Intel VT-d remapping unit for the host tests (behind
 * nk's device window, tests/host/fake_arch.c's arch_mmio_*): the
 * registers nk programs, the queued-invalidation interface (descriptors
 * are read from fake memory; a wait descriptor writes its status word
 * there), the fault-recording registers (CAP.NFR of them, one unless a
 * test says more), and two views a device has: fake_vtd_dma walks the
 * root, context and second-level tables in fake memory as the hardware
 * does, through an IOTLB that keeps what it found until nk invalidates it
 * (so a test sees a stale right that nk failed to invalidate), and
 * fake_vtd_msi sends an MSI through the interrupt-remapping table.
 *
 * A unit without ECAP.C (page-walk coherency) does not snoop the CPU's
 * caches: it reads memory as it was before the CPU's writes, except the
 * cache lines arch_clflush wrote back (fake_vtd_clflush). The fake keeps
 * that view of memory apart; before any write-back it holds a stale
 * interrupt-remapping entry (present, NMI delivery, no source validation)
 * in every 16 bytes, so a table nk never wrote back is seen as garbage.
 * A unit with CAP.CM (caching mode) also caches not-present entries.
 * Source: Intel VT-d spec rev. 3.x 3.4.3, 5.1, 6.1, 6.5.2, 9, 10.4. */
#ifndef NK_TESTS_FAKE_VTD_H
#define NK_TESTS_FAKE_VTD_H

#include <stdbool.h>
#include <stdint.h>

/* Global and fault status bits as the spec gives them (VT-d 10.4.5,
 * 10.4.10), stated here rather than taken from nk's vtd.h, so that a wrong
 * constant in nk shows in the tests. */
#define GSTS_TES (1u << 31)
#define GSTS_RTPS (1u << 30)
#define GSTS_QIES (1u << 26)
#define GSTS_IRES (1u << 25)
#define GSTS_IRTPS (1u << 24)
#define GSTS_CFIS (1u << 23)
#define FSTS_PFO (1u << 0)
#define FSTS_PPF (1u << 1)
#define FSTS_IQE (1u << 4)

#define FAKE_VTD_BASE 0xfed90000ull /* where QEMU's q35 puts its unit */
#define FAKE_VTD_FRO 0x220	    /* the first fault-recording register's offset */
#define FAKE_VTD_NFR_MAX 4	    /* fault-recording registers the fake can have */
#define FAKE_VTD_IOTLB 64	    /* cached translations */

/* The stale interrupt-remapping entry a non-coherent unit sees where the
 * CPU wrote nothing back: present, NMI delivery, vector 2, no source
 * validation (VT-d 9.10). */
#define FAKE_VTD_STALE_LO 0x20081ull
#define FAKE_VTD_STALE_HI 0ull

struct fake_vtd {
	bool present; /* registers answer at FAKE_VTD_BASE */
	uint64_t cap, ecap;
	uint32_t gsts, fectl, fsts;
	uint32_t gsts_always, gsts_never; /* a broken unit: GSTS bits it reports set / never sets */
	uint64_t rtaddr, iqa, iqh, iqt, irta;
	uint64_t frr[FAKE_VTD_NFR_MAX][2]; /* fault-recording registers (low, high) */
	uint32_t fri;			   /* the next one to record into (FSTS.FRI) */
	uint64_t cc_invalidations, iotlb_invalidations, iec_invalidations, waits;
	uint64_t bad_descriptors; /* a type it does not know (sets FSTS.IQE) */
	uint64_t clflushes;	  /* cache lines the CPU wrote back (arch_clflush) */
	struct {
		bool valid;
		bool none; /* a cached not-present entry (caching mode only) */
		uint16_t sid;
		uint64_t page; /* bus address >> 12 */
		uint64_t frame;
		bool w;
	} iotlb[FAKE_VTD_IOTLB];
	uint32_t iotlb_next; /* the entry the next translation replaces when all are valid */
};

extern struct fake_vtd fake_vtd;

/* fake_vtd_reset: the unit as firmware hands it over: off, with QEMU 7.2's
 * capabilities (3-level tables, 39-bit addresses, QI, IR, coherent, one
 * fault-recording register); its view of memory without write-backs. */
void fake_vtd_reset(void);

/* fake_vtd_read, fake_vtd_write: a 4- or 8-byte access at byte offset off
 * of the register page. */
uint64_t fake_vtd_read(uint32_t off, unsigned bytes);
void fake_vtd_write(uint32_t off, uint64_t v, unsigned bytes);

/* fake_vtd_dma: requester sid (bus << 8 | devfn) reads or writes bus
 * address addr: 0 when the unit lets it through (to the same physical
 * address: nk's tables identity-map), else the fault reason (VT-d
 * appendix A: 0x4 beyond the address width, 0x5 write, 0x6 read not
 * permitted, 0x1/0x2 root/context entry not present), which is also
 * recorded in a fault register. With translation off everything goes
 * through. Bus addresses 0xFEEx_xxxx are interrupt requests on real
 * hardware (VT-d 3.14), never translated: send those with fake_vtd_msi. */
int fake_vtd_dma(uint16_t sid, uint64_t addr, bool write);

/* What an MSI delivered: its vector, delivery mode (0 fixed, 2 SMI, 4
 * NMI, 5 INIT, 7 ExtINT) and destination APIC id. */
struct fake_irq {
	uint8_t vector, dlm;
	uint32_t dest;
};

/* fake_vtd_msi: requester sid writes MSI data `data` to address addr
 * (0xFEEx_xxxx). With interrupt remapping on, a remappable-format message
 * (address bit 4) names an interrupt-remapping entry (handle in address
 * bits 19:5 and 2, plus the data's low 16 bits with SHV, VT-d 5.1.5.2)
 * whose present bit and source validation (SVT 1: SID under SQ's mask;
 * 2: bus range) decide; a compatibility-format message goes through only
 * while GSTS.CFIS is set. Returns 0 with *out filled, or the fault reason
 * (0x21 index past the table, 0x22 entry not present, 0x24 reserved SVT,
 * 0x25 compatibility format blocked, 0x26 source validation), recorded
 * with the index in FI bits 63:48 (VT-d 10.4.14). The fake has no
 * interrupt-entry cache. */
int fake_vtd_msi(uint16_t sid, uint64_t addr, uint32_t data, struct fake_irq *out);

/* fake_vtd_clflush: the cache line holding p (a pointer into fake memory)
 * is written back: a non-coherent unit sees its bytes from now on.
 * Counted in fake_vtd.clflushes. tests/host/fake_arch.c's arch_clflush. */
void fake_vtd_clflush(const void *p);

#endif
