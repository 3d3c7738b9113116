/* QEMU isa-debug-exit (iobase 0xf4): QEMU exits with status (code << 1) | 1.
 * Tests read the status; a real machine has no such device and halts. */
#include <outer/kernel.h>
#include <outer/drivers.h>
#include <outer/cov.h>

NK_NORETURN void debug_exit(uint8_t code)
{
	cov_dump(); /* coverage build: gcov data to the debugcon port */
	outb(0xf4, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

NK_NORETURN void poweroff(void)
{
	cov_dump();
	outw(0x604, 0x2000);  /* QEMU q35/piix4 ACPI PM1a: SLP_EN | S5 */
	outw(0xb004, 0x2000); /* older QEMU and Bochs */
	debug_exit(0);
}
