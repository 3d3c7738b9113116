/* The native vMMU backend (NK=0): the same API as the gates, as plain
 * functions with plain stores: no gate, no checks, no frame accounting.
 * The benchmark baseline (spec section 1, bench.md). It keeps the effects
 * the outer kernel relies on: a declared PTP is zeroed, an L4 gets the
 * kernel half, and rights removed are flushed from the TLB. Regions and
 * their policies are enforced in software, without page protection. */
#include "nk.h"
#include <nk/region.h>

/* A declared PTP: zeroed, an L4 with the master's kernel half. */
static void native_declare(paddr_t frame, unsigned level)
{
	pte_t *t = arch_pa_va(frame);
	nk_memset(t, 0, PAGE_SIZE);
	if ((level & 0xff) == 4)
		nk_memcpy(&t[256], &((pte_t *)arch_pa_va(nk.master_l4))[256], 256 * sizeof(pte_t));
}

/* One entry written; returns whether a right was removed (flush). */
static bool native_write(paddr_t ptp, uint64_t index, pte_t pte)
{
	pte_t *slot = &((pte_t *)arch_pa_va(ptp))[index];
	pte_t old = *slot;
	*slot = pte;
	return pte_needs_flush(old, pte);
}

/* A right removed: this CPU's TLB and every other running CPU's (the
 * native build keeps no record of which address space a PTP is in: it
 * shoots down to all of them; nk/shoot.c). */
static void native_flush(void)
{
	arch_flush_tlb();
	nk_shoot(NK_ROOT_ALL);
}

long nk_declare_ptp(paddr_t frame, unsigned level)
{
	native_declare(frame, level);
	return nk_count(NK_CALL_DECLARE_PTP, 0);
}

long nk_remove_ptp(paddr_t frame)
{
	(void)frame;
	return nk_count(NK_CALL_REMOVE_PTP, 0);
}

long nk_write_pte(paddr_t ptp, unsigned index, pte_t pte)
{
	if (native_write(ptp, index, pte))
		native_flush();
	return nk_count(NK_CALL_WRITE_PTE, 0);
}

long nk_write_ptes(const struct nk_pte_write *w, size_t count)
{
	bool flush = false;
	for (size_t i = 0; i < count; i++)
		flush |= native_write(w[i].ptp, w[i].index, w[i].pte);
	if (flush)
		native_flush();
	return nk_count(NK_CALL_WRITE_PTES, 0);
}

/* The CPU-state calls run with interrupts off, as the gates do in the
 * nested build: nk's record and the register must never differ when an
 * interrupt stub compares them (nk/entry.asm). */
long nk_load_cr3(paddr_t l4)
{
	uint64_t f = arch_irq_save();
	arch_set_cr3(pa_addr(l4));
	nk.cur_cr3[arch_cpu_index()] = l4;
	arch_irq_restore(f);
	return nk_count(NK_CALL_LOAD_CR3, 0);
}

long nk_load_cr0(uint64_t v)
{
	uint64_t f = arch_irq_save();
	arch_set_cr0(v);
	arch_irq_restore(f);
	return nk_count(NK_CALL_LOAD_CR0, 0);
}

long nk_load_cr4(uint64_t v)
{
	uint64_t f = arch_irq_save();
	arch_set_cr4(v);
	arch_irq_restore(f);
	return nk_count(NK_CALL_LOAD_CR4, 0);
}

long nk_wrmsr(uint32_t msr, uint64_t v)
{
	uint64_t f = arch_irq_save();
	long r = arch_set_msr(msr, v, false);
	arch_irq_restore(f);
	return nk_count(NK_CALL_WRMSR, r);
}

/* Module text stays DATA: nothing is write-protected in this build. */
long nk_promote_code(const paddr_t *frames, size_t count)
{
	(void)frames, (void)count;
	return nk_count(NK_CALL_PROMOTE_CODE, 0);
}

long nk_demote_code(const paddr_t *frames, size_t count)
{
	(void)frames, (void)count;
	return nk_count(NK_CALL_DEMOTE_CODE, 0);
}

long nk_null(void)
{
	return nk_count(NK_CALL_NULL, 0);
}

long nk_iommu_poll(void)
{
	return nk_iommu_poll_impl(); /* -NK_ENOIOMMU: the native build leaves it off */
}

long nk_irq_remap(uint32_t sid, uint32_t vector)
{
	return nk_irq_remap_impl(sid, vector);
}

/* The APIC calls: performed unchecked (no delivery mode, vector or CPU
 * refused), with interrupts off as the gates run. */
long nk_apic_eoi(uint64_t vector)
{
	return nk_count(NK_CALL_APIC_EOI, nk_apic_eoi_perform(vector));
}

long nk_apic_timer(uint32_t vector, uint32_t divide, uint32_t count, uint32_t mode)
{
	uint64_t f = arch_irq_save();
	nk_apic_timer_perform(vector, divide ? divide : 1, count, mode);
	arch_irq_restore(f);
	return nk_count(NK_CALL_APIC_TIMER, 0);
}

long nk_apic_ipi(uint32_t icr, uint64_t cpu_mask)
{
	uint64_t f = arch_irq_save();
	nk_apic_ipi_perform(icr, cpu_mask);
	arch_irq_restore(f);
	return nk_count(NK_CALL_APIC_IPI, 0);
}

long nk_ioapic_write(uint32_t ioapic, uint32_t pin, uint64_t entry)
{
	struct nk_apic_view *v = &nk_view_store.apic;
	if (ioapic >= v->nioapic || pin >= v->ioapic[ioapic].pins)
		return nk_count(NK_CALL_IOAPIC_WRITE, -NK_EIOAPIC); /* memory safety only */
	uint64_t f = arch_irq_save();
	nk_apic_rte_perform(&v->ioapic[ioapic], pin, entry);
	v->ioapic_writes++;
	arch_irq_restore(f);
	return nk_count(NK_CALL_IOAPIC_WRITE, 0);
}

long nk_ioapic_read(uint32_t ioapic, uint32_t pin)
{
	uint64_t f = arch_irq_save();
	long r = nk_ioapic_read_impl(ioapic, pin);
	arch_irq_restore(f);
	return r;
}

long nk_init_done(void)
{
	long r = nk_regions_init_done();
	nk_view_store.init_done = true;
	return nk_count(NK_CALL_INIT_DONE, r);
}

/* Write mediation: the same decisions as the nested build (nk/region.c,
 * policies/), made in software; no frame is write-protected. */
long nk_region_declare(void *base, size_t size_bytes, unsigned policy)
{
	return nk_region_declare_impl(base, size_bytes, policy);
}

__attribute__((noinline)) long nk_write(long id, void *dst, const void *src, size_t len)
{
	return nk_write_impl(id, dst, src, len, (uint64_t)__builtin_return_address(0));
}

/* The native multicall: the operations in order, unchecked as the single
 * calls here are; its writes go through the policies (nk_write_tagged),
 * and the first refused one stops the list, the operations before it
 * performed (the native build has no shadow: only the nested build is all
 * or nothing). Result as the nested build's (include/nk/vmmu.h). */
__attribute__((noinline)) long nk_multicall(const struct nk_op *ops, size_t count)
{
	uint64_t rip = (uint64_t)__builtin_return_address(0);
	long r = 0;
	bool flush = false;
	if (!ops || count == 0 || count > NK_MC_MAX)
		r = -NK_EBATCH;
	for (size_t k = 0; r == 0 && k < count; k++) {
		const struct nk_op *o = &ops[k];
		switch (o->kind) {
		case NK_OP_DECLARE_PTP:
			native_declare(pa_init(o->a), o->arg);
			break;
		case NK_OP_REMOVE_PTP:
			break;
		case NK_OP_WRITE_PTE:
			flush |= native_write(pa_init(o->a), o->arg, o->b);
			break;
		case NK_OP_LOAD_CR3: {
			uint64_t f = arch_irq_save();
			arch_set_cr3(o->a);
			nk.cur_cr3[arch_cpu_index()] = pa_init(o->a);
			arch_irq_restore(f);
			flush = false; /* the load flushed the TLB */
			break;
		}
		case NK_OP_WRITE:
			r = nk_write_tagged((long)o->a, (void *)o->b, (const void *)o->c, o->arg,
					    rip, o->tag, true);
			break;
		default:
			r = -NK_EOP;
		}
		if (r)
			r = -(long)(((uint64_t)k << NK_MC_SHIFT) | (uint64_t)-r);
		else
			nk_view_store.stats.mc_ops[o->kind]++;
	}
	if (flush)
		native_flush();
	nk_view_store.stats.calls[NK_CALL_MULTICALL]++;
	if (r)
		nk_view_store.stats.refusals[nk_mc_error(r)]++;
	return r;
}

long nk_region_seal(long id)
{
	return nk_region_seal_impl(id);
}

long nk_smp_poll(void)
{
	return nk_smp_poll_impl();
}

long nk_smp_release(void)
{
	return nk_smp_release_impl(); /* the same release: the APs park in nk_ap_park */
}

long nk_check_invariants(void)
{
	return nk_count(NK_CALL_CHECK, 0); /* nothing is protected: nothing to check */
}
