/* The attack-module interface (drivers/buggy/, spec attacks.md): what an
 * attack module declares (ATTACK: metadata in section .attack_meta, read
 * by the harness) and what the harness hands it (struct attack_ctx). The
 * harness, never the module, snapshots the named target before the attack
 * and reads it back after (the oracle); docs/modules.md lists the targets. */
#ifndef OUTER_ATTACK_API_H
#define OUTER_ATTACK_API_H
#include <nk/vmmu.h>

/* One jump of the gadget sweep (tests/attacks/attack_sweep.c), made by the module
 * drivers/mod/gadget_jump.c: every general register loaded from regs (x86
 * encoding order: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15; RSP's slot is
 * used only when rsp_hostile), then a jump to target with 64 copies of a
 * landing address above RSP (a valid return address for any ret). With
 * irq, STI first and `delay` turns of a two-instruction loop before the
 * registers are loaded (an interrupt timed into the window between a
 * write and its check). After the jump: RAX as the code left it. */
struct sweep_shot {
	uint64_t target;
	uint64_t regs[16];
	uint64_t rsp_hostile;
	uint64_t irq, delay;
	uint64_t rax_after;
	uint64_t pad; /* irq: one instruction more between the delay and the jump */
};

/* The CPU state nk owns, as the oracle reads it back (tests/attacks/attack_sweep.c
 * attack_snap): CR0, CR3, CR4; EFER, STAR, LSTAR, CSTAR, SFMASK, PAT,
 * APIC_BASE, SYSENTER_CS/ESP/EIP, DEBUGCTL, MTRR_DEF_TYPE, MTRR_PHYSBASE0,
 * TSC_AUX (0 when this CPU has no such MSR); DR0-DR3, DR7; GDTR, IDTR, TR. */
#define ATTACK_SNAP_MSRS 14
struct attack_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
struct attack_snap {
	uint64_t cr0, cr3, cr4;
	uint64_t msr[ATTACK_SNAP_MSRS];
	uint64_t dr[5];
	struct attack_dtr gdtr, idtr;
	uint16_t tr;
};
/* attack_snap: read the CPU state into *s (kernel side only). */
void attack_snap(struct attack_snap *s);

/* A chipset reconfiguration attack's record of its window: the register
 * it moved (a BAR, PCIEXBAR), the value the chipset held before, the value
 * written, what it read back while moved and after the restore, and the
 * target as it read during the window (read_target). The harness judges
 * from it (tests/attacks/attack.c, window_verdict). */
#define ATTACK_TARGET_BYTES 64
struct attack_window {
	bool used;			   /* the module moved the register */
	uint64_t orig, set;		   /* before; written */
	uint64_t moved, restored;	   /* read back while moved; after the restore */
	uint8_t seen[ATTACK_TARGET_BYTES]; /* the target, read while moved */
};

/* What the harness sets up before each attack (the attack harness,
 * tests/attacks/attack.c): a scratch arena (l1..user_pg, fresh for every
 * attack), stand-in policy regions, and the kernel's real protected data. */
struct attack_ctx {
	paddr_t l1;			 /* a live kernel L1 PTP (maps va) */
	unsigned idx;			 /* va's entry in it; idx+1..idx+4 are free slots */
	uint64_t va;			 /* a mapped, writable kernel heap page */
	paddr_t data;			 /* a spare DATA frame, mapped nowhere */
	paddr_t l4;			 /* a declared, unloaded L4 with a user page at 4 MiB */
	paddr_t user_pg;		 /* that user page's frame (holds `ret`) */
	volatile uint32_t *exec_counter; /* injected code would bump it */
	const uint64_t *ro_value;	 /* a kernel .rodata canary */
	uint64_t *roai;			 /* a __ro_after_init canary */
	uint64_t *seen_cr0;		 /* where gate attacks record the CR0 they saw */
	char *note;			 /* the attack's own account of what stopped it */
	size_t note_cap;		 /* bytes */
	long table_id, log_id, wlog_id;	 /* write-once, append-only, write-log regions */
	uint64_t *table_va;		 /* write-once table (512 entries) */
	uint8_t *log_va, *wlog_va;
	uint8_t *victim_text;	   /* text of another loaded module */
	uint8_t *own_text;	   /* this module's text */
	uint8_t *own_data;	   /* this module's data (RW, NX) */
	const void *syscall_table; /* the kernel's syscall table (a sealed write-once region) */
	const void *nk_stack;	   /* nk's gate stack (an NK frame) */
	struct sweep_shot *shot;   /* gadget_jump only: the jump to make */
	bool dma_device; /* set by a module that programs a device (drivers/buggy/buggy_dma.h) */
	paddr_t dma_bus; /* ... and the bus address it aimed the device at */
	/* interrupt attacks (drivers/buggy/buggy_irq.h): two MSI vectors the
	 * harness reserved (0 when it could not), the forged message's
	 * delivery vector and the control interrupt's; what the module set */
	unsigned irq_vector, irq_control;
	bool irq_attack;    /* set by a module that forges an interrupt */
	int32_t irq_index;  /* the interrupt-remapping index it names; -1: compatibility format */
	uint8_t irq_reason; /* the fault reason refusing it would log (VT-d appendix A) */
	uint16_t irq_sid;   /* the requester whose write carries it */
	/* chipset reconfiguration (drivers/buggy/buggy_chipset.h): what the
	 * module saw while a BAR or PCIEXBAR was moved; read_target reads the
	 * attack's target as the oracle does, into out (ATTACK_TARGET_BYTES) */
	bool chipset; /* set by such a module first: the harness judges by its window */
	struct attack_window *window;
	void (*read_target)(uint8_t *out);
	const void *nk_nmi_return; /* nk's return path into nk after an NMI (nk/entry.asm) */
	const uint64_t *nmi_return_attacks; /* nk's count of entries to it with no NMI */
	/* the kernel's own protected data (write mediation, spec section 7);
	 * a pointer is NULL and an id -1 when that region is off (nk.audit=0) */
	long syscall_table_id;	  /* the syscall table's region (write-once, sealed) */
	void *cred;		  /* the real credentials, process slot 0 (write-log region) */
	uint64_t *proc_list_head; /* the real process-list head (write-log region) */
	void *audit_rec;	  /* the real audit log's first record (append-only region) */
};

/* Expected outcomes. */
#define ATTACK_BLOCKED "blocked" /* runs; something stops it */
#define ATTACK_REFUSED "refused" /* the load itself is refused (I5 scan) */
/* Known limits: the attack runs and its effect is not prevented here. The
 * row says what the oracle observed; it does not count as blocked (and
 * counts as blocked only if the oracle shows the effect prevented after
 * all). qemu-limit: QEMU 7.2's emulated hardware lacks a check the real
 * hardware makes (e.g. VT-d's compatibility-format interrupt blocking);
 * nk-limit: nk cannot prevent it on any hardware (ring 0 reaches the
 * chipset through the configuration ports). */
#define ATTACK_QEMU_LIMIT "qemu-limit"
#define ATTACK_NK_LIMIT "nk-limit"

struct attack_meta {
	char name[40];
	char class[24];
	char target[24];		   /* a target the harness knows (docs/modules.md) */
	char expected[12];		   /* ATTACK_BLOCKED, _REFUSED, _QEMU_LIMIT or _NK_LIMIT */
	long (*run)(struct attack_ctx *c); /* < 0: an nk refusal; 0: went through */
};

/* ATTACK(name, class, target, expected, fn): declare this module an
 * attack. class is one of attacks.md's: "memory-protection",
 * "mmu-isolation", "gates", "write-mediation", "containment", "dma". */
#define ATTACK(nm, cls, tgt, exp, fn)                                                              \
	const struct attack_meta __attack_meta                                                     \
	    __attribute__((section(".attack_meta"), used, aligned(8))) = {nm, cls, tgt, exp, fn}

#endif
