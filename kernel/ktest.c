/*
 * ktest.c - run in-kernel tests chosen with test= (contract in ktest.h).
 *
 * Output lines, read by tests/kernel.sh:
 *   KTEST PLAN n (how many tests this boot will run, before the first)
 *   KTEST START name / KTEST PASS name (12 ms) / KTEST FAIL name: why
 *   KTEST SKIP name: why (the machine lacks what the test needs)
 *   KTEST DONE n passed, k skipped
 * With ktest_timeout=S a test that runs longer than S seconds is stopped
 * by the tick (ktest_tick, any CPU): "KTEST TIMEOUT name", the schedtrace
 * line, every CPU's backtrace, the goroutine dump, then KTEST FAIL: a hang
 * says where it hangs instead of ending in a host-side timeout.
 * Tests whose names start with "fault_" deliberately crash the kernel, and
 * those starting with "solo_" use up a machine-wide resource (all memory);
 * both run only when named, never with test=all.
 *
 * A failing test ends the boot: after a failed assertion the machine's
 * state (a runtime half-stopped, locks held) cannot be trusted to run the
 * next test. So that every test still runs and is reported, test=after:NAME
 * runs the tests of test=all that come after NAME; tests/kernel.sh boots
 * again that way after each failure.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/kernel.h"
#include "kernel/kprintf.h"
#include "kernel/lab.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap.h"

extern const struct ktest __ktests_start[], __ktests_end[];
static const char *current = "(none)";
static volatile uint64_t deadline_ns;   /* 0: none; read by every CPU's tick */
static uint64_t timeout_s;

/* The goroutine runtime's, when it is linked in (kernel/panic.c does the same). */
void go_schedtrace(void) __attribute__((weak));
void go_dump_on_panic(void) __attribute__((weak));
static bool skipped;
static unsigned nskipped;

/* "KTEST <verdict> <current test>: <message>" */
static void verdict(const char *what, const char *fmt, va_list ap)
{
	char msg[256];
	kvsnprintf(msg, sizeof msg, fmt, ap);
	kprintf("KTEST %s %s: %s\n", what, current, msg);
}

/* From the tick of the CPU that saw the deadline pass: say where every CPU
 * and goroutine is, then fail the test. */
static _Noreturn void timed_out(const struct trap_frame *tf)
{
	irq_disable();
	console_panic_mode();
	kprintf("KTEST TIMEOUT %s: still running after %lu s (ktest_timeout=%lu)\n", current,
		(unsigned long)timeout_s, (unsigned long)timeout_s);
	if (go_schedtrace)
		go_schedtrace();
	kprintf("CPU %u (the one that saw the deadline), interrupted at:\n", this_cpu()->id);
	backtrace_print(tf->rip, tf->rbp);
	smp_backtrace_others();
	if (go_dump_on_panic)
		go_dump_on_panic();
	kprintf("KTEST FAIL %s: timed out after %lu s (see KTEST TIMEOUT above)\n", current,
		(unsigned long)timeout_s);
	kernel_exit(1);
}

void ktest_tick(const struct trap_frame *tf)
{
	static int fired;
	uint64_t d = __atomic_load_n(&deadline_ns, __ATOMIC_ACQUIRE);
	if (!d || time_ns() < d || __atomic_exchange_n(&fired, 1, __ATOMIC_ACQ_REL))
		return;
	timed_out(tf);
}

_Noreturn void ktest_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict("FAIL", fmt, ap);
	va_end(ap);
	backtrace_here();
	kernel_exit(1);
}

void ktest_skip_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict("SKIP", fmt, ap);
	va_end(ap);
	skipped = true;
}

static void run_one(const struct ktest *t)
{
	current = t->name;
	skipped = false;
	kprintf("KTEST START %s\n", t->name);
	uint64_t t0 = time_ns();
	timeout_s = (uint64_t)cmdline_num("ktest_timeout");
	__atomic_store_n(&deadline_ns, timeout_s ? t0 + timeout_s * 1000000000ULL : 0, __ATOMIC_RELEASE);
	t->fn();
	__atomic_store_n(&deadline_ns, 0, __ATOMIC_RELEASE);
	lab_soft_flush();   /* a student tree's soft stubs, if any ran */
	if (skipped)
		nskipped++;
	else
		kprintf("KTEST PASS %s (%lu ms)\n", t->name, (unsigned long)((time_ns() - t0) / 1000000));
}

static const struct ktest *find(const char *name, size_t len)
{
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		if (strlen(t->name) == len && !memcmp(t->name, name, len))
			return t;
	return 0;
}

/* test=all runs every test but the crashing and machine-filling ones. */
static bool in_all(const struct ktest *t)
{
	return strncmp(t->name, "fault_", 6) && strncmp(t->name, "solo_", 5);
}

static _Noreturn void bad_selection(const char *why, const char *which, size_t len)
{
	kprintf("KTEST FAIL %.*s: %s (test=list shows the tests)\n", (int)len, which, why);
	kernel_exit(1);
}

/* The tests of test=all, from `first` on. */
static unsigned run_all_from(const struct ktest *first)
{
	unsigned plan = 0, n = 0;
	for (const struct ktest *t = first; t < __ktests_end; t++)
		plan += in_all(t);
	kprintf("KTEST PLAN %u\n", plan);
	for (const struct ktest *t = first; t < __ktests_end; t++)
		if (in_all(t)) {
			run_one(t);
			n++;
		}
	return n;
}

/* test=a,b,c: each must exist (checked before the first runs). */
static unsigned run_list(const char *which)
{
	unsigned plan = 0, n = 0;
	for (const char *p = which; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0)
			bad_selection("an empty name in the list", which, strlen(which));
		if (!find(p, len))
			bad_selection("no such test", p, len);
		plan++;
		p += len + (comma ? 1 : 0);
	}
	kprintf("KTEST PLAN %u\n", plan);
	for (const char *p = which; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		run_one(find(p, len));
		n++;
		p += len + (comma ? 1 : 0);
	}
	return n;
}

void ktest_run(const char *which)
{
	unsigned n;
	if (!which[0])
		bad_selection("empty selection", "test=", 5);
	if (!strcmp(which, "list")) {
		for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
			kprintf("KTEST %s\n", t->name);
		kernel_exit(0);
	}
	if (!strcmp(which, "all")) {
		n = run_all_from(__ktests_start);
	} else if (!strncmp(which, "after:", 6)) {
		const struct ktest *t = find(which + 6, strlen(which + 6));
		if (!t)
			bad_selection("no such test", which + 6, strlen(which + 6));
		n = run_all_from(t + 1);
	} else {
		n = run_list(which);
	}
	kprintf("KTEST DONE %u passed, %u skipped\n", n - nskipped, nskipped);
	kernel_exit(0);
}
