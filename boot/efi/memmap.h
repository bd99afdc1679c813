/*
 * memmap.h - UEFI memory map -> struct boot_info memory map (pure code).
 *
 * Kept apart from the loader's firmware calls so the host tests can run it:
 * it uses only <stdint.h>/<stddef.h> and the layout of EFI_MEMORY_DESCRIPTOR
 * (UEFI spec 7.2), mirrored below.
 */
#ifndef SPINDLE_EFI_MEMMAP_H
#define SPINDLE_EFI_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/boot_info.h"

/* EFI_MEMORY_DESCRIPTOR as the firmware lays it out (descriptors may be
 * larger: always step by the DescriptorSize GetMemoryMap() returns). */
struct efi_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t pages;   /* 4 KiB pages */
	uint64_t attribute;
};

/* A physical byte range [base, end). */
struct phys_range {
	uint64_t base, end;
};

/* The enum mem_type for an EFI_MEMORY_TYPE value. */
uint32_t memmap_efi_type(uint32_t efi_type);

/*
 * Fills bi->mem[] / bi->mem_count from the UEFI map (map_size bytes of
 * desc_size-byte descriptors, sorted in place by address): types translated,
 * the kernel's ranges kernel[0..nkernel) carved out as MEM_KERNEL, adjacent
 * regions of one type merged, at most BOOT_MEM_MAX entries (lowest addresses
 * kept). Returns how many regions did not fit (0 normally).
 */
unsigned memmap_build(struct boot_info *bi, void *map, size_t map_size, size_t desc_size,
		      const struct phys_range *kernel, unsigned nkernel);

#endif
