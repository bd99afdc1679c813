/*
 * timer_tests.c - in-kernel tests of the timer heaps, go_sleep, go_after
 * (sched/timer.c).
 *
 * Timing bounds. A sleeper is woken by the first timers_run of its P at or
 * after the deadline: on the next schedule round or timer tick, so within
 * one tick period (1/hz) on real hardware. Under QEMU TCG, vCPUs are host
 * threads that may be descheduled (more vCPUs than host cores), so a wakeup
 * can be later: the tests accept
 *     deadline <= woke < deadline + 2 periods + SLACK_NS
 * for the median of several samples, and only deadline <= woke plus a loose
 * 250 ms bound for every single sample. "No earlier than asked" is exact.
 */
#include <stdint.h>
#include <stdbool.h>
#include "kernel/ktest.h"
#include "kernel/cmdline.h"
#include "kernel/kprintf.h"
#include "kernel/sort.h"
#include "sched/runtime.h"
#include "sched/sched.h"

#define MS 1000000ULL
#define SLACK_NS   (5 * MS)
#define LOOSE_NS   (250 * MS)

static uint64_t tick_ns(void)
{
	long hz = cmdline_num("hz");
	if (hz <= 0)
		hz = 100;
	return 1000000000ULL / (uint64_t)hz;
}

/* Bounds on lateness are in the ticks the guest itself counts: on a loaded
 * or overcommitted host (32 vCPUs on 2 cores under TCG, or another make test
 * beside this one) a vCPU waits for the host, its ticks come late and
 * merged, and a woken goroutine waits with them. So the bounds use the mean
 * tick period the Ps really saw while the test ran (at least 1/hz).
 * Goroutine context, runtime running. */
struct tick_watch {
	uint64_t t0, k0;
};

static uint64_t ticks_of_all_ps(void)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < go_nprocs(); i++)
		t += __atomic_load_n(&ps[i].ticks, __ATOMIC_RELAXED);
	return t;
}

static void tick_watch_start(struct tick_watch *w)
{
	w->t0 = go_nanotime();
	w->k0 = ticks_of_all_ps();
}

/* 0 if no P saw a tick at all (the timer is broken: the tests fail). */
static uint64_t tick_watch_ns(const struct tick_watch *w)
{
	uint64_t k = ticks_of_all_ps() - w->k0;
	if (k == 0)
		return 0;
	uint64_t seen = (go_nanotime() - w->t0) * go_nprocs() / k;
	return seen > tick_ns() ? seen : tick_ns();
}

/* --- go_sleep accuracy --- */

#define ACC_N 12
static const uint32_t acc_ms[ACC_N] = { 1, 2, 3, 5, 7, 10, 13, 20, 1, 4, 15, 30 };
static uint64_t acc_late[ACC_N];
static volatile uint32_t acc_early;
static uint64_t acc_tick_ns;

static void acc_main(void *arg)
{
	(void)arg;
	struct tick_watch w;
	tick_watch_start(&w);
	for (int i = 0; i < ACC_N; i++) {
		uint64_t deadline = go_nanotime() + acc_ms[i] * MS;
		go_sleep(acc_ms[i] * MS);
		uint64_t woke = go_nanotime();
		if (woke < deadline) {
			acc_early++;
			acc_late[i] = 0;
		} else {
			acc_late[i] = woke - deadline;
		}
	}
	acc_tick_ns = tick_watch_ns(&w);
	go_sleep(0);                      /* a yield: must return */
}

KTEST(timer_sleep_accuracy)
{
	acc_early = 0;
	KTEST_ASSERT_EQ(go_main(acc_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(acc_early, 0);
	KTEST_ASSERT(acc_tick_ns != 0);
	uint64_t s[ACC_N];
	for (int i = 0; i < ACC_N; i++) {
		s[i] = acc_late[i];
		KTEST_ASSERT(s[i] < LOOSE_NS + 10 * acc_tick_ns);
	}
	sort_u64(s, ACC_N);
	uint64_t median = s[ACC_N / 2];
	kprintf("timer_sleep_accuracy: lateness min %llu us, median %llu us, max %llu us (tick seen %llu us)\n",
		(unsigned long long)s[0] / 1000, (unsigned long long)median / 1000,
		(unsigned long long)s[ACC_N - 1] / 1000, (unsigned long long)acc_tick_ns / 1000);
	KTEST_ASSERT(median < 2 * acc_tick_ns + SLACK_NS);
}

/* --- sleepers still wake while every P runs a CPU hog ---
 * A busy P runs its timers when its hog is preempted (PREEMPT_NS slice) or
 * at a schedule round, so the bound here adds one time slice (and uses the
 * ticks seen, see tick_watch). */

#define HOG_N 6
static volatile uint32_t hog_stop, hog_running;
static uint64_t hog_late[HOG_N];
static uint64_t hog_tick_ns;     /* the mean tick period the Ps saw */


static void hog_fn(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&hog_running, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&hog_stop, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void hog_main(void *arg)
{
	(void)arg;
	unsigned n = go_nprocs();
	for (unsigned i = 0; i < n; i++)
		go(hog_fn, NULL);
	uint64_t end = go_nanotime() + 2000 * MS;
	while (__atomic_load_n(&hog_running, __ATOMIC_ACQUIRE) < n && go_nanotime() < end)
		go_yield();
	struct tick_watch w;
	tick_watch_start(&w);
	for (int i = 0; i < HOG_N; i++) {
		uint64_t ns = (uint64_t)(i + 1) * 3 * MS;
		uint64_t deadline = go_nanotime() + ns;
		go_sleep(ns);
		uint64_t woke = go_nanotime();
		hog_late[i] = woke >= deadline ? woke - deadline : UINT64_MAX;
	}
	hog_tick_ns = tick_watch_ns(&w);
	__atomic_store_n(&hog_stop, 1, __ATOMIC_RELEASE);
}

KTEST(timer_sleep_with_busy_ps)
{
	hog_stop = hog_running = 0;
	KTEST_ASSERT_EQ(go_main(hog_main, NULL), GO_OK);
	KTEST_ASSERT(hog_tick_ns != 0);
	uint64_t s[HOG_N], tick = hog_tick_ns;
	for (int i = 0; i < HOG_N; i++) {
		KTEST_ASSERT(hog_late[i] != UINT64_MAX);     /* never early */
		KTEST_ASSERT(hog_late[i] < LOOSE_NS + 10 * tick);
		s[i] = hog_late[i];
	}
	sort_u64(s, HOG_N);
	kprintf("timer_sleep_with_busy_ps: lateness min %llu us, median %llu us, max %llu us\n",
		(unsigned long long)s[0] / 1000, (unsigned long long)s[HOG_N / 2] / 1000,
		(unsigned long long)s[HOG_N - 1] / 1000);
	kprintf("timer_sleep_with_busy_ps: tick period seen %llu us (1/hz: %llu us)\n",
		(unsigned long long)hog_tick_ns / 1000, (unsigned long long)tick_ns() / 1000);
	KTEST_ASSERT(s[HOG_N / 2] < PREEMPT_NS + 2 * tick + SLACK_NS);
}

/* --- sleepers wake in deadline order ---
 * The order a P promises is that of its own timers: sleeper i is pinned to
 * P i % GOMAXPROCS (go_on), its timer fires there in deadline order and it
 * queues in that P's FIFO inbox. Sleepers of different Ps are not compared:
 * on a loaded host one vCPU can stall while another runs, and that is the
 * host's order, not the scheduler's. */

#define ORD_GS 40
static uint32_t ord_p[ORD_GS];
static struct go_waitgroup ord_wg;
static uint64_t ord_deadline[ORD_GS];
static uint64_t ord_woke[ORD_GS];
static volatile uint32_t ord_early;
static uint64_t ord_tick_ns;   /* the mean tick period the Ps saw */

static void ord_sleeper(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	uint64_t ns = (uint64_t)((i * 17) % ORD_GS + 1) * 3 * MS;  /* 3..120 ms */
	ord_deadline[i] = go_nanotime() + ns;
	go_sleep(ns);
	ord_woke[i] = go_nanotime();
	if (ord_woke[i] < ord_deadline[i])
		ord_early++;
	go_wg_done(&ord_wg);
}

static void ord_main(void *arg)
{
	(void)arg;
	struct tick_watch w;
	tick_watch_start(&w);
	go_wg_add(&ord_wg, ORD_GS);
	for (uintptr_t i = 0; i < ORD_GS; i++) {
		ord_p[i] = (uint32_t)(i % go_nprocs());
		if (go_on(ord_p[i], ord_sleeper, (void *)i) != GO_OK)
			go_wg_done(&ord_wg);
	}
	go_wg_wait(&ord_wg);
	ord_tick_ns = tick_watch_ns(&w);
}

KTEST(timer_sleep_order)
{
	ord_wg = (struct go_waitgroup)GO_WAITGROUP_INIT;
	ord_early = 0;
	KTEST_ASSERT_EQ(go_main(ord_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(ord_early, 0);
	/* Whenever two deadlines on one P are further apart than the wakeup
	 * tolerance, the earlier one must have woken first (tolerance in the
	 * ticks seen, see tick_watch: same-tick deadlines may swap). */
	KTEST_ASSERT(ord_tick_ns != 0);
	uint64_t tol = 2 * ord_tick_ns + SLACK_NS;
	kprintf("timer_sleep_order: tick period seen %llu us (1/hz: %llu us)\n",
		(unsigned long long)ord_tick_ns / 1000, (unsigned long long)tick_ns() / 1000);
	uint32_t inversions = 0;
	for (int i = 0; i < ORD_GS; i++) {
		KTEST_ASSERT(ord_woke[i] != 0);
		for (int j = 0; j < ORD_GS; j++)
			if (ord_p[i] == ord_p[j] && ord_deadline[i] + tol < ord_deadline[j] &&
			    ord_woke[i] > ord_woke[j])
				inversions++;
	}
	KTEST_ASSERT_EQ(inversions, 0);
}

/* --- go_after delivers exactly once --- */

static volatile uint64_t after_t0, after_val;
static volatile int after_ok, after_len_later, after_sel_later, after_sel_early;

static void after_main(void *arg)
{
	(void)arg;
	after_t0 = go_nanotime();
	struct chan *c = go_after(10 * MS);
	if (!c)
		return;
	uint64_t v = 0;
	struct select_case sc = { c, SELECT_RECV, &v, false };
	after_sel_early = go_select(&sc, 1, true);   /* -1: not yet */
	after_ok = chan_recv(c, &v);
	after_val = v;
	go_sleep(30 * MS);
	after_len_later = (int)chan_len(c);
	after_sel_later = go_select(&sc, 1, true);   /* -1: no second value */
	chan_free(c);
}

KTEST(timer_after_once)
{
	after_ok = 0;
	after_val = 0;
	after_len_later = after_sel_later = after_sel_early = 99;
	KTEST_ASSERT_EQ(go_main(after_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(after_ok, 1);
	KTEST_ASSERT(after_val >= after_t0 + 10 * MS);
	KTEST_ASSERT(after_val < after_t0 + 10 * MS + LOOSE_NS);
	KTEST_ASSERT_EQ(after_sel_early, -1);
	KTEST_ASSERT_EQ(after_len_later, 0);
	KTEST_ASSERT_EQ(after_sel_later, -1);
}

/* --- timer_stop before firing prevents the callback --- */

static struct gtimer stop_t1, stop_t2;
static volatile uint32_t stop_fired1, stop_fired2;
static volatile int stop_r1, stop_r2, stop_r3, stop_r4;

static void stop_fn(void *arg, uint64_t now)
{
	(void)now;
	__atomic_add_fetch((volatile uint32_t *)arg, 1, __ATOMIC_ACQ_REL);
}

static void stop_main(void *arg)
{
	(void)arg;
	uint64_t now = go_nanotime();
	timer_start(&stop_t1, now + 20 * MS, stop_fn, (void *)&stop_fired1);
	timer_start(&stop_t2, now + 2 * MS, stop_fn, (void *)&stop_fired2);
	stop_r1 = timer_stop(&stop_t1);     /* true: stopped before firing */
	stop_r2 = timer_stop(&stop_t1);     /* false: not armed */
	go_sleep(60 * MS);
	stop_r3 = timer_stop(&stop_t2);     /* false: already fired */
	/* Re-arm a fired timer and stop it before it fires: far enough ahead
	 * that the 1 ms sleep, which ends at a tick, cannot reach it at any hz. */
	uint64_t tick = tick_ns();
	timer_start(&stop_t2, go_nanotime() + 4 * tick + 50 * MS, stop_fn, (void *)&stop_fired2);
	go_sleep(1 * MS);
	stop_r4 = timer_stop(&stop_t2);     /* true */
	go_sleep(6 * tick + 80 * MS);       /* past where it would have fired */
}

KTEST(timer_stop_prevents_fire)
{
	stop_t1 = (struct gtimer){ 0 };
	stop_t2 = (struct gtimer){ 0 };
	stop_fired1 = stop_fired2 = 0;
	KTEST_ASSERT_EQ(go_main(stop_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(stop_r1, 1);
	KTEST_ASSERT_EQ(stop_r2, 0);
	KTEST_ASSERT_EQ(stop_r3, 0);
	KTEST_ASSERT_EQ(stop_r4, 1);
	KTEST_ASSERT_EQ(stop_fired1, 0);
	KTEST_ASSERT_EQ(stop_fired2, 1);
	/* Checked after go_main: while it runs, a fired timer whose fn (a
	 * goready) has not returned yet still counts, and the woken G may
	 * already run on another M. */
	KTEST_ASSERT_EQ(sched.timers_pending, 0);
}

/* --- the heap: many timers, random deadlines, half stopped --- */

#define HEAP_N 3000
static struct gtimer heap_t[HEAP_N];
static volatile uint8_t heap_fired[HEAP_N];
static uint64_t heap_last[MAX_PROCS];     /* last deadline fired per P */
static volatile uint32_t heap_disorder, heap_early, heap_nfired;
static volatile uint32_t heap_stopped_ok, heap_slow_start;

static void heap_fn(void *arg, uint64_t now)
{
	struct gtimer *t = arg;
	uint32_t i = (uint32_t)(t - heap_t);
	unsigned p = getp()->id;
	if (t->when < heap_last[p])
		heap_disorder++;
	heap_last[p] = t->when;
	if (now < t->when)
		heap_early++;
	heap_fired[i]++;
	__atomic_add_fetch(&heap_nfired, 1, __ATOMIC_ACQ_REL);
}

static void heap_main(void *arg)
{
	(void)arg;
	uint32_t seed = 12345;
	uint64_t base = go_nanotime() + 100 * MS;
	for (uint32_t i = 0; i < HEAP_N; i++) {
		seed = seed * 1103515245u + 12345u;
		uint64_t when = base + (uint64_t)((seed >> 8) % 60000) * 1000;  /* 0..60 ms */
		timer_start(&heap_t[i], when, heap_fn, &heap_t[i]);
		if (i % 64 == 0)
			go_yield();               /* spread the timers over Ps */
	}
	/* A timer armed after its deadline passed may fire after a later
	 * one on the same P: the order check needs every start in time. */
	if (go_nanotime() >= base)
		heap_slow_start = 1;
	uint32_t stopped = 0;
	for (uint32_t i = 0; i < HEAP_N; i += 2)
		if (timer_stop(&heap_t[i]))
			stopped++;
	heap_stopped_ok = stopped;
	uint64_t end = go_nanotime() + 3000 * MS;
	while (__atomic_load_n(&heap_nfired, __ATOMIC_ACQUIRE) < HEAP_N - stopped && go_nanotime() < end)
		go_sleep(5 * MS);
	go_sleep(10 * MS);
}

KTEST(timer_heap_many)
{
	for (uint32_t i = 0; i < HEAP_N; i++) {
		heap_t[i] = (struct gtimer){ 0 };
		heap_fired[i] = 0;
	}
	for (unsigned p = 0; p < MAX_PROCS; p++)
		heap_last[p] = 0;
	heap_disorder = heap_early = heap_nfired = heap_slow_start = 0;
	KTEST_ASSERT_EQ(go_main(heap_main, NULL), GO_OK);
	uint32_t stopped = heap_stopped_ok;
	KTEST_ASSERT(stopped <= HEAP_N / 2);
	KTEST_ASSERT_EQ(heap_nfired, HEAP_N - stopped);
	if (!heap_slow_start)
		KTEST_ASSERT_EQ(heap_disorder, 0);
	KTEST_ASSERT_EQ(heap_early, 0);
	uint32_t odd_fired = 0, even_fired = 0;
	for (uint32_t i = 0; i < HEAP_N; i++) {
		KTEST_ASSERT(heap_fired[i] <= 1);
		if (i % 2)
			odd_fired += heap_fired[i];
		else
			even_fired += heap_fired[i];
	}
	KTEST_ASSERT_EQ(odd_fired, HEAP_N / 2);
	KTEST_ASSERT_EQ(even_fired, HEAP_N / 2 - stopped);
	KTEST_ASSERT_EQ(sched.timers_pending, 0);
}

/* --- 10,000 sleepers all wake --- */

#define MANY_GS 10000
static struct go_waitgroup many_wg;
static volatile uint32_t many_woke, many_early, many_spawn_fail;

static void many_sleeper(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	uint64_t ns = (uint64_t)(i % 50 + 1) * MS;
	uint64_t deadline = go_nanotime() + ns;
	go_sleep(ns);
	if (go_nanotime() < deadline)
		__atomic_add_fetch(&many_early, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&many_woke, 1, __ATOMIC_ACQ_REL);
	go_wg_done(&many_wg);
}

static void many_main(void *arg)
{
	(void)arg;
	go_wg_add(&many_wg, MANY_GS);
	for (uintptr_t i = 0; i < MANY_GS; i++) {
		if (go(many_sleeper, (void *)i) != GO_OK) {
			many_spawn_fail++;
			go_wg_done(&many_wg);
		}
	}
	go_wg_wait(&many_wg);
}

KTEST(timer_many_sleepers)
{
	many_wg = (struct go_waitgroup)GO_WAITGROUP_INIT;
	many_woke = many_early = many_spawn_fail = 0;
	KTEST_ASSERT_EQ(go_main(many_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(many_spawn_fail, 0);
	KTEST_ASSERT_EQ(many_woke, MANY_GS);
	KTEST_ASSERT_EQ(many_early, 0);
	KTEST_ASSERT_EQ(sched.timers_pending, 0);
}
