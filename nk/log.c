/* nk's own console output (COM1, polled) and panic. nk prints during boot
 * and on panic; the outer kernel's console is drivers/uart.c. */
#include "nk.h"
#include "../lib/fmt.h"
#include <x86/io.h>

#define COM1 0x3f8

static void nk_putc(char c)
{
	if (c == '\n')
		nk_putc('\r');
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

void nk_printf(const char *f, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, f);
	fmt_vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		nk_putc(*p);
}

NK_NORETURN void nk_exit_qemu(uint8_t code)
{
	outb(0xf4, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

NK_NORETURN void nk_panic(const char *file, int line, const char *why)
{
	nk_printf("\nnk: PANIC at %s:%d: %s\n", file, line, why);
	nk_exit_qemu(0x7f);
}

/* nk_fault_in_nk: an exception hit nk's own code (an nk bug). Called by the
 * interrupt stub with WP=0. */
NK_NORETURN void nk_fault_in_nk(uint64_t vector, uint64_t rip, uint64_t addr)
{
	nk_printf("\nnk: PANIC: exception %lu in nk at RIP %lx (CR2 %lx)\n", vector, rip, addr);
	nk_exit_qemu(0x7f);
}

/* fw_cfg (QEMU docs/specs/fw_cfg.txt): selector port 0x510, data 0x511. */
static uint32_t fwcfg_be32(void)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = (v << 8) | inb(0x511);
	return v;
}

long nk_fwcfg_read(const char *name, char *buf, size_t cap)
{
	outw(0x510, 0x0000); /* signature */
	if (inb(0x511) != 'Q' || inb(0x511) != 'E' || inb(0x511) != 'M' || inb(0x511) != 'U')
		return -1;
	outw(0x510, 0x0019); /* file directory */
	uint32_t n = fwcfg_be32();
	for (uint32_t i = 0; i < n && i < 4096; i++) {
		uint32_t size = fwcfg_be32();
		uint16_t sel = (uint16_t)((inb(0x511) << 8) | inb(0x511));
		inb(0x511);
		inb(0x511);
		char fname[56];
		for (int j = 0; j < 56; j++)
			fname[j] = (char)inb(0x511);
		int k = 0;
		while (k < 55 && name[k] && fname[k] == name[k])
			k++;
		if (name[k] || fname[k])
			continue;
		outw(0x510, sel);
		size_t len = size < cap - 1 ? size : cap - 1;
		for (size_t j = 0; j < len; j++)
			buf[j] = (char)inb(0x511);
		buf[len] = 0;
		return (long)len;
	}
	return -1;
}
