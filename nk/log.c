/* nk's own console output (COM1, polled), its exits (isa-debug-exit,
 * panic) and its reader of QEMU fw_cfg files. nk prints during boot and on
 * panic; the outer kernel's console is drivers/uart.c. Port I/O goes
 * through nk/arch.h, so this runs in host unit tests against a fake UART,
 * fw_cfg device and debug-exit port. Source: 16550 UART (LSR bit 5, THR
 * empty); QEMU docs/specs/fw_cfg.txt. */
#include "nk.h"
#include "../lib/fmt.h"

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20	  /* transmit holding register empty */
#define UART_POLLS 100000 /* then write anyway: output must not hang nk */
#define DEBUG_EXIT 0xf4	  /* isa-debug-exit: QEMU exits with (v << 1) | 1 */
#define FWCFG_SEL 0x510
#define FWCFG_DATA 0x511
#define FWCFG_SIGNATURE 0x0000
#define FWCFG_ID 0x0001	  /* le32 feature bits */
#define FWCFG_ID_DMA 0x2u /* bit 1: the DMA interface (ports 0x514/0x518) */
#define FWCFG_FILE_DIR 0x0019
#define FWCFG_NAME_BYTES 56
#define FWCFG_FILES_MAX 4096 /* entries nk reads at most from the directory */

static void nk_putc(char c)
{
	if (c == '\n')
		nk_putc('\r');
	for (int i = 0; i < UART_POLLS && !(arch_inb(COM1_LSR) & LSR_THRE); i++)
		;
	arch_outb(COM1, (uint8_t)c);
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
	arch_outb(DEBUG_EXIT, code);
	arch_halt();
}

/* Set first by every path that stops the machine: a store to nk memory, so
 * that outer code calling such a path directly (CR0.WP set) takes a page
 * fault there instead of halting the machine (spec I6: every nk function
 * is callable). nk itself runs with WP clear and gets past it. */
volatile uint32_t nk_stopping;

NK_NORETURN void nk_panic(const char *file, int line, const char *why)
{
	nk_stopping = 1;
	nk_printf("\nnk: PANIC at %s:%d: %s\n", file, line, why);
	nk_exit_qemu(0x7f);
}

/* nk_fault_in_nk: an exception hit nk's own code (an nk bug): print the
 * vector, RIP and CR2 and exit with status 0x7f. Called by the interrupt
 * stub (nk/gate.asm) with WP=0. Source: spec I7. */
NK_NORETURN void nk_fault_in_nk(uint64_t vector, uint64_t rip, uint64_t addr)
{
	nk_stopping = 1;
	nk_printf("\nnk: PANIC: exception %lu in nk at RIP %lx (CR2 %lx)\n", vector, rip, addr);
	nk_exit_qemu(0x7f);
}

/* A big-endian 32-bit value from the fw_cfg data port. */
static uint32_t fwcfg_be32(void)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = (v << 8) | arch_inb(FWCFG_DATA);
	return v;
}

/* Whether the fw_cfg device answers: its signature item reads "QEMU". */
static bool fwcfg_present(void)
{
	arch_outw(FWCFG_SEL, FWCFG_SIGNATURE);
	for (const char *sig = "QEMU"; *sig; sig++)
		if (arch_inb(FWCFG_DATA) != (uint8_t)*sig)
			return false;
	return true;
}

bool nk_fwcfg_dma_present(void)
{
	if (!fwcfg_present())
		return false;
	arch_outw(FWCFG_SEL, FWCFG_ID);
	uint32_t id = 0;
	for (int i = 0; i < 4; i++)
		id |= (uint32_t)arch_inb(FWCFG_DATA) << (8 * i);
	return (id & FWCFG_ID_DMA) != 0;
}

uint32_t nk_fwcfg_cpus(void)
{
	if (!fwcfg_present())
		return 0;
	arch_outw(FWCFG_SEL, 0x0005); /* FW_CFG_NB_CPUS */
	uint32_t n = arch_inb(FWCFG_DATA);
	return n | (uint32_t)arch_inb(FWCFG_DATA) << 8;
}

long nk_fwcfg_read(const char *name, char *buf, size_t cap)
{
	if (cap == 0 || !fwcfg_present())
		return -1;
	arch_outw(FWCFG_SEL, FWCFG_FILE_DIR);
	uint32_t n = fwcfg_be32();
	for (uint32_t i = 0; i < n && i < FWCFG_FILES_MAX; i++) {
		/* struct FWCfgFile: be32 size, be16 select, be16 reserved, name[56] */
		uint32_t size = fwcfg_be32();
		uint16_t sel = (uint16_t)(arch_inb(FWCFG_DATA) << 8);
		sel |= arch_inb(FWCFG_DATA);
		arch_inb(FWCFG_DATA);
		arch_inb(FWCFG_DATA);
		char fname[FWCFG_NAME_BYTES];
		for (int j = 0; j < FWCFG_NAME_BYTES; j++)
			fname[j] = (char)arch_inb(FWCFG_DATA);
		int k = 0;
		while (k < FWCFG_NAME_BYTES - 1 && name[k] && fname[k] == name[k])
			k++;
		if (name[k] || fname[k])
			continue;
		arch_outw(FWCFG_SEL, sel);
		size_t len = size < cap - 1 ? size : cap - 1;
		for (size_t j = 0; j < len; j++)
			buf[j] = (char)arch_inb(FWCFG_DATA);
		buf[len] = 0;
		return (long)len;
	}
	return -1;
}
