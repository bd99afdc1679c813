/*
 * bench.h - in-kernel benchmarks (not tests: nothing here passes or fails
 * on speed). Booting with bench=NAME, bench=a,b, bench=all or bench=list
 * makes kernel/main.c call bench_run (bench/bench.c), which runs each named
 * benchmark and prints machine-readable lines on the serial console:
 *
 *   BENCH spindle-g <metric> <value> <unit>      one result (the median)
 *   BENCHINFO spindle-g <key> <value> [unit]     context (not a result)
 *   BENCHSKIP spindle-g <metric> <why>           not measured in this boot
 *
 * plus a human line ("bench: ...") for each. tools/bench.sh collects them.
 * Timing is by the TSC (rdtsc), converted with the calibrated tsc_hz.
 * Goroutine code here is built with -fsplit-stack and runs on 2 KiB
 * stacks: small frames, no kprintf (results go to globals and are printed
 * from kernel context after go_main returns).
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_SYSTEM "spindle-g"
#define BENCH_REPS   5        /* measured runs per metric; the median is reported */
#define BENCH_MAXREPS 8

struct bench_def {
	const char *name;        /* bench=NAME */
	const char *metrics;     /* what it reports */
	const char *boot;        /* boot parameters it needs (for bench=list) */
	void (*fn)(void);        /* kernel context, boot CPU */
};

/* A metric's repeated measurements, in thousandths of its unit. */
struct bench_samples {
	uint64_t v[BENCH_MAXREPS];
	int n;
};

/* Report: median of the samples as "BENCH spindle-g metric value unit",
 * and a human line with min/max and how it was measured. */
void bench_report(const char *metric, const char *unit, struct bench_samples *s,
		  const char *how);
/* Report one value given in thousandths of unit. */
void bench_report_value(const char *metric, const char *unit, uint64_t milli, const char *how);
void bench_info(const char *key, uint64_t milli, const char *unit);
void bench_skip(const char *metric, const char *why);

/* ticks of the TSC for n operations -> thousandths of a nanosecond per op. */
uint64_t bench_milli_ns(uint64_t ticks, uint64_t n);
/* The TSC ticks one measured run should last (about 50 ms). */
uint64_t bench_target_ticks(void);
/* Next iteration count so that a run that took `ticks` for n iterations
 * lasts about the target; n rounded up to a multiple of `step`. */
uint64_t bench_scale_n(uint64_t n, uint64_t ticks, uint64_t step, uint64_t max);

/* The median of s (thousandths of its unit), 0 without samples. */
uint64_t bench_median(const struct bench_samples *s);

/* Free physical pages when bench_run started (before any benchmark). */
extern size_t bench_free_pages_at_start;
/* True once a benchmark ran a runtime in this boot. */
extern bool bench_runtime_used;

/* The benchmarks (bench/bench_g.c). */
void bench_spawn_exit(void);
void bench_switch(void);
void bench_chan_same(void);
void bench_chan_cross(void);
void bench_bytes_per_task(void);
void bench_max_tasks(void);

/* The same measurements without any output, for the showcase
 * (kernel/showcase.c). Kernel context, boot CPU. Each returns NULL, or why
 * nothing was measured. ns results are medians in thousandths of a ns. */
const char *bench_g_spawn_exit(uint64_t *milli_ns);
const char *bench_g_switch(uint64_t *milli_ns);     /* needs a runtime with one P */
/* Physical bytes taken by *tasks parked goroutines (see bench_bytes_per_task). */
const char *bench_g_bytes_per_task(uint64_t *bytes, uint64_t *tasks);
/* Parked goroutines spawned until GO_ENOMEM; *ms: how long the spawning took.
 * Leaves the memory with the runtime's free lists: last in a boot. */
const char *bench_g_max_tasks(uint64_t *count, uint64_t *ms);

#endif
