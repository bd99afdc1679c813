/*
 * bench.h - in-kernel benchmarks (not tests: nothing here passes or fails
 * on speed). Booting with bench=NAME, bench=a,b, bench=all or bench=list
 * makes kernel/main.c call bench_run (bench/bench.c), which runs each named
 * benchmark and prints machine-readable lines on the serial console:
 *
 *   BENCH <system> <metric> <value> <unit> <min> <max> <runs>
 *                                                one result: the median of
 *                                                <runs> measured runs, with
 *                                                their min and max (a value
 *                                                measured once: runs 1)
 *   BENCHINFO <system> <key> <value> [unit]      context (not a result)
 *   BENCHSKIP <system> <metric> <why>            not measured in this boot
 *
 * plus a human line ("bench: ...") for each. tools/bench.sh collects them.
 * <system> is "spindle-g" for the goroutine benchmarks (bench_g.c) and
 * "spindle-thread" for the kernel-thread ones (bench_thread.c).
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

#define BENCH_SYSTEM        "spindle-g"       /* goroutines (bench_g.c) */
#define BENCH_SYSTEM_THREAD "spindle-thread"  /* kernel threads (bench_thread.c) */
#define BENCH_REPS   5        /* measured runs per metric; the median is reported */
#define BENCH_MAXREPS 8

struct bench_def {
	const char *name;        /* bench=NAME */
	const char *metrics;     /* what it reports */
	const char *boot;        /* boot parameters it needs (for bench=list) */
	const char *system;      /* BENCH_SYSTEM or BENCH_SYSTEM_THREAD */
	void (*fn)(void);        /* kernel context, boot CPU */
};

/* A metric's repeated measurements, in thousandths of its unit. */
struct bench_samples {
	uint64_t v[BENCH_MAXREPS];
	int n;
};

/* The system the report functions below print (set by bench_run for each
 * benchmark from its bench_def). */
extern const char *bench_system;

/* Report: median of the samples with their spread as "BENCH <system>
 * metric median unit min max runs", and a human line saying how it was
 * measured. */
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
void bench_switch_raw(void);
void bench_chan_same(void);
void bench_chan_cross(void);
void bench_bytes_per_task(void);
void bench_max_tasks(void);

/* The same measurements without any output, for the showcase
 * (showcase/showcase.c). Kernel context, boot CPU. Each returns NULL, or why
 * nothing was measured. ns results are medians in thousandths of a ns. */
const char *bench_g_spawn_exit(uint64_t *milli_ns);
const char *bench_g_switch(uint64_t *milli_ns);     /* needs a runtime with one P */
/* Physical bytes taken by *tasks parked goroutines (see bench_bytes_per_task). */
const char *bench_g_bytes_per_task(uint64_t *bytes, uint64_t *tasks);
/* Parked goroutines spawned until GO_ENOMEM; *ms: how long the spawning took.
 * Leaves the memory with the runtime's free lists: last in a boot. */
const char *bench_g_max_tasks(uint64_t *count, uint64_t *ms);

/* The kernel-thread benchmarks (bench/bench_thread.c), bench=thread_*. */
void bench_thread_bytes_per_task(void);
void bench_thread_spawn_exit(void);
void bench_thread_switch(void);
void bench_thread_process_switch(void);
void bench_thread_chan_same(void);
void bench_thread_chan_cross(void);
void bench_thread_max_tasks(void);

/* The kernel-thread measurements themselves, without output, shared by
 * bench_thread_*() and the showcase (showcase/showcase.c). Thread context
 * (kmain after kthreads_start), interrupts on. Each returns NULL, or why
 * nothing was measured. Timed ones fill s with BENCH_REPS per-operation
 * times in thousandths of a ns (bench_median gives the result) and *iters
 * (may be NULL) with the operations per measured run. */
#define BENCH_T_CREATE_BATCH 16   /* threads created, then joined, at a time */
#define BENCH_T_MEM_THREADS  32   /* threads parked for the memory figures */
#define BENCH_T_MEM_MAX      64   /* most bench_t_mem takes */
/* kthread_create + kthread_join of threads that return at once, batches of
 * BENCH_T_CREATE_BATCH, any CPU. */
const char *bench_t_spawn_exit(struct bench_samples *s, uint64_t *iters);
/* Two threads pinned to cpu yield to each other: every switch saves and
 * restores the XSAVE area; with two_processes each thread has its own
 * process and every switch also loads CR3, else both share one process.
 * *cr3_milli (may be NULL): CR3 loads per switch, thousandths
 * (kthread_stats). */
const char *bench_t_switch(unsigned cpu, bool two_processes, struct bench_samples *s,
			   uint64_t *iters, uint64_t *cr3_milli);
/* Round trip through two ksems between a pinger pinned to cpu_ping and a
 * ponger pinned to cpu_pong (threads of the kernel process). */
const char *bench_t_chan_rtt(unsigned cpu_ping, unsigned cpu_pong, struct bench_samples *s,
			     uint64_t *iters);
/* Free physical pages before/after k (<= BENCH_T_MEM_MAX) threads of the
 * kernel process blocked on a ksem: *bytes per thread; then k more threads
 * with a process each, still alive together: *bytes_proc per thread, or
 * *why_proc. All are joined before it returns. */
const char *bench_t_mem(unsigned k, uint64_t *bytes, const char **why_proc, uint64_t *bytes_proc);
/* Threads blocked on a ksem created until kthread_create returns NULL,
 * then all joined: *count, *ms (the creating), *free_at_refusal (may be
 * NULL: free pages when it refused). */
const char *bench_t_max_tasks(uint64_t *count, uint64_t *ms, size_t *free_at_refusal);

#endif
