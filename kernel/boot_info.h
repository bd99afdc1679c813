/*
 * boot_info.h - the one structure every boot path hands to the kernel.
 *
 * Contract: the UEFI loader (boot/efi/loader.c) and the PVH entry
 * (boot/pvh_info.c) each fill one struct boot_info and pass its address to
 * the kernel's entry. The loader's copy lives in EfiLoaderData below 4 GiB
 * (the kernel's boot page tables identity-map only the first 4 GiB); the
 * kernel copies it into its own storage before it touches the memory map.
 * This header is shared by freestanding kernel code, the GNU-EFI loader and
 * host unit tests, so it uses only fixed-size types and no kernel headers.
 */
#ifndef SPINDLE_BOOT_INFO_H
#define SPINDLE_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC     0x31454c444e495053ULL /* "SPINDLE1", little-endian */
#define BOOT_MEM_MAX        512                   /* memory map entries kept */
#define BOOT_CMDLINE_MAX    4096                  /* bytes, including the NUL */

enum boot_path {
	BOOT_PATH_UEFI = 1,
	BOOT_PATH_PVH  = 2,
};

/* Memory region types, already translated from UEFI or E820 types. */
enum mem_type {
	MEM_USABLE       = 1, /* free RAM the page allocator may hand out */
	MEM_RESERVED     = 2, /* firmware, MMIO, anything unknown: never touched */
	MEM_ACPI_RECLAIM = 3, /* ACPI tables: kept, the kernel reads them */
	MEM_ACPI_NVS     = 4, /* firmware NVS: never touched */
	MEM_BAD          = 5, /* faulty RAM */
	MEM_LOADER       = 6, /* loader data (boot_info, loader image): kept while booting */
	MEM_KERNEL       = 7, /* the kernel image's PT_LOAD segments */
};

struct boot_mem_region {
	uint64_t base;   /* physical, bytes */
	uint64_t length; /* bytes */
	uint32_t type;   /* enum mem_type */
	uint32_t reserved;
};

/* A linear framebuffer (GOP); phys == 0 means "none". */
struct boot_framebuffer {
	uint64_t phys;
	uint32_t width, height; /* pixels */
	uint32_t pitch;         /* bytes per scan line */
	uint32_t bpp;           /* bits per pixel; only 32 is drawn */
	uint8_t red_shift, green_shift, blue_shift, reserved;
};

struct boot_info {
	uint64_t magic;      /* BOOT_INFO_MAGIC */
	uint32_t boot_path;  /* enum boot_path */
	uint32_t mem_count;  /* valid entries in mem[] */
	struct boot_mem_region mem[BOOT_MEM_MAX];
	uint64_t rsdp_phys;  /* ACPI RSDP, 0 if none was found */
	struct boot_framebuffer fb;
	char cmdline[BOOT_CMDLINE_MAX]; /* NUL-terminated kernel command line */
};

#endif
