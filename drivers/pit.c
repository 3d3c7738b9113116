/* 8259A PIC (remapped to vectors 32-47) and 8253/8254 PIT channel 0 as the
 * periodic timer, so interrupts are on while the outer kernel runs and
 * every tick passes through nk's stubs (I7).
 * Source: Intel 8259A and 8254 data sheets; OSDev-wide standard ports. */
#include <outer/kernel.h>
#include <outer/drivers.h>

#define PIC1 0x20
#define PIC2 0xa0

void pic_init(void)
{
	outb(PIC1, 0x11); /* ICW1: init, ICW4 follows */
	outb(PIC2, 0x11);
	outb(PIC1 + 1, IRQ_BASE); /* ICW2: vector base */
	outb(PIC2 + 1, IRQ_BASE + 8);
	outb(PIC1 + 1, 4); /* ICW3: slave on IRQ2 */
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, 1); /* ICW4: 8086 mode */
	outb(PIC2 + 1, 1);
	outb(PIC1 + 1, 0xfe); /* only IRQ0 (timer) */
	outb(PIC2 + 1, 0xff);
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2, 0x20);
	outb(PIC1, 0x20);
}

void pic_unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC1 + 1 : PIC2 + 1;
	if (irq >= 16)
		return;
	outb(port, inb(port) & (uint8_t) ~(1u << (irq & 7)));
	if (irq >= 8) /* the slave's line: IRQ 2 on the master */
		outb(PIC1 + 1, inb(PIC1 + 1) & (uint8_t) ~(1u << 2));
}

void pit_init(unsigned hz)
{
	unsigned div = 1193182 / hz;
	outb(0x43, 0x36); /* channel 0, lo/hi, mode 3 */
	outb(0x40, (uint8_t)div);
	outb(0x40, (uint8_t)(div >> 8));
}
