/* QEMU isa-debug-exit (iobase 0xf4): QEMU exits with status (code << 1) | 1.
 * Tests read the status; a real machine has no such device and halts. */
#include <outer/kernel.h>
#include <outer/drivers.h>

extern void (*const __exit_hooks_start[])(void), (*const __exit_hooks_end[])(void);

/* Every EXIT_HOOK (e.g. the coverage build's gcov dump), in name order. */
static void exit_hooks(void)
{
	/* linker symbols bound one array: count it by address */
	size_t n = (size_t)((uint64_t)__exit_hooks_end - (uint64_t)__exit_hooks_start) /
		   sizeof(void (*)(void));
	for (size_t i = 0; i < n; i++)
		__exit_hooks_start[i]();
}

NK_NORETURN void debug_exit(uint8_t code)
{
	exit_hooks();
	outb(0xf4, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

NK_NORETURN void poweroff(void)
{
	exit_hooks();
	outw(0x604, 0x2000);  /* QEMU q35/piix4 ACPI PM1a: SLP_EN | S5 */
	outw(0xb004, 0x2000); /* older QEMU and Bochs */
	debug_exit(0);
}
