/* nk_multicall: many vMMU operations in one gate crossing, all or nothing
 * (include/nk/vmmu.h). Three passes over nk's own copy of the list:
 *   copy-in  the list, then each write's source bytes, into nk memory
 *            (nothing is read from the outer arrays afterwards: TOCTOU);
 *   decode   each operation against the shadow of the earlier ones
 *            (nk/mc.h), then undo the shadow;
 *   perform  only when every operation passed, in order; cannot fail.
 * Every step is O(1) per operation (a remove O(512), as nk_remove_ptp).
 * Source: spec 5 (batches: all or nothing), attacks.md (batches, copy-in);
 * style.md (seL4 decode/perform); Xen's multicall and mmu_update. */
#include "nk.h"
#include "mc.h"

static struct nk_mc mc; /* nk memory (I8), one CPU (NK_CPUS) */

/* mc_refusal: the multicall's result for error r (< 0) at operation k. */
static long mc_refusal(size_t k, long r)
{
	return -(long)(((uint64_t)k << NK_MC_SHIFT) | (uint64_t)-r);
}

/* mc_copy_in: the list's preconditions (1..NK_MC_MAX operations,
 * NK_EBATCH; readable, NK_EFAULT), then its copy, then each write's
 * bytes: before they are read, the write's own checks that no earlier
 * operation can change (nk_mc_write_static: region, length, bounds), then
 * NK_EFAULT, then room (NK_EMCFULL). The first write refused here ends the
 * copy: mc.copied is its index (mc.count when none), mc.copy_err its
 * error. Also finds the list's last declare and remove and watches the
 * frames they name whose counters an earlier operation can change (which
 * counters the decode keeps: nk_mc_watch, 3 logged words per operation,
 * so the undo log cannot fill here). Returns
 * 0 or the multicall's result (list errors). */
static long mc_copy_in(const struct nk_op *ops, size_t count)
{
	if (!ops || count == 0 || count > NK_MC_MAX)
		return mc_refusal(0, -NK_EBATCH);
	if (!arch_kernel_readable(ops, count * sizeof(*ops)))
		return mc_refusal(0, -NK_EFAULT);
	for (size_t k = 0; k < count; k++)
		mc.ops[k] = ops[k]; /* the copy: nothing below reads the outer array */
	mc.count = mc.copied = count;
	mc.nundo = mc.nrm_ent = mc.nlazy = 0;
	mc.copy_err = 0;
	mc.last_declare = mc.last_remove = -1;
	uint32_t used = 0, nlate = 0;
	bool seen_pte = false, seen_remove = false;
	for (size_t k = 0; k < count; k++) {
		const struct nk_op *o = &mc.ops[k];
		if (o->kind == NK_OP_WRITE_PTE) {
			seen_pte = true;
			continue; /* the common case */
		}
		/* only a PTE write or a remove changes a counter in the shadow:
		 * a declare or remove with none before it reads memory's; a
		 * remove after removes alone, only when the list declares
		 * (without declares, removes read no counter of another frame) */
		if (o->kind == NK_OP_DECLARE_PTP) {
			mc.last_declare = (long)k;
			if (seen_pte || seen_remove)
				nk_mc_watch(&mc, k);
		} else if (o->kind == NK_OP_REMOVE_PTP) {
			mc.last_remove = (long)k;
			if (seen_pte)
				nk_mc_watch(&mc, k);
			else if (seen_remove)
				mc.watch_late[nlate++] = (uint16_t)k;
			seen_remove = true;
		}
		if (o->kind != NK_OP_WRITE)
			continue;
		long r = nk_mc_write_static(&mc, k);
		if (r == 0 && !arch_kernel_readable((const void *)o->c, o->arg))
			r = -NK_EFAULT;
		if (r == 0 && o->arg > NK_MC_DATA_BYTES - used)
			r = -NK_EMCFULL;
		if (r) {
			mc.copied = k;
			mc.copy_err = r;
			break;
		}
		mc.data_off[k] = used;
		nk_memcpy(&mc.data[used], (const void *)o->c, o->arg);
		used += o->arg;
	}
	if (mc.last_declare >= 0)
		for (uint32_t i = 0; i < nlate; i++)
			nk_mc_watch(&mc, mc.watch_late[i]);
	return 0;
}

/* mc_undo: put back every store the decode logged, newest first. */
static void mc_undo(void)
{
	while (mc.nundo) {
		const struct mc_undo *u = &mc.undo[--mc.nundo];
		*u->p = u->old;
	}
	nk_mc_restore_regions(&mc);
	mc.full = false;
	mc.nwtab = 0;
}

/* mc_decode: decode operations 0, 1, ... (those copied in) against the
 * shadow, stopping at the first refused; then undo the shadow. Returns 0
 * or the result: the first refused operation's, else the copy-in's. */
static long mc_decode(void)
{
	long r = 0;
	size_t k;
	for (k = 0; k < mc.copied;) {
		uint32_t kind = mc.ops[k].kind;
		size_t next = k + 1;
		if (kind == NK_OP_WRITE_PTE)
			next = nk_mc_decode_ptes(&mc, k, mc.copied, &r); /* the hot path: a run */
		else if (kind == NK_OP_WRITE)
			r = nk_mc_decode_write(&mc, k);
		else
			r = nk_mc_decode_vmmu(&mc, k);
		if (r) {
			k = kind == NK_OP_WRITE_PTE ? next : k;
			break;
		}
		if (mc.full) { /* the shadow ran out during [k, next): [0, k) fit */
			r = -NK_EMCFULL;
			break;
		}
		k = next;
	}
	mc_undo();
	if (r == 0 && k < mc.count)
		r = mc.copy_err;
	if (r == 0)
		return 0;
	nk_mc_write_refused(&mc, k);
	return mc_refusal(k, r);
}

/* mc_perform: every operation, in order; one TLB flush at the end. The
 * frames the list declares lose their writable direct-map alias first,
 * with one shootdown for all of them (nk_mc_declare_early). */
static void mc_perform(uint64_t caller_rip)
{
	bool flush = false;
	nk_mc_declare_early(&mc);
	for (size_t k = 0; k < mc.count;) {
		uint32_t kind = mc.ops[k].kind;
		if (kind == NK_OP_WRITE_PTE) {
			k = nk_mc_perform_ptes(&mc, k, &flush);
			continue;
		}
		if (kind == NK_OP_WRITE)
			nk_mc_perform_write(&mc, k, caller_rip);
		else
			flush |= nk_mc_perform_vmmu(&mc, k);
		nk_view_store.stats.mc_ops[kind]++;
		k++;
	}
	nk_mc_vmmu_end(flush);
}

long nk_multicall_impl(const struct nk_op *ops, size_t count, uint64_t caller_rip)
{
	long r = mc_copy_in(ops, count);
	if (r == 0)
		r = mc_decode();
	if (r == 0)
		mc_perform(caller_rip);
	nk_view_store.stats.calls[NK_CALL_MULTICALL]++;
	if (r)
		nk_view_store.stats.refusals[nk_mc_error(r)]++;
	return r;
}
