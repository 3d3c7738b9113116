/* Attack module fwcfg_dma_nk_stack (dma): program QEMU's fw_cfg DMA engine,
 * which no IOMMU covers, to copy an fw_cfg item into nk's gate stack (an NK
 * frame) by physical address. A FWCfgDmaAccess request (be32 control, be32
 * length, be64 address) in a spare DATA frame asks for select + read of
 * the signature item ("QEMU", then zeros), 64 bytes to the stack's deepest
 * bytes; its physical address goes big-endian to port 0x514 (high 32 bits)
 * and 0x518 (low 32 bits: the write that starts the transfer). QEMU clears
 * `control` when it has performed a request.
 *
 * Blocked because there is no DMA interface to program: QEMU runs with
 * -global fw_cfg_io.dma_enabled=off, the ID item's bit 1 reads clear, and
 * the nested build refuses to boot when it is set (spec I11). The harness
 * reads back target "nk_stack" (docs/modules.md); expected: blocked.
 * Source: QEMU docs/specs/fw_cfg (DMA interface). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include "buggy.h"

#define FWCFG_SEL 0x510
#define FWCFG_DATA 0x511
#define FWCFG_DMA_HI 0x514
#define FWCFG_DMA_LO 0x518
#define FWCFG_ID 0x0001
#define FWCFG_ID_DMA 0x2u
#define FWCFG_SIGNATURE 0x0000
#define DMA_CTL_READ 0x02u
#define DMA_CTL_SELECT 0x08u

struct fwcfg_dma_access {
	uint32_t control; /* big-endian: error 0x01, read 0x02, skip 0x04, select 0x08, write 0x10;
			     selector << 16 */
	uint32_t length;  /* big-endian, bytes */
	uint64_t address; /* big-endian, physical */
};

static inline void port_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void port_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)
			 : "memory"); /* the device reads and writes RAM */
}
static inline uint8_t port_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static long attack(struct attack_ctx *c)
{
	/* what the device says it offers (le32 ID item, port interface) */
	port_outw(FWCFG_SEL, FWCFG_ID);
	uint32_t id = 0;
	for (int i = 0; i < 4; i++)
		id |= (uint32_t)port_inb(FWCFG_DATA) << (8 * i);

	volatile struct fwcfg_dma_access *req = pa_to_dm(c->data);
	uint64_t target =
	    pa_addr(kimg_to_pa(va_of(c->nk_stack))); /* the image's physical address */
	uint32_t ctl = DMA_CTL_SELECT | DMA_CTL_READ | ((uint32_t)FWCFG_SIGNATURE << 16);
	req->control = __builtin_bswap32(ctl);
	req->length = __builtin_bswap32(64);
	req->address = __builtin_bswap64(target);
	uint64_t pa = pa_addr(c->data);
	port_outl(FWCFG_DMA_HI, __builtin_bswap32((uint32_t)(pa >> 32)));
	port_outl(FWCFG_DMA_LO, __builtin_bswap32((uint32_t)pa));

	if (req->control != __builtin_bswap32(ctl) || (id & FWCFG_ID_DMA)) {
		ksnprintf(c->note, c->note_cap, "fw_cfg DMA there (ID %x): request control now %x",
			  id, __builtin_bswap32(req->control));
		return 0; /* the device took the request: the DMA went through */
	}
	ksnprintf(c->note, c->note_cap,
		  "no fw_cfg DMA interface (ID %x, bit 1 clear): the request at 0x514/0x518 did "
		  "nothing (I11)",
		  id);
	return -1;
}

ATTACK("fwcfg_dma_nk_stack", "dma", "nk_stack", ATTACK_BLOCKED, attack);
