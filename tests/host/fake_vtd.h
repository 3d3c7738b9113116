/* A model of an Intel VT-d remapping unit for the host tests (behind
 * nk's device window, tests/host/fake_arch.c's arch_mmio_*): the
 * registers nk programs, the queued-invalidation interface (descriptors
 * are read from fake memory; a wait descriptor writes its status word
 * there), one fault-recording register, and a device's view of memory:
 * fake_vtd_dma walks the root, context and second-level tables in fake
 * memory as the hardware does, through an IOTLB that keeps what it found
 * until nk invalidates it, so a test sees a stale right that nk failed
 * to invalidate. Source: Intel VT-d spec rev. 3.x 3.4.3, 6.5.2, 9, 10.4. */
#ifndef NK_TESTS_FAKE_VTD_H
#define NK_TESTS_FAKE_VTD_H

#include <stdbool.h>
#include <stdint.h>

#define FAKE_VTD_BASE 0xfed90000ull /* where QEMU's q35 puts its unit */
#define FAKE_VTD_FRO 0x220	    /* the fault-recording register's offset */
#define FAKE_VTD_IOTLB 64	    /* cached translations */

struct fake_vtd {
	bool present; /* registers answer at FAKE_VTD_BASE */
	uint64_t cap, ecap;
	uint32_t gsts, fectl, fsts;
	uint64_t rtaddr, iqa, iqh, iqt, irta;
	uint64_t frr[2]; /* the fault-recording register (low, high) */
	uint64_t cc_invalidations, iotlb_invalidations, iec_invalidations, waits;
	uint64_t bad_descriptors; /* a type it does not know (sets FSTS.IQE) */
	struct {
		bool valid;
		uint16_t sid;
		uint64_t page; /* bus address >> 12 */
		uint64_t frame;
		bool w;
	} iotlb[FAKE_VTD_IOTLB];
};

extern struct fake_vtd fake_vtd;

/* fake_vtd_reset: the unit as firmware hands it over: off, with QEMU 7.2's
 * capabilities (3-level tables, 39-bit addresses, QI, IR, coherent). */
void fake_vtd_reset(void);

/* fake_vtd_read, fake_vtd_write: a 4- or 8-byte access at byte offset off
 * of the register page. */
uint64_t fake_vtd_read(uint32_t off, unsigned bytes);
void fake_vtd_write(uint32_t off, uint64_t v, unsigned bytes);

/* fake_vtd_dma: requester sid (bus << 8 | devfn) reads or writes bus
 * address addr: 0 when the unit lets it through (to the same physical
 * address: nk's tables identity-map), else the fault reason (VT-d
 * appendix A), which is also recorded in the fault register. With
 * translation off everything goes through. */
int fake_vtd_dma(uint16_t sid, uint64_t addr, bool write);

#endif
