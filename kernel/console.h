/*
 * console.h - the set of consoles kernel output goes to.
 *
 * A console is a sink for bytes: COM1 (arch/x86_64/serial.c) always, the
 * framebuffer (kernel/fbcon.c) when the boot path found one. Each has a kind:
 * CONSOLE_SERIAL, a stream a log or terminal keeps (tests read it), or
 * CONSOLE_SCREEN, a screen a person reads, where what scrolls off is gone.
 * console_write sends the bytes to every registered console, and
 * console_write_to to those of the given kinds, under one lock (interrupts
 * off), so writes are atomic per call. console_new_page starts screens on a
 * clear page (streams ignore it), so that what follows is seen whole. console_register may be called from
 * the boot CPU only, before other CPUs are started. During panic,
 * console_panic_mode() makes writes skip the lock (another CPU may hold it
 * forever).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>

#define CONSOLE_SERIAL 1u
#define CONSOLE_SCREEN 2u
#define CONSOLE_ALL    (CONSOLE_SERIAL | CONSOLE_SCREEN)

struct console {
	const char *name;
	unsigned kind;                                  /* CONSOLE_SERIAL or _SCREEN */
	void (*write)(struct console *c, const char *s, size_t n);
	void (*new_page)(struct console *c);            /* NULL: nothing to do */
	struct console *next;
};

void console_register(struct console *c);
void console_write(const char *s, size_t n);
void console_write_to(unsigned kinds, const char *s, size_t n);
void console_new_page(void);
void console_panic_mode(void);

#endif
