/*
 * fault_tests.c - a goroutine that crashes the kernel on purpose, to check
 * that the panic lists every goroutine, and one that hangs on purpose, to
 * check ktest_timeout='s dump (tests/boot.sh runs them by name; their
 * names start with fault_, so test=all skips them).
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "sched/runtime.h"
#include "sched/sched.h"

#define FAULT_ADDRESS 0x10  /* never mapped: the kernel maps nothing low */

static struct chan *fault_gate;

static void fault_waiter(void *arg)
{
	(void)arg;
	chan_recv(fault_gate, 0);
}

/* Whether goroutine goid is parked (G_WAITING), from the runtime's list. */
static bool parked(uint64_t goid)
{
	bool r = false;
	rt_lock(&sched.allglock);
	for (struct g *gp = sched.allgs; gp; gp = gp->alllink)
		if (gp->goid == goid)
			r = __atomic_load_n(&gp->status, __ATOMIC_ACQUIRE) == G_WAITING;
	rt_unlock(&sched.allglock);
	return r;
}

static void fault_main(void *arg)
{
	(void)arg;
	go(fault_waiter, 0);
	/* Until the waiter is parked in chan_recv: on a loaded host another
	 * P may have stolen it and not yet run it. */
	for (int i = 0; i < 1000000 && !parked(2); i++)
		go_yield();
	volatile uintptr_t addr = FAULT_ADDRESS;
	*(volatile uint64_t *)addr = 2;
}

KTEST(fault_in_goroutine)
{
	fault_gate = chan_make(1, 0);
	go_main(fault_main, 0);
}

/* A hang on purpose (tests/boot.sh runs it with ktest_timeout=): the main
 * goroutine yields for ever while another waits for ever on a channel, so
 * no deadlock is detected and only the test's deadline ends it. */
static void hang_main(void *arg)
{
	(void)arg;
	go(fault_waiter, 0);
	for (;;)
		go_yield();
}

KTEST(fault_hang_in_goroutine)
{
	fault_gate = chan_make(1, 0);
	go_main(hang_main, 0);
}
