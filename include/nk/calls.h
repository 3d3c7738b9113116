/* The vMMU's calls, once: X(fn, CALL, rip, exported).
 *   fn       the call nk_<fn> (a gate stub, nk/gate.asm, in the nested
 *            build; a plain function, nk/native.c, in the native one) and
 *            its body nk_<fn>_impl (nk/);
 *   CALL     its counter NK_CALL_<CALL> in nk_view's stats.calls[];
 *   rip      0, or the argument number (3 or 5) at which the gate passes
 *            the caller's return address as the body's last argument
 *            (nk_write, nk_multicall: the write log's "who");
 *   exported 1 when modules may call it (outer/ksyms.c).
 * From this list come enum nk_call (include/nk/vmmu.h), the gate stubs
 * (build/gen/nk_gates.inc, made by the Makefile from tools/gen_gates.c),
 * the module exports, the console's call names (outer/console.c) and the
 * site check's count of gate entries (tools/i5scan --gates). A new call:
 * one line here, its prototype with its contract in include/nk/vmmu.h (or
 * region.h, iommu.h, apic.h), its body's prototype in nk/nk.h, the body, and nk/native.c's
 * plain version; a build check (nk/frame.c) fails when a listed call has no
 * prototype. Spec section 5. */
#ifndef NK_CALLS_H
#define NK_CALLS_H

#define NK_CALLS(X)                                                                                \
	X(declare_ptp, DECLARE_PTP, 0, 1)                                                          \
	X(remove_ptp, REMOVE_PTP, 0, 1)                                                            \
	X(write_pte, WRITE_PTE, 0, 1)                                                              \
	X(write_ptes, WRITE_PTES, 0, 1)                                                            \
	X(load_cr3, LOAD_CR3, 0, 1)                                                                \
	X(load_cr0, LOAD_CR0, 0, 1)                                                                \
	X(load_cr4, LOAD_CR4, 0, 1)                                                                \
	X(wrmsr, WRMSR, 0, 1)                                                                      \
	X(null, NULL, 0, 1)                                                                        \
	X(check_invariants, CHECK, 0, 1)                                                           \
	X(init_done, INIT_DONE, 0, 0)                                                              \
	X(region_declare, REGION_DECLARE, 0, 1)                                                    \
	X(write, WRITE, 5, 1)                                                                      \
	X(region_seal, REGION_SEAL, 0, 1)                                                          \
	X(promote_code, PROMOTE_CODE, 0, 1)                                                        \
	X(demote_code, DEMOTE_CODE, 0, 1)                                                          \
	X(iommu_poll, IOMMU_POLL, 0, 1)                                                            \
	X(irq_remap, IRQ_REMAP, 0, 1)                                                              \
	X(multicall, MULTICALL, 3, 1)                                                              \
	X(smp_release, SMP_RELEASE, 0, 0)                                                          \
	X(smp_poll, SMP_POLL, 0, 1)                                                                \
	X(apic_eoi, APIC_EOI, 0, 0)                                                                \
	X(apic_timer, APIC_TIMER, 0, 1)                                                            \
	X(apic_ipi, APIC_IPI, 0, 1)                                                                \
	X(ioapic_write, IOAPIC_WRITE, 0, 1)                                                        \
	X(ioapic_read, IOAPIC_READ, 0, 1)

#endif
