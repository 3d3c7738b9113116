/* The kernel symbols modules may use (EXPORT_SYMBOL, include/outer/module.h):
 * {name, address} pairs in .ksymtab, inside the protected .rodata. A module
 * referring to anything else fails to load ("undefined symbol").
 * The vMMU gates are exported: a module asks nk like any outer code. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/module.h>
#include <outer/trap.h>
#include <outer/moddev.h>
#include <outer/pci.h>
#include <outer/irq.h>
#include <nk/vmmu.h>
#include <nk/region.h>

EXPORT_SYMBOL(kprintf);
EXPORT_SYMBOL(ksnprintf);
EXPORT_SYMBOL(memcpy);
EXPORT_SYMBOL(memset);
EXPORT_SYMBOL(memmove);
EXPORT_SYMBOL(memcmp);
EXPORT_SYMBOL(strlen);
EXPORT_SYMBOL(strcmp);
EXPORT_SYMBOL(kmalloc);
EXPORT_SYMBOL(kfree);
EXPORT_SYMBOL(frame_alloc);
EXPORT_SYMBOL(frame_free);
EXPORT_SYMBOL(mm_map);
EXPORT_SYMBOL(mm_unmap);
EXPORT_SYMBOL(mm_leaf);
EXPORT_SYMBOL(timer_ticks);
EXPORT_SYMBOL(nk_view);
EXPORT_SYMBOL(nk_strerror);
/* the vMMU calls modules may make (include/nk/calls.h) */
#define EXPORT_CALL_1(fn) EXPORT_SYMBOL(nk_##fn);
#define EXPORT_CALL_0(fn)
#define EXPORT_CALL(fn, call, rip, exported) EXPORT_CALL_##exported(fn)
NK_CALLS(EXPORT_CALL)
EXPORT_SYMBOL(moddev_register);
EXPORT_SYMBOL(moddev_unregister);
/* device drivers: PCI configuration space, MMIO mappings, MSIs */
EXPORT_SYMBOL(pci_cfg_read32);
EXPORT_SYMBOL(pci_cfg_read16);
EXPORT_SYMBOL(pci_cfg_read8);
EXPORT_SYMBOL(pci_cfg_write32);
EXPORT_SYMBOL(pci_cfg_write16);
EXPORT_SYMBOL(pci_find);
EXPORT_SYMBOL(pci_bar);
EXPORT_SYMBOL(pci_command_set);
EXPORT_SYMBOL(pci_cap_find);
EXPORT_SYMBOL(pci_msi_compose);
EXPORT_SYMBOL(pci_msi_enable);
EXPORT_SYMBOL(pci_msi_disable);
EXPORT_SYMBOL(pci_name);
EXPORT_SYMBOL(pci_requester_id);
EXPORT_SYMBOL(mm_map_mmio);
EXPORT_SYMBOL(mm_unmap_mmio);
EXPORT_SYMBOL(mmio_wait_clear);
EXPORT_SYMBOL(irq_msi_alloc);
EXPORT_SYMBOL(irq_msi_free);
EXPORT_SYMBOL(irq_msi_count);
EXPORT_SYMBOL(irq_msi_wait);
