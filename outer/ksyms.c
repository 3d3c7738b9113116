/* The kernel symbols modules may use (EXPORT_SYMBOL, include/outer/module.h):
 * {name, address} pairs in .ksymtab, inside the protected .rodata. A module
 * referring to anything else fails to load ("undefined symbol").
 * The vMMU gates are exported: a module asks nk like any outer code. */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/module.h>
#include <outer/trap.h>
#include <outer/moddev.h>
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
EXPORT_SYMBOL(vm_map);
EXPORT_SYMBOL(vm_unmap);
EXPORT_SYMBOL(vm_leaf);
EXPORT_SYMBOL(timer_ticks);
EXPORT_SYMBOL(nk_view);
EXPORT_SYMBOL(nk_strerror);
EXPORT_SYMBOL(nk_declare_ptp);
EXPORT_SYMBOL(nk_remove_ptp);
EXPORT_SYMBOL(nk_write_pte);
EXPORT_SYMBOL(nk_write_ptes);
EXPORT_SYMBOL(nk_load_cr3);
EXPORT_SYMBOL(nk_load_cr0);
EXPORT_SYMBOL(nk_load_cr4);
EXPORT_SYMBOL(nk_wrmsr);
EXPORT_SYMBOL(nk_null);
EXPORT_SYMBOL(nk_check_invariants);
EXPORT_SYMBOL(nk_region_declare);
EXPORT_SYMBOL(nk_write);
EXPORT_SYMBOL(nk_region_seal);
EXPORT_SYMBOL(nk_promote_code);
EXPORT_SYMBOL(nk_demote_code);
EXPORT_SYMBOL(moddev_register);
EXPORT_SYMBOL(moddev_unregister);
