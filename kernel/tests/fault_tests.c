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
