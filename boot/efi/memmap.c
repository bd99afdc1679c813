/*
 * memmap.c - UEFI memory map -> struct boot_info memory map (see memmap.h).
 *
 * Runs between the last GetMemoryMap() and ExitBootServices(), so it calls
 * no firmware service and allocates nothing.
 */
#include "boot/efi/memmap.h"

enum {  /* EFI_MEMORY_TYPE (UEFI spec 7.2) */
	EFI_RESERVED, EFI_LOADER_CODE, EFI_LOADER_DATA, EFI_BS_CODE, EFI_BS_DATA,
	EFI_RT_CODE, EFI_RT_DATA, EFI_CONVENTIONAL, EFI_UNUSABLE, EFI_ACPI_RECLAIM,
	EFI_ACPI_NVS, EFI_MMIO, EFI_MMIO_PORT, EFI_PAL_CODE, EFI_PERSISTENT,
};

#define PAGE_SIZE 4096ull

uint32_t memmap_efi_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_CONVENTIONAL:
	case EFI_BS_CODE:
	case EFI_BS_DATA:
		return MEM_USABLE;
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
		return MEM_LOADER;
	case EFI_ACPI_RECLAIM:
		return MEM_ACPI_RECLAIM;
	case EFI_ACPI_NVS:
		return MEM_ACPI_NVS;
	case EFI_UNUSABLE:
		return MEM_BAD;
	default:
		return MEM_RESERVED;
	}
}

struct mm_builder {
	struct boot_info *bi;
	uint64_t hi;       /* end of the last region emitted */
	unsigned dropped;
};

static void mm_emit(struct mm_builder *b, uint64_t base, uint64_t end, uint32_t type)
{
	struct boot_info *bi = b->bi;

	if (base < b->hi)
		base = b->hi; /* overlapping descriptors: first one wins */
	if (base >= end)
		return;
	b->hi = end;
	if (bi->mem_count) {
		struct boot_mem_region *last = &bi->mem[bi->mem_count - 1];
		if (last->type == type && last->base + last->length == base) {
			last->length += end - base;
			return;
		}
	}
	if (bi->mem_count == BOOT_MEM_MAX) {
		b->dropped++;
		return;
	}
	bi->mem[bi->mem_count++] = (struct boot_mem_region){
		.base = base, .length = end - base, .type = type, .reserved = 0,
	};
}

static struct efi_mem_desc *mm_desc_at(void *map, size_t desc_size, size_t i)
{
	return (struct efi_mem_desc *)((uint8_t *)map + i * desc_size);
}

static void mm_swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	while (n--) {
		uint8_t t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

unsigned memmap_build(struct boot_info *bi, void *map, size_t map_size, size_t desc_size,
		      const struct phys_range *kernel, unsigned nkernel)
{
	struct mm_builder b = { .bi = bi, .hi = 0, .dropped = 0 };

	bi->mem_count = 0;
	if (desc_size < sizeof(struct efi_mem_desc))
		return 0;
	size_t n = map_size / desc_size;

	/* Insertion sort by start address: firmware maps are nearly sorted. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && mm_desc_at(map, desc_size, j - 1)->phys_start >
					       mm_desc_at(map, desc_size, j)->phys_start; j--)
			mm_swap_bytes((uint8_t *)mm_desc_at(map, desc_size, j - 1),
				   (uint8_t *)mm_desc_at(map, desc_size, j), desc_size);

	for (size_t i = 0; i < n; i++) {
		const struct efi_mem_desc *d = mm_desc_at(map, desc_size, i);
		uint64_t s = d->phys_start;
		uint64_t max_pages = (UINT64_MAX - s) / PAGE_SIZE;
		uint64_t e = s + (d->pages < max_pages ? d->pages : max_pages) * PAGE_SIZE;
		uint32_t type = memmap_efi_type(d->type);

		/* Carve the kernel's ranges (sorted or not) out of [s, e). */
		uint64_t pos = s;
		while (pos < e) {
			const struct phys_range *k = NULL;
			for (unsigned j = 0; j < nkernel; j++) {
				const struct phys_range *r = &kernel[j];
				if (r->end > pos && r->base < e && (!k || r->base < k->base))
					k = r;
			}
			if (!k) {
				mm_emit(&b, pos, e, type);
				break;
			}
			if (k->base > pos)
				mm_emit(&b, pos, k->base, type);
			uint64_t kb = k->base > pos ? k->base : pos;
			uint64_t ke = k->end < e ? k->end : e;
			mm_emit(&b, kb, ke, MEM_KERNEL);
			pos = ke;
		}
	}
	return b.dropped;
}
