/*
 * showcase_g.c - the goroutine side of the showcase (showcase/showcase.c):
 * the blocking-call row and the scaling row. Everything here but the two
 * exported entry points runs on 2 KiB goroutine stacks (this file is built
 * with -fsplit-stack): small frames, no kprintf; results go to globals that
 * showcase/showcase.c prints after go_main returned. The other goroutine
 * rows reuse bench/bench_g.c.
 */
#include "showcase/showcase.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "sched/runtime.h"
#include "arch/x86_64/cpu.h"

/* go_kernel_call is the M:N bridge (sched/bridge.c); referenced weakly so
 * the showcase still builds and says "not available" without it. */
#pragma weak go_kernel_call

/* --- the unit of work --- */

uint64_t showcase_job(uint64_t x)
{
	x = x * 0x9e3779b97f4a7c15ULL + 1;
	for (int i = 0; i < 4000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

/* --- blocking kernel call: do the other goroutines of the P still run? --- */

static volatile uint64_t blk_turns;      /* the counter goroutine's turns */
static volatile int blk_done;
static uint64_t blk_before, blk_after, blk_ns, blk_want_ns;
static const char *blk_why;
static struct go_waitgroup blk_wg = GO_WAITGROUP_INIT;

/* On the M's own kernel-thread stack: block this kernel thread. */
static void blk_call(void *arg)
{
	(void)arg;
	blk_before = blk_turns;
	uint64_t t0 = time_ns();
	kthread_device_wait(blk_want_ns);
	blk_ns = time_ns() - t0;
	blk_after = blk_turns;
}

static void blk_blocker(void *arg)
{
	(void)arg;
	go_kernel_call(blk_call, NULL);
	__atomic_store_n(&blk_done, 1, __ATOMIC_RELEASE);
	go_wg_done(&blk_wg);
}

static void blk_counter(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&blk_done, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&blk_turns, 1, __ATOMIC_RELAXED);
		go_yield();
	}
	go_wg_done(&blk_wg);
}

static void blk_main(void *arg)
{
	(void)arg;
	if (go_nprocs() != 1) {
		blk_why = "needs a runtime with one P";
		return;
	}
	go_wg_add(&blk_wg, 2);
	if (go(blk_counter, NULL) != GO_OK) {
		blk_why = "go() failed";
		__atomic_store_n(&blk_done, 1, __ATOMIC_RELEASE);
		return;
	}
	go_yield();   /* the counter is running */
	if (go(blk_blocker, NULL) != GO_OK) {
		blk_why = "go() failed";
		__atomic_store_n(&blk_done, 1, __ATOMIC_RELEASE);
		go_wg_done(&blk_wg);
	}
	go_wg_wait(&blk_wg);
}

const char *showcase_g_blocked(uint64_t block_ns, uint64_t *ran, uint64_t *blocked_ns,
			       uint64_t *handoffs)
{
	if (!go_kernel_call)
		return "go_kernel_call (the M:N bridge) is not in this kernel";
	blk_turns = 0;
	blk_done = 0;
	blk_before = blk_after = blk_ns = 0;
	blk_want_ns = block_ns;
	blk_why = NULL;
	int r = go_main(blk_main, NULL);
	if (blk_why)
		return blk_why;
	if (r != GO_OK)
		return r == GO_DEADLOCK ? "go_main: deadlock" : "go_main: out of memory";
	*ran = blk_after - blk_before;
	*blocked_ns = blk_ns;
	struct go_stats st;
	go_stats(&st);    /* of the runtime that just ended */
	*handoffs = st.handoffs;
	return NULL;
}

/* --- scaling: a fixed job list over one worker goroutine per P --- */

static volatile uint64_t sc_next, sc_jobs;
static uint64_t sc_sink, sc_ns;
static unsigned sc_procs;
static const char *sc_why;
static struct go_waitgroup sc_wg = GO_WAITGROUP_INIT;

static void sc_worker(void *arg)
{
	(void)arg;
	uint64_t acc = 0, i;
	while ((i = __atomic_fetch_add(&sc_next, 1, __ATOMIC_RELAXED)) < sc_jobs)
		acc += showcase_job(i);
	__atomic_fetch_add(&sc_sink, acc, __ATOMIC_RELAXED);
	go_wg_done(&sc_wg);
}

static void sc_main(void *arg)
{
	(void)arg;
	unsigned w = go_nprocs();
	sc_procs = w;
	uint64_t t0 = time_ns();
	for (unsigned i = 0; i < w; i++) {
		go_wg_add(&sc_wg, 1);
		if (go(sc_worker, NULL) != GO_OK) {
			go_wg_add(&sc_wg, -1);
			sc_why = "go() failed";
			break;
		}
	}
	go_wg_wait(&sc_wg);
	sc_ns = time_ns() - t0;
}

const char *showcase_g_scale(uint64_t jobs, uint64_t *ns, unsigned *procs)
{
	sc_next = 0;
	sc_jobs = jobs;
	sc_why = NULL;
	int r = go_main(sc_main, NULL);
	if (sc_why)
		return sc_why;
	if (r != GO_OK)
		return r == GO_DEADLOCK ? "go_main: deadlock" : "go_main: out of memory";
	*ns = sc_ns;
	*procs = sc_procs;
	return NULL;
}
