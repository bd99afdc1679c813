/*
 * debugcon.h - QEMU's debug console (the Bochs "port 0xe9 hack"): bytes
 * written to the port go to QEMU's -debugcon chardev, a channel apart from
 * the serial console. On a PC without it the writes go nowhere. Any CPU,
 * any context; no lock (callers keep their own output whole).
 */
#ifndef ARCH_X86_64_DEBUGCON_H
#define ARCH_X86_64_DEBUGCON_H
#include <stddef.h>

#define QEMU_DEBUGCON_PORT 0xe9

void debugcon_write(const char *s, size_t n);
#endif
