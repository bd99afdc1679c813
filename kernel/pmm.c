/*
 * pmm.c - the kernel's physical page allocator: pmm_core under pmm_lock.
 * pmm_init runs once on the boot CPU while only the boot page tables exist
 * (first 4 GiB at DMAP_BASE), so the bitmap is placed below 4 GiB.
 */
#include "kernel/pmm.h"
#include "kernel/mm.h"
#include "kernel/spinlock.h"
#include "kernel/panic.h"
#include "kernel/kprintf.h"

#define LOW_MEMORY_END   0x100000ULL      /* real-mode area: BIOS data, trampoline */
#define BOOT_MAP_LIMIT   (4ULL << 30)     /* what the boot page tables reach */

extern char __kernel_phys_start[], __kernel_phys_end[];

static struct pmm_core pmm;
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");

void pmm_init(const struct boot_info *bi)
{
	struct pmm_range reserved[3] = {
		{ 0, LOW_MEMORY_END },
		{ (uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end },
		{ 0, 0 },
	};
	size_t bytes = pmm_core_bitmap_bytes(bi->mem, bi->mem_count);
	uint64_t at = pmm_core_find_range(bi->mem, bi->mem_count, bytes, LOW_MEMORY_END, reserved, 2);
	if (!at || at + bytes > BOOT_MAP_LIMIT)
		panic("pmm: no usable RAM below 4 GiB for a %zu-byte page bitmap", bytes);
	reserved[2] = (struct pmm_range){ at, at + bytes };
	pmm_core_init(&pmm, phys_to_virt(at), bi->mem, bi->mem_count, reserved, 3);
	kprintf("pmm: %lu MiB usable of %lu MiB, bitmap %zu KiB at 0x%lx\n",
		(unsigned long)(pmm.ntotal * PAGE_SIZE >> 20),
		(unsigned long)(pmm.npages * PAGE_SIZE >> 20), bytes >> 10, (unsigned long)at);
}

uint64_t pmm_alloc(size_t npages)
{
	bool on = spin_lock_irqsave(&pmm_lock);
	uint64_t phys = pmm_core_alloc(&pmm, npages);
	spin_unlock_irqrestore(&pmm_lock, on);
	return phys;
}

void pmm_free(uint64_t phys, size_t npages)
{
	bool on = spin_lock_irqsave(&pmm_lock);
	int bad = pmm_core_free(&pmm, phys, npages);
	spin_unlock_irqrestore(&pmm_lock, on);
	if (bad)
		panic("pmm_free(0x%lx, %zu): page not allocated", (unsigned long)phys, npages);
}

size_t pmm_free_pages(void) { return pmm.nfree; }
size_t pmm_total_pages(void) { return pmm.ntotal; }
