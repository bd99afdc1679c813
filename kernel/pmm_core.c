/*
 * pmm_core.c - bitmap page allocator core (contract in pmm.h).
 * Pure logic: no locks, no kernel headers beyond pmm.h, so it builds on the
 * host for tests.
 */
#include "kernel/pmm.h"

#define PMM_PAGE 4096ULL

static inline int bit_get(const uint8_t *b, uint64_t i) { return (b[i >> 3] >> (i & 7)) & 1; }
static inline void bit_set(uint8_t *b, uint64_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline void bit_clr(uint8_t *b, uint64_t i) { b[i >> 3] &= (uint8_t)~(1u << (i & 7)); }

static uint64_t usable_top(const struct boot_mem_region *mem, unsigned n)
{
	uint64_t top = 0;
	for (unsigned i = 0; i < n; i++)
		if (mem[i].type == MEM_USABLE && mem[i].base + mem[i].length > top)
			top = mem[i].base + mem[i].length;
	return top;
}

size_t pmm_core_bitmap_bytes(const struct boot_mem_region *mem, unsigned n)
{
	uint64_t pages = (usable_top(mem, n) + PMM_PAGE - 1) / PMM_PAGE;
	return (size_t)((pages + 7) / 8);
}

static int overlaps(uint64_t b, uint64_t e, const struct pmm_range *r, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		if (b < r[i].end && r[i].base < e)
			return 1;
	return 0;
}

void pmm_core_init(struct pmm_core *p, uint8_t *bitmap, const struct boot_mem_region *mem,
		   unsigned n, const struct pmm_range *reserved, unsigned nreserved)
{
	size_t bytes = pmm_core_bitmap_bytes(mem, n);
	p->bitmap = bitmap;
	p->npages = usable_top(mem, n) / PMM_PAGE;
	p->nfree = p->ntotal = p->hint = 0;
	for (size_t i = 0; i < bytes; i++)
		bitmap[i] = 0xff;
	for (unsigned i = 0; i < n; i++) {
		if (mem[i].type != MEM_USABLE)
			continue;
		/* Only whole pages inside the region are usable. */
		uint64_t first = (mem[i].base + PMM_PAGE - 1) / PMM_PAGE;
		uint64_t end = (mem[i].base + mem[i].length) / PMM_PAGE;
		if (first == 0)
			first = 1; /* page 0 is never handed out, so never counted free */
		for (uint64_t pg = first; pg < end && pg < p->npages; pg++) {
			if (!bit_get(bitmap, pg))
				continue; /* overlapping map entries: count once */
			if (overlaps(pg * PMM_PAGE, (pg + 1) * PMM_PAGE, reserved, nreserved))
				continue;
			bit_clr(bitmap, pg);
			p->nfree++;
		}
	}
	p->ntotal = p->nfree;
}

uint64_t pmm_core_alloc(struct pmm_core *p, size_t npages)
{
	if (npages == 0 || npages > p->nfree)
		return 0;
	/* Two passes: from the hint to the end, then from 1 (page 0 is never
	 * handed out: physical 0 means "no page"). */
	for (int pass = 0; pass < 2; pass++) {
		uint64_t start = pass == 0 ? (p->hint ? p->hint : 1) : 1;
		uint64_t limit = pass == 0 ? p->npages : (p->hint ? p->hint + npages : p->npages);
		if (limit > p->npages)
			limit = p->npages;
		uint64_t run = 0;
		for (uint64_t pg = start; pg < limit; pg++) {
			if (bit_get(p->bitmap, pg)) {
				run = 0;
				continue;
			}
			if (++run == npages) {
				uint64_t first = pg + 1 - npages;
				for (uint64_t q = first; q <= pg; q++)
					bit_set(p->bitmap, q);
				p->nfree -= npages;
				p->hint = pg + 1;
				return first * PMM_PAGE;
			}
		}
	}
	return 0;
}

int pmm_core_free(struct pmm_core *p, uint64_t phys, size_t npages)
{
	uint64_t first = phys / PMM_PAGE;
	if (phys == 0 || phys % PMM_PAGE || first + npages > p->npages)
		return -1;
	for (uint64_t pg = first; pg < first + npages; pg++)
		if (!bit_get(p->bitmap, pg))
			return -1;
	for (uint64_t pg = first; pg < first + npages; pg++)
		bit_clr(p->bitmap, pg);
	p->nfree += npages;
	return 0;
}

uint64_t pmm_core_find_range(const struct boot_mem_region *mem, unsigned n, uint64_t len,
			     uint64_t min, const struct pmm_range *reserved, unsigned nreserved)
{
	len = (len + PMM_PAGE - 1) & ~(PMM_PAGE - 1);
	for (unsigned i = 0; i < n; i++) {
		if (mem[i].type != MEM_USABLE)
			continue;
		uint64_t b = (mem[i].base + PMM_PAGE - 1) & ~(PMM_PAGE - 1);
		uint64_t e = (mem[i].base + mem[i].length) & ~(PMM_PAGE - 1);
		if (b < min)
			b = (min + PMM_PAGE - 1) & ~(PMM_PAGE - 1);
		for (; b + len <= e; b += PMM_PAGE)
			if (!overlaps(b, b + len, reserved, nreserved))
				return b;
	}
	return 0;
}
