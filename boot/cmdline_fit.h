/*
 * cmdline_fit.h - how much of a kernel command line fits a buffer without
 * cutting a word. Shared by the UEFI loader and the PVH entry (both copy a
 * line of unknown length into struct boot_info) and the host tests. Pure.
 */
#ifndef BOOT_CMDLINE_FIT_H
#define BOOT_CMDLINE_FIT_H

#include <stddef.h>

/* The number of bytes of line[0..len) to keep so that at most max bytes
 * are kept and no word is cut: len when it fits, else up to the last space
 * at or before max (0 if the first word alone is longer than max). */
size_t cmdline_fit(const char *line, size_t len, size_t max);

#endif
