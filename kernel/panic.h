/*
 * panic.h - stop the machine with everything needed to debug it.
 *
 * panic() may be called from any CPU and any context. It prints the message,
 * the CPU, all registers it can see and a symbolised backtrace on every
 * console, stops the other CPUs with an NMI, then exits QEMU with a failure
 * status (isa-debug-exit) or halts on real hardware. It never returns.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

struct trap_frame;

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Called by the exception handler with the interrupted state. */
_Noreturn void panic_trap(struct trap_frame *tf, const char *what);
/* Print a backtrace starting at frame pointer rbp. */
void backtrace_print(uint64_t rip, uint64_t rbp);
/* Print a backtrace of the caller. */
#define backtrace_here() do { __label__ bt_here_; bt_here_: \
	backtrace_print((uint64_t)&&bt_here_, (uint64_t)__builtin_frame_address(0)); } while (0)
/* Find the symbol containing addr; returns its name and sets *off. */
const char *ksym_lookup(uint64_t addr, uint64_t *off);

#define ASSERT(c) do { if (!(c)) panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__); } while (0)
/* Checked only in debug builds (make DEBUG=1): contracts and preconditions. */
#if SPINDLE_DEBUG
#define DEBUG_ASSERT(c) ASSERT(c)
#else
#define DEBUG_ASSERT(c) do { (void)sizeof(c); } while (0)
#endif

#endif
