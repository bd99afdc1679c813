/*
 * sched_tests.c - the scheduler core: spawning, yielding, stealing,
 * preemption, 100,000 goroutines, deadlock detection, stack overflow.
 * Each KTEST runs a fresh runtime with go_main and checks what the
 * goroutines recorded after it returns (goroutines keep their frames small:
 * their stacks are 2 KiB).
 */
#include "kernel/ktest.h"
#include "kernel/cmdline.h"
#include "kernel/time.h"
#include "sched/runtime.h"
#include "arch/x86_64/percpu.h"

static volatile int hello_ran;
static volatile uint64_t hello_id;

static void hello_main(void *arg)
{
	hello_ran = (int)(uintptr_t)arg;
	hello_id = go_id();
}

KTEST(sched_main_runs)
{
	hello_ran = 0;
	KTEST_ASSERT_EQ(go_main(hello_main, (void *)42), GO_OK);
	KTEST_ASSERT_EQ(hello_ran, 42);
	KTEST_ASSERT_EQ(hello_id, 1);
	/* A second runtime in the same boot starts fresh. */
	hello_ran = 0;
	KTEST_ASSERT_EQ(go_main(hello_main, (void *)7), GO_OK);
	KTEST_ASSERT_EQ(hello_ran, 7);
	KTEST_ASSERT_EQ(hello_id, 1);
}
