/*
 * ktest_main.c - the runner of the runtime's in-kernel tests (KTEST, in
 * sched/tests/) as a Linux process on the host platform (arch/host/plat.c):
 *
 *   sched-tests list                  every test, one per line
 *   sched-tests run NAME [CMDLINE]    run one; CMDLINE as the kernel's
 *
 * Prints the kernel's lines: "KTEST PASS name", "KTEST FAIL name: why"
 * (exit 1) or "KTEST SKIP name: why" for a test that needs what the host
 * platform does not have (see host_lacks). tests/hostsched.sh runs each
 * test in its own process under each sanitizer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/mm.h"
#include "sched/plat.h"
#include "arch/host/host.h"

extern const struct ktest __start_ktests[], __stop_ktests[];

/* What these tests need and the host platform lacks. */
static const struct {
	const char *test, *why;
} host_lacks[] = {
	{ "sched_preempt_spinner", "needs the timer interrupt: no preemption on the host" },
	{ "sched_preempt_keeps_simd", "needs the timer interrupt: no preemption on the host" },
	{ "sched_yield_no_starvation", "needs the timer interrupt: no preemption on the host" },
	{ "sched_stack_overflow_caught", "needs -fsplit-stack goroutine stacks (not with sanitizers)" },
	{ "timer_sleep_with_busy_ps", "needs the timer interrupt: no preemption on the host" },
	{ "timer_sleep_accuracy", "bounds lateness in the timer ticks the Ps saw: none on the host" },
	{ "timer_sleep_order", "bounds lateness in the timer ticks the Ps saw: none on the host" },
	{ "sched_100k_goroutines", "sizes itself from the kernel's page allocator" },
	{ "solo_spawn_until_enomem", "fills the kernel's page allocator" },
};

static const char *current;

static const char *lacks(const char *name)
{
	for (size_t i = 0; i < sizeof host_lacks / sizeof host_lacks[0]; i++)
		if (!strcmp(host_lacks[i].test, name))
			return host_lacks[i].why;
	return NULL;
}

void ktest_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("KTEST FAIL %s: ", current);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(1);
}

void ktest_skip_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("KTEST SKIP %s: ", current);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(0);
}

/* What the tests read of the kernel's CPUs (arch/x86_64/percpu.h). */
volatile unsigned ncpus_online;
unsigned ncpus;

/* Referenced by tests the host does not run (host_lacks). */
size_t pmm_free_pages(void)
{
	return 0;
}

int main(int argc, char **argv)
{
	host_main_thread();
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (const struct ktest *t = __start_ktests; t < __stop_ktests; t++)
			printf("%s\n", t->name);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: %s list | run NAME [CMDLINE]\n", argv[0]);
		return 2;
	}
	host_set_cmdline(argc > 3 ? argv[3] : "");
	ncpus = ncpus_online = plat_ncpus();
	for (const struct ktest *t = __start_ktests; t < __stop_ktests; t++) {
		if (strcmp(t->name, argv[2]))
			continue;
		current = t->name;
		if (lacks(t->name))
			ktest_skip_note("%s", lacks(t->name));
		t->fn();
		printf("KTEST PASS %s\n", t->name);
		return 0;
	}
	fprintf(stderr, "%s: no test %s (list shows them)\n", argv[0], argv[2]);
	return 2;
}
