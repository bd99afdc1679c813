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

static struct chan *fault_gate;

static void fault_waiter(void *arg)
{
	(void)arg;
	chan_recv(fault_gate, 0);
}

static void fault_main(void *arg)
{
	(void)arg;
	go(fault_waiter, 0);
	go_yield();
	volatile uintptr_t addr = FAULT_ADDRESS;
	*(volatile uint64_t *)addr = 2;
}

KTEST(fault_in_goroutine)
{
	fault_gate = chan_make(1, 0);
	go_main(fault_main, 0);
}
