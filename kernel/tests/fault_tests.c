/*
 * fault_tests.c - tests that crash the kernel on purpose, to check what a
 * crash prints. Names start with fault_, so test=all skips them; the boot
 * tests (tests/boot.sh) run them by name and expect a failing exit. The
 * goroutine one is sched/tests/fault_tests.c (goroutine code lives where
 * it is built with -fsplit-stack).
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

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
