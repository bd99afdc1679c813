/*
 * spinlock.c - test-and-test-and-set locks (contract in spinlock.h).
 * holder_cpu is written only by the holder; before the per-CPU area exists
 * (very early boot) every lock is taken by CPU 0.
 */
#include "kernel/spinlock.h"
#include "kernel/panic.h"
#include "arch/x86_64/percpu.h"

extern bool percpu_ready;

static int32_t my_cpu(void)
{
	return percpu_ready ? (int32_t)cpu_id() : 0;
}

bool spin_trylock(struct spinlock *l)
{
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		return false;
	l->holder_cpu = my_cpu();
	return true;
}

void spin_lock(struct spinlock *l)
{
#if SPINDLE_DEBUG
	if (l->locked && l->holder_cpu == my_cpu())
		panic("spinlock %s: recursive acquire on cpu %d", l->name, my_cpu());
#endif
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	l->holder_cpu = my_cpu();
}

void spin_unlock(struct spinlock *l)
{
#if SPINDLE_DEBUG
	if (!l->locked || l->holder_cpu != my_cpu())
		panic("spinlock %s: released by cpu %d, holder %d", l->name, my_cpu(), l->holder_cpu);
#endif
	l->holder_cpu = -1;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

bool spin_held_by_me(const struct spinlock *l)
{
	return l->locked && l->holder_cpu == my_cpu();
}
