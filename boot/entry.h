/*
 * entry.h - constants shared by boot/entry.S and C.
 */
#ifndef BOOT_ENTRY_H
#define BOOT_ENTRY_H

#define BOOT_CS64           0x08
#define BOOT_DS             0x10
#define BOOT_PATH_UEFI_ASM  1   /* == BOOT_PATH_UEFI in kernel/boot_info.h */
#define BOOT_PATH_PVH_ASM   2   /* == BOOT_PATH_PVH */
#define BOOT_STACK_SIZE     (64 * 1024)

#ifndef __ASSEMBLY__
#include <stdint.h>
/* C entry of the boot CPU, from entry.S. info is physical. */
void boot_main(uint64_t info_phys, uint32_t path);
extern char boot_stack[], boot_stack_top[];
#endif

#endif
