/*
 * preempt_hidden.c - lab 5's hidden tests: a preemption restores the
 * registers a spinning loop holds (rbx, r8-r15: callee-saved and caller-
 * saved ones alike); nothing is preempted while the guard is raised.
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "sched/runtime.h"
#include "sched/sched.h"

static volatile int go_on_flag, bad;
static volatile uint64_t preempted_during;

/* Spin with r8-r15 and rbx holding known values until the flag is set
 * (only another goroutine sets it: at -smp 1 only after a preemption of
 * this one), then check them. */
static void reg_spinner(void *arg)
{
	(void)arg;
	uint64_t wrong;
	__asm__ volatile(
		"movq $0x1111, %%rbx\n\t"
		"movq $0x8888, %%r8\n\t"
		"movq $0x9999, %%r9\n\t"
		"movq $0xaaaa, %%r10\n\t"
		"movq $0xbbbb, %%r11\n\t"
		"movq $0xcccc, %%r12\n\t"
		"movq $0xdddd, %%r13\n\t"
		"movq $0xeeee, %%r14\n\t"
		"movq $0xffff, %%r15\n\t"
		"1: pause\n\t"
		"cmpl $0, %[flag]\n\t"
		"je 1b\n\t"
		"xorq %[w], %[w]\n\t"
		"cmpq $0x1111, %%rbx\n\t setne %b[w]\n\t"
		"cmpq $0x8888, %%r8\n\t jne 2f\n\t"
		"cmpq $0x9999, %%r9\n\t jne 2f\n\t"
		"cmpq $0xaaaa, %%r10\n\t jne 2f\n\t"
		"cmpq $0xbbbb, %%r11\n\t jne 2f\n\t"
		"cmpq $0xcccc, %%r12\n\t jne 2f\n\t"
		"cmpq $0xdddd, %%r13\n\t jne 2f\n\t"
		"cmpq $0xeeee, %%r14\n\t jne 2f\n\t"
		"cmpq $0xffff, %%r15\n\t jne 2f\n\t"
		"jmp 3f\n\t"
		"2: movq $1, %[w]\n\t"
		"3:\n\t"
		: [w] "=&a"(wrong)
		: [flag] "m"(go_on_flag)
		: "rbx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
	if (wrong)
		bad++;
}

static void setter(void *arg)
{
	(void)arg;
	__atomic_store_n(&go_on_flag, 1, __ATOMIC_SEQ_CST);
}

static void regs_main(void *arg)
{
	(void)arg;
	go(setter, 0);
	reg_spinner(0);
}

KTEST(lab5_preempt_keeps_every_register)
{
	go_on_flag = bad = 0;
	struct go_stats s0, s1;
	go_stats(&s0);
	go_set_maxprocs(1);    /* the setter runs only if the spinner is preempted */
	int r = go_main(regs_main, 0);
	go_set_maxprocs(0);
	go_stats(&s1);
	KTEST_ASSERT_EQ(r, GO_OK);
	KTEST_ASSERT(s1.preemptions > 0);
	KTEST_ASSERT_EQ(bad, 0);
}

/* With the guard raised for several ticks the goroutine keeps its M. */
static void guarded_main(void *arg)
{
	(void)arg;
	struct m *mp = acquirem();
	uint64_t before = __atomic_load_n(&sched.preemptions, __ATOMIC_SEQ_CST);
	uint64_t end = go_nanotime() + 50000000ULL;   /* 50 ms: several slices */
	while (go_nanotime() < end)
		;
	preempted_during = __atomic_load_n(&sched.preemptions, __ATOMIC_SEQ_CST) - before;
	if (getm() != mp)
		bad++;
	releasem(mp);
}

KTEST(lab5_no_preemption_under_the_guard)
{
	bad = 0;
	preempted_during = 99;
	go_set_maxprocs(1);
	int r = go_main(guarded_main, 0);
	go_set_maxprocs(0);
	KTEST_ASSERT_EQ(r, GO_OK);
	KTEST_ASSERT_EQ(bad, 0);
	KTEST_ASSERT_EQ(preempted_during, 0);
}
