/*
 * console.h - the set of consoles kernel output goes to.
 *
 * A console is a sink for bytes: COM1 (arch/x86_64/serial.c) always, the
 * framebuffer (kernel/fbcon.c) when the boot path found one. console_write
 * sends the bytes to every registered console under one lock (interrupts
 * off), so writes are atomic per call. console_register may be called from
 * the boot CPU only, before other CPUs are started. During panic,
 * console_panic_mode() makes writes skip the lock (another CPU may hold it
 * forever).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>

struct console {
	const char *name;
	void (*write)(struct console *c, const char *s, size_t n);
	struct console *next;
};

void console_register(struct console *c);
void console_write(const char *s, size_t n);
void console_panic_mode(void);

#endif
