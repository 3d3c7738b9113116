/* The `regions` console command: the protected regions nk keeps, the last
 * write-log records and the audit log's state. Spec section 7. */
#include <outer/kernel.h>
#include <outer/audit.h>
#include <outer/console.h>
#include <nk/vmmu.h>
#include <nk/region.h>
#include <outer/proc.h>
#include <outer/syscall.h>

/* What kernel data region id protects ("" when none known). */
static const char *region_what(long id)
{
	const struct nk_view *v = nk_view;
	return id == v->region_idt	       ? "IDT"
	       : id == v->region_gdt	       ? "GDT"
	       : id == v->region_tss	       ? "TSS"
	       : id == v->region_ro_after_init ? "ro_after_init"
	       : id == audit_region()	       ? "audit log"
	       : id == syscall_table_region()  ? "syscall table"
	       : id == proc_cred_region()      ? "credentials"
	       : id == proc_list_region()      ? "process list"
					       : "";
}

/* The number argument of `audit N` / `wlog N` (default def, at most max). */
static uint64_t count_arg(int argc, char **argv, uint64_t def, uint64_t max)
{
	if (argc < 2)
		return def;
	uint64_t n = 0;
	for (const char *c = argv[1]; *c >= '0' && *c <= '9'; c++)
		n = n * 10 + (uint64_t)(*c - '0');
	return n == 0 ? def : n > max ? max : n;
}

/* `audit [N]`: the last N syscall records of the append-only audit log. */
int cmd_audit(int argc, char **argv)
{
	if (audit_region() < 0) {
		kprintf("audit log: off (nk.audit=0)\n");
		return 0;
	}
	uint64_t n = count_arg(argc, argv, 10, 64), total = audit_count();
	static struct audit_rec rec[64];
	size_t got = audit_read(total > n ? total - n : 0, rec, n);
	const struct nk_region *r = &nk_view->regions[audit_region()];
	kprintf("audit log: %lu records appended, epoch %lu; last %lu:\n", total, r->epoch, got);
	kprintf("  %-20s %-6s %6s %5s %12s\n", "tsc", "kind", "pid", "nr", "result");
	for (size_t i = 0; i < got; i++)
		kprintf("  %-20lu %-6s %6u %5u %12ld\n", rec[i].tsc,
			rec[i].kind == AUDIT_ENTRY  ? "entry"
			: rec[i].kind == AUDIT_EXIT ? "exit"
						    : "boot",
			rec[i].pid, rec[i].nr, rec[i].result);
	return 0;
}

/* `wlog [N]`: the last N records of nk's write log, old and new bytes. */
int cmd_wlog(int argc, char **argv)
{
	uint64_t n = count_arg(argc, argv, 8, 32), total = nk_view->log_records;
	static struct nk_log_rec rec[32];
	long got = nk_log_read(-1, total > n ? total - n + 1 : 0, rec, n);
	kprintf("write log: %lu records%s; last %ld:\n", total,
		nk_view->audit ? "" : " (recording off)", got);
	for (long i = 0; i < got; i++) {
		kprintf("  seq %lu %s (region %u) rip %lx addr %lx len %u old ", rec[i].seq,
			region_what(rec[i].region), rec[i].region, rec[i].rip, rec[i].addr,
			rec[i].len);
		unsigned show = rec[i].len < NK_LOG_BYTES ? rec[i].len : NK_LOG_BYTES;
		for (unsigned b = 0; b < show; b++)
			kprintf("%02x", rec[i].old[b]);
		kprintf(" new ");
		for (unsigned b = 0; b < show; b++)
			kprintf("%02x", rec[i].new[b]);
		kprintf("\n");
	}
	return 0;
}

int cmd_regions(int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct nk_view *v = nk_view;
	kprintf("regions (%u of %u; write-log and audit %s):\n", v->nregions, NK_REGIONS_MAX,
		v->audit ? "on" : "off (nk.audit=0)");
	kprintf("  id  %-16s %-8s %-11s %-6s %8s %8s  state\n", "address", "bytes", "policy",
		"sealed", "writes", "refused");
	for (uint32_t id = 0; id < v->nregions; id++) {
		const struct nk_region *r = &v->regions[id];
		const char *what = region_what((long)id);
		kprintf("  %2u  %016lx %-8lu %-11s %-6s %8lu %8lu ", id, r->va, r->size,
			nk_policy_name(r->policy), r->sealed ? "yes" : "no", r->writes, r->refused);
		if (r->policy == NK_POLICY_APPEND_ONLY)
			kprintf(" used %lu epoch %lu", r->used, r->epoch);
		kprintf(" %s\n", what);
	}
	struct nk_log_rec rec[4];
	uint64_t from = v->log_records > 4 ? v->log_records - 3 : 0;
	long n = nk_log_read(-1, from, rec, 4);
	kprintf("write log: %lu records; last %ld:\n", v->log_records, n);
	for (long i = 0; i < n; i++)
		kprintf("  seq %lu region %u tsc %lu rip %lx addr %lx len %u\n", rec[i].seq,
			rec[i].region, rec[i].tsc, rec[i].rip, rec[i].addr, rec[i].len);
	kprintf("audit log: %lu records appended\n", audit_count());
	return 0;
}
