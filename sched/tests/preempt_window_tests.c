/*
 * preempt_window_tests.c - the paths where a goroutine leaves its own
 * stack, hit by preemption as often as the timer allows.
 *
 * A goroutine may be preempted at any instruction while m->locks == 0 and
 * it runs on its own stack, and then resume on another CPU. The paths that
 * read per-CPU state and then switch stacks (go_systemstack: every
 * rt_malloc/rt_free, chan_make/chan_free; mcall: the go_yield slow path,
 * gopark, go_exit; acquirem and getg) must not leave a window in between:
 * resumed elsewhere, the goroutine would run on the stack of the CPU it
 * left, or park with a stale saved context. Busy goroutines loop through
 * each path while sleepers (go_sleep of 500 us) keep a timer due on every
 * P, so the tick preempts a busy goroutine on every P at every tick
 * (sched/preempt.c). Booted with hz=1000 by tests/boot.sh
 * (boot:preempt-windows) and at the default hz by test=all; before the fix
 * 16 of 29 such boots at -smp 4 ended in a page fault or a lock error.
 */
#include "kernel/ktest.h"
#include "kernel/cmdline.h"
#include "kernel/kprintf.h"
#include "sched/runtime.h"

#define SLEEPERS       4
#define SLEEP_NS       500000ULL

static volatile uint32_t busy_running, bad_values;
static volatile uint64_t churns, yields, spawned, spawned_ran;
static volatile int stop;

static void churner(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg << 32;
	for (uint64_t i = 0; !stop; i++) {
		struct chan *c = chan_make(sizeof(uint64_t), 1);
		uint64_t v = base | i, w = 0;
		chan_send(c, &v);
		chan_recv(c, &w);
		if (w != v)
			__atomic_fetch_add(&bad_values, 1, __ATOMIC_SEQ_CST);
		chan_free(c);
		__atomic_fetch_add(&churns, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_sub(&busy_running, 1, __ATOMIC_SEQ_CST);
}

static void yielder(void *arg)
{
	(void)arg;
	while (!stop) {
		go_yield();
		__atomic_fetch_add(&yields, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_sub(&busy_running, 1, __ATOMIC_SEQ_CST);
}

static void short_lived(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&spawned_ran, 1, __ATOMIC_SEQ_CST);
}

/* At most SPAWN_LIVE of its goroutines wait to run at a time: unbounded,
 * a long time slice (hz=10) would fill memory with them. */
#define SPAWN_LIVE 64
static void spawner(void *arg)
{
	(void)arg;
	while (!stop) {
		if (spawned - spawned_ran < SPAWN_LIVE && go(short_lived, 0) == GO_OK)
			__atomic_fetch_add(&spawned, 1, __ATOMIC_SEQ_CST);
		else
			go_yield();
	}
	__atomic_fetch_sub(&busy_running, 1, __ATOMIC_SEQ_CST);
}

static void sleeper(void *arg)
{
	(void)arg;
	while (!stop)
		go_sleep(SLEEP_NS);
	__atomic_fetch_sub(&busy_running, 1, __ATOMIC_SEQ_CST);
}

static uint64_t preemptions(void)
{
	struct go_stats st;
	go_stats(&st);
	return st.preemptions;
}

/* One phase: start the busy goroutines, run until the timer has preempted
 * `target` more times (or the guest deadline passes), stop them all and wait
 * for every one, sleepers included, to end. */
static uint64_t phase_target, phase_deadline_ns;

static void phase(void (*const *busy)(void *), int nbusy)
{
	uint64_t target = phase_target;
	uint64_t t0 = go_nanotime(), p0 = preemptions();
	stop = 0;
	busy_running = (uint32_t)nbusy + SLEEPERS;
	for (int i = 0; i < nbusy; i++)
		go(busy[i], (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < SLEEPERS; i++)
		go(sleeper, 0);
	while (preemptions() - p0 < target && go_nanotime() - t0 < phase_deadline_ns)
		go_sleep(SLEEP_NS);
	stop = 1;
	while (__atomic_load_n(&busy_running, __ATOMIC_SEQ_CST) != 0 ||
	       __atomic_load_n(&spawned_ran, __ATOMIC_SEQ_CST) != spawned)
		go_sleep(SLEEP_NS);
}

/* The reproduction of the go_systemstack bug: two goroutines in
 * chan_make/chan_free (rt_malloc/rt_free on the system stack) and four
 * sleepers, so two Ps idle between timers and two are preempted when they
 * fire. */
static void systemstack_main(void *arg)
{
	static void (*const busy[])(void *) = { churner, churner };
	(void)arg;
	phase(busy, 2);
}

/* The same through mcall (the go_yield slow path, go_exit) and go()
 * (acquirem). */
static void mcall_main(void *arg)
{
	static void (*const busy[])(void *) = { yielder, spawner };
	(void)arg;
	phase(busy, 2);
}

/* Both scale with the tick: at the default 100 Hz (test=all) a quick pass
 * of 5 preemptions, at most 2.9 s; at hz=1000 (tests/boot.sh,
 * tools/stress.sh) the reproduction, 500 preemptions, at most 11 s. Before
 * the fix, every one of 6 such boots at -smp 4 crashed. */
static void run_windows(void (*main_fn)(void *))
{
	uint64_t hz = (uint64_t)cmdline_num("hz");
	phase_target = hz * hz / 2000 > 2 ? hz * hz / 2000 : 2;
	phase_deadline_ns = 2000000000ULL + hz * 9000000ULL;
	bad_values = 0;
	churns = yields = spawned = spawned_ran = 0;
	KTEST_ASSERT_EQ(go_main(main_fn, 0), GO_OK);
	KTEST_ASSERT_EQ(busy_running, 0);
	KTEST_ASSERT_EQ(bad_values, 0);
	KTEST_ASSERT_EQ(spawned_ran, spawned);
	kprintf("%s: %lu preemptions (target %lu), %lu chan make/free, %lu yields, %lu spawns\n",
		main_fn == systemstack_main ? "systemstack" : "mcall", (unsigned long)preemptions(),
		(unsigned long)phase_target, (unsigned long)churns, (unsigned long)yields,
		(unsigned long)spawned);
}

KTEST(sched_preempt_window_systemstack)
{
	run_windows(systemstack_main);
	KTEST_ASSERT(churns > 0);
}

KTEST(sched_preempt_window_mcall)
{
	run_windows(mcall_main);
	KTEST_ASSERT(yields > 0 && spawned > 0);
}
