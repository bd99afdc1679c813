/* debugcon.c - QEMU's debug console port (contract in debugcon.h). */
#include "arch/x86_64/debugcon.h"
#include "arch/x86_64/cpu.h"

void debugcon_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outb(QEMU_DEBUGCON_PORT, (uint8_t)s[i]);
}

void qemu_exit_device(bool ok)
{
	outb(QEMU_EXIT_PORT, ok ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}
