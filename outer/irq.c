/* MSI vectors (include/outer/irq.h): allocation, the kernel's handler
 * (it counts; nk's interrupt stub sent the EOI), and the bounded wait drivers use instead of
 * polling a device register (a poll of edu's DMA takes about 10^8 instructions under -icount; an
 * interrupt, a few hundred). One CPU. Source: SDM Vol. 3A 11.8.5 (EOI), 11.9 (spurious
 * interrupt), 11.11 (MSI). */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/errno.h>
#include <outer/irq.h>
#include <outer/module.h>
#include <outer/trap.h>
#include <outer/smp.h>

static uint16_t allocated; /* bit i: vector IRQ_MSI_FIRST + i is taken */
static volatile uint64_t counts[IRQ_MSI_COUNT];

static bool msi_taken(unsigned vector)
{
	return vector >= IRQ_MSI_FIRST && vector < IRQ_MSI_FIRST + IRQ_MSI_COUNT &&
	       (allocated & (1u << (vector - IRQ_MSI_FIRST)));
}

long irq_msi_alloc(void)
{
	long r = lapic_init();
	if (r)
		return r;
	for (unsigned i = 0; i < IRQ_MSI_COUNT; i++)
		if (!(allocated & (1u << i))) {
			allocated |= (uint16_t)(1u << i);
			return (long)(IRQ_MSI_FIRST + i);
		}
	return -ENOSPC;
}

void irq_msi_free(unsigned vector)
{
	if (msi_taken(vector))
		allocated &= (uint16_t) ~(1u << (vector - IRQ_MSI_FIRST));
}

uint64_t irq_msi_count(unsigned vector)
{
	if (vector < IRQ_MSI_FIRST || vector >= IRQ_MSI_FIRST + IRQ_MSI_COUNT)
		return 0;
	return counts[vector - IRQ_MSI_FIRST];
}

long irq_msi_wait(unsigned vector, uint64_t seen, unsigned timeout_ms)
{
	if (!msi_taken(vector) || timeout_ms == 0 || timeout_ms > 10000)
		return -EINVAL;
	/* +1: the tick in progress may be nearly over */
	uint64_t deadline = timer_ticks + (timeout_ms * TIMER_HZ + 999) / 1000 + 1;
	uint64_t flags;
	__asm__ volatile("pushfq; pop %0" : "=r"(flags));
	long r;
	module_block_begin();
	for (;;) {
		irq_disable();
		if (counts[vector - IRQ_MSI_FIRST] != seen) {
			r = 0;
			break;
		}
		if (timer_ticks >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		/* STI's one-instruction shadow: no interrupt slips in between
		 * the test above and the HLT, so none is slept through. The BKL
		 * is dropped meanwhile: the MSI (and the PIT behind the
		 * deadline) may be taken by another CPU, whose handler needs it */
		smp_halt_unlocked();
	}
	module_block_end();
	if (flags & 0x200)
		irq_enable();
	return r;
}

bool irq_vector(uint64_t vector)
{
	if (vector == LAPIC_SPURIOUS)
		return true;
	if (vector == SMP_RESCHED_VECTOR) { /* smp_kick: the idle loop looks again */
		this_cpu()->resched_ipis++;
		return true;
	}
	if (vector == SMP_TIMER_VECTOR) { /* an AP's LAPIC timer (smp_timer_init) */
		this_cpu()->apic_ticks++;
		sched_cpu_tick();
		return true;
	}
	if (vector < IRQ_MSI_FIRST || vector >= IRQ_MSI_FIRST + IRQ_MSI_COUNT)
		return false;
	counts[vector - IRQ_MSI_FIRST]++; /* nk's stub sent the EOI (include/nk/apic.h) */
	return true;
}
