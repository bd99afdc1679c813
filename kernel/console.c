/*
 * console.c - fan kernel output out to every registered console.
 * The list is built on the boot CPU before SMP and never changes after, so
 * walking it needs no lock; console_lock only serialises the bytes.
 */
#include <stdbool.h>
#include "kernel/console.h"
#include "kernel/spinlock.h"

static struct console *consoles;
static struct spinlock console_lock = SPINLOCK_INIT("console");
static volatile bool panic_mode;

void console_register(struct console *c)
{
	struct console **pp = &consoles;
	while (*pp)
		pp = &(*pp)->next;
	c->next = 0;
	*pp = c;
}

void console_write_to(unsigned kinds, const char *s, size_t n)
{
	bool on = false;
	if (!panic_mode)
		on = spin_lock_irqsave(&console_lock);
	for (struct console *c = consoles; c; c = c->next)
		if (c->kind & kinds)
			c->write(c, s, n);
	if (!panic_mode)
		spin_unlock_irqrestore(&console_lock, on);
}

void console_write(const char *s, size_t n)
{
	console_write_to(CONSOLE_ALL, s, n);
}

void console_new_page(void)
{
	bool on = spin_lock_irqsave(&console_lock);
	for (struct console *c = consoles; c; c = c->next)
		if (c->new_page)
			c->new_page(c);
	spin_unlock_irqrestore(&console_lock, on);
}

void console_panic_mode(void)
{
	panic_mode = true;
}
