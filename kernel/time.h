/*
 * time.h - time from the TSC, calibrated at boot against HPET or ACPI PM timer.
 *
 * time_ns: nanoseconds since boot; any CPU, any context (the TSCs of all
 * CPUs are assumed synchronised, as on all invariant-TSC machines).
 */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

extern uint64_t tsc_hz;        /* TSC ticks per second */
extern uint64_t tsc_at_boot;   /* TSC at kernel entry */

void time_init(void);          /* boot CPU, once, after acpi_init */
uint64_t time_ns(void);
/* The one conversion between TSC ticks and nanoseconds (128-bit products,
 * integer registers only: callable from interrupt entry paths). */
uint64_t tsc_to_ns(uint64_t ticks);
uint64_t ns_to_tsc(uint64_t ns);
void udelay(uint64_t us);      /* busy-wait */

#endif
