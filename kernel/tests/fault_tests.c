/*
 * fault_tests.c - tests that crash the kernel on purpose, to check what a
 * crash prints. Names start with fault_, so test=all skips them; the boot
 * tests (tests/boot.sh) run them by name and expect a failing exit.
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "kernel/panic.h"

#define FAULT_ADDRESS 0x10  /* never mapped: the kernel maps nothing low */

KTEST(fault_page_write)
{
	volatile uintptr_t addr = FAULT_ADDRESS; /* hidden from the compiler's bounds checks */
	*(volatile uint64_t *)addr = 1;
}

KTEST(fault_panic)
{
	panic("deliberate panic from a test");
}

/* A fault inside a goroutine: the panic also lists every goroutine. */
#include "sched/runtime.h"
#include "sched/sched.h"

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

/* Two locks taken against kernel/lockrank.c's order ("test" ranks before
 * "test-time"): a debug kernel panics at the second acquire, naming both
 * (tests/debug.sh); a release kernel does not check. */
KTEST(fault_lock_order)
{
	static struct spinlock outer = SPINLOCK_INIT("test-time");
	static struct spinlock inner = SPINLOCK_INIT("test");
	bool on = spin_lock_irqsave(&outer);
	spin_lock(&inner);
	spin_unlock(&inner);
	spin_unlock_irqrestore(&outer, on);
	KTEST_SKIP("a release kernel does not check the lock order");
}
