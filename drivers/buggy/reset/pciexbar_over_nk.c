/* Attack module pciexbar_over_nk (dma), not in the default suite: a buggy
 * driver moves q35's PCIe configuration window (PCIEXBAR, 00:00.0 offset
 * 0x60) through the configuration ports over nk's frames: nk's frame
 * table, stacks and page tables lie in the first 16 MiB, and a window (at
 * least 64 MiB, aligned to its size) over them starts at 0 and covers all
 * of low RAM: kernel text, page tables, stacks. QEMU 7.2 takes the value;
 * the CPU's next page walk reads configuration space (all ones) instead
 * of the page tables: a #PF with the reserved-bit error code, a #DF, a
 * triple fault, and QEMU started with -no-reboot exits (status 0) right
 * after the module is loaded; nk's frames are never written (RAM is only
 * hidden). The module writes 0x00000005 (enabled, 64 MiB, base 0) and
 * would read back target "frame_desc" (buggy_chipset.h) if the machine
 * lived. Run it alone with
 *   make NK=1 iso EXTRA_ATTACKS=drivers/buggy/reset
 * and boot with run=attack:pciexbar_over_nk exit=1 (QEMU's "-d int" shows
 * the faults). Expected: nk-limit (ring 0 reaches the configuration ports;
 * here a denial of service). */
#include "../buggy_chipset.h"
#include "../buggy.h"

static long attack(struct attack_ctx *c)
{
	c->chipset = true; /* judged by its window (buggy_chipset.h) */
	return bchip_window(c, NULL, 0 | PCIEXBAR_LEN_64M | PCIEXBAR_EN, NULL, NULL);
}

ATTACK("pciexbar_over_nk", "dma", "frame_desc", ATTACK_NK_LIMIT, attack);
