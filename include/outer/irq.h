/* Message-signalled interrupts for drivers: vectors, their counts, and a
 * bounded wait for the next one (outer/irq.c). The handler is the
 * kernel's, never a driver's: it counts the interrupt (nk's stub sent the
 * local APIC its EOI); a driver (a module, under containment) only reads counts
 * and waits, in its own call, so no module code runs in interrupt context.
 * The MSI message itself is pci_msi_compose's (include/outer/pci.h). */
#ifndef OUTER_IRQ_H
#define OUTER_IRQ_H
#include <nk/types.h>

/* The MSI vectors: above the 8259A's (IRQ_BASE..IRQ_BASE + 15), below the
 * spurious vector. */
#define IRQ_MSI_FIRST 0x50u
#define IRQ_MSI_COUNT 16u

/* irq_msi_alloc: reserve a free MSI vector for the caller (enabling the
 * local APIC on first use: lapic_init). Returns the vector
 * (IRQ_MSI_FIRST..IRQ_MSI_FIRST + IRQ_MSI_COUNT - 1), -ENOSPC (all taken)
 * or lapic_init's error (-ENODEV: no usable APIC). */
long irq_msi_alloc(void);
/* irq_msi_free: give back a vector from irq_msi_alloc (others ignored).
 * The device must have stopped sending it (pci_msi_disable) first. */
void irq_msi_free(unsigned vector);
/* irq_msi_count: how many interrupts reached `vector` since boot (0 for
 * a vector outside the MSI range). Read it before starting the operation
 * whose completion interrupt irq_msi_wait then waits for. */
uint64_t irq_msi_count(unsigned vector);
/* irq_msi_wait: wait, with interrupts on and the CPU halted between them
 * (sti; hlt: no task switch, so a module's call under containment stays
 * on its CPU and stack), until vector's count differs from `seen` or
 * timeout_ms (1..10000) milliseconds of timer ticks pass. The module
 * watchdog does not count the wait (module_block_begin/end); the timeout
 * bounds it. Restores the caller's interrupt flag. Returns 0 (an
 * interrupt came), -ETIMEDOUT, -EINVAL (vector not allocated, timeout
 * out of range). */
long irq_msi_wait(unsigned vector, uint64_t seen, unsigned timeout_ms);

/* irq_vector: from outer_trap, for an interrupt at a vector above the
 * 8259A's: count an allocated MSI vector (nk's stub already sent its
 * EOI); ignore the spurious vector. Returns false for any other vector (the
 * caller reports it). */
bool irq_vector(uint64_t vector);
#endif
