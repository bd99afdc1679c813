/*
 * pmm.h - the physical page allocator's core, apart from the kernel so host
 * unit tests can drive it (tests/host/test_pmm.c).
 *
 * A bitmap with one bit per 4 KiB page of [0, top); a set bit is a page in
 * use or not RAM. pmm_core_* functions take no lock: the kernel wrapper
 * (kernel/pmm.c: pmm_alloc/pmm_free in mm.h) holds pmm_lock around them.
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stdint.h>
#include <stddef.h>
#include "kernel/boot_info.h"

struct pmm_core {
	uint8_t *bitmap;     /* npages bits */
	uint64_t npages;     /* pages covered: [0, npages * 4 KiB) */
	uint64_t nfree;      /* free pages now */
	uint64_t ntotal;     /* usable pages at setup */
	uint64_t hint;       /* next-fit: where the last search ended */
};

struct pmm_range { uint64_t base, end; }; /* physical, [base, end) */

/* Bytes of bitmap needed for a memory map. */
size_t pmm_core_bitmap_bytes(const struct boot_mem_region *mem, unsigned n);
/* Set up over mem[]; bitmap must hold pmm_core_bitmap_bytes. Pages in
 * reserved[] (kernel image, bitmap, low memory) stay in use. */
void pmm_core_init(struct pmm_core *p, uint8_t *bitmap, const struct boot_mem_region *mem,
		   unsigned n, const struct pmm_range *reserved, unsigned nreserved);
/* First-fit from the hint for npages contiguous pages; 0 when none. */
uint64_t pmm_core_alloc(struct pmm_core *p, size_t npages);
/* Returns -1 (and changes nothing) if any page was already free. */
int pmm_core_free(struct pmm_core *p, uint64_t phys, size_t npages);
/* Find a usable, page-aligned range of len bytes at or above min that
 * overlaps none of reserved[]; 0 when none. */
uint64_t pmm_core_find_range(const struct boot_mem_region *mem, unsigned n, uint64_t len,
			     uint64_t min, const struct pmm_range *reserved, unsigned nreserved);

#endif
