/*
 * sched_tests.c - the scheduler core: spawning, yielding, stealing,
 * preemption, 100,000 goroutines, deadlock detection, stack overflow.
 * Each KTEST runs a fresh runtime with go_main and checks what the
 * goroutines recorded after it returns (goroutines keep their frames small:
 * their stacks are 2 KiB).
 */
#include "kernel/ktest.h"
#include "kernel/cmdline.h"
#include "kernel/time.h"
#include "kernel/mm.h"
#include "sched/runtime.h"
#include "sched/sched.h"
#include "arch/x86_64/percpu.h"

static volatile int hello_ran;
static volatile uint64_t hello_id;

static void hello_main(void *arg)
{
	hello_ran = (int)(uintptr_t)arg;
	hello_id = go_id();
}

KTEST(sched_main_runs)
{
	hello_ran = 0;
	KTEST_ASSERT_EQ(go_main(hello_main, (void *)42), GO_OK);
	KTEST_ASSERT_EQ(hello_ran, 42);
	KTEST_ASSERT_EQ(hello_id, 1);
	/* A second runtime in the same boot starts fresh. */
	hello_ran = 0;
	KTEST_ASSERT_EQ(go_main(hello_main, (void *)7), GO_OK);
	KTEST_ASSERT_EQ(hello_ran, 7);
	KTEST_ASSERT_EQ(hello_id, 1);
}

/* --- idle CPUs halt --- */

/* While the only goroutine sleeps, every P has nothing to do: its M may
 * poll for work a moment (idlespin=, 50 us by default) but must then halt
 * until the next interrupt, so nearly all of the sleep is halted time on
 * every P. A runtime that spun instead (idlespin=10000 with hz=100) fails
 * this. The bound is half the sleep: a loaded host delays a vCPU's
 * wakeups, which only adds to its halted time. */
#define IDLE_SLEEP_NS 200000000ULL
static uint64_t halt_before[MAX_PROCS], halt_after[MAX_PROCS];

static void halt_main(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < go_nprocs(); i++)
		halt_before[i] = load_relaxed(&ps[i].idle_ns);
	go_sleep(IDLE_SLEEP_NS);
	for (unsigned i = 0; i < go_nprocs(); i++)
		halt_after[i] = load_relaxed(&ps[i].idle_ns);
}

KTEST(sched_idle_cpus_halt)
{
	KTEST_ASSERT_EQ(go_main(halt_main, NULL), GO_OK);
	for (unsigned i = 0; i < go_nprocs(); i++)
		if (halt_after[i] - halt_before[i] < IDLE_SLEEP_NS / 2)
			ktest_fail("P%u was halted %lu ms of the %lu ms sleep", i,
				   (unsigned long)((halt_after[i] - halt_before[i]) / 1000000),
				   (unsigned long)(IDLE_SLEEP_NS / 1000000));
}

/* --- yielding --- */

#define YIELDS 2000
static volatile int turns[2];
static volatile int pp_done;

static void yielder(void *arg)
{
	int me = (int)(uintptr_t)arg;
	for (int i = 0; i < YIELDS; i++) {
		turns[me]++;
		go_yield();
	}
	__atomic_fetch_add(&pp_done, 1, __ATOMIC_SEQ_CST);
}

static void yield_main(void *arg)
{
	(void)arg;
	go(yielder, (void *)0);
	go(yielder, (void *)1);
	while (__atomic_load_n(&pp_done, __ATOMIC_SEQ_CST) < 2)
		go_yield();
}

KTEST(sched_yield_pingpong)
{
	turns[0] = turns[1] = pp_done = 0;
	KTEST_ASSERT_EQ(go_main(yield_main, 0), GO_OK);
	KTEST_ASSERT_EQ(turns[0], YIELDS);
	KTEST_ASSERT_EQ(turns[1], YIELDS);
}

/* A goroutine that keeps yielding must not starve one that has work. */
static volatile int starve_flag;

static void setter(void *arg)
{
	(void)arg;
	starve_flag = 1;
}

static void starve_main(void *arg)
{
	(void)arg;
	go(setter, 0);
	uint64_t spins = 0;
	while (!starve_flag && spins < 1000000)
		spins++, go_yield();
}

KTEST(sched_yield_no_starvation)
{
	starve_flag = 0;
	KTEST_ASSERT_EQ(go_main(starve_main, 0), GO_OK);
	KTEST_ASSERT_EQ(starve_flag, 1);
}

/* --- spawning, stealing --- */

/* Fewer than a local run queue holds, so none spill to the global queue:
 * the only way other Ps get any is stealing. */
#define BURST 200
static volatile uint32_t burst_done;
static volatile uint32_t burst_ids_xor;

static volatile uint8_t burst_p_ran[MAX_PROCS];   /* P p ran a worker */
static volatile uint32_t burst_ps;                 /* how many Ps did */

/* The P this goroutine runs on, read with preemption off. */
static unsigned current_p(void)
{
	struct m *mp = acquirem();
	unsigned id = mp->p->id;
	releasem(mp);
	return id;
}

static void burst_worker(void *arg)
{
	/* Each worker stays busy until every P has run one, so the Ms other
	 * than P0's can only get work by stealing it. The deadline (30 s of
	 * guest time) only ends a broken run: on a loaded host a vCPU can wait
	 * seconds for a host CPU before it steals. */
	if (!__atomic_exchange_n(&burst_p_ran[current_p()], 1, __ATOMIC_SEQ_CST))
		__atomic_fetch_add(&burst_ps, 1, __ATOMIC_SEQ_CST);
	uint64_t end = go_nanotime() + 30000000000ULL;
	while (__atomic_load_n(&burst_ps, __ATOMIC_SEQ_CST) != go_nprocs() && go_nanotime() < end)
		;
	__atomic_fetch_xor(&burst_ids_xor, (uint32_t)(uintptr_t)arg, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&burst_done, 1, __ATOMIC_SEQ_CST);
}

static void burst_reset(void)
{
	burst_done = 0;
	burst_ids_xor = 0;
	burst_ps = 0;
	for (unsigned p = 0; p < MAX_PROCS; p++)
		burst_p_ran[p] = 0;
}

static void burst_main(void *arg)
{
	(void)arg;
	for (uint32_t i = 1; i <= BURST; i++)
		if (go(burst_worker, (void *)(uintptr_t)(i * 2654435761u)) != GO_OK)
			return;  /* the test sees burst_done short */
	while (__atomic_load_n(&burst_done, __ATOMIC_SEQ_CST) < BURST)
		go_yield();
	/* A worker can be preempted between counting itself done and exiting;
	 * once main returns it would never run again (as in Go), so wait for
	 * every worker's exit: the test checks that each one is counted. */
	struct go_stats st;
	do {
		go_yield();
		go_stats(&st);
	} while (st.exited < BURST);
}

KTEST(sched_work_stealing)
{
	burst_reset();
	KTEST_ASSERT_EQ(go_main(burst_main, 0), GO_OK);
	KTEST_ASSERT_EQ(burst_done, BURST);
	uint32_t want = 0;
	for (uint32_t i = 1; i <= BURST; i++)
		want ^= i * 2654435761u;
	KTEST_ASSERT_EQ(burst_ids_xor, want);
	struct go_stats st;
	go_stats(&st);
	KTEST_ASSERT_EQ(st.spawned, BURST + 1);
	KTEST_ASSERT_EQ(st.exited, BURST + 1);
	/* Every P ran some of a burst spawned on P0. */
	for (unsigned p = 0; p < go_nprocs(); p++)
		if (go_p_executed(p) == 0)
			ktest_fail("P%u ran none of the burst", p);
	if (go_nprocs() > 1)
		KTEST_ASSERT(st.stolen_gs > 0);
}

/* --- preemption --- */

static volatile int spin_stop;
static volatile uint32_t spinners_started;

static void spinner(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&spinners_started, 1, __ATOMIC_SEQ_CST);
	while (!spin_stop)
		;     /* never yields: only preemption lets others run here */
}

static void preempt_main(void *arg)
{
	(void)arg;
	/* One spinner per P and one more: every M gets a spinner, so main
	 * runs again only because a spinner was preempted. */
	for (unsigned i = 0; i <= go_nprocs(); i++)
		go(spinner, 0);
	while (__atomic_load_n(&spinners_started, __ATOMIC_SEQ_CST) <= go_nprocs())
		go_yield();
	spin_stop = 1;
}

KTEST(sched_preempt_spinner)
{
	spin_stop = 0;
	spinners_started = 0;
	KTEST_ASSERT_EQ(go_main(preempt_main, 0), GO_OK);
	struct go_stats st;
	go_stats(&st);
	KTEST_ASSERT(st.preemptions > 0);
	KTEST_ASSERT_EQ(spin_stop, 1);
}

/* Preemption keeps a goroutine's SSE registers: two goroutines on one P
 * keep different values in xmm registers across many preemptions. */
static volatile int fp_stop;
static volatile uint64_t fp_bad, fp_rounds;

static void fp_worker(void *arg)
{
	uint64_t v = (uint64_t)(uintptr_t)arg;
	while (!fp_stop) {
		uint64_t out;
		uint32_t n = 200000;
		__asm__ volatile("movq %2, %%xmm7\n\t"
				 "1: decl %1; jnz 1b\n\t"   /* a window for the timer */
				 "movq %%xmm7, %0"
				 : "=r"(out), "+r"(n) : "r"(v) : "xmm7", "cc");
		if (out != v)
			__atomic_fetch_add(&fp_bad, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&fp_rounds, 1, __ATOMIC_SEQ_CST);
	}
}

static void fp_main(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < 2 * go_nprocs() + 1; i++)
		go(fp_worker, (void *)(uintptr_t)(0x1111111111111111ULL * (i + 1)));
	struct go_stats st;
	uint64_t deadline = go_nanotime() + 30000000000ULL;   /* only ends a broken run */
	do {
		go_yield();
		go_stats(&st);
	} while ((st.preemptions < 20 || fp_rounds < 100) && go_nanotime() < deadline);
	fp_stop = 1;
}

KTEST(sched_preempt_keeps_simd)
{
	fp_stop = 0;
	fp_bad = fp_rounds = 0;
	KTEST_ASSERT_EQ(go_main(fp_main, 0), GO_OK);
	struct go_stats st;
	go_stats(&st);
	KTEST_ASSERT(st.preemptions >= 20);
	KTEST_ASSERT(fp_rounds >= 100);
	KTEST_ASSERT_EQ(fp_bad, 0);
}

/* --- many goroutines --- */

#define MANY 100000
static struct chan *many_gate;
static volatile uint32_t many_parked, many_woke;

static void many_worker(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&many_parked, 1, __ATOMIC_SEQ_CST);
	bool ok = chan_recv(many_gate, NULL);  /* parks until the gate closes */
	if (!ok)
		__atomic_fetch_add(&many_woke, 1, __ATOMIC_SEQ_CST);
}

static volatile int many_spawn_err;

static void many_main(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < MANY; i++) {
		if (go(many_worker, 0) != GO_OK) {
			many_spawn_err = 1;
			break;
		}
		if (i % 256 == 0)
			go_yield();   /* let them park as we go */
	}
	while (__atomic_load_n(&many_parked, __ATOMIC_SEQ_CST) < MANY && !many_spawn_err)
		go_yield();
	struct go_stats st;
	go_stats(&st);
	if (!many_spawn_err && st.live < MANY)
		many_spawn_err = 2;   /* (a failed go() is error 1: kept) */
	chan_close(many_gate);
	while (__atomic_load_n(&many_woke, __ATOMIC_SEQ_CST) < MANY && !many_spawn_err)
		go_yield();
}

KTEST(sched_100k_goroutines)
{
	/* Each parked goroutine costs go_bytes_per_goroutine(); 1/8 more for the
	 * runtime's own structures and the allocator's slack. */
	uint64_t need = (uint64_t)MANY * go_bytes_per_goroutine() / 8 * 9;
	uint64_t have = (uint64_t)pmm_free_pages() * PAGE_SIZE;
	if (have < need)
		KTEST_SKIP("needs about %lu MiB free for %u parked goroutines, this boot has %lu MiB",
			   (unsigned long)(need >> 20), MANY, (unsigned long)(have >> 20));
	many_parked = many_woke = 0;
	many_spawn_err = 0;
	many_gate = chan_make(1, 0);
	KTEST_ASSERT(many_gate != 0);
	KTEST_ASSERT_EQ(go_main(many_main, 0), GO_OK);
	KTEST_ASSERT_EQ(many_spawn_err, 0);
	KTEST_ASSERT_EQ(many_parked, MANY);
	KTEST_ASSERT_EQ(many_woke, MANY);
	chan_free(many_gate);
}

/* --- deadlock --- */

static struct chan *dl_chan;

static void dl_blocked_sender(void *arg)
{
	(void)arg;
	int v = 1;
	chan_send(dl_chan, &v);  /* nobody ever receives */
}

static void dl_main(void *arg)
{
	(void)arg;
	go(dl_blocked_sender, 0);
	chan_recv(NULL, NULL);     /* a nil channel: blocks for ever */
}

KTEST(sched_deadlock_detected)
{
	dl_chan = chan_make(sizeof(int), 0);
	KTEST_ASSERT_EQ(go_main(dl_main, 0), GO_DEADLOCK);
	chan_free(dl_chan);
	/* The runtime is usable again afterwards. */
	hello_ran = 0;
	KTEST_ASSERT_EQ(go_main(hello_main, (void *)5), GO_OK);
	KTEST_ASSERT_EQ(hello_ran, 5);
}

/* --- stack overflow --- */

static volatile int overflow_depth;
static volatile int overflow_returned;
static struct chan *neighbour_gate;
static volatile int neighbour_ok = -1;

static int __attribute__((noinline)) recurse(int n)
{
	volatile char frame[96];
	frame[0] = (char)n;
	overflow_depth = n;
	if (n == 1000000)
		return frame[0];
	return recurse(n + 1) + frame[0];
}

static void overflower(void *arg)
{
	(void)arg;
	recurse(0);
	overflow_returned = 1;   /* never reached: the goroutine is stopped */
}

static void neighbour(void *arg)
{
	(void)arg;
	uint64_t canary[16];
	for (int i = 0; i < 16; i++)
		canary[i] = 0x5a5a5a5a00000000ULL + (uint64_t)i;
	chan_recv(neighbour_gate, NULL);
	int ok = 1;
	for (int i = 0; i < 16; i++)
		if (canary[i] != 0x5a5a5a5a00000000ULL + (uint64_t)i)
			ok = 0;
	neighbour_ok = ok;
}

static void overflow_main(void *arg)
{
	(void)arg;
	go(neighbour, 0);   /* allocated just before the overflower */
	go_yield();
	go(overflower, 0);
	struct go_stats st;
	do {
		go_yield();
		go_stats(&st);
	} while (st.stack_overflows == 0);
	chan_close(neighbour_gate);
	while (neighbour_ok < 0)
		go_yield();
}

KTEST(sched_stack_overflow_caught)
{
	overflow_returned = 0;
	neighbour_ok = -1;
	neighbour_gate = chan_make(1, 0);
	KTEST_ASSERT_EQ(go_main(overflow_main, 0), GO_OK);
	struct go_stats st;
	go_stats(&st);
	KTEST_ASSERT_EQ(st.stack_overflows, 1);
	KTEST_ASSERT_EQ(overflow_returned, 0);
	KTEST_ASSERT(overflow_depth > 2);
	KTEST_ASSERT(overflow_depth < (int)cmdline_num("gstack") / 96);
	KTEST_ASSERT_EQ(neighbour_ok, 1);
	chan_free(neighbour_gate);
}

/* --- go_panic --- */

static volatile int after_panic;

static void panicker(void *arg)
{
	(void)arg;
	go_panic("deliberate test panic %d", 42);
	after_panic = 1;
}

static void panic_main(void *arg)
{
	(void)arg;
	go(panicker, 0);
	struct go_stats st;
	do {
		go_yield();
		go_stats(&st);
	} while (st.panicked == 0);
}

KTEST(sched_go_panic_ends_goroutine)
{
	after_panic = 0;
	KTEST_ASSERT_EQ(go_main(panic_main, 0), GO_OK);
	struct go_stats st;
	go_stats(&st);
	KTEST_ASSERT_EQ(st.panicked, 1);
	KTEST_ASSERT_EQ(after_panic, 0);
}

/* --- GOMAXPROCS --- */

static void idle_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		go_yield();
}

KTEST(sched_gomaxprocs)
{
	KTEST_ASSERT_EQ(go_main(idle_main, 0), GO_OK);
	long want = cmdline_num("gomaxprocs");
	if (want <= 0 || want > (long)ncpus_online)
		want = ncpus_online;
	KTEST_ASSERT_EQ(go_nprocs(), want);
}

/* --- out of memory: a clean GO_ENOMEM, then everything still works --- */

static volatile uint32_t oom_spawned;
static volatile int oom_result;
static struct chan *oom_gate;

static void oom_parked(void *arg)
{
	(void)arg;
	chan_recv(oom_gate, NULL);
}

static void oom_main(void *arg)
{
	(void)arg;
	int r;
	while ((r = go(oom_parked, 0)) == GO_OK) {
		oom_spawned++;
		if (oom_spawned % 1024 == 0)
			go_yield();
	}
	oom_result = r;
	chan_close(oom_gate);   /* every parked goroutine wakes and ends */
}

/* Uses up all memory for goroutines (the units are kept for reuse), so it
 * runs alone: tests/boot.sh boots it by name. */
KTEST(solo_spawn_until_enomem)
{
	oom_spawned = 0;
	oom_result = 0;
	oom_gate = chan_make(1, 0);
	KTEST_ASSERT(oom_gate != 0);
	KTEST_ASSERT_EQ(go_main(oom_main, 0), GO_OK);
	KTEST_ASSERT_EQ(oom_result, GO_ENOMEM);
	KTEST_ASSERT(oom_spawned > 1000);
	/* The runtime still works, reusing the goroutines it has. */
	hello_ran = 0;
	KTEST_ASSERT_EQ(go_main(hello_main, (void *)9), GO_OK);
	KTEST_ASSERT_EQ(hello_ran, 9);
}

/* --- pinned goroutines (go_on) never leave their P --- */

#include "sched/sched.h"

static volatile uint32_t pin_bad, pin_runs, pin_done;

static void pinned_worker(void *arg)
{
	uint32_t want = (uint32_t)(uintptr_t)arg;
	for (int i = 0; i < 200; i++) {
		if (current_p() != want)
			__atomic_fetch_add(&pin_bad, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&pin_runs, 1, __ATOMIC_SEQ_CST);
		if (i % 3 == 0)
			go_yield();
		else
			go_sleep(0);
	}
	__atomic_fetch_add(&pin_done, 1, __ATOMIC_SEQ_CST);
}

static void pin_main(void *arg)
{
	(void)arg;
	unsigned n = go_nprocs();
	for (unsigned i = 0; i < 4 * n; i++)
		go_on(i % n, pinned_worker, (void *)(uintptr_t)(i % n));
	for (unsigned i = 0; i < 64; i++)
		go(burst_worker, (void *)(uintptr_t)i);   /* unpinned work to steal around them */
	while (__atomic_load_n(&pin_done, __ATOMIC_SEQ_CST) < 4 * n)
		go_yield();
}

KTEST(sched_go_on_pinned)
{
	pin_bad = pin_runs = pin_done = 0;
	burst_reset();
	KTEST_ASSERT_EQ(go_main(pin_main, 0), GO_OK);
	KTEST_ASSERT_EQ(pin_done, 4 * go_nprocs());
	KTEST_ASSERT_EQ(pin_runs, 4 * go_nprocs() * 200);
	KTEST_ASSERT_EQ(pin_bad, 0);
}
