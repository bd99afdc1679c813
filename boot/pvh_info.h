/* pvh_info.h - PVH start_info to boot_info; boot CPU, once. 0 or -1. */
#ifndef BOOT_PVH_INFO_H
#define BOOT_PVH_INFO_H
#include <stdint.h>
#include "kernel/boot_info.h"
int pvh_to_boot_info(uint64_t start_info_phys, struct boot_info *bi);
#endif
