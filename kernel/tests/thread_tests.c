/*
 * thread_tests.c - kernel threads (kernel/thread.h): preemption on every
 * core, FPU/SIMD state across preemption, guard pages, PCB accounting,
 * kmutex, ksem, kthread_sleep, memory per thread and refusal, CR3 switches.
 * Each runs at -smp 1, 2 and 4 in well under 3 s under TCG.
 */
#include <stdint.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/percpu.h"

#define MS 1000000ULL
#define MAX_T (2 * MAX_CPUS)

static unsigned ncpu(void) { return ncpus_online; }

/* ---- threads preempt each other on every core ---- */

static volatile bool spin_stop;
static volatile uint64_t spin_count[MAX_T];

static void spinner(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	while (!spin_stop)
		spin_count[i]++;
}

KTEST(thread_preempt_every_cpu)
{
	unsigned n = ncpu() * 2;
	struct tcb *t[MAX_T];
	spin_stop = false;
	for (unsigned i = 0; i < n; i++) {
		spin_count[i] = 0;
		t[i] = kthread_create(NULL, "spinner", spinner, (void *)(uintptr_t)i, KTHREAD_PRIO_DEFAULT,
				      (int)(i / 2));
		KTEST_ASSERT(t[i]);
	}
	uint64_t t0 = time_ns();
	bool ok = false;
	while (!ok && time_ns() - t0 < 2000 * MS) {
		kthread_sleep(20 * MS);
		ok = true;
		for (unsigned i = 0; i < n; i++)
			if (!spin_count[i] || !t[i]->switches_forced)
				ok = false;
	}
	spin_stop = true;
	uint64_t forced[MAX_CPUS] = { 0 };
	for (unsigned i = 0; i < n; i++) {
		struct kthread_exit_info info;
		KTEST_ASSERT_EQ(kthread_join_info(t[i], &info), 0);
		KTEST_ASSERT(spin_count[i] > 0);
		forced[i / 2] += info.switches_forced;
	}
	for (unsigned c = 0; c < ncpu(); c++)
		if (!forced[c])
			ktest_fail("no forced switch on CPU %u", c);
	kprintf("thread_preempt_every_cpu: %u threads on %u CPUs all ran within %lu ms\n", n, ncpu(),
		(unsigned long)((time_ns() - t0) / MS));
	KTEST_ASSERT(ok);
}

/* ---- FPU/SIMD state survives preemption ---- */

#define SIMD_BYTES (16 * 32)
static volatile bool simd_stop;
static volatile uint64_t simd_bad, simd_rounds;
static bool simd_avx;

static void simd_round(const uint8_t *in, uint8_t *out, unsigned long spins)
{
	if (simd_avx) {
		__asm__ volatile(
		"vmovdqu 0(%[in]), %%ymm0\n\t"
		"vmovdqu 32(%[in]), %%ymm1\n\t"
		"vmovdqu 64(%[in]), %%ymm2\n\t"
		"vmovdqu 96(%[in]), %%ymm3\n\t"
		"vmovdqu 128(%[in]), %%ymm4\n\t"
		"vmovdqu 160(%[in]), %%ymm5\n\t"
		"vmovdqu 192(%[in]), %%ymm6\n\t"
		"vmovdqu 224(%[in]), %%ymm7\n\t"
		"vmovdqu 256(%[in]), %%ymm8\n\t"
		"vmovdqu 288(%[in]), %%ymm9\n\t"
		"vmovdqu 320(%[in]), %%ymm10\n\t"
		"vmovdqu 352(%[in]), %%ymm11\n\t"
		"vmovdqu 384(%[in]), %%ymm12\n\t"
		"vmovdqu 416(%[in]), %%ymm13\n\t"
		"vmovdqu 448(%[in]), %%ymm14\n\t"
		"vmovdqu 480(%[in]), %%ymm15\n\t"
		"1: decq %[n]\n\t"
		"jnz 1b\n\t"
		"vmovdqu %%ymm0, 0(%[out])\n\t"
		"vmovdqu %%ymm1, 32(%[out])\n\t"
		"vmovdqu %%ymm2, 64(%[out])\n\t"
		"vmovdqu %%ymm3, 96(%[out])\n\t"
		"vmovdqu %%ymm4, 128(%[out])\n\t"
		"vmovdqu %%ymm5, 160(%[out])\n\t"
		"vmovdqu %%ymm6, 192(%[out])\n\t"
		"vmovdqu %%ymm7, 224(%[out])\n\t"
		"vmovdqu %%ymm8, 256(%[out])\n\t"
		"vmovdqu %%ymm9, 288(%[out])\n\t"
		"vmovdqu %%ymm10, 320(%[out])\n\t"
		"vmovdqu %%ymm11, 352(%[out])\n\t"
		"vmovdqu %%ymm12, 384(%[out])\n\t"
		"vmovdqu %%ymm13, 416(%[out])\n\t"
		"vmovdqu %%ymm14, 448(%[out])\n\t"
		"vmovdqu %%ymm15, 480(%[out])\n\t"
		"vzeroupper\n\t"
		: [n] "+r"(spins) : [in] "r"(in), [out] "r"(out) : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	} else {
		__asm__ volatile(
		"movdqu 0(%[in]), %%xmm0\n\t"
		"movdqu 16(%[in]), %%xmm1\n\t"
		"movdqu 32(%[in]), %%xmm2\n\t"
		"movdqu 48(%[in]), %%xmm3\n\t"
		"movdqu 64(%[in]), %%xmm4\n\t"
		"movdqu 80(%[in]), %%xmm5\n\t"
		"movdqu 96(%[in]), %%xmm6\n\t"
		"movdqu 112(%[in]), %%xmm7\n\t"
		"movdqu 128(%[in]), %%xmm8\n\t"
		"movdqu 144(%[in]), %%xmm9\n\t"
		"movdqu 160(%[in]), %%xmm10\n\t"
		"movdqu 176(%[in]), %%xmm11\n\t"
		"movdqu 192(%[in]), %%xmm12\n\t"
		"movdqu 208(%[in]), %%xmm13\n\t"
		"movdqu 224(%[in]), %%xmm14\n\t"
		"movdqu 240(%[in]), %%xmm15\n\t"
		"1: decq %[n]\n\t"
		"jnz 1b\n\t"
		"movdqu %%xmm0, 0(%[out])\n\t"
		"movdqu %%xmm1, 16(%[out])\n\t"
		"movdqu %%xmm2, 32(%[out])\n\t"
		"movdqu %%xmm3, 48(%[out])\n\t"
		"movdqu %%xmm4, 64(%[out])\n\t"
		"movdqu %%xmm5, 80(%[out])\n\t"
		"movdqu %%xmm6, 96(%[out])\n\t"
		"movdqu %%xmm7, 112(%[out])\n\t"
		"movdqu %%xmm8, 128(%[out])\n\t"
		"movdqu %%xmm9, 144(%[out])\n\t"
		"movdqu %%xmm10, 160(%[out])\n\t"
		"movdqu %%xmm11, 176(%[out])\n\t"
		"movdqu %%xmm12, 192(%[out])\n\t"
		"movdqu %%xmm13, 208(%[out])\n\t"
		"movdqu %%xmm14, 224(%[out])\n\t"
		"movdqu %%xmm15, 240(%[out])\n\t"
		: [n] "+r"(spins) : [in] "r"(in), [out] "r"(out) : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	}
}

static void simd_worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	uint8_t in[SIMD_BYTES], out[SIMD_BYTES];
	size_t len = simd_avx ? SIMD_BYTES : SIMD_BYTES / 2;
	for (unsigned r = 0; !simd_stop; r++) {
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)(seed * 131 + i * 7 + r);
		memset(out, 0, sizeof out);
		simd_round(in, out, 300000);
		if (memcmp(in, out, len))
			__atomic_fetch_add(&simd_bad, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&simd_rounds, 1, __ATOMIC_SEQ_CST);
	}
}

KTEST(thread_fpu_survives_preemption)
{
	struct cpuid_regs r = cpuid(1, 0);
	simd_avx = (r.ecx & (1u << 28)) && (xcr0_features & XCR0_AVX);
	unsigned n = ncpu() * 2;
	struct tcb *t[MAX_T];
	simd_stop = false;
	simd_bad = simd_rounds = 0;
	for (unsigned i = 0; i < n; i++) {
		t[i] = kthread_create(NULL, "simd", simd_worker, (void *)(uintptr_t)(i + 1),
				      KTHREAD_PRIO_DEFAULT, (int)(i / 2));
		KTEST_ASSERT(t[i]);
	}
	uint64_t t0 = time_ns();
	bool ok = false;
	while (!ok && time_ns() - t0 < 2000 * MS) {
		kthread_sleep(20 * MS);
		ok = simd_rounds >= 4 * n;
		for (unsigned i = 0; i < n; i++)
			if (t[i]->switches_forced < 2)
				ok = false;
	}
	simd_stop = true;
	uint64_t forced = 0;
	for (unsigned i = 0; i < n; i++) {
		struct kthread_exit_info info;
		kthread_join_info(t[i], &info);
		forced += info.switches_forced;
	}
	kprintf("thread_fpu_survives_preemption: %s, %lu rounds, %lu preemptions, %lu bad\n",
		simd_avx ? "16 ymm" : "16 xmm", (unsigned long)simd_rounds, (unsigned long)forced,
		(unsigned long)simd_bad);
	KTEST_ASSERT_EQ(simd_bad, 0);
	KTEST_ASSERT(forced >= 2 * n);
	KTEST_ASSERT(ok);
}

/* ---- a stack overflow hits the guard page; the rest keeps running ---- */

static volatile int depth_limit = 1 << 30;

static int __attribute__((noinline)) deep(int d)
{
	volatile char buf[6000];
	buf[0] = (char)d;
	buf[sizeof buf - 1] = (char)d;
	if (d >= depth_limit)
		return buf[0];
	return deep(d + 1) + buf[sizeof buf - 1];
}

static void overflower(void *arg)
{
	(void)arg;
	kthread_sleep(5 * MS);
	deep(0);
	kthread_exit(7);  /* not reached */
}

static volatile unsigned canary_laps;

static void canary(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < 6; i++) {
		kthread_sleep(5 * MS);
		canary_laps++;
	}
	kthread_exit(42);
}

KTEST(thread_guard_page_overflow)
{
	struct kthread_stats s0, s1;
	kthread_stats(&s0);
	canary_laps = 0;
	struct tcb *c = kthread_create(NULL, "canary", canary, NULL, KTHREAD_PRIO_DEFAULT, 0);
	struct tcb *o = kthread_create(NULL, "overflower", overflower, NULL, KTHREAD_PRIO_DEFAULT,
				       (int)(ncpu() - 1));
	KTEST_ASSERT(c && o);
	KTEST_ASSERT_EQ(kthread_join(o), KTHREAD_EXIT_OVERFLOW);
	KTEST_ASSERT_EQ(kthread_join(c), 42);
	KTEST_ASSERT_EQ(canary_laps, 6);
	kthread_stats(&s1);
	KTEST_ASSERT_EQ(s1.guard_faults - s0.guard_faults, 1);
}

/* ---- PCB accounting adds up ---- */

static void acct_sleeper(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++)
		kthread_sleep(2 * MS);
}

#define ACCT_YIELDS 20
static volatile int acct_yields_done;

/* Shares its CPU with acct_partner, which spins until these yields are
 * done: each yield switches to the partner (voluntary), and the partner
 * gives the CPU back only when its time slice ends (forced). Counts, not
 * times, so it holds at any hz and on any host. */
static void acct_yielder(void *arg)
{
	(void)arg;
	for (int i = 0; i < ACCT_YIELDS; i++)
		kthread_yield();
	acct_yields_done = 1;
}

static void acct_partner(void *arg)
{
	(void)arg;
	while (!acct_yields_done)
		cpu_relax();
}

static void acct_spinner(void *arg)
{
	uint64_t ns = (uint64_t)(uintptr_t)arg;
	uint64_t t0 = time_ns();
	while (time_ns() - t0 < ns)
		cpu_relax();
}

static void acct_io(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		kthread_device_wait(3 * MS);
}

KTEST(thread_pcb_accounting)
{
	struct pcb *p = pcb_create("acct", KTHREAD_PRIO_DEFAULT, 5 * MS);
	KTEST_ASSERT(p);
	unsigned last = ncpu() - 1;
	struct tcb *t[6];
	t[0] = kthread_create(p, "sleeper", acct_sleeper, NULL, -1, KTHREAD_ANY_CPU);
	t[1] = kthread_create(p, "sleeper", acct_sleeper, NULL, -1, KTHREAD_ANY_CPU);
	/* the yielder's partner first, so that each of its yields switches */
	acct_yields_done = 0;
	t[3] = kthread_create(p, "partner", acct_partner, NULL, -1, (int)last);
	t[2] = kthread_create(p, "yielder", acct_yielder, NULL, -1, (int)last);
	t[4] = kthread_create(p, "spinner", acct_spinner, (void *)(uintptr_t)(30 * MS), -1, KTHREAD_ANY_CPU);
	t[5] = kthread_create(p, "io", acct_io, NULL, -1, KTHREAD_ANY_CPU);
	for (int i = 0; i < 6; i++)
		KTEST_ASSERT(t[i]);
	KTEST_ASSERT_EQ(p->nthreads, 6);
	KTEST_ASSERT_EQ(p->stack_bytes, 6 * KTHREAD_STACK_SIZE);
	struct kthread_exit_info info[6];
	uint64_t cpu = 0, vol = 0, forced = 0;
	for (int i = 0; i < 6; i++) {
		KTEST_ASSERT_EQ(kthread_join_info(t[i], &info[i]), 0);
		cpu += info[i].cpu_ns;
		vol += info[i].switches_voluntary;
		forced += info[i].switches_forced;
	}
	for (int i = 0; i < 6; i++)
		kprintf("  acct tid %u: %lu us, %lu vol, %lu forced\n", info[i].tid,
			(unsigned long)(info[i].cpu_ns / 1000), (unsigned long)info[i].switches_voluntary,
			(unsigned long)info[i].switches_forced);
	KTEST_ASSERT(info[0].switches_voluntary >= 5);
	KTEST_ASSERT(info[1].switches_voluntary >= 5);
	KTEST_ASSERT(info[2].switches_voluntary >= ACCT_YIELDS); /* every yield switched */
	KTEST_ASSERT(info[3].switches_forced >= ACCT_YIELDS - 1); /* and got the CPU back */
	KTEST_ASSERT(info[5].switches_voluntary >= 3);
	KTEST_ASSERT(info[3].cpu_ns > 0);
	KTEST_ASSERT_EQ(p->cpu_ns, cpu);
	KTEST_ASSERT_EQ(p->switches_voluntary, vol);
	KTEST_ASSERT_EQ(p->switches_forced, forced);
	KTEST_ASSERT_EQ(p->io_requests, 3);
	KTEST_ASSERT_EQ(p->io_waits, 0);
	KTEST_ASSERT_EQ(p->nthreads, 0);
	KTEST_ASSERT_EQ(p->nthreads_alive, 0);
	KTEST_ASSERT_EQ(p->stack_bytes, 0);
	kprintf("thread_pcb_accounting: pid %u: %lu us on CPUs, %lu voluntary + %lu forced switches\n",
		p->pid, (unsigned long)(p->cpu_ns / 1000), (unsigned long)vol, (unsigned long)forced);
	pcb_destroy(p);
}

/* ---- kmutex: no lost updates across cores ---- */

static struct kmutex test_mutex = KMUTEX_INIT;
static volatile uint64_t mutex_counter;
#define MUTEX_ITERS 200

static void mutex_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < MUTEX_ITERS; i++) {
		kmutex_lock(&test_mutex);
		uint64_t v = mutex_counter;
		for (int j = 0; j < 20; j++)
			cpu_relax();
		if (i % 64 == 0)
			kthread_yield();  /* sleep holding it: others queue up */
		mutex_counter = v + 1;
		kmutex_unlock(&test_mutex);
	}
}

KTEST(thread_kmutex_no_lost_updates)
{
	unsigned n = ncpu() * 2;
	struct tcb *t[MAX_T];
	mutex_counter = 0;
	for (unsigned i = 0; i < n; i++) {
		t[i] = kthread_create(NULL, "mutex", mutex_worker, NULL, -1, (int)(i % ncpu()));
		KTEST_ASSERT(t[i]);
	}
	for (unsigned i = 0; i < n; i++)
		kthread_join(t[i]);
	KTEST_ASSERT_EQ(mutex_counter, (uint64_t)n * MUTEX_ITERS);
	KTEST_ASSERT(test_mutex.owner == NULL && test_mutex.waiters == NULL);
}

/* ---- ksem ping-pong between two CPUs ---- */

#define PINGS 200
static struct ksem ping = KSEM_INIT(0), pong = KSEM_INIT(0);
static volatile unsigned pings_seen, pongs_seen;
static uint64_t rt_min = ~0ULL, rt_max, rt_slow;

static void pinger(void *arg)
{
	(void)arg;
	for (int i = 0; i < PINGS; i++) {
		uint64_t t0 = time_ns();
		ksem_post(&ping);
		ksem_wait(&pong);
		uint64_t d = time_ns() - t0;
		if (d < rt_min) rt_min = d;
		if (d > rt_max) rt_max = d;
		if (d > 1000000) rt_slow++;
		pongs_seen++;
	}
}

static void ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < PINGS; i++) {
		ksem_wait(&ping);
		pings_seen++;
		ksem_post(&pong);
	}
}

KTEST(thread_ksem_pingpong)
{
	unsigned a = ncpu() > 1 ? 1 : 0, b = ncpu() > 2 ? 2 : 0;
	pings_seen = pongs_seen = 0;
	uint64_t t0 = time_ns();
	struct tcb *x = kthread_create(NULL, "pinger", pinger, NULL, -1, (int)a);
	struct tcb *y = kthread_create(NULL, "ponger", ponger, NULL, -1, (int)b);
	KTEST_ASSERT(x && y);
	kthread_join(x);
	kthread_join(y);
	KTEST_ASSERT_EQ(pings_seen, PINGS);
	KTEST_ASSERT_EQ(pongs_seen, PINGS);
	KTEST_ASSERT_EQ(ping.count, 0);
	KTEST_ASSERT_EQ(pong.count, 0);
	kprintf("thread_ksem_pingpong: %u round trips CPU %u <-> CPU %u in %lu us (min %lu max %lu us, %lu > 1 ms)\n", PINGS, a, b,
		(unsigned long)((time_ns() - t0) / 1000), (unsigned long)(rt_min / 1000), (unsigned long)(rt_max / 1000), (unsigned long)rt_slow);
}

/* ---- kthread_sleep wakes no earlier than asked ---- */

static volatile uint64_t slept_early;

static void sleeper(void *arg)
{
	uint64_t ns = (uint64_t)(uintptr_t)arg;
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = time_ns();
		kthread_sleep(ns);
		if (time_ns() - t0 < ns)
			slept_early++;
	}
}

KTEST(thread_sleep_not_early)
{
	static const uint64_t asks[] = { 1 * MS, 3 * MS, 12 * MS, 25 * MS };
	struct tcb *t[4];
	slept_early = 0;
	for (int i = 0; i < 4; i++) {
		t[i] = kthread_create(NULL, "sleeper", sleeper, (void *)(uintptr_t)asks[i], -1, KTHREAD_ANY_CPU);
		KTEST_ASSERT(t[i]);
	}
	for (int i = 0; i < 4; i++)
		kthread_join(t[i]);
	uint64_t t0 = time_ns();
	kthread_sleep(30 * MS);
	uint64_t took = time_ns() - t0;
	KTEST_ASSERT(took >= 30 * MS);
	KTEST_ASSERT(took < 1000 * MS);
	KTEST_ASSERT_EQ(slept_early, 0);
}

/* ---- memory per thread; a budget makes kthread_create refuse ---- */

static struct ksem hold = KSEM_INIT(0);

static void holder(void *arg)
{
	(void)arg;
	ksem_wait(&hold);
}

KTEST(thread_create_memory_and_refusal)
{
	enum { N = 20 };
	struct tcb *t[N];
	size_t free0 = pmm_free_pages();
	for (int i = 0; i < N; i++) {
		t[i] = kthread_create(NULL, "holder", holder, NULL, -1, KTHREAD_ANY_CPU);
		KTEST_ASSERT(t[i]);
	}
	size_t free1 = pmm_free_pages();
	size_t per = kthread_bytes_per_thread() / PAGE_SIZE - 1;  /* the guard page costs no RAM */
	KTEST_ASSERT(free0 - free1 >= N * per);
	KTEST_ASSERT(free0 - free1 <= N * (per + 4));
	for (int i = 0; i < N; i++)
		ksem_post(&hold);
	for (int i = 0; i < N; i++)
		kthread_join(t[i]);
	size_t free2 = pmm_free_pages();
	KTEST_ASSERT(free0 - free2 <= 2 * N);  /* only page tables of new stack slots stay */
	kprintf("thread_create_memory: %d threads took %lu KiB, %lu KiB came back after join\n", N,
		(unsigned long)((free0 - free1) * 4), (unsigned long)((free2 - free1) * 4));

	struct kthread_stats st;
	kthread_stats(&st);
	size_t old = kthread_set_budget(st.bytes_in_use + 3 * kthread_bytes_per_thread());
	int made = 0;
	struct tcb *u[10];
	for (; made < 10; made++) {
		u[made] = kthread_create(NULL, "holder", holder, NULL, -1, KTHREAD_ANY_CPU);
		if (!u[made])
			break;
	}
	kthread_set_budget(old);
	for (int i = 0; i < made; i++)
		ksem_post(&hold);
	for (int i = 0; i < made; i++)
		kthread_join(u[i]);
	KTEST_ASSERT_EQ(made, 3);
}

/* ---- CR3 switches when threads of two processes alternate ---- */

static volatile uint64_t cr3_bad;
static volatile uint32_t cr3_arrived;

static void cr3_worker(void *arg)
{
	struct pcb *p = arg;
	/* Both run on one CPU: wait until both are there, so the yields below
	 * alternate between the two processes. */
	__atomic_fetch_add(&cr3_arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&cr3_arrived, __ATOMIC_SEQ_CST) < 2)
		kthread_yield();
	for (int i = 0; i < 20; i++) {
		if (read_cr3() != p->cr3)
			cr3_bad++;
		kthread_yield();
	}
}

KTEST(thread_cr3_switch)
{
	struct pcb *a = pcb_create("cr3-a", KTHREAD_PRIO_DEFAULT, 0);
	struct pcb *b = pcb_create("cr3-b", KTHREAD_PRIO_DEFAULT, 0);
	KTEST_ASSERT(a && b);
	KTEST_ASSERT(a->cr3 != b->cr3 && a->cr3 != pcb_kernel()->cr3);
	struct kthread_stats s0, s1;
	kthread_stats(&s0);
	cr3_bad = 0;
	cr3_arrived = 0;
	int cpu = (int)ncpu() - 1;
	struct tcb *x = kthread_create(a, "cr3-a", cr3_worker, a, -1, cpu);
	struct tcb *y = kthread_create(b, "cr3-b", cr3_worker, b, -1, cpu);
	KTEST_ASSERT(x && y);
	kthread_join(x);
	kthread_join(y);
	kthread_stats(&s1);
	KTEST_ASSERT_EQ(cr3_bad, 0);
	KTEST_ASSERT(s1.cr3_loads - s0.cr3_loads >= 30);
	kprintf("thread_cr3_switch: %lu CR3 loads\n", (unsigned long)(s1.cr3_loads - s0.cr3_loads));
	pcb_destroy(a);
	pcb_destroy(b);
}
