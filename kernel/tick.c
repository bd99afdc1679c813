/*
 * tick.c - the timer interrupt's one dispatcher and the wakeup IPI.
 *
 * Every LAPIC timer tick, on its CPU, on the IST stack, interrupts off,
 * runs these in this order, for these reasons:
 *   1. kernel timers (kthread_tick_timers): wake sleeping threads and end
 *      simulated device requests. First, because each of the next two may
 *      switch away and not return to this function.
 *   2. goroutine preemption (sched_tick, sched/preempt.c): the goroutine
 *      running on this CPU's M is preempted after its 10 ms slice, when a
 *      timer of its P is due, or when a kernel thread waits for the CPU.
 *      Before the thread scheduler, so a goroutine is switched at the
 *      goroutine level when that is enough.
 *   3. kernel-thread time slices (kthread_tick, kernel/thread.c): the
 *      running thread is preempted after its slice if another is ready.
 * Both preemptions honour the CPU's one preemption guard (struct cpu's
 * preempt_off) and leave the interrupt themselves (EOI) when they switch.
 * With schedfuzz=SEED each tick also sets the next period to 50..150% of
 * the normal one, from a generator per CPU seeded by SEED (the tick
 * jitter of docs/trace.md: a race that needs a preemption at a particular
 * point gets more chances to see one).
 * Registered by boot_main, boot CPU, before SMP.
 */
#include "kernel/kernel.h"
#include "kernel/cmdline.h"
#include "kernel/ktest.h"
#include "kernel/thread.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"

void sched_tick(struct trap_frame *tf); /* sched/preempt.c: may not return */

static uint64_t jitter_state[MAX_CPUS];   /* each written by its CPU only */

static void tick_jitter(struct cpu *c)
{
	static long seed = -1;
	if (seed < 0)
		seed = cmdline_num("schedfuzz");   /* the same value on every CPU */
	if (!seed)
		return;
	uint64_t *x = &jitter_state[c->id];
	if (!*x)
		*x = ((uint64_t)seed * 0x9e3779b97f4a7c15ULL) ^ (c->id + 1) * 0xbf58476d1ce4e5b9ULL;
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	lapic_timer_next_period(timer_hz, 50 + (unsigned)(*x % 101));
}

void tick_irq(struct trap_frame *tf)
{
	this_cpu()->timer_ticks++;
	tick_jitter(this_cpu());
	ktest_tick(tf);     /* a test past its ktest_timeout=: dump and fail */
	kthread_tick_timers();
	sched_tick(tf);
	kthread_tick(tf);
	lapic_eoi();
}

/* A wakeup IPI (plat_cpu_wake, kernel/thread.c's kick) only ends a hlt:
 * the woken CPU looks for work itself. */
void wake_irq(struct trap_frame *tf)
{
	(void)tf;
	lapic_eoi();
}
