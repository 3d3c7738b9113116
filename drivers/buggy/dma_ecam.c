/* Attack module dma_ecam (dma): a buggy driver aims the edu device's DMA
 * engine at the PCIe configuration window (q35's ECAM at 0xb0000000),
 * at the edu device's own configuration header: device to device, a DMA
 * that would reprogram a device's BARs or MSI. The harness reads back
 * target "edu_config" (the header through the configuration ports) and
 * nk's IOMMU fault log; expected: blocked. */
#include "buggy_dma.h"
#include "buggy.h"

#define Q35_ECAM 0xb0000000ull

static long attack(struct attack_ctx *c)
{
	struct pci_dev d;
	if (pci_find(EDU_VENDOR, EDU_DEVICE, 0, &d))
		return -ENODEV;
	uint64_t cfg =
	    Q35_ECAM | (uint64_t)d.bus << 20 | (uint64_t)d.slot << 15 | (uint64_t)d.func << 12;
	return bdma_attack(c, cfg + PCI_BAR0, 8, NULL);
}

ATTACK("dma_ecam", "dma", "edu_config", ATTACK_BLOCKED, attack);
