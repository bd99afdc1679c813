/*
 * mm.h - memory layout and the physical/virtual memory interfaces.
 *
 * Layout (see docs/memory.md):
 *   0xffff800000000000  direct map of all physical memory (DMAP), RW+NX
 *   0xffffc00000000000  kernel heap (grows up by heap_sbrk), RW+NX
 *   0xffffe00000000000  guarded stacks (kernel threads), RW+NX
 *   0xffffffff80000000  kernel image: physical + KERNEL_VMA
 *
 * pmm_*: physical pages, any CPU, any context except NMI; internally locked.
 * vmm_*: kernel page tables, any CPU, preemption off is not required.
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE      4096UL
#define PAGE_SHIFT     12
#define DMAP_BASE      0xffff800000000000UL
#define HEAP_BASE      0xffffc00000000000UL
#define HEAP_MAX       (64UL << 30)
#define GSTACK_BASE    0xffffe00000000000UL
#define KERNEL_VMA     0xffffffff80000000UL

static inline void *phys_to_virt(uint64_t phys) { return (void *)(phys + DMAP_BASE); }
uint64_t virt_to_phys(const void *va);

/* Physical pages. pmm_alloc returns a physical address, 0 when out of memory. */
uint64_t pmm_alloc(size_t npages);
void pmm_free(uint64_t phys, size_t npages);
size_t pmm_free_pages(void);
size_t pmm_total_pages(void);

enum vmm_cache { VMM_CACHE_WB, VMM_CACHE_UC, VMM_CACHE_WC };
#define VMM_WRITE  (1u << 0)
#define VMM_EXEC   (1u << 1)
/* Map [phys, phys+size) into the direct map with the given caching (for
 * MMIO: LAPIC, IOAPIC, HPET, framebuffer); returns the virtual address. */
void *vmm_map_mmio(uint64_t phys, size_t size, enum vmm_cache cache);
/* Map one 4 KiB page at va; 0 on success, -1 when out of memory. */
int vmm_map_page(uint64_t va, uint64_t phys, unsigned flags);
void vmm_unmap_page(uint64_t va);

/* Address spaces: a new page-table root whose kernel half (every kernel
 * mapping, present and future) is shared and whose user half is empty;
 * returns its physical address for CR3, 0 when out of memory. */
uint64_t vmm_kernel_cr3(void);
uint64_t vmm_new_address_space(void);
void vmm_free_address_space(uint64_t cr3);

/* The kernel heap: grows the heap by incr bytes (page-granular mapping) and
 * returns the old break, or (void *)-1 when out of memory. Any CPU; locked. */
void *heap_sbrk(intptr_t incr);

#endif
