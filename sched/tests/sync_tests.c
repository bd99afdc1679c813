/*
 * sync_tests.c - in-kernel tests of go_mutex and go_waitgroup (sched/sync.c).
 *
 * Each test runs go_main; goroutines record what they saw in static
 * variables and the test asserts after go_main returned. Goroutine frames
 * stay small (2 KiB stacks).
 */
#include <stdint.h>
#include <stdbool.h>
#include "kernel/ktest.h"
#include "kernel/kprintf.h"
#include "sched/runtime.h"
#include "sched/sched.h"

#define MS 1000000ULL

/* Yield until *v reaches want or timeout_ns passes; true if reached. */
static bool wait_count(volatile uint32_t *v, uint32_t want, uint64_t timeout_ns)
{
	uint64_t end = go_nanotime() + timeout_ns;
	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want) {
		if (go_nanotime() > end)
			return false;
		go_yield();
	}
	return true;
}

/* --- mutual exclusion under contention on every core --- */

#define MU_GS    64
#define MU_ITERS 500

static struct go_mutex mu_lock;
static struct go_waitgroup mu_wg;
static uint64_t mu_counter;              /* plain, guarded by mu_lock */
static volatile uint32_t mu_inside;       /* holders inside the section */
static volatile uint32_t mu_overlap;      /* times two were inside */
static volatile uint64_t mu_cpus;         /* CPUs that ran a holder */

static void mu_worker(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg * 2654435761u + 1;
	for (int i = 0; i < MU_ITERS; i++) {
		go_mutex_lock(&mu_lock);
		if (__atomic_add_fetch(&mu_inside, 1, __ATOMIC_ACQ_REL) != 1)
			__atomic_add_fetch(&mu_overlap, 1, __ATOMIC_RELAXED);
		__atomic_or_fetch(&mu_cpus, 1ULL << (this_cpu()->id & 63), __ATOMIC_RELAXED);
		uint64_t v = *(volatile uint64_t *)&mu_counter;
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 8 == 0)
			go_yield();               /* hold the lock across a switch */
		*(volatile uint64_t *)&mu_counter = v + 1;
		__atomic_sub_fetch(&mu_inside, 1, __ATOMIC_ACQ_REL);
		go_mutex_unlock(&mu_lock);
		if ((seed >> 20) % 4 == 0)
			go_yield();
	}
	go_wg_done(&mu_wg);
}

static void mu_main(void *arg)
{
	(void)arg;
	go_wg_add(&mu_wg, MU_GS);
	for (uintptr_t i = 0; i < MU_GS; i++)
		if (go(mu_worker, (void *)i) != GO_OK)
			go_wg_done(&mu_wg);
	go_wg_wait(&mu_wg);
}

KTEST(sync_mutex_contention)
{
	mu_lock = (struct go_mutex)GO_MUTEX_INIT;
	mu_wg = (struct go_waitgroup)GO_WAITGROUP_INIT;
	mu_counter = 0;
	mu_inside = mu_overlap = 0;
	mu_cpus = 0;
	KTEST_ASSERT_EQ(go_main(mu_main, NULL), GO_OK);
	kprintf("sync_mutex_contention: holders ran on CPU mask 0x%lx\n", (unsigned long)mu_cpus);
	KTEST_ASSERT_EQ(mu_counter, (uint64_t)MU_GS * MU_ITERS);
	KTEST_ASSERT_EQ(mu_overlap, 0);
	KTEST_ASSERT(!mu_lock.locked && mu_lock.waiters == NULL);
}

/* --- mutex hands over to waiters in arrival order --- */

#define FIFO_GS 8
static struct go_mutex fifo_lock;
static struct go_waitgroup fifo_wg;
static uint32_t fifo_order[FIFO_GS];
static uint32_t fifo_n;
static volatile uint32_t fifo_bad;

static uint32_t mutex_waiters(struct go_mutex *m)
{
	uint32_t n = 0;
	rt_lock(&m->lock);
	for (struct g *gp = m->waiters; gp; gp = gp->schedlink)
		n++;
	rt_unlock(&m->lock);
	return n;
}

static void fifo_waiter(void *arg)
{
	go_mutex_lock(&fifo_lock);
	fifo_order[fifo_n++] = (uint32_t)(uintptr_t)arg;
	go_mutex_unlock(&fifo_lock);
	go_wg_done(&fifo_wg);
}

static void fifo_main(void *arg)
{
	(void)arg;
	go_mutex_lock(&fifo_lock);
	go_wg_add(&fifo_wg, FIFO_GS);
	for (uintptr_t i = 0; i < FIFO_GS; i++) {
		go(fifo_waiter, (void *)i);
		uint64_t end = go_nanotime() + 2000 * MS;
		while (mutex_waiters(&fifo_lock) < i + 1) {
			if (go_nanotime() > end) {
				fifo_bad = 1;
				break;
			}
			go_yield();
		}
	}
	/* trylock never overtakes: the mutex is held (and waited for). */
	if (go_mutex_trylock(&fifo_lock))
		fifo_bad = 2;
	go_mutex_unlock(&fifo_lock);
	go_wg_wait(&fifo_wg);
}

KTEST(sync_mutex_fifo_handoff)
{
	fifo_lock = (struct go_mutex)GO_MUTEX_INIT;
	fifo_wg = (struct go_waitgroup)GO_WAITGROUP_INIT;
	fifo_n = 0;
	fifo_bad = 0;
	KTEST_ASSERT_EQ(go_main(fifo_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(fifo_bad, 0);
	KTEST_ASSERT_EQ(fifo_n, FIFO_GS);
	for (uint32_t i = 0; i < FIFO_GS; i++)
		KTEST_ASSERT_EQ(fifo_order[i], i);
}

/* --- trylock --- */

static struct go_mutex try_lock;
static volatile int try_res[6];
static volatile uint32_t try_step;

static void try_other(void *arg)
{
	(void)arg;
	try_res[2] = go_mutex_trylock(&try_lock);    /* held by main: false */
	__atomic_store_n(&try_step, 1, __ATOMIC_RELEASE);
}

static void try_main(void *arg)
{
	(void)arg;
	try_res[0] = go_mutex_trylock(&try_lock);    /* true */
	try_res[1] = go_mutex_trylock(&try_lock);    /* false: not recursive */
	go(try_other, NULL);
	if (!wait_count(&try_step, 1, 2000 * MS))
		try_res[5] = 1;
	go_mutex_unlock(&try_lock);
	try_res[3] = go_mutex_trylock(&try_lock);    /* true again */
	go_mutex_unlock(&try_lock);
	go_mutex_lock(&try_lock);                     /* uncontended lock */
	try_res[4] = go_mutex_trylock(&try_lock);    /* false */
	go_mutex_unlock(&try_lock);
}

KTEST(sync_mutex_trylock)
{
	try_lock = (struct go_mutex)GO_MUTEX_INIT;
	for (int i = 0; i < 6; i++)
		try_res[i] = -1;
	try_res[5] = 0;
	try_step = 0;
	KTEST_ASSERT_EQ(go_main(try_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(try_res[0], 1);
	KTEST_ASSERT_EQ(try_res[1], 0);
	KTEST_ASSERT_EQ(try_res[2], 0);
	KTEST_ASSERT_EQ(try_res[3], 1);
	KTEST_ASSERT_EQ(try_res[4], 0);
	KTEST_ASSERT_EQ(try_res[5], 0);
	KTEST_ASSERT(!try_lock.locked);
}

/* --- WaitGroup: Wait returns only after every Done, for every waiter --- */

#define WG_WORKERS 48
#define WG_WAITERS 4
static struct go_waitgroup wg_wg, wg_waiters_wg;
static volatile uint32_t wg_done_count;
static volatile uint32_t wg_seen[WG_WAITERS];
static volatile uint32_t wg_zero_ok;

static void wg_worker(void *arg)
{
	uint32_t n = (uint32_t)(uintptr_t)arg;
	for (uint32_t i = 0; i < n % 5; i++)
		go_yield();
	if (n % 3 == 0)
		go_sleep((n % 4 + 1) * MS);
	__atomic_add_fetch(&wg_done_count, 1, __ATOMIC_ACQ_REL);
	go_wg_done(&wg_wg);
}

static void wg_waiter(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	go_wg_wait(&wg_wg);
	wg_seen[i] = __atomic_load_n(&wg_done_count, __ATOMIC_ACQUIRE);
	go_wg_done(&wg_waiters_wg);
}

static void wg_main(void *arg)
{
	(void)arg;
	struct go_waitgroup zero = GO_WAITGROUP_INIT;
	go_wg_wait(&zero);                 /* count 0: returns at once */
	wg_zero_ok = 1;

	go_wg_add(&wg_wg, WG_WORKERS);
	go_wg_add(&wg_waiters_wg, WG_WAITERS);
	for (uintptr_t i = 0; i < WG_WAITERS; i++)
		go(wg_waiter, (void *)i);
	go_yield();
	for (uintptr_t i = 0; i < WG_WORKERS; i++)
		go(wg_worker, (void *)i);
	go_wg_wait(&wg_wg);
	if (__atomic_load_n(&wg_done_count, __ATOMIC_ACQUIRE) != WG_WORKERS)
		wg_zero_ok = 2;
	go_wg_wait(&wg_waiters_wg);
	/* reuse after reaching zero */
	go_wg_add(&wg_wg, 1);
	go(wg_worker, (void *)3);
	go_wg_wait(&wg_wg);
}

KTEST(sync_waitgroup_wait)
{
	wg_wg = (struct go_waitgroup)GO_WAITGROUP_INIT;
	wg_waiters_wg = (struct go_waitgroup)GO_WAITGROUP_INIT;
	wg_done_count = 0;
	wg_zero_ok = 0;
	for (int i = 0; i < WG_WAITERS; i++)
		wg_seen[i] = 0;
	KTEST_ASSERT_EQ(go_main(wg_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(wg_zero_ok, 1);
	for (int i = 0; i < WG_WAITERS; i++)
		KTEST_ASSERT_EQ(wg_seen[i], WG_WORKERS);
	KTEST_ASSERT_EQ(wg_done_count, WG_WORKERS + 1);
	KTEST_ASSERT_EQ(wg_wg.count, 0);
	KTEST_ASSERT(wg_wg.waiters == NULL);
}

/* --- misuse panics the goroutine, the rest goes on --- */

static struct go_waitgroup neg_wg;
static struct go_mutex neg_mu;
static volatile uint32_t neg_after;     /* code after a panic ran */
static volatile uint32_t neg_fin;
static volatile uint64_t neg_panics[2];

static void neg_wg_fn(void *arg)
{
	(void)arg;
	go_wg_add(&neg_wg, 1);
	go_wg_done(&neg_wg);
	go_wg_done(&neg_wg);            /* panics */
	neg_after = 1;
}

static void neg_mu_fn(void *arg)
{
	(void)arg;
	go_mutex_lock(&neg_mu);
	go_mutex_unlock(&neg_mu);
	go_mutex_unlock(&neg_mu);       /* panics */
	neg_after = 2;
}

static uint64_t panicked_now(void)
{
	struct go_stats st;
	go_stats(&st);
	return st.panicked;
}

static void neg_main(void *arg)
{
	(void)arg;
	uint64_t p0 = panicked_now();
	go(neg_wg_fn, NULL);
	uint64_t end = go_nanotime() + 30000 * MS;   /* only ends a broken run */
	while (panicked_now() < p0 + 1 && go_nanotime() < end)
		go_yield();
	neg_panics[0] = panicked_now() - p0;
	go(neg_mu_fn, NULL);
	end = go_nanotime() + 30000 * MS;
	while (panicked_now() < p0 + 2 && go_nanotime() < end)
		go_yield();
	neg_panics[1] = panicked_now() - p0;
	/* The mutex still works after the misuse. */
	go_mutex_lock(&neg_mu);
	go_mutex_unlock(&neg_mu);
	neg_fin = 1;
}

KTEST(sync_misuse_panics)
{
	neg_wg = (struct go_waitgroup)GO_WAITGROUP_INIT;
	neg_mu = (struct go_mutex)GO_MUTEX_INIT;
	neg_after = 0;
	neg_fin = 0;
	KTEST_ASSERT_EQ(go_main(neg_main, NULL), GO_OK);
	KTEST_ASSERT_EQ(neg_panics[0], 1);
	KTEST_ASSERT_EQ(neg_panics[1], 2);
	KTEST_ASSERT_EQ(neg_after, 0);
	KTEST_ASSERT_EQ(neg_fin, 1);
}
