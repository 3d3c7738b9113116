/* The `regions` console command: the protected regions nk keeps, the last
 * write-log records and the audit log's state. Spec section 7. */
#include <outer/kernel.h>
#include <outer/audit.h>
#include <outer/console.h>
#include <nk/vmmu.h>
#include <nk/region.h>

int cmd_regions(int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct nk_view *v = nk_view;
	kprintf("regions (%u of %u; write-log and audit %s):\n", v->nregions, NK_REGIONS_MAX,
		v->audit ? "on" : "off (nk.audit=0)");
	kprintf("  id  %-16s %-8s %-11s %-6s %8s %8s  state\n", "address", "bytes", "policy", "sealed",
		"writes", "refused");
	for (uint32_t id = 0; id < v->nregions; id++) {
		const struct nk_region *r = &v->regions[id];
		const char *what = (long)id == v->region_idt ? " IDT" : (long)id == v->region_gdt ? " GDT" :
				   (long)id == v->region_tss ? " TSS" :
				   (long)id == v->region_ro_after_init ? " ro_after_init" :
				   (long)id == audit_region() ? " audit log" : "";
		kprintf("  %2u  %016lx %-8lu %-11s %-6s %8lu %8lu ", id, r->va, r->size, nk_policy_name(r->policy),
			r->sealed ? "yes" : "no", r->writes, r->refused);
		if (r->policy == NK_POLICY_APPEND_ONLY)
			kprintf(" used %lu epoch %lu", r->used, r->epoch);
		kprintf("%s\n", what);
	}
	struct nk_log_rec rec[4];
	uint64_t from = v->log_records > 4 ? v->log_records - 3 : 0;
	long n = nk_log_read(-1, from, rec, 4);
	kprintf("write log: %lu records; last %ld:\n", v->log_records, n);
	for (long i = 0; i < n; i++)
		kprintf("  seq %lu region %u tsc %lu rip %lx addr %lx len %u\n", rec[i].seq, rec[i].region,
			rec[i].tsc, rec[i].rip, rec[i].addr, rec[i].len);
	kprintf("audit log: %lu records appended\n", audit_count());
	return 0;
}
