/* 16550 UART on COM1: the console. Polled transmit; receive polled (the
 * nk> console) until uart_rx_irq_enable switches it to IRQ 4 (the tty).
 * Source: National Semiconductor PC16550D data sheet (register map). */
#include <outer/kernel.h>
#include <outer/drivers.h>

#define COM1 0x3f8
enum { THR = 0, RBR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5, DLL = 0, DLM = 1 };

void uart_init(void)
{
	outb(COM1 + IER, 0);
	outb(COM1 + LCR, 0x80); /* DLAB: divisor follows */
	outb(COM1 + DLL, 1);	/* 115200 baud */
	outb(COM1 + DLM, 0);
	outb(COM1 + LCR, 0x03); /* 8N1 */
	outb(COM1 + FCR, 0xc7); /* FIFOs on, cleared */
	outb(COM1 + MCR, 0x03);
}

void uart_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	for (int i = 0; i < 100000 && !(inb(COM1 + LSR) & 0x20); i++)
		;
	outb(COM1 + THR, (uint8_t)c);
}

int uart_getc(void)
{
	if (!(inb(COM1 + LSR) & 0x01))
		return -1;
	return inb(COM1 + RBR);
}

void uart_rx_irq_enable(void)
{
	outb(COM1 + IER, 0x01); /* received data available */
	outb(COM1 + MCR, 0x0b); /* DTR, RTS, OUT2 (gates the IRQ line on PCs) */
}
