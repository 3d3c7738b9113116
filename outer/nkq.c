/* The queue of nk operations (include/outer/nkq.h): collected, then sent
 * in one nk_multicall. Source: spec section 5; include/nk/vmmu.h. */
#include <outer/kernel.h>
#include <x86/cpu.h>
#include <outer/mm.h>
#include <outer/nkq.h>
#include <nk/region.h>
#include "vm_internal.h"

#define NKQ_LINKS 64u	 /* pending links mm_walk_l1 can see */
#define NKQ_UNREFS 4096u /* frames released by queued changes */

static struct nk_op ops[NK_MC_MAX];
static unsigned nops;
static uint8_t data[NK_MC_DATA_BYTES];
static unsigned data_used;
static struct {
	paddr_t ptp, child;
	unsigned index;
} links[NKQ_LINKS];
static unsigned nlinks;
static paddr_t decls[NKQ_LINKS]; /* frames a queued declare makes PTPs */
static unsigned ndecls;
static paddr_t unrefs[NKQ_UNREFS], frees[NK_MC_MAX], pools[NK_MC_MAX];
static unsigned nunrefs, nfrees, npools;
static bool pte_queued, cr3_queued;
static paddr_t cr3_next;

/* Room for one more operation (and `bytes` of write data): flush if not. */
static inline struct nk_op *slot(size_t bytes)
{
	if (nops == NK_MC_MAX || nlinks == NKQ_LINKS || ndecls == NKQ_LINKS ||
	    nfrees == NK_MC_MAX || bytes > NK_MC_DATA_BYTES - data_used)
		nkq_flush();
	return &ops[nops++];
}

void nkq_declare(paddr_t frame, unsigned level)
{
	*slot(0) = (struct nk_op){.kind = NK_OP_DECLARE_PTP, .a = pa_addr(frame), .arg = level};
	decls[ndecls++] = frame;
}

void nkq_remove(paddr_t frame, paddr_t parent, unsigned index, bool keep)
{
	*slot(0) = (struct nk_op){.kind = NK_OP_REMOVE_PTP,
				  .a = pa_addr(frame),
				  .b = pa_addr(parent),
				  .arg = index,
				  .c = keep ? NK_RM_KEEP : 0};
}

void nkq_free_after(paddr_t frame)
{
	if (nfrees == NK_MC_MAX)
		nkq_flush();
	frees[nfrees++] = frame;
}

void nkq_pool_after(paddr_t frame)
{
	if (npools == NK_MC_MAX)
		nkq_flush();
	pools[npools++] = frame;
}

void nkq_unref(paddr_t frame)
{
	if (nunrefs == NKQ_UNREFS)
		nkq_flush();
	unrefs[nunrefs++] = frame;
}

void nkq_pte(paddr_t ptp, unsigned index, pte_t pte, paddr_t unref)
{
	*slot(0) =
	    (struct nk_op){.kind = NK_OP_WRITE_PTE, .a = pa_addr(ptp), .arg = index, .b = pte};
	pte_queued = true;
	if (pa_addr(unref))
		nkq_unref(unref);
}

void nkq_link(paddr_t ptp, unsigned index, pte_t pte)
{
	nkq_pte(ptp, index, pte, pa_init(0));
	links[nlinks].ptp = ptp;
	links[nlinks].index = index;
	links[nlinks].child = pte_frame(pte, 2);
	nlinks++;
}

void nkq_cr3(paddr_t l4)
{
	*slot(0) = (struct nk_op){.kind = NK_OP_LOAD_CR3, .a = pa_addr(l4)};
	cr3_queued = true;
	cr3_next = l4;
}

void nkq_write(long id, void *dst, const void *src, size_t len)
{
	if (len > NK_MC_DATA_BYTES)
		panic("nkq_write: %lu bytes do not fit a multicall", len);
	*slot(len) = (struct nk_op){.kind = NK_OP_WRITE,
				    .a = (uint64_t)id,
				    .b = (uint64_t)dst,
				    .c = (uint64_t)&data[data_used],
				    .arg = (uint32_t)len,
				    .tag = (uint64_t)__builtin_return_address(0)};
	memcpy(&data[data_used], src, len);
	data_used += (unsigned)len;
}

/* send_one: the single call for queue entry o (clearer and cheaper than a
 * one-operation multicall); 0 or its -NK_E* error. */
static long send_one(const struct nk_op *o)
{
	switch (o->kind) {
	case NK_OP_DECLARE_PTP:
		return nk_declare_ptp(pa_init(o->a), o->arg);
	case NK_OP_REMOVE_PTP: /* NK_RM_KEEP: the multicall's alone */
		return o->c ? nk_multicall(o, 1) : nk_remove_ptp(pa_init(o->a));
	case NK_OP_WRITE_PTE:
		return nk_write_pte(pa_init(o->a), o->arg, o->b);
	case NK_OP_LOAD_CR3:
		return nk_load_cr3(pa_init(o->a));
	default:
		return nk_write((long)o->a, (void *)o->b, (const void *)o->c, o->arg);
	}
}

void nkq_flush(void)
{
	unsigned done = 0;
	if (nops == 1) {
		long r = send_one(&ops[0]);
		if (r)
			panic("nkq: nk refused a single op (kind %u, %lx, %u, %lx): %s",
			      ops[0].kind, ops[0].a, ops[0].arg, ops[0].b, nk_strerror(r));
		done = 1;
	}
	while (done < nops) {
		long r = nk_multicall(&ops[done], nops - done);
		if (r == 0)
			break;
		unsigned long k = nk_mc_index(r);
		if (nk_mc_error(r) != NK_EMCFULL || k == 0) {
			const struct nk_op *o = &ops[done + k];
			panic("nkq: nk refused op %lu of %u (kind %u, %lx, %u, %lx): %s", done + k,
			      nops, o->kind, o->a, o->arg, o->b, nk_strerror(r));
		}
		long s = nk_multicall(&ops[done], k); /* the part that fits, then the rest */
		if (s)
			panic("nkq: nk refused the first %lu ops it named: %s", k, nk_strerror(s));
		done += (unsigned)k;
	}
	nops = data_used = nlinks = ndecls = 0;
	pte_queued = cr3_queued = false;
	for (unsigned i = 0; i < nfrees; i++)
		frame_free(frees[i]);
	for (unsigned i = 0; i < npools; i++)
		ptp_pool_put(pools[i]);
	for (unsigned i = 0; i < nunrefs; i++)
		vm_frame_unref(unrefs[i]);
	nfrees = nunrefs = npools = 0;
}

void nkq_sync_ptes(void)
{
	if (pte_queued || ndecls)
		nkq_flush();
}

paddr_t nkq_pending_link(paddr_t ptp, unsigned index)
{
	for (unsigned i = nlinks; i-- > 0;)
		if (pa_addr(links[i].ptp) == pa_addr(ptp) && links[i].index == index)
			return links[i].child;
	return pa_init(0);
}

bool nkq_pending_declare(paddr_t frame)
{
	for (unsigned i = 0; i < ndecls; i++)
		if (pa_addr(decls[i]) == pa_addr(frame))
			return true;
	return false;
}

paddr_t nkq_cr3_target(void)
{
	return cr3_queued ? cr3_next : cr3_l4(read_cr3());
}

unsigned nkq_pending(void)
{
	return nops;
}
