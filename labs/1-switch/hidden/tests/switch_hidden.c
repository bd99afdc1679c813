/*
 * switch_hidden.c - lab 1's hidden tests (labs/1-switch/hidden/points):
 * what a context switch must keep, checked on every resume.
 */
#include <stdint.h>
#include "kernel/ktest.h"
#include "sched/runtime.h"
#include "sched/sched.h"

#define ROUNDS 10000

static struct chan *ping, *pong;
static volatile int bad_regs, bad_align, bad_irq, bad_limit;

/* One park: receive what the echo goroutine sends back. */
__attribute__((noinline)) static void park_once(void)
{
	uint64_t v = 1;
	chan_send(ping, &v);
	chan_recv(pong, &v);
}

static void echo(void *arg)
{
	(void)arg;
	uint64_t v;
	for (int i = 0; i < ROUNDS; i++) {
		chan_recv(ping, &v);
		chan_send(pong, &v);
	}
}

/* Load rbx and r12-r15 with seed+0..4, call fn (a yield or a park) with
 * the stack 16-aligned, and store what the registers hold after it. */
static void regs_across(void (*fn)(void), uint64_t seed, uint64_t out[5])
{
	uint64_t *o = out, sd = seed;
	void (*f)(void) = fn;
	__asm__ volatile(
		"pushq %%rbp\n\t"
		"pushq %%rdi\n\t"
		"movq %%rsp, %%rbp\n\t"
		"andq $-16, %%rsp\n\t"
		"movq %%rsi, %%rbx\n\t"
		"leaq 1(%%rsi), %%r12\n\t"
		"leaq 2(%%rsi), %%r13\n\t"
		"leaq 3(%%rsi), %%r14\n\t"
		"leaq 4(%%rsi), %%r15\n\t"
		"call *%%rdx\n\t"
		"movq %%rbp, %%rsp\n\t"
		"popq %%rax\n\t"
		"movq %%rbx, 0(%%rax)\n\t"
		"movq %%r12, 8(%%rax)\n\t"
		"movq %%r13, 16(%%rax)\n\t"
		"movq %%r14, 24(%%rax)\n\t"
		"movq %%r15, 32(%%rax)\n\t"
		"popq %%rbp\n\t"
		: "+D"(o), "+S"(sd), "+d"(f)
		:
		: "rax", "rcx", "r8", "r9", "r10", "r11", "rbx", "r12", "r13", "r14", "r15", "memory",
		  "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/* After a resume: interrupts on, and the split-stack limit is this
 * goroutine's (its stack bottom plus the guard). */
static void check_resume(void)
{
	if (!plat_irq_enabled())
		bad_irq++;
	plat_preempt_off();
	struct g *gp = getm()->curg;
	uint64_t limit = this_cpu()->stack_limit;
	plat_preempt_on();
	if (!gp || limit != gp->stack_lo + GSTACK_GUARD)
		bad_limit++;
}

static void yield_fn(void)
{
	go_yield();
}

static void regs_main(void *arg)
{
	(void)arg;
	go(echo, 0);
	uint64_t out[5];
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t seed = 0x5eed0000ULL + (uint64_t)i * 16;
		regs_across(i % 2 ? yield_fn : park_once, seed, out);   /* even: one echo round */
		for (int r = 0; r < 5; r++)
			if (out[r] != seed + (uint64_t)r)
				bad_regs++;
		check_resume();
	}
	/* echo wants ROUNDS rounds; the odd i were yields */
	for (int i = 0; i < ROUNDS / 2; i++)
		park_once();
}

KTEST(lab1_callee_saved_survive_yields_and_parks)
{
	ping = chan_make(sizeof(uint64_t), 0);
	pong = chan_make(sizeof(uint64_t), 0);
	bad_regs = 0;
	KTEST_ASSERT_EQ(go_main(regs_main, 0), GO_OK);
	KTEST_ASSERT_EQ(bad_regs, 0);
}

static void aligned_child(void *arg)
{
	(void)arg;
	/* With frame pointers the frame is rsp at entry - 8 after push rbp:
	 * 16-aligned exactly when the call left rsp 16-aligned. */
	if ((uintptr_t)__builtin_frame_address(0) % 16 != 0)
		bad_align++;
}

static void aligned_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		go(aligned_child, 0);
	aligned_child(0);
	for (int i = 0; i < 1000; i++)
		go_yield();
}

KTEST(lab1_stack_aligned_at_goroutine_entry)
{
	bad_align = 0;
	KTEST_ASSERT_EQ(go_main(aligned_main, 0), GO_OK);
	KTEST_ASSERT_EQ(bad_align, 0);
}

static void irq_child(void *arg)
{
	(void)arg;
	check_resume();   /* the first "resume": gstart_trampoline */
	for (int i = 0; i < 1000; i++) {
		go_yield();
		check_resume();
		park_once();
		check_resume();
	}
}

static void irq_main(void *arg)
{
	(void)arg;
	go(echo, 0);
	irq_child(0);
	for (int i = 0; i < ROUNDS - 1000; i++)
		park_once();
}

KTEST(lab1_interrupts_on_at_every_resume)
{
	ping = chan_make(sizeof(uint64_t), 0);
	pong = chan_make(sizeof(uint64_t), 0);
	bad_irq = bad_limit = 0;
	KTEST_ASSERT_EQ(go_main(irq_main, 0), GO_OK);
	KTEST_ASSERT_EQ(bad_irq, 0);
}

static volatile int limit_done;

static void limit_child(void *arg)
{
	(void)arg;
	check_resume();
	for (int i = 0; i < 200; i++) {
		go_yield();
		check_resume();
	}
	__atomic_fetch_add(&limit_done, 1, __ATOMIC_RELEASE);
}

/* Many goroutines on every P, each resumed 200 times. */
static void limit_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++)
		go(limit_child, 0);
	while (__atomic_load_n(&limit_done, __ATOMIC_ACQUIRE) < 50) {
		go_yield();
		check_resume();
	}
}

KTEST(lab1_split_stack_limit_set_on_resume)
{
	bad_irq = bad_limit = 0;
	limit_done = 0;
	KTEST_ASSERT_EQ(go_main(limit_main, 0), GO_OK);
	KTEST_ASSERT_EQ(bad_limit, 0);
	KTEST_ASSERT_EQ(bad_irq, 0);
}
