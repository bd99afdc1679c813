/*
 * bridge_tests.c - the M:N bridge: a goroutine blocked in a kernel call
 * holds only its M; its P goes to a spare M and the core's other
 * goroutines keep running (at -smp 1 there is no other core to help).
 */
#include "kernel/ktest.h"
#include "kernel/thread.h"
#include "sched/runtime.h"

#define BLOCK_NS 50000000ULL   /* 50 ms simulated device wait */

static volatile uint64_t counter;
static volatile uint64_t during_block;
static volatile int stop, blocker_done;

static void count_forever(void *arg)
{
	(void)arg;
	while (!stop) {
		counter++;
		go_yield();
	}
}

static void device_wait(void *arg)
{
	(void)arg;
	kthread_device_wait(BLOCK_NS);
}

static void blocker(void *arg)
{
	(void)arg;
	uint64_t before = counter;
	uint64_t t0 = go_nanotime();
	go_kernel_call(device_wait, 0);
	during_block = counter - before;
	if (go_nanotime() - t0 >= BLOCK_NS)
		blocker_done = 1;
}

static void bridge_main(void *arg)
{
	(void)arg;
	go(count_forever, 0);
	go(blocker, 0);
	while (!blocker_done)
		go_yield();
	stop = 1;
}

KTEST(sched_kernel_call_handoff)
{
	counter = during_block = 0;
	stop = blocker_done = 0;
	KTEST_ASSERT_EQ(go_main(bridge_main, 0), GO_OK);
	KTEST_ASSERT_EQ(blocker_done, 1);
	KTEST_ASSERT(during_block > 0);
	struct go_stats st;
	go_stats(&st);
	KTEST_ASSERT(st.handoffs >= 1);
}

/* Many goroutines in kernel calls at once: each needs its own M. */
#define NBLOCKERS 8
static volatile uint32_t nblocked_done;

static void short_blocker(void *arg)
{
	(void)arg;
	go_kernel_call(device_wait, 0);
	__atomic_fetch_add(&nblocked_done, 1, __ATOMIC_SEQ_CST);
}

static void many_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < NBLOCKERS; i++)
		go(short_blocker, 0);
	while (__atomic_load_n(&nblocked_done, __ATOMIC_SEQ_CST) < NBLOCKERS)
		go_yield();
}

KTEST(sched_kernel_calls_concurrent)
{
	nblocked_done = 0;
	KTEST_ASSERT_EQ(go_main(many_main, 0), GO_OK);
	KTEST_ASSERT_EQ(nblocked_done, NBLOCKERS);
}

/* go_dump of a goroutine in a kernel call names its state (G_SYSCALL) and
 * why it waits; tests/boot.sh (boot:dump-shows-kernel-call) reads the line. */
static volatile int dump_blocker_done;

static void dump_blocker(void *arg)
{
	(void)arg;
	go_kernel_call(device_wait, 0);
	dump_blocker_done = 1;
}

static void dump_main(void *arg)
{
	(void)arg;
	struct go_stats st;
	go(dump_blocker, 0);
	do {
		go_yield();
		go_stats(&st);
	} while (st.handoffs == 0 && !dump_blocker_done);   /* until it is in the call */
	if (!dump_blocker_done)
		go_dump();
	while (!dump_blocker_done)
		go_yield();
}

KTEST(sched_dump_kernel_call)
{
	dump_blocker_done = 0;
	KTEST_ASSERT_EQ(go_main(dump_main, 0), GO_OK);
	KTEST_ASSERT_EQ(dump_blocker_done, 1);
}
