/* Drivers of the outer kernel (drivers/). */
#ifndef OUTER_DRIVERS_H
#define OUTER_DRIVERS_H
#include <nk/types.h>

#define IRQ_BASE 32
#define TIMER_HZ 100

/* uart_init: COM1 at 115200 8N1, FIFOs on. */
void uart_init(void);
/* uart_putc: send one byte (LF becomes CR LF). */
void uart_putc(char c);
/* uart_getc: the next received byte, or -1 if none. */
int uart_getc(void);
/* uart_rx_irq_enable: raise IRQ 4 when a byte arrives (IER bit 0; MCR OUT2,
 * which connects the UART's interrupt to the PIC on PCs). PC16550D data
 * sheet, registers IER and MCR. */
void uart_rx_irq_enable(void);
/* EXIT_HOOK(fn): register void fn(void) to run before the machine is
 * switched off (debug_exit, poweroff), from any object linked into the
 * image: a pointer in section .exit_hooks.<fn>, gathered by linker.ld in
 * name order between __exit_hooks_start and __exit_hooks_end (protected
 * .rodata). A hook may run twice (poweroff ends in debug_exit). The
 * coverage dump (tests/coverage/covdump.c) is one. */
#define EXIT_HOOK(fn)                                                                              \
	static void (*const __exit_hook_##fn)(void)                                                \
	    __attribute__((section(".exit_hooks." #fn), used, aligned(8))) = fn

/* debug_exit: run the exit hooks, then leave QEMU with status
 * (code << 1) | 1 (isa-debug-exit). */
NK_NORETURN void debug_exit(uint8_t code);
/* poweroff: ACPI S5 in QEMU, else isa-debug-exit 0. */
NK_NORETURN void poweroff(void);
/* pic_init: remap the 8259As to IRQ_BASE..+15, unmask IRQ0 only. */
void pic_init(void);
/* pic_eoi: end of interrupt for irq (0..15). */
void pic_eoi(unsigned irq);
/* pic_unmask: let irq (0..15; others ignored) through the 8259As (and the
 * slave's cascade line for 8..15). Intel 8259A data sheet, OCW1. */
void pic_unmask(unsigned irq);
/* pit_init: PIT channel 0 periodic at hz interrupts per second. */
void pit_init(unsigned hz);

/* rtc_read_epoch: the CMOS RTC's date and time as seconds since the Unix
 * epoch (UTC, as QEMU's default -rtc base=utc keeps it): waits for the
 * update-in-progress flag to clear, reads until two snapshots agree, decodes
 * BCD or binary and 12 or 24 hours per status register B, the century from
 * register 0x32 (2000 when it is not set). Returns 0 for a date that does
 * not decode (before 1970, a field out of range). Resolution: one second.
 * Source: MC146818A data sheet; OSDev "CMOS". */
uint64_t rtc_read_epoch(void);
/* rtc_days_from_civil: days from 1970-01-01 to year-month-day (Gregorian,
 * year >= 1970, month 1..12, day 1..31). Source: H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms", days_from_civil. */
uint64_t rtc_days_from_civil(unsigned year, unsigned month, unsigned day);

/* The local APIC's spurious-interrupt vector (SVR bits 7..0): taken
 * without an EOI (SDM Vol. 3A 11.9, "Spurious Interrupt"). */
#define LAPIC_SPURIOUS 0xffu
/* lapic_init: whether this CPU's local APIC accepts fixed interrupts such
 * as MSIs: nk owns it (include/nk/apic.h), software-enables it at boot
 * (TPR 0, spurious vector 0xFF) and sends the EOIs from its interrupt
 * stubs. The 8259A's interrupts keep arriving through LINT0 as ExtINT.
 * Returns 0, or -ENODEV when nk has no usable local APIC (disabled, x2APIC
 * mode). Prints once. Source: SDM Vol. 3A 11.4.4, 11.9. */
long lapic_init(void);
/* lapic_id: this CPU's local APIC ID (CPUID leaf 1 EBX bits 31..24, the
 * initial APIC ID; SDM Vol. 3A 11.4.6), the destination of an MSI aimed at
 * it. */
uint32_t lapic_id(void);
#endif
