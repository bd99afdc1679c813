/*
 * runq_hidden.c - lab 2's hidden tests (labs/2-runq/hidden/points): the
 * order a P runs what it has, and a full ring that spills.
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "sched/runtime.h"

#define ORDER_N 8
#define SPILL_N 3000          /* many times RUNQ_SIZE */

static volatile int order[ORDER_N + 1], norder;
static volatile uint32_t ran[SPILL_N / 32 + 1];
static volatile int twice;

static void note(void *arg)
{
	order[__atomic_fetch_add(&norder, 1, __ATOMIC_SEQ_CST)] = (int)(uintptr_t)arg;
}

/* One P: go(1..N) leaves N in runnext and 1..N-1 in the ring, in order;
 * the main goroutine's yield then runs N first, then 1, 2, ... */
static void order_main(void *arg)
{
	(void)arg;
	for (int i = 1; i <= ORDER_N; i++)
		go(note, (void *)(uintptr_t)i);
	while (__atomic_load_n(&norder, __ATOMIC_SEQ_CST) < ORDER_N)
		go_yield();
}

KTEST(lab2_runnext_first_then_fifo)
{
	norder = 0;
	go_set_maxprocs(1);
	int r = go_main(order_main, 0);
	go_set_maxprocs(0);
	KTEST_ASSERT_EQ(r, GO_OK);
	KTEST_ASSERT_EQ(norder, ORDER_N);
	KTEST_ASSERT_EQ(order[0], ORDER_N);
	for (int i = 1; i < ORDER_N; i++)
		KTEST_ASSERT_EQ(order[i], i);
}

static void mark(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	uint32_t bit = 1u << (i % 32);
	if (__atomic_fetch_or(&ran[i / 32], bit, __ATOMIC_SEQ_CST) & bit)
		twice = 1;
}

static bool all_ran(void)
{
	for (uint32_t i = 0; i < SPILL_N; i++)
		if (!(__atomic_load_n(&ran[i / 32], __ATOMIC_SEQ_CST) & (1u << (i % 32))))
			return false;
	return true;
}

/* Far more goroutines than a ring holds, spawned without a yield: half of
 * the ring spills to the global queue again and again; every goroutine
 * runs, once. */
static void spill_main(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < SPILL_N; i++)
		if (go(mark, (void *)(uintptr_t)i) != GO_OK)
			return;
	while (!all_ran())
		go_yield();
}

KTEST(lab2_full_ring_loses_no_goroutine)
{
	for (unsigned i = 0; i < SPILL_N / 32 + 1; i++)
		ran[i] = 0;
	twice = 0;
	KTEST_ASSERT_EQ(go_main(spill_main, 0), GO_OK);
	KTEST_ASSERT(all_ran());
	KTEST_ASSERT_EQ(twice, 0);
}
