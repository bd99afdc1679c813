/*
 * handoff_hidden.c - lab 6's hidden tests: the handoff with a single P,
 * and spare Ms reused rather than made anew.
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "kernel/thread.h"
#include "sched/runtime.h"
#include "sched/sched.h"

#define WAIT_NS 20000000ULL

static volatile uint64_t ticks_meanwhile, counter;
static volatile int stop, done;
static volatile uint32_t finished;

static void device_wait(void *arg)
{
	(void)arg;
	kthread_device_wait(WAIT_NS);
}

static void counter_g(void *arg)
{
	(void)arg;
	while (!stop) {
		counter++;
		go_yield();
	}
}

static void one_p_blocker(void *arg)
{
	(void)arg;
	uint64_t before = counter;
	go_kernel_call(device_wait, 0);
	ticks_meanwhile = counter - before;
	done = 1;
}

static void one_p_main(void *arg)
{
	(void)arg;
	go(counter_g, 0);
	go(one_p_blocker, 0);
	while (!done)
		go_yield();
	stop = 1;
}

/* One P: the counter runs only if the blocked M gave the P away. */
KTEST(lab6_handoff_with_one_p)
{
	counter = ticks_meanwhile = 0;
	stop = done = 0;
	go_set_maxprocs(1);
	int r = go_main(one_p_main, 0);
	go_set_maxprocs(0);
	KTEST_ASSERT_EQ(r, GO_OK);
	KTEST_ASSERT(ticks_meanwhile > 0);
}

static void short_blocker(void *arg)
{
	(void)arg;
	go_kernel_call(device_wait, 0);
	__atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
}

static volatile uint32_t ms_after_first, ms_after_second;

/* Ms made so far in this runtime (a slot of ms[] taken). */
static uint32_t ms_in_use(void)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < MAX_MS; i++)
		n += __atomic_load_n(&ms[i].in_use, __ATOMIC_SEQ_CST);
	return n;
}

/* Ms parked as spares on CPU 0 (where the one P runs) now. */
static uint32_t spares(void)
{
	uint32_t n = 0;
	rt_lock(&sched.lock);
	for (struct m *mp = sched.spare; mp; mp = mp->spare_next)
		n += mp->cpu == 0;
	rt_unlock(&sched.lock);
	return n;
}

static void rounds_main(void *arg)
{
	(void)arg;
	for (int round = 0; round < 2; round++) {
		/* A blocker runs on once its G is taken from the global queue,
		 * maybe before its old M has parked itself as a spare: wait for
		 * the first round's Ms to be spares before the second. */
		uint64_t end = go_nanotime() + 5000000000ULL;
		while (round == 1 && spares() < 4 && go_nanotime() < end)
			go_yield();
		__atomic_store_n(&finished, 0, __ATOMIC_SEQ_CST);
		for (int i = 0; i < 4; i++)
			go(short_blocker, 0);
		while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < 4)
			go_yield();
		uint32_t alive = ms_in_use();
		if (round == 0)
			ms_after_first = alive;
		else
			ms_after_second = alive;
	}
}

/* The second round of blockers finds the first round's Ms spare (one P:
 * spares are kept per CPU). */
KTEST(lab6_spare_ms_are_reused)
{
	go_set_maxprocs(1);
	int r = go_main(rounds_main, 0);
	go_set_maxprocs(0);
	KTEST_ASSERT_EQ(r, GO_OK);
	KTEST_ASSERT(ms_after_first > 0);
	/* Most of the second round runs on the first round's spares (a late spare
	 * may still be on its way back when a blocker hands off). */
	KTEST_ASSERT(ms_after_second < ms_after_first + 4);
}
