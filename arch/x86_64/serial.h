/*
 * serial.h - COM1 console; serial_init on the boot CPU, once, first thing.
 * COM2, a channel apart from the console (the event trace, kernel/trace.c):
 * serial2_init says whether the UART is there (its scratch register keeps
 * a value) and sets it up; serial2_write writes raw bytes, polled. Any CPU;
 * no lock (the one caller keeps its output whole).
 */
#ifndef ARCH_X86_64_SERIAL_H
#define ARCH_X86_64_SERIAL_H
#include <stdbool.h>
#include <stddef.h>
void serial_init(void);
bool serial2_init(void);
void serial2_write(const char *s, size_t n);
#endif
