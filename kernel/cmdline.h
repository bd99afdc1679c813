/*
 * cmdline.h - the kernel command line: space-separated key=value words.
 *
 * cmdline_parse runs once on the boot CPU before anything reads a value;
 * afterwards the getters may be called from any CPU (read-only data).
 * Known keys are declared in kernel/cmdline.c with their kind and range. An
 * unknown key or a malformed or out-of-range value is reported in one line
 * ("cmdline: smp=abc: not a number in 1..64, using the default") and the
 * default is used. Pure logic: also built on the host for unit tests.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Parse line; each problem is reported through report(msg). Returns the
 * number of problems found. */
int cmdline_parse(const char *line, void (*report)(const char *msg));
/* The value of key, or NULL when absent (or rejected). */
const char *cmdline_str(const char *key);
/* A numeric key's value, or its declared default. */
long cmdline_num(const char *key);

#endif
