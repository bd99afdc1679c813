/*
 * bench.c - bench_run (called by kernel/main.c for bench=...), the list of
 * benchmarks, and reporting helpers. See bench/bench.h for the output
 * format and docs/benchmarks.md for what each metric means.
 */
#include <string.h>
#include "bench/bench.h"
#include "kernel/sort.h"
#include "kernel/cmdline.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

size_t bench_free_pages_at_start;
const char *bench_system = BENCH_SYSTEM;
bool bench_runtime_used;   /* a go_main already ran in this boot */

/* Order matters for bench=all and lists: bytes_per_task comes first, on a
 * boot where no goroutine ever existed (dead goroutines of earlier runtimes
 * are reused for free and would hide cost); max_tasks comes last (it
 * leaves memory full of goroutine units). */
static const struct bench_def benches[] = {
	{ "bytes_per_task", "bytes_per_task", "any (exact when first in its boot)", BENCH_SYSTEM,
	  bench_bytes_per_task },
	{ "spawn_exit", "spawn_exit_ns", "any gomaxprocs (all Ps used)", BENCH_SYSTEM, bench_spawn_exit },
	{ "switch", "switch_ns", "gomaxprocs=1", BENCH_SYSTEM, bench_switch },
	{ "switch_raw", "switch_raw_ns", "any", BENCH_SYSTEM, bench_switch_raw },
	{ "chan_same", "chan_rtt_same_core_ns", "gomaxprocs=1", BENCH_SYSTEM, bench_chan_same },
	{ "chan_cross", "chan_rtt_cross_core_ns", ">= 2 CPUs, gomaxprocs >= 2", BENCH_SYSTEM,
	  bench_chan_cross },
	/* Kernel threads, all before the goroutine max_tasks (which keeps the
	 * memory): memory first (stack slots never used before), then
	 * max_tasks (as in the showcase): it hands out every free page once.
	 * The page allocator is next-fit, so the create+join loop that follows
	 * gets pages already touched; under a hypervisor the first touch of a
	 * guest page costs a host page fault, which would otherwise be most
	 * of spawn_exit_ns (about 2.5 ms vs 0.3 ms per thread under TCG). */
	{ "thread_bytes_per_task", "bytes_per_task", "any (first thread benchmark of its boot)",
	  BENCH_SYSTEM_THREAD, bench_thread_bytes_per_task },
	{ "thread_max_tasks", "max_tasks_per_gib (max_tasks as info)", "before thread_spawn_exit and "
	  "any goroutine max_tasks", BENCH_SYSTEM_THREAD, bench_thread_max_tasks },
	{ "thread_spawn_exit", "spawn_exit_ns", "any", BENCH_SYSTEM_THREAD, bench_thread_spawn_exit },
	{ "thread_switch", "switch_ns", "any", BENCH_SYSTEM_THREAD, bench_thread_switch },
	{ "thread_process_switch", "process_switch_ns", "any", BENCH_SYSTEM_THREAD,
	  bench_thread_process_switch },
	{ "thread_chan_same", "chan_rtt_same_core_ns", "any", BENCH_SYSTEM_THREAD,
	  bench_thread_chan_same },
	{ "thread_chan_cross", "chan_rtt_cross_core_ns", ">= 2 CPUs", BENCH_SYSTEM_THREAD,
	  bench_thread_chan_cross },
	{ "max_tasks", "max_tasks, max_tasks_per_gib", "last in its boot; -m 4G for the 1M goal",
	  BENCH_SYSTEM, bench_max_tasks },
};
#define NBENCH (sizeof benches / sizeof benches[0])

/* --- numbers --- */

uint64_t bench_milli_ns(uint64_t ticks, uint64_t n)
{
	if (!n || !tsc_hz)
		return 0;
	return (uint64_t)((unsigned __int128)ticks * 1000000000000ULL / ((unsigned __int128)tsc_hz * n));
}

uint64_t bench_target_ticks(void)
{
	return tsc_hz / 20;   /* 50 ms */
}

uint64_t bench_scale_n(uint64_t n, uint64_t ticks, uint64_t step, uint64_t max)
{
	uint64_t target = bench_target_ticks();
	uint64_t m;
	if (ticks == 0)
		m = n * 10;
	else
		m = (uint64_t)((unsigned __int128)n * target * 11 / 10 / ticks);
	if (m > n * 10)
		m = n * 10;
	if (m < n)
		m = n;
	if (m > max)
		m = max;
	m = (m + step - 1) / step * step;
	return m ? m : step;
}

uint64_t bench_median(const struct bench_samples *s)
{
	if (s->n <= 0)
		return 0;
	uint64_t v[BENCH_MAXREPS];
	memcpy(v, s->v, sizeof v);
	sort_u64(v, s->n);
	if (s->n % 2 == 0)
		return (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
	return v[s->n / 2];
}

/* "12.345" from thousandths. */
static const char *milli_str(char *buf, size_t size, uint64_t milli)
{
	ksnprintf(buf, size, "%lu.%03lu", (unsigned long)(milli / 1000), (unsigned long)(milli % 1000));
	return buf;
}

void bench_report_value(const char *metric, const char *unit, uint64_t milli, const char *how)
{
	char a[32];
	milli_str(a, sizeof a, milli);
	kprintf("BENCH %s %s %s %s %s %s 1\n", bench_system, metric, a, unit, a, a);
	kprintf("bench: %s = %s %s (%s)\n", metric, a, unit, how);
}

void bench_report(const char *metric, const char *unit, struct bench_samples *s, const char *how)
{
	if (s->n <= 0) {
		bench_skip(metric, "no samples");
		return;
	}
	uint64_t v[BENCH_MAXREPS];
	memcpy(v, s->v, sizeof v);
	sort_u64(v, s->n);
	uint64_t med = v[s->n / 2];
	if (s->n % 2 == 0)
		med = (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
	char a[32], b[32], c[32];
	milli_str(a, sizeof a, med);
	milli_str(b, sizeof b, v[0]);
	milli_str(c, sizeof c, v[s->n - 1]);
	kprintf("BENCH %s %s %s %s %s %s %d\n", bench_system, metric, a, unit, b, c, s->n);
	kprintf("bench: %s = %s %s, median of %d runs (min %s, max %s); %s\n", metric, a, unit, s->n,
		b, c, how);
}

void bench_info(const char *key, uint64_t milli, const char *unit)
{
	char a[32];
	kprintf("BENCHINFO %s %s %s %s\n", bench_system, key, milli_str(a, sizeof a, milli), unit);
}

void bench_skip(const char *metric, const char *why)
{
	kprintf("BENCHSKIP %s %s %s\n", bench_system, metric, why);
	kprintf("bench: %s not measured in this boot: %s\n", metric, why);
}

/* --- running --- */

/* The boot's context, once for each system that has benchmarks in it. */
static void print_context(const char *system)
{
	char hv[13];
	cpu_hypervisor_signature(hv);
	long gmp = cmdline_num("gomaxprocs");
	unsigned procs = gmp > 0 && gmp < (long)ncpus_online ? (unsigned)gmp : ncpus_online;
	bench_system = system;
	kprintf("BENCHINFO %s hypervisor %s\n", system, hv);
	bench_info("cpus", (uint64_t)ncpus_online * 1000, "cpus");
	bench_info("gomaxprocs", (uint64_t)procs * 1000, "ps");
	bench_info("tsc_mhz", tsc_hz / 1000, "MHz");
	bench_info("guest_ram_mib", (uint64_t)pmm_total_pages() * 1000 / 256, "MiB");
	bench_info("free_ram_mib", (uint64_t)pmm_free_pages() * 1000 / 256, "MiB");
	kprintf("bench: %s: %u CPUs online, gomaxprocs %u, TSC %lu MHz, hypervisor \"%s\", %lu MiB RAM\n",
		system, ncpus_online, procs, (unsigned long)(tsc_hz / 1000000), hv,
		(unsigned long)(pmm_total_pages() / 256));
}

static const struct bench_def *find_bench(const char *name, size_t len)
{
	for (size_t i = 0; i < NBENCH; i++)
		if (strlen(benches[i].name) == len && !memcmp(benches[i].name, name, len))
			return &benches[i];
	return NULL;
}

static void run_one(const struct bench_def *b)
{
	kprintf("bench: --- %s (%s: %s) ---\n", b->name, b->system, b->metrics);
	bench_system = b->system;
	uint64_t t0 = time_ns();
	b->fn();
	if (!strcmp(b->system, BENCH_SYSTEM))
		bench_runtime_used = true;   /* kernel-thread benchmarks run no runtime */
	uint64_t ms = (time_ns() - t0) / 1000000;
	kprintf("bench: %s took %lu ms\n", b->name, (unsigned long)ms);
}

static void run_wanted(const bool *want)
{
	static const char *const systems[] = { BENCH_SYSTEM, BENCH_SYSTEM_THREAD };
	for (size_t s = 0; s < sizeof systems / sizeof systems[0]; s++)
		for (size_t i = 0; i < NBENCH; i++)
			if (want[i] && !strcmp(benches[i].system, systems[s])) {
				print_context(systems[s]);
				break;
			}
	for (size_t i = 0; i < NBENCH; i++)
		if (want[i])
			run_one(&benches[i]);
	kprintf("BENCHDONE spindle\n");
}

/* Returns 0, or -1 (nothing run) for an empty or unknown selection. */
int bench_run(const char *which)
{
	bench_free_pages_at_start = pmm_free_pages();
	if (!strcmp(which, "list")) {
		kprintf("bench: available benchmarks (bench=NAME, bench=a,b, bench=thread for all "
			"thread_*, or bench=all):\n");
		for (size_t i = 0; i < NBENCH; i++)
			kprintf("  %-22s %-15s %-30s needs: %s\n", benches[i].name, benches[i].system,
				benches[i].metrics, benches[i].boot);
		return 0;
	}
	/* Run the named ones in the canonical order, whatever order they were given in. */
	bool want[NBENCH] = { false }, any = false;
	for (const char *p = which; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const struct bench_def *b = find_bench(p, len);
		bool all = len == 3 && !memcmp(p, "all", 3);
		bool threads = len == 6 && !memcmp(p, "thread", 6);
		if (all || threads) {
			for (size_t i = 0; i < NBENCH; i++)
				if (all || !strcmp(benches[i].system, BENCH_SYSTEM_THREAD))
					want[i] = any = true;
		} else if (b) {
			want[b - benches] = any = true;
		} else if (len) {
			kprintf("bench: unknown benchmark \"%.*s\" (bench=list lists them); nothing run\n",
				(int)len, p);
			return -1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (!any) {
		kprintf("bench: empty selection \"%s\" (bench=list lists the benchmarks); nothing run\n", which);
		return -1;
	}
	run_wanted(want);
	return 0;
}
