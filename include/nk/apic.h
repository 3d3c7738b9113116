/* nk's local APIC and IOAPICs, as the outer kernel sees them (spec I7 with
 * I11 "Interrupt and NMI sources", section 4 "nk-owned device pages";
 * issue 17 section 4). nk owns the xAPIC register page of every CPU and the
 * register page of every IOAPIC the ACPI MADT lists: they are nk-owned
 * device pages, mapped uncached in nk's device window, and no outer leaf
 * of any size may map them (NK_EDEVICE). IA32_APIC_BASE is pinned, so the
 * APIC cannot be moved or switched off. nk's interrupt stubs send the EOI
 * of every interrupt the local APIC delivered (nk/entry.asm), and the
 * outer kernel programs the timer, sends IPIs and writes IOAPIC
 * redirection entries through the gates below, which refuse INIT, SIPI
 * (StartUp), NMI, SMI and ExtINT deliveries, nk's reserved vectors and
 * destinations that are not present CPUs.
 * SMIs stay reachable by other means (e.g. `out 0xB2` on q35, the APM
 * control port): SMM is out of scope (spec section 2).
 * Sources: SDM Vol. 3A chapter 11 (11.4 local APIC, 11.5.1 LVT, 11.5.4
 * timer, 11.6.1 ICR, 11.8.5 EOI, 11.9 SVR); Intel 82093AA IOAPIC datasheet
 * 3.2 (IOREGSEL, IOWIN, version, redirection table); ACPI 6.5 5.2.12
 * (MADT). */
#ifndef NK_APIC_H
#define NK_APIC_H

#include <nk/types.h>

/* ---- the MADT, decoded (ACPI 6.5 5.2.12); nk/acpi.c ---- */

#define NK_MADT_CPU_MAX 64   /* processor local APIC entries kept (cpu_mask bits) */
#define NK_MADT_IOAPIC_MAX 4 /* IOAPIC entries */
#define NK_MADT_ISO_MAX 16   /* interrupt source overrides */

/* MADT flags (offset 40): the machine also has dual 8259As. */
#define NK_MADT_F_PCAT_COMPAT (1u << 0)
/* Processor local APIC flags (5.2.12.2). */
#define NK_MADT_CPU_ENABLED (1u << 0)	     /* usable now */
#define NK_MADT_CPU_ONLINE_CAPABLE (1u << 1) /* may be enabled later (hot-add) */

/* Interrupt controller structure types (ACPI 6.5 table 5.21). */
#define NK_MADT_T_LAPIC 0	   /* processor local APIC, 8 bytes */
#define NK_MADT_T_IOAPIC 1	   /* IOAPIC, 12 bytes */
#define NK_MADT_T_ISO 2		   /* interrupt source override, 10 bytes */
#define NK_MADT_T_NMI_SOURCE 3	   /* NMI source, 8 bytes */
#define NK_MADT_T_LAPIC_NMI 4	   /* local APIC NMI (LINT), 6 bytes */
#define NK_MADT_T_LAPIC_OVERRIDE 5 /* 64-bit local APIC address, 12 bytes */
#define NK_MADT_T_X2APIC 9	   /* processor local x2APIC, 16 bytes */

/* A processor local APIC entry (5.2.12.2). */
struct nk_madt_cpu {
	uint8_t uid;	 /* ACPI processor UID */
	uint8_t apic_id; /* its local APIC ID */
	uint32_t flags;	 /* NK_MADT_CPU_* (reserved bits kept) */
};

/* An IOAPIC entry (5.2.12.3). */
struct nk_madt_ioapic {
	uint8_t id;	   /* its IOAPIC ID */
	paddr_t addr;	   /* its registers (physical; IOREGSEL at +0, IOWIN at +0x10) */
	uint32_t gsi_base; /* the global system interrupt of its pin 0 */
};

/* An interrupt source override (5.2.12.5): ISA IRQ `source` is GSI `gsi`. */
struct nk_madt_iso {
	uint8_t bus;	/* 0: ISA */
	uint8_t source; /* the bus-relative IRQ */
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 */
};

struct nk_madt {
	paddr_t table_pa;     /* where the MADT is */
	uint32_t table_bytes; /* its Length, 44..NK_ACPI_MADT_MAX_BYTES */
	paddr_t lapic_addr;   /* the local APIC address (offset 36, or a type-5 override) */
	uint32_t flags;	      /* NK_MADT_F_* */
	uint8_t ncpu;	      /* entries in cpu[] */
	uint8_t nioapic;      /* entries in ioapic[] */
	uint8_t niso;	      /* entries in iso[] */
	bool lapic_override;  /* a type-5 entry gave lapic_addr */
	uint16_t nnmi_source; /* structures length-checked and counted, not kept */
	uint16_t nlapic_nmi;  /* (types 3, 4, 9 and the reserved or OEM types) */
	uint16_t nx2apic;     /* x2APIC entries: nk runs the APIC in xAPIC mode */
	uint16_t nunknown;    /* other types, skipped by length */
	struct nk_madt_cpu cpu[NK_MADT_CPU_MAX];	  /* in table order */
	struct nk_madt_ioapic ioapic[NK_MADT_IOAPIC_MAX]; /* in table order */
	struct nk_madt_iso iso[NK_MADT_ISO_MAX];	  /* in table order */
};

/* ---- vectors ---- */

/* Vectors nk keeps for itself: the gates refuse them as an IPI, timer or
 * IOAPIC vector (NK_ENKVECTOR). 0xF0..0xFE are for nk's own IPIs (the TLB
 * shootdown of issue 17); 0xFF is the spurious-interrupt vector (SVR),
 * which gets no EOI (SDM Vol. 3A 11.9). */
#define NK_VECTOR_NK_FIRST 0xf0u
#define NK_VECTOR_NK_LAST 0xfeu
#define NK_VECTOR_SPURIOUS 0xffu
/* nk's TLB-shootdown IPI (nk/shoot.c), handled in nk's stub alone. */
#define NK_VECTOR_SHOOTDOWN 0xf0u

/* nk_vector_reserved: whether vector v (0..255) is one the outer kernel
 * may not use for an interrupt it programs: an exception vector (0..31)
 * or one of nk's (0xF0..0xFF). */
static inline bool nk_vector_reserved(uint32_t v)
{
	return v < 32 || v >= NK_VECTOR_NK_FIRST;
}

/* ---- the gates ---- */

/* nk_apic_timer modes (SDM Vol. 3A 11.5.4, LVT timer bits 18:17). */
#define NK_APIC_TIMER_STOP 0	 /* mask the LVT entry, initial count 0 */
#define NK_APIC_TIMER_ONESHOT 1	 /* count down once, then one interrupt */
#define NK_APIC_TIMER_PERIODIC 2 /* reload from the initial count each time */

/* nk_apic_timer: program this CPU's local APIC timer: LVT timer :=
 * vector, mode (one-shot or periodic, unmasked; STOP: masked), divide
 * configuration := divide (1, 2, 4, ..., 128: the input clock is the bus
 * clock divided by it), initial count := count (bus clock ticks / divide;
 * writing it starts the countdown). For STOP, vector, divide and count
 * are ignored and the timer stops (initial count 0, entry masked).
 * Returns 0, -NK_ETIMER (mode not NK_APIC_TIMER_*, divide not a power of
 * two 1..128, count 0 for a running mode), -NK_EVECTOR (vector < 32 or >
 * 255), -NK_ENKVECTOR (one of nk's vectors, 0xF0..0xFF), -NK_ENOAPIC (no
 * usable local APIC). Source: SDM Vol. 3A 11.5.4 (timer, divide
 * configuration register table 11-10, LVT figure 11-8). */
long nk_apic_timer(uint32_t vector, uint32_t divide, uint32_t count, uint32_t mode);

/* ICR low-word fields the outer kernel may name in nk_apic_ipi's `icr`
 * (SDM Vol. 3A 11.6.1, figure 11-12). Only the vector may be nonzero;
 * the rest are there to be refused. */
#define NK_ICR_VECTOR 0xffu
#define NK_ICR_DELIVERY_MASK                                                                       \
	(7u << 8) /* 000 fixed; 001 lowest priority; 010 SMI;                                      \
		   * 100 NMI; 101 INIT; 110 StartUp */
#define NK_ICR_DEST_LOGICAL (1u << 11)
#define NK_ICR_LEVEL_ASSERT (1u << 14) /* nk sets it itself (fixed: 1) */
#define NK_ICR_TRIGGER_LEVEL (1u << 15)
#define NK_ICR_SHORTHAND_MASK (3u << 18) /* 01 self, 10 all, 11 all but self */

/* nk_apic_ipi: send a fixed-delivery, edge-triggered, physical-destination
 * IPI of the vector in icr bits 7:0 to each CPU whose bit is set in
 * cpu_mask (bit i: CPU index i of nk_view->apic.cpu_apic_id[]), one ICR
 * write per CPU. icr is the ICR's low word as the outer kernel would write
 * it; every field but the vector must be 0 (or ASSERT, which nk sets
 * anyway). Checked in this order, nothing sent unless all pass:
 *   -NK_EDELIVERY   delivery mode not fixed (lowest priority, SMI, NMI,
 *                   INIT, StartUp (SIPI), reserved);
 *   -NK_ESHORTHAND  a destination shorthand (self, all, all-but-self);
 *   -NK_EDESTMODE   logical destination mode;
 *   -NK_ERESERVED   a reserved bit, or level-triggered;
 *   -NK_EVECTOR     vector < 32;
 *   -NK_ENKVECTOR   one of nk's vectors (0xF0..0xFF);
 *   -NK_ECPU        cpu_mask empty, or naming a CPU index that is not an
 *                   online CPU (>= nk_view->apic.ncpus_online);
 *   -NK_ENOAPIC     no usable local APIC.
 * Returns 0 once every ICR write was accepted (delivery status idle
 * again), counted in nk_view->apic.ipis_sent. Source: SDM Vol. 3A 11.6.1
 * (ICR), 11.6.2 (physical destination). */
long nk_apic_ipi(uint32_t icr, uint64_t cpu_mask);

/* IOAPIC redirection entry fields (82093AA datasheet 3.2.4). */
#define NK_RTE_VECTOR 0xffull
#define NK_RTE_DELIVERY_MASK                                                                       \
	(7ull << 8) /* 000 fixed, 001 lowest priority; 010 SMI,                                    \
		     * 100 NMI, 101 INIT, 111 ExtINT refused */
#define NK_RTE_DEST_LOGICAL (1ull << 11)
#define NK_RTE_DELIVERY_STATUS (1ull << 12) /* read-only */
#define NK_RTE_POLARITY_LOW (1ull << 13)
#define NK_RTE_REMOTE_IRR (1ull << 14) /* read-only */
#define NK_RTE_TRIGGER_LEVEL (1ull << 15)
#define NK_RTE_MASKED (1ull << 16)
#define NK_RTE_DEST_SHIFT 56 /* bits 63:56: the destination APIC ID */
/* the bits an entry may set: vector, delivery mode, polarity, trigger,
 * mask, destination (physical) */
#define NK_RTE_WRITABLE                                                                            \
	(NK_RTE_VECTOR | NK_RTE_DELIVERY_MASK | NK_RTE_POLARITY_LOW | NK_RTE_TRIGGER_LEVEL |       \
	 NK_RTE_MASKED | (0xffull << NK_RTE_DEST_SHIFT))

/* nk_ioapic_write: write redirection entry `pin` of IOAPIC `ioapic` (an
 * index of nk_view->apic.ioapic[]). Checked, nothing written unless all
 * pass, masked or not:
 *   -NK_EIOAPIC     no such IOAPIC, or pin >= its redirection entries
 *                   (from its version register at boot);
 *   -NK_EDELIVERY   delivery mode not fixed (000) or lowest priority (001):
 *                   SMI, NMI, INIT, ExtINT and the reserved ones refused;
 *   -NK_EDESTMODE   logical destination mode;
 *   -NK_ERESERVED   a bit outside NK_RTE_WRITABLE (reserved, read-only, the
 *                   remappable format's bit 48);
 *   -NK_EVECTOR     vector < 32;
 *   -NK_ENKVECTOR   one of nk's vectors (0xF0..0xFF);
 *   -NK_ECPU        destination not the APIC ID of an online CPU.
 * Writes the high word, then the low one (the mask bit last); the entry
 * read back from the IOAPIC goes into nk_view->apic.ioapic[ioapic].rte[pin].
 * A level-triggered entry's EOI, like every other, is sent by nk's stub
 * before the outer handler runs: the handler must quiet the device before
 * it lets interrupts in again, or the IOAPIC, whose Remote IRR that EOI
 * cleared, sends the interrupt again. nk does not rely on interrupt
 * remapping for the IOAPIC: QEMU 7.2's VT-d passes compatibility-format
 * messages although nk blocks that format (README), so this gate's checks
 * are what keeps an NMI, INIT or SMI entry out of the IOAPIC. Returns 0.
 * Source: 82093AA datasheet 3.1 (IOREGSEL/IOWIN), 3.2.4, 3.2.5 (Remote
 * IRR). */
long nk_ioapic_write(uint32_t ioapic, uint32_t pin, uint64_t entry);

/* nk_ioapic_read: read redirection entry `pin` of IOAPIC `ioapic` from the
 * IOAPIC itself into nk_view->apic.ioapic[ioapic].rte[pin] (nk_view is
 * read-only to the outer kernel: nk cannot be made to write elsewhere).
 * Returns 0 or -NK_EIOAPIC. Source: 82093AA datasheet 3.1, 3.2.4. */
long nk_ioapic_read(uint32_t ioapic, uint32_t pin);

/* nk_apic_eoi: the EOI nk's interrupt stub sends (nk/entry.asm), before
 * the outer handler runs, for an interrupt at `vector`: when vector is
 * 32..254 and its bit is set in this CPU's in-service register (the local
 * APIC delivered it), write the EOI register; otherwise (the spurious
 * vector; an ExtINT delivery from the 8259A through LINT0, which the
 * local APIC does not put in service, so SDM 11.8.5 says it takes no EOI;
 * a software INT n) do nothing and count it in
 * nk_view->apic.eoi_skipped. Called by the outer kernel it does no more:
 * an early EOI affects only the outer kernel's own interrupts. Returns 1
 * (EOI sent), 0 (none needed), -NK_ENOAPIC, or the gate's -NK_EBUSY when
 * the interrupt came inside the outer handler of an NMI that interrupted
 * nk (the handler let interrupts in): that interrupt stays in service,
 * blocking its priority class, until this CPU's next EOI. Source: SDM Vol. 3A 11.8.4
 * (ISR), 11.8.5 (EOI), 11.9 (spurious). */
long nk_apic_eoi(uint64_t vector);

/* ---- what nk_view shows (nk_view->apic) ---- */

#define NK_APIC_CPUS_MAX 64    /* CPU indices of cpu_mask */
#define NK_IOAPIC_PINS_MAX 240 /* redirection entries nk keeps of one IOAPIC */

struct nk_ioapic_view {
	uint8_t id;	   /* from the MADT */
	uint8_t version;   /* version register bits 7:0 */
	uint16_t pins;	   /* redirection entries: version bits 23:16, + 1 */
	paddr_t addr;	   /* registers (physical) */
	uint32_t gsi_base; /* GSI of pin 0 */
	uint64_t regs_va;  /* nk's read-only, uncached mapping of the page (virtual) */
	uint64_t rte[NK_IOAPIC_PINS_MAX]; /* the last entry nk read from the IOAPIC */
};

struct nk_apic_view {
	bool on;		/* nk owns and software-enabled the local APIC */
	bool madt_ok;		/* the MADT parsed (else: CPU 0 alone, no IOAPIC) */
	char madt_why[160];	/* the parser's reason when it refused the MADT */
	paddr_t lapic_base;	/* the local APIC page (IA32_APIC_BASE) */
	uint64_t lapic_va;	/* nk's read-only, uncached mapping of it (virtual) */
	uint32_t lapic_version; /* its version register */
	struct nk_madt madt;	/* the MADT as decoded */
	/* CPU index -> APIC ID: cpu_apic_id[0..ncpus_online) are the CPUs IPIs
	 * and IOAPIC entries may name; index 0 is the boot CPU */
	uint32_t ncpus_online;
	uint8_t cpu_apic_id[NK_APIC_CPUS_MAX];
	uint32_t nioapic;
	struct nk_ioapic_view ioapic[NK_MADT_IOAPIC_MAX];
	uint64_t ipis_sent;	 /* ICR writes nk made for nk_apic_ipi */
	uint64_t eois;		 /* EOIs nk's interrupt stubs sent */
	uint64_t eoi_skipped;	 /* vectors 32..254 with no ISR bit set: no EOI (ExtINT, INT n) */
	uint64_t timer_programs; /* nk_apic_timer calls performed */
	uint64_t ioapic_writes;	 /* nk_ioapic_write calls performed */
};

#endif
