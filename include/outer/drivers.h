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
/* debug_exit: leave QEMU with status (code << 1) | 1 (isa-debug-exit). */
NK_NORETURN void debug_exit(uint8_t code);
/* poweroff: ACPI S5 in QEMU, else isa-debug-exit 0. */
NK_NORETURN void poweroff(void);
/* pic_init: remap the 8259As to IRQ_BASE..+15, unmask IRQ0 only. */
void pic_init(void);
/* pic_eoi: end of interrupt for irq (0..15). */
void pic_eoi(unsigned irq);
/* pit_init: PIT channel 0 periodic at hz interrupts per second. */
void pit_init(unsigned hz);
#endif
