/*
 * fuzz.c - schedfuzz=SEED: scheduling choices from a seeded generator, so
 * a run can shake the schedule on purpose, and again the same way.
 *
 * With a seed, the runtime decides at these points by a coin from this
 * M's generator instead of its usual rule (docs/trace.md lists them too):
 *   1. goready: runnext or the tail of the local queue (1 in 2), and the
 *      local queue or the global one (1 in 8);
 *   2. go(): the new G to runnext or the tail (1 in 2);
 *   3. go_yield: the fast path (straight to the next local G) or through
 *      g0 and the global queue (1 in 4);
 *   4. releasem bringing the preemption guard to 0 in a goroutine: an extra
 *      go_yield (1 in 8) - every runtime lock's release is such a point;
 *   5. the preemption slice: 1..20 ticks instead of PREEMPT_NS;
 *   6. the steal victim order and wakep's first P: fastrand is seeded from
 *      SEED instead of the cycle counter;
 *   7. the timer tick itself: each period 50..150% of normal (kernel/tick.c).
 * Each M has two generators derived from SEED and its id: one for the
 * choices a goroutine's own actions lead to (1-4, 6), one for those the
 * tick makes (5), so that at -smp 1 timer interrupts, which land where the
 * host's clock puts them, do not shift the choices: there the same seed
 * gives the same sequence of goroutine events (tests/trace.sh compares two
 * traces). With more CPUs the interleaving of the Ms is the hardware's:
 * the same seed is a strong shake, not a replay.
 *
 * Who calls: the M's own code, preemption off (fuzz_seed_m: m_new, before
 * the M runs).
 */
#include "sched/sched.h"

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t next64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

void fuzz_seed_m(struct m *mp)
{
	if (!sched.fuzz_seed)
		return;
	uint64_t base = mix64(sched.fuzz_seed ^ mix64(mp->id + 1));
	mp->fuzz_choice = base | 1;
	mp->fuzz_tick = mix64(base) | 1;
	mp->fastrand = (uint32_t)mix64(base ^ 0x5eed) | 1;
}

bool fuzz_chance(struct m *mp, unsigned one_in)
{
	if (__builtin_expect(!sched.fuzz_seed, 1) || !mp)
		return false;
	return next64(&mp->fuzz_choice) % one_in == 0;
}

/* A slice of 1 tick up to twice the normal one (preempt_tsc_slice), in
 * whole ticks: shorter and longer than usual, never longer on average. */
uint64_t fuzz_slice_cycles(struct m *mp)
{
	uint64_t tick = sched.tick_cycles ? sched.tick_cycles : 1;
	uint64_t ticks = 2 * preempt_tsc_slice / tick;
	if (ticks < 2)
		ticks = 2;
	return (1 + next64(&mp->fuzz_tick) % ticks) * tick;
}

/* releasem's hook: the guard just dropped to 0. Yield now and then when
 * this is a goroutine on its own stack with interrupts on - a point where
 * the tick could have preempted it anyway. */
void fuzz_after_release(void)
{
	if (plat_preempt_count() != 0)
		return;
	bool on = plat_irq_save();
	struct m *mp = getm();
	bool yield = on && mp && mp->curg && on_goroutine_stack() && fuzz_chance(mp, 8);
	plat_irq_restore(on);
	if (yield)
		go_yield();
}
