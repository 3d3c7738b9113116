/* Attack module dma_kept_frame (dma): a buggy driver DMAs into a DATA
 * frame (the control transfer: it arrives), has nk declare it a PTP and
 * remove it with NK_RM_KEEP, as the outer kernel's PTP pool does
 * (include/nk/vmmu.h), and aims the device at it again. A kept frame is
 * DATA but out of the devices' reach (nk maps it for them only once it is
 * ordinary DATA again), so nk can declare it again without an IOTLB
 * invalidation (I11). The harness reads back target "retyped" and nk's
 * IOMMU fault log; expected: blocked. The module gives the frame back
 * writable (declared and removed plainly), and fails the attack itself
 * when the device's bytes reached the frame first. */
#include "buggy_dma.h"
#include "buggy.h"

static long keep(struct attack_ctx *c)
{
	long r = nk_declare_ptp(c->data, 1);
	struct nk_op op = {.kind = NK_OP_REMOVE_PTP, .a = pa_addr(c->data), .c = NK_RM_KEEP};
	return r ? r : nk_multicall(&op, 1);
}

static long attack(struct attack_ctx *c)
{
	long r = bdma_attack(c, pa_addr(c->data), 8, keep);
	/* the kept frame's bytes, before the declare below zeroes them */
	bool landed = *(volatile const uint64_t *)pa_to_dm(c->data) != 0;
	long u = nk_declare_ptp(c->data, 1);
	if (!u)
		u = nk_remove_ptp(c->data);
	if (r == 0 && landed) {
		ksnprintf(c->note, c->note_cap, "the device's bytes reached the kept frame");
		return -EIO;
	}
	return r ? r : u;
}

ATTACK("dma_kept_frame", "dma", "retyped", ATTACK_BLOCKED, attack);
