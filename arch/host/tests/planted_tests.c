/*
 * planted_tests.c - bugs planted on purpose, to prove that the sanitizers
 * see goroutine code on the host platform: tests/hostsched.sh expects the
 * ThreadSanitizer build to report planted_race and the AddressSanitizer
 * build to report planted_stack_overflow. If a change to the switch
 * annotations (arch/host/plat.c) blinded a sanitizer, the suite would
 * still pass without them: these fail then.
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "sched/runtime.h"

/* --- a data race between goroutines on two Ms --- */

static long planted_counter;       /* plain, unsynchronised: the bug */
static struct go_waitgroup planted_wg;

static void racer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		planted_counter++;
		go_yield();
	}
	go_wg_done(&planted_wg);
}

static void race_main(void *arg)
{
	(void)arg;
	go_wg_add(&planted_wg, 2);
	go_on(0, racer, NULL);
	go_on(1, racer, NULL);
	go_wg_wait(&planted_wg);
}

KTEST(planted_race)
{
	planted_counter = 0;
	planted_wg = (struct go_waitgroup)GO_WAITGROUP_INIT;
	KTEST_ASSERT_EQ(go_main(race_main, NULL), GO_OK);
}

/* --- a write past an array on a goroutine's stack --- */

static volatile int planted_index = 16;

/* UBSan would see the bad index first: this one is AddressSanitizer's. */
__attribute__((no_sanitize_undefined)) static void overflow_main(void *arg)
{
	(void)arg;
	volatile char buf[16];
	buf[planted_index] = 1;    /* one past the end: the bug */
	(void)buf[0];
}

KTEST(planted_stack_overflow)
{
	KTEST_ASSERT_EQ(go_main(overflow_main, NULL), GO_OK);
}
