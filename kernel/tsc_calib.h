/*
 * tsc_calib.h - measuring the TSC's frequency against a reference counter
 * (HPET, ACPI PM timer), robustly. Pure logic on two clock callbacks, so
 * tests/host/test_tsc_calib.c runs it against simulated clocks with stalls.
 *
 * Why: a vCPU (or an SMI on a PC) can stop for milliseconds between reading
 * the reference counter and reading the TSC; a single window with one TSC
 * read at each end then takes the stall for ticks (one boot under TCG
 * calibrated 5470 MHz instead of 2600). So every end of a window is a
 * bracketed sample: the reference read between two TSC reads, the tightest
 * of several tries kept, its TSC the midpoint. A stall inside a window does
 * no harm (both clocks see it). Several windows are measured; those within
 * TSC_CALIB_AGREE of their median are the consistent ones, and the result
 * is their mean, with their spread.
 *
 * Boot CPU, interrupts off, before SMP (kernel/time.c calls it).
 */
#ifndef KERNEL_TSC_CALIB_H
#define KERNEL_TSC_CALIB_H

#include <stdint.h>

#define TSC_CALIB_TRIES   8      /* bracketed reads per sample, the tightest kept */
#define TSC_CALIB_AGREE   100    /* parts per 10,000 (1%): a window within this of the median agrees */
#define TSC_CALIB_MAX_WINDOWS 16

struct tsc_clock {
	const char *name;
	uint64_t (*read)(void *ctx);   /* the reference counter */
	uint64_t (*tsc)(void *ctx);    /* the TSC (rdtsc in the kernel) */
	void *ctx;
	uint64_t hz;                   /* reference counter ticks per second */
	uint64_t mask;                 /* the counter wraps at mask + 1 */
	uint64_t max_reads;            /* give up a window after this many reads (stuck counter) */
};

struct tsc_estimate {
	uint64_t hz;                   /* mean of the consistent windows; 0 if none */
	uint64_t min_hz, max_hz;       /* among the consistent windows */
	unsigned windows;              /* windows measured */
	unsigned used;                 /* windows that agreed with the median */
};

/* Measure `windows` (1..TSC_CALIB_MAX_WINDOWS) windows of window_us each.
 * Returns 0, or -1 when the counter did not advance (out->hz == 0). */
int tsc_calibrate(const struct tsc_clock *c, unsigned windows, uint64_t window_us,
		  struct tsc_estimate *out);

/* (max - min) / hz in parts per million: the spread of an estimate. */
uint64_t tsc_spread_ppm(const struct tsc_estimate *e);

#endif
