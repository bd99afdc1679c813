/*
 * bench_g.c - goroutine benchmarks (system "spindle-g").
 *
 * Each benchmark runs one go_main whose main goroutine calibrates the
 * iteration count (so one measured run lasts about 50 ms, on KVM or TCG
 * alike), runs a warm-up and BENCH_REPS measured runs, and leaves raw
 * numbers in globals; bench_*() prints them from kernel context after
 * go_main returned. Goroutine frames stay small (2 KiB stacks).
 */
#include "bench/bench.h"
#include "sched/runtime.h"
#include "sched/plat.h"       /* switch_to, switch_frame_first: switch_raw_ns */
#include "kernel/mm.h"
#include "kernel/kprintf.h"
#include "kernel/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"


#define FAILED UINT64_MAX

/* A counter on its own cache line, written by many goroutines. */
struct counter {
	volatile uint64_t v;
} __attribute__((aligned(64)));

static struct bench_samples samples;  /* per-op thousandths of ns */
static uint64_t iters;                /* ops per measured run */
static const char *why_not;           /* set when the benchmark could not run */

static void measure(uint64_t (*once)(uint64_t n), uint64_t n, uint64_t step, uint64_t max)
{
	samples.n = 0;
	iters = 0;
	uint64_t t = once(n);               /* warm-up, and a first estimate */
	for (int i = 0; i < 8 && t != FAILED && t < bench_target_ticks() * 8 / 10 && n < max; i++) {
		n = bench_scale_n(n, t, step, max);
		t = once(n);
	}
	if (t == FAILED) {
		why_not = "go() failed (out of memory)";
		return;
	}
	iters = n;
	for (int r = 0; r < BENCH_REPS; r++) {
		t = once(n);
		if (t == FAILED) {
			why_not = "go() failed (out of memory)";
			return;
		}
		samples.v[samples.n++] = bench_milli_ns(t, n);
	}
}

static int run_main(void (*fn)(void *))
{
	why_not = NULL;
	samples.n = 0;
	int r = go_main(fn, NULL);
	if (r != GO_OK && !why_not)
		why_not = r == GO_DEADLOCK ? "go_main: deadlock" : "go_main: out of memory";
	return r;
}

static void report_ns(const char *metric, const char *how_fmt)
{
	if (why_not) {
		bench_skip(metric, why_not);
		return;
	}
	char how[160];
	ksnprintf(how, sizeof how, how_fmt, (unsigned long)iters);
	bench_report(metric, "ns", &samples, how);
}

/* --- spawn_exit_ns: go() plus the goroutine running to its end --- */

#define SPAWN_BATCH 500
static struct counter spawn_done;

static void spawn_fn(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&spawn_done.v, 1, __ATOMIC_RELEASE);
}

static uint64_t spawn_once(uint64_t n)
{
	spawn_done.v = 0;
	uint64_t t0 = rdtsc();
	for (uint64_t i = 0; i < n; i += SPAWN_BATCH) {
		for (int j = 0; j < SPAWN_BATCH; j++)
			if (go(spawn_fn, NULL) != GO_OK)
				return FAILED;
		while (__atomic_load_n(&spawn_done.v, __ATOMIC_ACQUIRE) < i + SPAWN_BATCH)
			go_yield();
	}
	return rdtsc() - t0;
}

static void spawn_main(void *arg)
{
	(void)arg;
	measure(spawn_once, 2 * SPAWN_BATCH, SPAWN_BATCH, 20000000);
}

void bench_spawn_exit(void)
{
	run_main(spawn_main);
	report_ns("spawn_exit_ns", "per goroutine: %lu go() calls in batches of 500, each "
		  "goroutine bumps an atomic counter and exits; the spawner yields until the "
		  "batch is done; all Ps");
}

/* --- switch_ns: two goroutines on one P yielding to each other --- */

static volatile int sw_stop;
static struct go_waitgroup sw_wg = GO_WAITGROUP_INIT;

static void sw_partner(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&sw_stop, __ATOMIC_ACQUIRE))
		go_yield();
	go_wg_done(&sw_wg);
}

/* n switches: the main goroutine yields n/2 times, the partner as often. */
static uint64_t switch_once(uint64_t n)
{
	uint64_t t0 = rdtsc();
	for (uint64_t i = 0; i < n / 2; i++)
		go_yield();
	return rdtsc() - t0;
}

static void switch_main(void *arg)
{
	(void)arg;
	if (go_nprocs() != 1) {
		why_not = "needs a runtime with one P (boot with gomaxprocs=1)";
		return;
	}
	sw_stop = 0;
	go_wg_add(&sw_wg, 1);
	if (go(sw_partner, NULL) != GO_OK) {
		why_not = "go() failed";
		return;
	}
	go_yield();   /* the partner is running and yielding back from now on */
	measure(switch_once, 2000, 2, 1ULL << 32);
	__atomic_store_n(&sw_stop, 1, __ATOMIC_RELEASE);
	go_wg_wait(&sw_wg);
}

void bench_switch(void)
{
	run_main(switch_main);
	report_ns("switch_ns", "per switch: %lu switches (go_yield calls) alternating between two "
		  "goroutines on one P (gomaxprocs=1), elapsed / yields");
}

/* --- switch_raw_ns: the bare switch, no scheduler --- */

/* The limit of the substrate for switch_ns: switch_to between two stacks
 * in kernel context, interrupts off, nothing else (no G, no run queue, no
 * status change). switch_ns minus this is what the scheduler adds. */
static uint64_t raw_main_sp, raw_partner_sp;
static uint8_t raw_stack[8192] __attribute__((aligned(16)));

static void raw_partner(void *arg)
{
	(void)arg;
	plat_irq_disable();   /* gstart_trampoline turned them on */
	for (;;)
		switch_to(&raw_partner_sp, raw_main_sp, 0, NULL, NULL);
}

/* n switches: n/2 round trips to the partner, started afresh each run. */
static uint64_t raw_once(uint64_t n)
{
	bool on = plat_irq_save();
	raw_partner_sp = switch_frame_first((uintptr_t)raw_stack + sizeof raw_stack,
					    gstart_trampoline, (uint64_t)raw_partner, 0);
	switch_to(&raw_main_sp, raw_partner_sp, 0, NULL, NULL);   /* start it */
	uint64_t t0 = plat_cycles();
	for (uint64_t i = 0; i < n / 2; i++)
		switch_to(&raw_main_sp, raw_partner_sp, 0, NULL, NULL);
	uint64_t t = plat_cycles() - t0;
	plat_irq_restore(on);
	return t;
}

void bench_switch_raw(void)
{
	why_not = NULL;
	measure(raw_once, 2000, 2, 1ULL << 32);
	report_ns("switch_raw_ns", "per switch: %lu switch_to calls between two stacks in kernel "
		  "context, interrupts off, no scheduler: the limit of the substrate for switch_ns");
}

/* --- chan_rtt_*_ns: unbuffered ping-pong --- */

static struct chan *ping_c, *pong_c;
static volatile uint32_t pong_cpu;
static uint64_t rtt_cross, rtt_total;
static bool track_cpu;
static struct go_waitgroup pong_wg = GO_WAITGROUP_INIT;

static void ponger(void *arg)
{
	(void)arg;
	uint64_t v;
	while (chan_recv(ping_c, &v)) {
		pong_cpu = cpu_id();
		chan_send(pong_c, &v);
	}
	go_wg_done(&pong_wg);
}

/* n round trips, the main goroutine pinging. */
static uint64_t rtt_once(uint64_t n)
{
	uint64_t v = 0, cross = 0;
	uint64_t t0 = rdtsc();
	if (track_cpu) {
		for (uint64_t i = 0; i < n; i++) {
			uint32_t me = cpu_id();
			chan_send(ping_c, &v);
			chan_recv(pong_c, &v);
			cross += pong_cpu != me;
		}
	} else {
		for (uint64_t i = 0; i < n; i++) {
			chan_send(ping_c, &v);
			chan_recv(pong_c, &v);
		}
	}
	uint64_t t = rdtsc() - t0;
	rtt_cross += cross;
	rtt_total += n;
	return t;
}

static void rtt_main(void *arg)
{
	(void)arg;
	ping_c = chan_make(sizeof(uint64_t), 0);
	pong_c = chan_make(sizeof(uint64_t), 0);
	if (!ping_c || !pong_c) {
		why_not = "chan_make failed";
		return;
	}
	go_wg_add(&pong_wg, 1);
	/* Cross-core: the ponger is pinned to P1 and this pinger to P0. */
	if ((track_cpu ? go_on(1, ponger, NULL) : go(ponger, NULL)) != GO_OK) {
		why_not = "go() failed";
		return;
	}
	measure(rtt_once, 1000, 1, 1ULL << 32);
	chan_close(ping_c);
	go_wg_wait(&pong_wg);
	chan_free(ping_c);
	chan_free(pong_c);
}

static void rtt_same_main(void *arg)
{
	if (go_nprocs() != 1) {
		why_not = "needs a runtime with one P (boot with gomaxprocs=1)";
		return;
	}
	track_cpu = false;
	rtt_main(arg);
}

static struct go_waitgroup pinger_wg = GO_WAITGROUP_INIT;

static void rtt_pinger(void *arg)
{
	rtt_main(arg);
	go_wg_done(&pinger_wg);
}

static void rtt_cross_main(void *arg)
{
	if (go_nprocs() < 2) {
		why_not = "needs at least 2 CPUs and gomaxprocs >= 2 (this boot has one P)";
		return;
	}
	track_cpu = true;
	go_wg_add(&pinger_wg, 1);
	if (go_on(0, rtt_pinger, arg) != GO_OK) {
		why_not = "go_on() failed";
		return;
	}
	go_wg_wait(&pinger_wg);
}

void bench_chan_same(void)
{
	run_main(rtt_same_main);
	report_ns("chan_rtt_same_core_ns", "per round trip: %lu pings (unbuffered chan_send) "
		  "each answered by a pong on a second unbuffered channel, two goroutines on "
		  "one P (gomaxprocs=1)");
}

void bench_chan_cross(void)
{
	rtt_cross = rtt_total = 0;
	run_main(rtt_cross_main);
	report_ns("chan_rtt_cross_core_ns", "per round trip: %lu ping-pongs on unbuffered "
		  "channels, pinger pinned to P0 and ponger to P1 (go_on), so every round "
		  "trip crosses cores (see the cross-core share)");
	if (!why_not && rtt_total) {
		uint64_t share = rtt_cross * 100000 / rtt_total;
		bench_info("chan_rtt_cross_core_share", share, "%");
		kprintf("bench: %lu.%03lu%% of %lu round trips had ping and pong on different CPUs\n",
			(unsigned long)(share / 1000), (unsigned long)(share % 1000),
			(unsigned long)rtt_total);
	}
}

/* --- bytes_per_task: memory per parked goroutine, measured --- */

#define BPT_TASKS 50000
static struct counter parked;
static struct chan *park_c;
static uint64_t bpt_bytes, bpt_tasks, bpt_heap;

static void parker(void *arg)
{
	__atomic_fetch_add(&parked.v, 1, __ATOMIC_RELEASE);
	chan_recv(arg, NULL);   /* nobody sends: parked until the runtime ends */
}

/* Yield until n parkers have started (at most 60 s). */
static void wait_parked(uint64_t n)
{
	uint64_t end = rdtsc() + tsc_hz * 60;
	while (__atomic_load_n(&parked.v, __ATOMIC_ACQUIRE) < n && rdtsc() < end)
		go_yield();
}

/* Reset the parked counter and make park_c, where the memory benchmarks'
 * goroutines park; false (why_not set) when the channel cannot be made. */
static bool open_park_channel(void)
{
	parked.v = 0;
	park_c = chan_make(sizeof(uint64_t), 0);
	if (!park_c)
		why_not = "chan_make failed";
	return park_c != NULL;
}

/* Goroutine units come from 256 KiB chunks of pages, and dead goroutines
 * from earlier runtimes are reused first; so count from the spawn that
 * takes a fresh chunk to the spawn that takes another one, BPT_TASKS or
 * more later: the pages taken in between hold exactly the goroutines
 * spawned in between (and anything else that took pages meanwhile, which
 * is counted against the goroutines: an overestimate, never an under-). */
static void bpt_main(void *arg)
{
	(void)arg;
	if (!open_park_channel())
		return;
	uint64_t count = 0, i1 = 0, triggers = 0;
	size_t f1 = 0;
	uintptr_t h1 = 0;
	for (;;) {
		size_t before = pmm_free_pages();
		uintptr_t hb = (uintptr_t)heap_sbrk(0);
		if (go(parker, park_c) != GO_OK) {
			why_not = "go() failed before the measurement ended";
			return;
		}
		count++;
		if (pmm_free_pages() < before) {
			/* The first drop may come from something else
			 * (while dead goroutines are still being reused):
			 * start at the second. */
			if (++triggers == 2) {
				i1 = count;
				f1 = before;
				h1 = hb;
			} else if (triggers > 2 && count - i1 >= BPT_TASKS) {
				bpt_tasks = count - i1;
				bpt_bytes = (uint64_t)(f1 - before) * PAGE_SIZE;
				bpt_heap = hb - h1;
				break;
			}
		}
		if (count % 64 == 0)
			go_yield();
		if (count > 20 * BPT_TASKS) {
			why_not = "page use did not follow spawns (no chunk boundary seen)";
			return;
		}
	}
	wait_parked(count);
	if (parked.v < count)
		why_not = "spawned goroutines did not all park";
}

void bench_bytes_per_task(void)
{
	bool reused_possible = bench_runtime_used;
	bpt_bytes = bpt_tasks = 0;
	run_main(bpt_main);
	if (park_c) {
		chan_free(park_c);    /* the runtime is gone: no goroutine uses it now */
		park_c = NULL;
	}
	bench_info("gunit_size", (uint64_t)go_bytes_per_goroutine() * 1000, "bytes");
	kprintf("bench: go_bytes_per_goroutine() = %lu bytes (G header + stack, computed)\n",
		(unsigned long)go_bytes_per_goroutine());
	if (why_not || !bpt_tasks) {
		bench_skip("bytes_per_task", why_not ? why_not : "nothing measured");
		return;
	}
	char how[200];
	ksnprintf(how, sizeof how, "measured: free physical pages before/after %lu goroutines "
		  "parked on a channel, heap growth %lu bytes included", (unsigned long)bpt_tasks,
		  (unsigned long)bpt_heap);
	bench_report_value("bytes_per_task", "bytes", bpt_bytes * 1000 / bpt_tasks, how);
	if (reused_possible)
		kprintf("bench: note: bytes_per_task ran after another runtime in this boot; dead "
			"goroutines kept on a P's free list may have been reused for free (up to 63 "
			"per P): run it first in its boot for an exact figure\n");
}

/* --- max_tasks: parked goroutines until go() says GO_ENOMEM --- */

static uint64_t mt_count, mt_ticks;
static size_t mt_free_end;

static void mt_main(void *arg)
{
	(void)arg;
	if (!open_park_channel())
		return;
	uint64_t count = 0, t0 = rdtsc();
	for (;;) {
		int r = go(parker, park_c);
		if (r == GO_ENOMEM)
			break;
		if (r != GO_OK) {
			why_not = "go() returned an unexpected error";
			return;
		}
		count++;
		if (count % 256 == 0)
			go_yield();
	}
	mt_free_end = pmm_free_pages();
	mt_ticks = rdtsc() - t0;
	mt_count = count;
	wait_parked(count);
	if (parked.v < count)
		why_not = "spawned goroutines did not all park";
}

void bench_max_tasks(void)
{
	mt_count = 0;
	run_main(mt_main);
	/* The goroutines were abandoned with the runtime; the channel is unused. */
	if (park_c) {
		chan_free(park_c);
		park_c = NULL;
	}
	if (why_not || !mt_count) {
		bench_skip("max_tasks", why_not ? why_not : "nothing spawned");
		bench_skip("max_tasks_per_gib", why_not ? why_not : "nothing spawned");
		return;
	}
	uint64_t used = (uint64_t)(bench_free_pages_at_start - mt_free_end) * PAGE_SIZE;
	uint64_t per_gib = (uint64_t)((unsigned __int128)mt_count * (1ULL << 30) * 1000 / used);
	uint64_t ram_mib = (uint64_t)pmm_total_pages() / 256;
	char how[200];
	ksnprintf(how, sizeof how, "parked goroutines spawned until go() returned GO_ENOMEM in "
		  "a guest with %lu MiB of RAM, in %lu ms", (unsigned long)ram_mib,
		  (unsigned long)(bench_milli_ns(mt_ticks, 1) / 1000000000));
	bench_report_value("max_tasks", "tasks", mt_count * 1000, how);
	ksnprintf(how, sizeof how, "max_tasks * 2^30 / %lu bytes of RAM used by the "
		  "benchmarks since bench_run started", (unsigned long)used);
	bench_report_value("max_tasks_per_gib", "tasks/GiB", per_gib, how);
	bench_info("max_tasks_guest_ram_mib", ram_mib * 1000, "MiB");
	bench_info("max_tasks_ram_used_mib", used * 1000 / (1 << 20), "MiB");
	bench_info("max_tasks_free_left_mib", (uint64_t)mt_free_end * 1000 / 256, "MiB");
	bench_info("max_tasks_spawn_ms", bench_milli_ns(mt_ticks, 1) / 1000000, "ms");
}

/* --- the same measurements, without output, for the showcase --- */

const char *bench_g_spawn_exit(uint64_t *milli_ns)
{
	run_main(spawn_main);
	if (why_not)
		return why_not;
	*milli_ns = bench_median(&samples);
	return samples.n ? NULL : "no samples";
}

const char *bench_g_switch(uint64_t *milli_ns)
{
	run_main(switch_main);
	if (why_not)
		return why_not;
	*milli_ns = bench_median(&samples);
	return samples.n ? NULL : "no samples";
}

/* Run a benchmark whose goroutines park on park_c, then free the channel.
 * Returns why_not (NULL when measured). */
static const char *run_parked(void (*main)(void *))
{
	run_main(main);
	if (park_c) {
		chan_free(park_c);
		park_c = NULL;
	}
	return why_not;
}

const char *bench_g_bytes_per_task(uint64_t *bytes, uint64_t *tasks)
{
	bpt_bytes = bpt_tasks = 0;
	if (run_parked(bpt_main))
		return why_not;
	if (!bpt_tasks)
		return "nothing measured";
	*bytes = bpt_bytes;
	*tasks = bpt_tasks;
	return NULL;
}

const char *bench_g_max_tasks(uint64_t *count, uint64_t *ms)
{
	mt_count = 0;
	if (run_parked(mt_main))
		return why_not;
	if (!mt_count)
		return "nothing spawned";
	*count = mt_count;
	*ms = bench_milli_ns(mt_ticks, 1) / 1000000000;
	return NULL;
}
