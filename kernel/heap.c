/*
 * heap.c - the kernel heap's break (heap_sbrk in mm.h), used by newlib's
 * malloc through _sbrk. Pages are mapped as the break grows and stay mapped
 * when it shrinks (malloc rarely gives memory back). Any CPU; heap_lock.
 */
#include "kernel/mm.h"
#include "kernel/spinlock.h"

static uint64_t heap_brk = HEAP_BASE;     /* current break */
static uint64_t heap_mapped = HEAP_BASE;  /* end of mapped pages */
static struct spinlock heap_lock = SPINLOCK_INIT("heap");

void *heap_sbrk(intptr_t incr)
{
	bool on = spin_lock_irqsave(&heap_lock);
	uint64_t old = heap_brk, want = heap_brk + (uint64_t)incr;
	if (incr < 0 && (uint64_t)-incr > heap_brk - HEAP_BASE)
		goto fail;
	if (want > HEAP_BASE + HEAP_MAX)
		goto fail;
	while (heap_mapped < want) {
		uint64_t phys = pmm_alloc(1);
		if (!phys || vmm_map_page(heap_mapped, phys, VMM_WRITE) < 0) {
			if (phys)
				pmm_free(phys, 1);
			goto fail;
		}
		heap_mapped += PAGE_SIZE;
	}
	heap_brk = want;
	spin_unlock_irqrestore(&heap_lock, on);
	return (void *)old;
fail:
	spin_unlock_irqrestore(&heap_lock, on);
	return (void *)-1;
}
