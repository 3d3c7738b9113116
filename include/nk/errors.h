/* The vMMU's error codes, once (spec section 5: one code per
 * precondition, returned negated): X(NAME, value, what it means). They make
 * enum nk_err (include/nk/vmmu.h), nk_strerror's names (nk/frame.c) and
 * the constants NASM sees (tools/asm_offsets.c). A new code goes at the end,
 * with the next value; values never change (they are the ABI). */
#ifndef NK_ERRORS_H
#define NK_ERRORS_H

#define NK_ERRORS(X)                                                                               \
	X(EALIGN, 1, "frame or address not 4 KiB (2 MiB) aligned")                                 \
	X(ERANGE, 2, "frame outside RAM")                                                          \
	X(ELEVEL, 3, "unknown level or flags")                                                     \
	X(ETYPE, 4, "frame has the wrong type for the call")                                       \
	X(EWRITABLE, 5, "frame still mapped writable somewhere")                                   \
	X(EINDEX, 6, "entry index >= 512")                                                         \
	X(EKERNHALF, 7, "entry 256-511 of an L4: the shared kernel half")                          \
	X(EPINNED, 8, "PTP is nk's own (direct map, image, master L4)")                            \
	X(EPROT, 9, "would map a PTP, nk, CODE or protected frame writable")                       \
	X(EEXEC, 10, "supervisor-executable mapping of a non-CODE frame")                          \
	X(ENOTPTP, 11, "non-leaf entry to a frame that is not a declared PTP")                     \
	X(EWRONGLEVEL, 12, "non-leaf entry to a PTP of the wrong level")                           \
	X(EHALF, 13, "user/kernel half mismatch (U bit or PTP half)")                              \
	X(EINUSE, 14, "PTP still referenced by a parent entry")                                    \
	X(ELOADED, 15, "PTP is the loaded CR3")                                                    \
	X(EHUGE, 16, "huge mapping over non-DATA frames, or a 1 GiB page")                         \
	X(EGLOBAL, 17, "G bit in an outer-written entry")                                          \
	X(ERESERVED, 18, "reserved or unsupported bits set")                                       \
	X(EBATCH, 19, "NULL, empty or oversized batch")                                            \
	X(EFAULT, 20, "batch array not readable kernel memory")                                    \
	X(ECR0, 21, "CR0 value clears PE/PG/WP or sets reserved bits")                             \
	X(ECR4, 22, "CR4 value clears PAE/SMEP/SMAP or sets others")                               \
	X(EMSR, 23, "MSR not on the allow-list")                                                   \
	X(EMSRVAL, 24, "MSR value refused (EFER without NXE, non-canonical)")                      \
	X(ELOCKED, 25, "MSR locked since the end of init")                                         \
	X(EOVERFLOW, 26, "no longer returned: the counters cannot wrap (NK_FRAMES_MAX)")           \
	X(EGATE, 27, "CR0 at a gate's write not nk's value less WP (a jump into the gate)")        \
	X(EREGION, 28, "no region with that id")                                                   \
	X(EPOLICY, 29, "unknown policy or policy flag")                                            \
	X(EZERO, 30, "zero-size region or zero-length write")                                      \
	X(EVADDR, 31, "region not in the direct map or nk's image map, or not contiguous")         \
	X(EOVERLAP, 32, "region shares a frame with a declared region")                            \
	X(ENOMEM, 33, "region table or write-once bitmap pool full")                               \
	X(EBOUNDS, 34, "write not inside the region (past its end, into another)")                 \
	X(ESEALED, 35, "region sealed: no write is performed")                                     \
	X(EWRITTEN, 36, "write-once: a byte of the write was written before")                      \
	X(EREWRITE, 37, "append-only: the write would rewrite the used prefix")                    \
	X(EGAP, 38, "append-only: the write starts past the used prefix")                          \
	X(EI5, 39, "text holds a forbidden (I5) encoding at some byte offset")                     \
	X(EDUP, 40, "a frame appears twice in the list")                                           \
	X(EMAPPED, 41, "frame still mapped (demote needs it unmapped everywhere)")                 \
	X(ERECORD, 42, "append-only: a record longer than 1/16 of the region")                     \
	X(EBUSY, 43, "gate entered while this CPU is inside nk (an NMI handler's call)")           \
	X(ENOIOMMU, 44, "no IOMMU is on (no DMAR unit, or nk.iommu=off)")                          \
	X(EVECTOR, 45, "interrupt vector outside 32..255, or a bad requester id")                  \
	X(EDEVICE, 46, "leaf would map an nk-owned device page (the IOMMU's registers)")           \
	X(EOP, 47, "unknown multicall operation kind")                                             \
	X(EMCFULL, 48, "multicall larger than nk's copy or shadow: send the ops before it first")  \
	X(EDELIVERY, 49, "interrupt delivery mode refused (INIT, SIPI, NMI, SMI, ExtINT, ...)")    \
	X(ESHORTHAND, 50, "IPI destination shorthand (self, all, all but self) refused")           \
	X(EDESTMODE, 51, "logical destination mode refused (physical only)")                       \
	X(ENKVECTOR, 52, "vector reserved for nk (0xF0..0xFF)")                                    \
	X(ECPU, 53, "CPU mask empty or naming a CPU that is not online, or not a CPU's APIC ID")   \
	X(EIOAPIC, 54, "no such IOAPIC, or pin beyond its redirection entries")                    \
	X(ETIMER, 55, "APIC timer mode, divide or count refused")                                  \
	X(ENOAPIC, 56, "no usable local APIC (disabled, x2APIC mode, or not mapped)")

#endif
