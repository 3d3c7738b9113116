/* Attack module exec_vmalloc (memory-protection): execute a page mapped by mm_map in the kernel
 * heap area. The harness reads back target "exec_counter" (docs/modules.md); expected: blocked. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	uint64_t va = c->va + 2 * PAGE_SIZE * 0; /* the heap page the harness mapped */
	static const uint8_t inc_rdi_ret[] = {0xff, 0x07, 0xc3};
	memcpy((void *)(va + 3000), inc_rdi_ret, sizeof(inc_rdi_ret));
	((void (*)(volatile uint32_t *))(va + 3000))(c->exec_counter);
	return 0;
}

ATTACK("exec_vmalloc", "memory-protection", "exec_counter", ATTACK_BLOCKED, attack);
