/*
 * kprintf.h - the kernel's own formatted output.
 *
 * kprintf formats into a 512-byte stack buffer (no heap, no newlib) and
 * writes the result to every console in one piece (a longer message is cut
 * and ends in "...", keeping its final newline), so lines from different CPUs never
 * interleave mid-line. Callable from any CPU and any context, including
 * exception handlers and panic. Formats: %d %i %u %x %X %o %p %s %c %%, with
 * the l, ll, z flags, a width, '0' and '-' flags and '.precision' for %s.
 * kprintf_to writes only to the consoles of the given kinds (console.h):
 * CONSOLE_SERIAL for machine-readable lines a person at the screen needs
 * not see.
 */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
int kprintf_to(unsigned kinds, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
