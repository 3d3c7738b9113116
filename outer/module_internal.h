/* The module code's shared part (outer/module.c, loading; outer/module_call.c,
 * containment): private to them. */
#ifndef OUTER_MODULE_INTERNAL_H
#define OUTER_MODULE_INTERNAL_H

#include <nk/types.h>

/* module_va_alloc: virtual space in the module area for n pages plus an
 * unmapped guard page after them (never reused: the 1 GiB area outlasts
 * any test run). Returns the first page's virtual address, 0 when the area
 * is full. */
uint64_t module_va_alloc(uint64_t n);

#endif
