/*
 * debugcon.h - QEMU's debug console (the Bochs "port 0xe9 hack"): bytes
 * written to the port go to QEMU's -debugcon chardev, a channel apart from
 * the serial console. On a PC without it the writes go nowhere. Any CPU,
 * any context; no lock (callers keep their own output whole).
 * Also QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4):
 * writing v makes QEMU exit with status (v << 1) | 1 (tools/qemu.sh).
 */
#ifndef ARCH_X86_64_DEBUGCON_H
#define ARCH_X86_64_DEBUGCON_H
#include <stddef.h>

#include <stdbool.h>

#define QEMU_DEBUGCON_PORT 0xe9
#define QEMU_EXIT_PORT     0xf4
#define QEMU_EXIT_SUCCESS  0x10   /* QEMU exit status 33 */
#define QEMU_EXIT_FAILURE  0x11   /* QEMU exit status 35 */

void debugcon_write(const char *s, size_t n);
/* End QEMU now, with status 33 (ok) or 35; returns where there is no such
 * device (a real PC, or QEMU without it). */
void qemu_exit_device(bool ok);
#endif
