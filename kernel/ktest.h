/*
 * ktest.h - in-kernel tests.
 *
 * KTEST(name) { ... } registers a test in the .ktests section. Booting with
 * test=name runs it on the boot CPU once every CPU is online (test=all runs
 * them all, test=list lists them). A test fails by calling KTEST_ASSERT with
 * a false condition or ktest_fail(); either prints "KTEST FAIL name: why"
 * and ends the boot with the QEMU failure status. A test that needs what
 * the machine lacks (memory, CPUs) says so with KTEST_SKIP(fmt, ...) and
 * returns: "KTEST SKIP name: why", counted apart, never as passed. When the
 * test returns, "KTEST PASS name" is printed; after the last test QEMU
 * exits with the success status. test=after:NAME runs the test=all tests
 * after NAME (tests/kernel.sh uses it to go on after a failure). Tests run in kernel context with interrupts on and may use
 * smp_call_all to run code on every CPU.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

struct ktest {
	const char *name;
	void (*fn)(void);
};

/* The host build of sched/ (arch/host) runs the runtime's tests too; its
 * linker makes __start_/__stop_ symbols only for a section named like a C
 * identifier. */
#if SPINDLE_HOST
#define KTEST_SECTION "ktests"
#else
#define KTEST_SECTION ".ktests"
#endif

#define KTEST(tname)                                                     \
	static void ktest_fn_##tname(void);                               \
	__attribute__((used, section(KTEST_SECTION), aligned(8)))         \
	static const struct ktest ktest_##tname = { #tname, ktest_fn_##tname }; \
	static void ktest_fn_##tname(void)

_Noreturn void ktest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KTEST_ASSERT(c) do { if (!(c)) ktest_fail("%s:%d: %s", __FILE__, __LINE__, #c); } while (0)
#define KTEST_ASSERT_EQ(a, b) do { long long ka_ = (long long)(a), kb_ = (long long)(b); \
	if (ka_ != kb_) ktest_fail("%s:%d: %s == %s: %lld != %lld", __FILE__, __LINE__, #a, #b, ka_, kb_); } while (0)

void ktest_skip_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define KTEST_SKIP(...) do { ktest_skip_note(__VA_ARGS__); return; } while (0)

void ktest_run(const char *which);
/* Every timer tick, any CPU, interrupts off: ends a test past its
 * ktest_timeout= deadline with KTEST TIMEOUT and a dump. */
struct trap_frame;
void ktest_tick(const struct trap_frame *tf);

#endif
