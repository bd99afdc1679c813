/*
 * ktest.c - run in-kernel tests chosen with test= (contract in ktest.h).
 *
 * Output lines, read by tests/kernel.sh:
 *   KTEST PLAN n (how many tests this boot will run, before the first)
 *   KTEST START name / KTEST PASS name (12 ms) / KTEST FAIL name: why
 *   KTEST DONE n passed
 * Tests whose names start with "fault_" deliberately crash the kernel, and
 * those starting with "solo_" use up a machine-wide resource (all memory);
 * both run only when named, never with test=all.
 */
#include <stdarg.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/kernel.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "kernel/time.h"

extern const struct ktest __ktests_start[], __ktests_end[];
static const char *current = "(none)";

_Noreturn void ktest_fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kprintf("KTEST FAIL %s: %s\n", current, msg);
	backtrace_here();
	kernel_exit(1);
}

static void run_one(const struct ktest *t)
{
	current = t->name;
	kprintf("KTEST START %s\n", t->name);
	uint64_t t0 = time_ns();
	t->fn();
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

void ktest_run(const char *which)
{
	unsigned n = 0;
	if (!strcmp(which, "list")) {
		for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
			kprintf("KTEST %s\n", t->name);
		kernel_exit(0);
	}
	if (!strcmp(which, "all")) {
		unsigned plan = 0;
		for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
			plan += in_all(t);
		kprintf("KTEST PLAN %u\n", plan);
		for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
			if (in_all(t)) {
				run_one(t);
				n++;
			}
	} else {
		unsigned plan = 1;
		for (const char *p = which; *p; p++)
			plan += *p == ',';
		kprintf("KTEST PLAN %u\n", plan);
		for (const char *p = which; *p;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			const struct ktest *t = find(p, len);
			if (!t) {
				kprintf("KTEST FAIL %.*s: no such test (test=list shows them)\n", (int)len, p);
				kernel_exit(1);
			}
			run_one(t);
			n++;
			p += len + (comma ? 1 : 0);
		}
	}
	kprintf("KTEST DONE %u passed\n", n);
	kernel_exit(0);
}
