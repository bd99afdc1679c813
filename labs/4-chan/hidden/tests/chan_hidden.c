/*
 * chan_hidden.c - lab 4's hidden test: a close that races goroutines
 * parking on the channel, in receives and in selects.
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "sched/runtime.h"

#define PARKERS 64

static struct chan *closing;
static volatile int woke_false, woke_true, started;

static void receiver(void *arg)
{
	uint64_t v;
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	bool ok;
	if ((uintptr_t)arg % 2) {
		struct select_case cs[2] = { { closing, SELECT_RECV, &v, false }, { NULL, SELECT_RECV, NULL, false } };
		go_select(cs, 2, false);
		ok = cs[0].ok;
	} else {
		ok = chan_recv(closing, &v);
	}
	__atomic_fetch_add(ok ? &woke_true : &woke_false, 1, __ATOMIC_SEQ_CST);
}

static void close_main(void *arg)
{
	(void)arg;
	for (uintptr_t i = 0; i < PARKERS; i++)
		go(receiver, (void *)i);
	/* Close while some are still on their way to park, some parked. */
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < PARKERS / 2)
		go_yield();
	chan_close(closing);
	while (__atomic_load_n(&woke_false, __ATOMIC_SEQ_CST) + __atomic_load_n(&woke_true, __ATOMIC_SEQ_CST) < PARKERS)
		go_yield();
}

KTEST(lab4_close_wakes_every_parked_receiver)
{
	woke_false = woke_true = started = 0;
	closing = chan_make(sizeof(uint64_t), 0);
	KTEST_ASSERT_EQ(go_main(close_main, 0), GO_OK);
	KTEST_ASSERT_EQ(woke_true, 0);
	KTEST_ASSERT_EQ(woke_false, PARKERS);
	chan_free(closing);
}
