/* Attack module dma_retyped (dma): a buggy driver DMAs into a DATA frame
 * (the control transfer: it arrives), has nk declare that frame a PTP,
 * and aims the same device at it again. nk must have unmapped the frame
 * for devices and invalidated the IOTLB before the declaration returned
 * (I10, I11). The harness reads back target "retyped" (the frame's first
 * bytes, zeroed by the declaration) and nk's IOMMU fault log; expected:
 * blocked. The module gives the frame back (nk_remove_ptp). */
#include "buggy_dma.h"
#include "buggy.h"

static long declare(struct attack_ctx *c)
{
	return nk_declare_ptp(c->data, 1);
}

static long attack(struct attack_ctx *c)
{
	long r = bdma_attack(c, pa_addr(c->data), 8, declare);
	long u = nk_remove_ptp(c->data);
	return r ? r : u;
}

ATTACK("dma_retyped", "dma", "retyped", ATTACK_BLOCKED, attack);
