/*
 * bench_thread.c - kernel-thread benchmarks (system "spindle-thread"): the
 * same workloads as bench_g.c, done with the heavyweight 1:1 threads of
 * kernel/thread.c (1 MiB stack + guard page, TCB, XSAVE area; a process is
 * a PCB with its own page-table root).
 *
 * The measurements (bench_t_*) are shared with the showcase
 * (showcase/showcase.c, `make run`): one implementation, no output of their
 * own. The bench_thread_*() functions at the end run them for bench= and
 * print BENCH/BENCHINFO/BENCHSKIP lines (bench/bench.h).
 *
 * All of this runs in thread context (kmain, after kthreads_start, and the
 * threads it creates, on 64 KiB and 1 MiB stacks), never on a goroutine
 * stack. The file is built with -fsplit-stack like all of bench/, which
 * costs nothing here: a kernel thread's stack limit is 0.
 *
 * Timing follows bench_g.c: a warm-up run, the iteration count grown until
 * one run lasts about 50 ms, then BENCH_REPS measured runs (the median is
 * the result).
 */
#include <stdbool.h>
#include <stddef.h>
#include "bench/bench.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"

#define FAILED UINT64_MAX

/* Calibrate n so that once(n) lasts about 50 ms, then BENCH_REPS runs into
 * s (thousandths of a ns per op); once(n) does n * ops_per_n operations
 * and returns TSC ticks, or FAILED when a kthread_create failed. */
static const char *measure(struct bench_samples *s, uint64_t *iters,
			   uint64_t (*once)(uint64_t n), uint64_t n, uint64_t step, uint64_t max,
			   uint64_t ops_per_n)
{
	s->n = 0;
	uint64_t t = once(n);   /* warm-up, and a first estimate */
	for (int i = 0; i < 8 && t != FAILED && t < bench_target_ticks() * 8 / 10 && n < max; i++) {
		n = bench_scale_n(n, t, step, max);
		t = once(n);
	}
	for (int r = 0; r < BENCH_REPS && t != FAILED; r++) {
		t = once(n);
		if (t != FAILED)
			s->v[s->n++] = bench_milli_ns(t, n * ops_per_n);
	}
	if (iters)
		*iters = n * ops_per_n;
	return t == FAILED ? "kthread_create failed" : NULL;
}

/* --- memory per parked thread --- */

static struct ksem park_sem;

static void t_park(void *arg)
{
	(void)arg;
	ksem_wait(&park_sem);
}

/* k threads parked on park_sem (each with its own process if own_process)
 * into ts[], pcbs[]; *n: how many were made. */
static const char *t_park_many(unsigned k, bool own_process, struct tcb **ts, struct pcb **pcbs,
			       unsigned *n)
{
	for (*n = 0; *n < k; (*n)++) {
		struct pcb *p = NULL;
		if (own_process && !(p = pcb_create("bt-mem", KTHREAD_PRIO_DEFAULT, 0)))
			return "pcb_create failed";
		struct tcb *t = kthread_create(p, "bt-mem", t_park, NULL, KTHREAD_PRIO_DEFAULT,
					       KTHREAD_ANY_CPU);
		if (!t) {
			pcb_destroy(p);
			return "kthread_create failed";
		}
		ts[*n] = t;
		pcbs[*n] = p;
	}
	return NULL;
}

/* The first group stays alive while the second is made, so that both get
 * stack slots never used before and both figures include the page-table
 * page that maps a slot. */
const char *bench_t_mem(unsigned k, uint64_t *bytes, const char **why_proc, uint64_t *bytes_proc)
{
	struct tcb *ts[2 * BENCH_T_MEM_MAX];
	struct pcb *pcbs[2 * BENCH_T_MEM_MAX];
	unsigned n1 = 0, n2 = 0;
	if (k == 0 || k > BENCH_T_MEM_MAX)
		k = BENCH_T_MEM_MAX;
	ksem_init(&park_sem, 0);
	size_t f0 = pmm_free_pages();
	const char *why1 = t_park_many(k, false, ts, pcbs, &n1);
	size_t f1 = pmm_free_pages();
	const char *why2 = why1 ? "not run" : t_park_many(k, true, ts + n1, pcbs + n1, &n2);
	size_t f2 = pmm_free_pages();
	for (unsigned i = 0; i < n1 + n2; i++)
		ksem_post(&park_sem);
	for (unsigned i = 0; i < n1 + n2; i++) {
		kthread_join(ts[i]);
		if (pcbs[i])
			pcb_destroy(pcbs[i]);
	}
	if (!why1)
		*bytes = (uint64_t)(f0 - f1) * PAGE_SIZE / n1;
	if (!why2)
		*bytes_proc = (uint64_t)(f1 - f2) * PAGE_SIZE / n2;
	*why_proc = why2;
	return why1;
}

/* --- threads until kthread_create returns NULL --- */

const char *bench_t_max_tasks(uint64_t *count, uint64_t *ms, size_t *free_at_refusal)
{
	size_t max = pmm_free_pages() / (KTHREAD_STACK_SIZE / PAGE_SIZE) + 64;
	size_t list_pages = (max * sizeof(struct tcb *) + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t phys = pmm_alloc(list_pages);
	if (!phys)
		return "no memory for the list of threads";
	struct tcb **list = phys_to_virt(phys);
	ksem_init(&park_sem, 0);
	uint64_t t0 = time_ns();
	size_t n = 0;
	while (n < max) {
		struct tcb *t = kthread_create(NULL, "bt-max", t_park, NULL, KTHREAD_PRIO_DEFAULT,
					       KTHREAD_ANY_CPU);
		if (!t)
			break;
		list[n++] = t;
	}
	bool refused = n < max;
	*ms = (time_ns() - t0) / 1000000;
	if (free_at_refusal)
		*free_at_refusal = pmm_free_pages();
	for (size_t i = 0; i < n; i++)
		ksem_post(&park_sem);
	for (size_t i = 0; i < n; i++)
		kthread_join(list[i]);
	pmm_free(phys, list_pages);
	if (!refused)
		return "kthread_create never refused";
	*count = n;
	return NULL;
}

/* --- create + join of threads that return at once, in batches --- */

static void t_nothing(void *arg)
{
	(void)arg;
}

static uint64_t t_create_once(uint64_t n)
{
	struct tcb *b[BENCH_T_CREATE_BATCH];
	uint64_t t0 = rdtsc();
	for (uint64_t i = 0; i < n; i += BENCH_T_CREATE_BATCH) {
		int got = 0;
		for (; got < BENCH_T_CREATE_BATCH; got++)
			if (!(b[got] = kthread_create(NULL, "bt-new", t_nothing, NULL,
						      KTHREAD_PRIO_DEFAULT, KTHREAD_ANY_CPU)))
				break;
		for (int j = 0; j < got; j++)
			kthread_join(b[j]);
		if (got < BENCH_T_CREATE_BATCH)
			return FAILED;
	}
	return rdtsc() - t0;
}

const char *bench_t_spawn_exit(struct bench_samples *s, uint64_t *iters)
{
	return measure(s, iters, t_create_once, BENCH_T_CREATE_BATCH, BENCH_T_CREATE_BATCH, 1ULL << 16, 1);
}

/* --- switch: two threads on one CPU, yielding; of one process or of two --- */

static volatile int sw_stop;
static struct bench_samples *sw_samples;
static uint64_t *sw_iters;
static const char *sw_why;

static uint64_t t_switch_once(uint64_t n)
{
	uint64_t t0 = rdtsc();
	for (uint64_t i = 0; i < n; i++)
		kthread_yield();
	return rdtsc() - t0;
}

static void t_switch_partner(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&sw_stop, __ATOMIC_ACQUIRE))
		kthread_yield();
}

static void t_switch_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)   /* the partner is running and yielding back */
		kthread_yield();
	sw_why = measure(sw_samples, sw_iters, t_switch_once, 500, 2, 1ULL << 32, 2);
	__atomic_store_n(&sw_stop, 1, __ATOMIC_RELEASE);
}

/* The threads' processes: two, or one shared (*pb == *pa). */
static const char *switch_pcbs(bool two_processes, struct pcb **pa, struct pcb **pb)
{
	*pa = pcb_create("bt-ping", KTHREAD_PRIO_DEFAULT, 0);
	*pb = two_processes ? pcb_create("bt-pong", KTHREAD_PRIO_DEFAULT, 0) : *pa;
	if (*pa && *pb)
		return NULL;
	pcb_destroy(*pa);
	if (two_processes)
		pcb_destroy(*pb);
	return "pcb_create failed";
}

const char *bench_t_switch(unsigned cpu, bool two_processes, struct bench_samples *s,
			   uint64_t *iters, uint64_t *cr3_milli)
{
	s->n = 0;
	struct pcb *pa, *pb;
	const char *why = switch_pcbs(two_processes, &pa, &pb);
	if (why)
		return why;
	sw_stop = 0;
	sw_samples = s;
	sw_iters = iters;
	sw_why = "not run";
	struct kthread_stats s0, s1;
	kthread_stats(&s0);
	struct tcb *b = kthread_create(pb, "bt-pong", t_switch_partner, NULL, KTHREAD_PRIO_DEFAULT,
				       (int)cpu);
	struct tcb *a = b ? kthread_create(pa, "bt-ping", t_switch_main, NULL, KTHREAD_PRIO_DEFAULT,
					   (int)cpu) : NULL;
	if (a)
		kthread_join(a);
	__atomic_store_n(&sw_stop, 1, __ATOMIC_RELEASE);
	if (b)
		kthread_join(b);
	kthread_stats(&s1);
	pcb_destroy(pa);
	if (two_processes)
		pcb_destroy(pb);
	if (!a || !b)
		return "kthread_create failed";
	uint64_t sw = s1.switches - s0.switches;
	if (cr3_milli)
		*cr3_milli = sw ? (s1.cr3_loads - s0.cr3_loads) * 1000 / sw : 0;
	return sw_why;
}

/* --- round trip through a pair of ksems --- */

static struct ksem rtt_ping, rtt_pong;
static volatile int rtt_stop;
static struct bench_samples *rtt_samples;
static uint64_t *rtt_iters;
static const char *rtt_why;

static void t_ponger(void *arg)
{
	(void)arg;
	for (;;) {
		ksem_wait(&rtt_ping);
		if (__atomic_load_n(&rtt_stop, __ATOMIC_ACQUIRE))
			return;
		ksem_post(&rtt_pong);
	}
}

static uint64_t t_rtt_once(uint64_t n)
{
	uint64_t t0 = rdtsc();
	for (uint64_t i = 0; i < n; i++) {
		ksem_post(&rtt_ping);
		ksem_wait(&rtt_pong);
	}
	return rdtsc() - t0;
}

static void t_pinger(void *arg)
{
	(void)arg;
	rtt_why = measure(rtt_samples, rtt_iters, t_rtt_once, 100, 1, 1ULL << 32, 1);
	__atomic_store_n(&rtt_stop, 1, __ATOMIC_RELEASE);
	ksem_post(&rtt_ping);
}

const char *bench_t_chan_rtt(unsigned cpu_ping, unsigned cpu_pong, struct bench_samples *s,
			     uint64_t *iters)
{
	s->n = 0;
	ksem_init(&rtt_ping, 0);
	ksem_init(&rtt_pong, 0);
	rtt_stop = 0;
	rtt_samples = s;
	rtt_iters = iters;
	rtt_why = "not run";
	struct tcb *b = kthread_create(NULL, "bt-pong", t_ponger, NULL, KTHREAD_PRIO_DEFAULT,
				       (int)cpu_pong);
	struct tcb *a = b ? kthread_create(NULL, "bt-ping", t_pinger, NULL, KTHREAD_PRIO_DEFAULT,
					   (int)cpu_ping) : NULL;
	if (a) {
		kthread_join(a);
	} else if (b) {   /* no pinger: stop the ponger */
		__atomic_store_n(&rtt_stop, 1, __ATOMIC_RELEASE);
		ksem_post(&rtt_ping);
	}
	if (b)
		kthread_join(b);
	if (!a || !b)
		return "kthread_create failed";
	return rtt_why;
}

/* --- bench=thread_*: reporting (kernel context, thread kmain) --- */

/* The CPU for one-CPU workloads: not CPU 0 (kmain's) when there are others. */
static unsigned one_cpu(void)
{
	return ncpus_online > 1 ? 1 : 0;
}

static void report_samples(const char *metric, const char *why, struct bench_samples *s,
			   const char *how)
{
	if (why)
		bench_skip(metric, why);
	else
		bench_report(metric, "ns", s, how);
}

void bench_thread_spawn_exit(void)
{
	struct bench_samples s;
	uint64_t n = 0;
	const char *why = bench_t_spawn_exit(&s, &n);
	char how[200];
	ksnprintf(how, sizeof how, "per thread: %lu kthread_create of a thread that returns at once, "
		  "then kthread_join, in batches of %d, any CPU (maps and unmaps a 1 MiB stack)",
		  (unsigned long)n, BENCH_T_CREATE_BATCH);
	report_samples("spawn_exit_ns", why, &s, how);
}

static void thread_switch(const char *metric, bool two_processes)
{
	struct bench_samples s;
	uint64_t n = 0, cr3 = 0;
	unsigned cpu = one_cpu();
	const char *why = bench_t_switch(cpu, two_processes, &s, &n, &cr3);
	char how[240];
	ksnprintf(how, sizeof how, "per switch: %lu kthread_yield calls alternating between two "
		  "threads of %s pinned to CPU %u: each switch saves and restores the %lu-byte "
		  "XSAVE area%s", (unsigned long)n, two_processes ? "two processes" : "one process",
		  cpu, (unsigned long)fpstate_size(), two_processes ? " and loads CR3" : "");
	report_samples(metric, why, &s, how);
	if (why)
		return;
	bench_info(two_processes ? "process_switch_cr3_loads_per_switch" : "switch_cr3_loads_per_switch",
		   cr3, "loads");
	bench_info("xsave_bytes", (uint64_t)fpstate_size() * 1000, "bytes");
	kprintf("bench: %lu.%03lu CR3 loads per switch (kthread_stats), XSAVE area %lu bytes\n",
		(unsigned long)(cr3 / 1000), (unsigned long)(cr3 % 1000),
		(unsigned long)fpstate_size());
}

/* Two threads of one process: no address-space change. */
void bench_thread_switch(void)
{
	thread_switch("switch_ns", false);
}

/* Two threads of two processes: what a Linux process switch does. */
void bench_thread_process_switch(void)
{
	thread_switch("process_switch_ns", true);
}

static void chan_rtt(const char *metric, unsigned cpu_ping, unsigned cpu_pong)
{
	struct bench_samples s;
	uint64_t n = 0;
	const char *why = bench_t_chan_rtt(cpu_ping, cpu_pong, &s, &n);
	char how[240];
	ksnprintf(how, sizeof how, "per round trip: %lu ksem_post to the ponger + ksem_wait for its "
		  "answer on a second ksem, two threads of the kernel process pinned to CPU %u "
		  "and CPU %u", (unsigned long)n, cpu_ping, cpu_pong);
	report_samples(metric, why, &s, how);
}

void bench_thread_chan_same(void)
{
	chan_rtt("chan_rtt_same_core_ns", one_cpu(), one_cpu());
}

void bench_thread_chan_cross(void)
{
	if (ncpus_online < 2) {
		bench_skip("chan_rtt_cross_core_ns", "one CPU online: no second core to cross to");
		return;
	}
	chan_rtt("chan_rtt_cross_core_ns", 0, 1);
}

void bench_thread_bytes_per_task(void)
{
	uint64_t bytes = 0, bytes_proc = 0;
	const char *why_proc = NULL;
	const char *why = bench_t_mem(BENCH_T_MEM_THREADS, &bytes, &why_proc, &bytes_proc);
	bench_info("kthread_bytes_per_thread", (uint64_t)kthread_bytes_per_thread() * 1000, "bytes");
	kprintf("bench: kthread_bytes_per_thread() = %lu bytes (1 MiB stack + guard page + TCB, "
		"join ksem and XSAVE pages; computed)\n", (unsigned long)kthread_bytes_per_thread());
	if (why) {
		bench_skip("bytes_per_task", why);
		return;
	}
	char how[200];
	ksnprintf(how, sizeof how, "measured: free physical pages before/after %d threads of the "
		  "kernel process blocked on a ksem, page table of each stack slot included",
		  BENCH_T_MEM_THREADS);
	bench_report_value("bytes_per_task", "bytes", bytes * 1000, how);
	if (!why_proc) {
		bench_info("bytes_per_task_with_process", bytes_proc * 1000, "bytes");
		kprintf("bench: with a process (PCB + page-table root) per thread: %lu bytes per thread\n",
			(unsigned long)bytes_proc);
	}
}

void bench_thread_max_tasks(void)
{
	uint64_t count = 0, ms = 0;
	size_t free_end = 0;
	const char *why = bench_t_max_tasks(&count, &ms, &free_end);
	if (why) {
		bench_skip("max_tasks_per_gib", why);
		return;
	}
	/* RAM used: everything taken since bench_run started (conservative). */
	uint64_t used = bench_free_pages_at_start > free_end ?
		(uint64_t)(bench_free_pages_at_start - free_end) * PAGE_SIZE : 0;
	/* The count is context, not a result: it depends on the boot's -m
	 * (tools/bench.sh gives this boot less RAM than the goroutine one). */
	char how[200];
	bench_info("max_tasks", count * 1000, "tasks");
	kprintf("bench: max_tasks = %lu threads blocked on a ksem, created until kthread_create "
		"returned NULL (a clean refusal, after %lu ms), then all joined\n",
		(unsigned long)count, (unsigned long)ms);
	if (used) {
		uint64_t per_gib = (uint64_t)((unsigned __int128)count * 1000 * (1ULL << 30) / used);
		ksnprintf(how, sizeof how, "max_tasks * 2^30 / RAM used (%lu MiB: free pages when bench_run "
			  "started minus free pages at the refusal)", (unsigned long)(used >> 20));
		bench_report_value("max_tasks_per_gib", "tasks/GiB", per_gib, how);
	} else {
		bench_skip("max_tasks_per_gib", "no RAM use seen");
	}
	uint64_t ram_mib = (uint64_t)pmm_total_pages() * PAGE_SIZE >> 20;
	bench_info("max_tasks_guest_ram_mib", ram_mib * 1000, "MiB");
	bench_info("max_tasks_ram_used_mib", used * 1000 / (1 << 20), "MiB");
	bench_info("max_tasks_free_left_mib", (uint64_t)free_end * 1000 / 256, "MiB");
	bench_info("max_tasks_spawn_ms", ms * 1000, "ms");
}
