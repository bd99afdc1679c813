/*
 * pvh_info.c - turn the PVH start_info (Xen's struct hvm_start_info, as
 * QEMU passes it to a -kernel ELF with a PHYS32_ENTRY note) into the
 * kernel's struct boot_info. Boot CPU, once, before pmm_init: the start_info
 * and everything it points at lie in the first 4 GiB, which the boot page
 * tables map at DMAP_BASE.
 */
#include <stdint.h>
#include <string.h>
#include "boot/pvh_info.h"
#include "boot/cmdline_fit.h"
#include "kernel/mm.h"
#include "kernel/kprintf.h"

#define HVM_START_MAGIC 0x336ec578
#define E820_RAM        1
#define E820_RESERVED   2
#define E820_ACPI       3
#define E820_NVS        4
#define E820_UNUSABLE   5
#define PVH_CMDLINE_SCAN (64 * 1024)  /* look no further for the NUL */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;   /* version >= 1 */
	uint32_t memmap_entries; /* version >= 1 */
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

static uint32_t e820_to_mem_type(uint32_t t)
{
	switch (t) {
	case E820_RAM: return MEM_USABLE;
	case E820_ACPI: return MEM_ACPI_RECLAIM;
	case E820_NVS: return MEM_ACPI_NVS;
	case E820_UNUSABLE: return MEM_BAD;
	default: return MEM_RESERVED;
	}
}

/* The whole line, or whole words of it and one line saying what was left
 * out (never a word cut in two: "hz=1000" must not become "hz=10"). */
static void copy_cmdline(struct boot_info *bi, const char *cl)
{
	size_t len = strnlen(cl, PVH_CMDLINE_SCAN);
	size_t n = cmdline_fit(cl, len, BOOT_CMDLINE_MAX - 1);
	memcpy(bi->cmdline, cl, n);
	bi->cmdline[n] = 0;
	if (n < len) {
		size_t from = n;
		while (from < len && cl[from] == ' ')
			from++;
		kprintf("pvh: the command line has %lu%s bytes, more than the %u kept; left out from "
			"'%.40s%s'\n", (unsigned long)len, len == PVH_CMDLINE_SCAN ? " or more" : "",
			BOOT_CMDLINE_MAX - 1, cl + from, len - from > 40 ? "..." : "");
	}
}

int pvh_to_boot_info(uint64_t start_info_phys, struct boot_info *bi)
{
	const struct hvm_start_info *si = phys_to_virt(start_info_phys);
	if (si->magic != HVM_START_MAGIC) {
		kprintf("pvh: start_info at 0x%lx has magic 0x%x, expected 0x%x\n",
			(unsigned long)start_info_phys, si->magic, HVM_START_MAGIC);
		return -1;
	}
	bi->magic = BOOT_INFO_MAGIC;
	bi->boot_path = BOOT_PATH_PVH;
	bi->rsdp_phys = si->rsdp_paddr;
	bi->fb.phys = 0;
	bi->cmdline[0] = 0;
	if (si->cmdline_paddr)
		copy_cmdline(bi, phys_to_virt(si->cmdline_paddr));
	bi->mem_count = 0;
	if (si->version < 1 || !si->memmap_paddr) {
		kprintf("pvh: start_info version %u has no memory map\n", si->version);
		return -1;
	}
	const struct hvm_memmap_entry *m = phys_to_virt(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (bi->mem_count == BOOT_MEM_MAX) {
			kprintf("pvh: memory map has %u entries, keeping %u\n",
				si->memmap_entries, BOOT_MEM_MAX);
			break;
		}
		bi->mem[bi->mem_count++] = (struct boot_mem_region){
			.base = m[i].addr, .length = m[i].size, .type = e820_to_mem_type(m[i].type),
		};
	}
	return 0;
}
