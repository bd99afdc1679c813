/*
 * spinlock.c - test-and-test-and-set locks (contract in spinlock.h).
 * holder_cpu is written only by the holder but read by anyone (the debug
 * checks), and a lock's rank is filled in by whoever takes it first: both
 * are relaxed atomics (the host build runs this under ThreadSanitizer,
 * arch/host). Before the per-CPU area exists
 * (very early boot) every lock is taken by CPU 0.
 *
 * Debug builds keep, per CPU, the locks it holds, and check each acquire
 * against kernel/lockrank.c's order before spinning: an inversion is
 * reported the first time it happens, not only when two CPUs deadlock.
 */
#include "kernel/spinlock.h"
#include "kernel/lockrank.h"
#include "kernel/panic.h"
#include "arch/x86_64/percpu.h"

extern bool percpu_ready;

static int32_t my_cpu(void)
{
	return percpu_ready ? (int32_t)cpu_id() : 0;
}

static int32_t holder_of(const struct spinlock *l)
{
	return __atomic_load_n(&l->holder_cpu, __ATOMIC_RELAXED);
}

static void holder_set(struct spinlock *l, int32_t cpu)
{
	__atomic_store_n(&l->holder_cpu, cpu, __ATOMIC_RELAXED);
}

#if SPINDLE_DEBUG
#define HELD_MAX 16

/* Locks each CPU holds, in acquire order (touched only by that CPU). */
static struct held {
	const struct spinlock *lock[HELD_MAX];
	unsigned n;
} held[MAX_CPUS];

static uint8_t rank_of(struct spinlock *l)
{
	uint8_t rank = __atomic_load_n(&l->rank, __ATOMIC_RELAXED);
	if (!rank) {
		const struct lockrank *r = lockrank_find(l->name);
		if (!r)
			panic("spinlock %s: no rank in kernel/lockrank.c (add its class)", l->name);
		rank = r->rank;
		__atomic_store_n(&l->rank, rank, __ATOMIC_RELAXED);
	}
	return rank;
}

static bool may_follow(const struct spinlock *h, struct spinlock *l)
{
	uint8_t hr = __atomic_load_n(&h->rank, __ATOMIC_RELAXED);
	uint8_t lr = __atomic_load_n(&l->rank, __ATOMIC_RELAXED);
	if (hr != lr)
		return hr < lr;
	const struct lockrank *r = lockrank_find(l->name);
	return r->self_nests && h < l;
}

/* Before taking l: every lock this CPU holds must come before it. */
static void order_check(struct spinlock *l)
{
	struct held *h = &held[my_cpu()];
	rank_of(l);
	for (unsigned i = 0; i < h->n; i++)
		if (!may_follow(h->lock[i], l))
			panic("lock order: taking %s (rank %u) while holding %s (rank %u) on cpu %d; "
			      "see kernel/lockrank.c", l->name, l->rank, h->lock[i]->name,
			      h->lock[i]->rank, my_cpu());
}

static void held_push(const struct spinlock *l)
{
	struct held *h = &held[my_cpu()];
	if (h->n == HELD_MAX)
		panic("spinlock %s: more than %d locks held on cpu %d", l->name, HELD_MAX, my_cpu());
	h->lock[h->n++] = l;
}

static void held_pop(const struct spinlock *l)
{
	struct held *h = &held[my_cpu()];
	for (unsigned i = h->n; i-- > 0;)
		if (h->lock[i] == l) {
			for (unsigned j = i; j + 1 < h->n; j++)
				h->lock[j] = h->lock[j + 1];
			h->n--;
			return;
		}
}
#else
static void order_check(struct spinlock *l) { (void)l; }
static void held_push(const struct spinlock *l) { (void)l; }
static void held_pop(const struct spinlock *l) { (void)l; }
#endif

bool spin_trylock(struct spinlock *l)
{
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		return false;
	holder_set(l, my_cpu());
	held_push(l);   /* a trylock cannot deadlock: not checked, only recorded */
	return true;
}

void spin_lock(struct spinlock *l)
{
#if SPINDLE_DEBUG
	if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) && holder_of(l) == my_cpu())
		panic("spinlock %s: recursive acquire on cpu %d", l->name, my_cpu());
#endif
	order_check(l);
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	holder_set(l, my_cpu());
	held_push(l);
}

void spin_unlock(struct spinlock *l)
{
#if SPINDLE_DEBUG
	if (!__atomic_load_n(&l->locked, __ATOMIC_RELAXED) || holder_of(l) != my_cpu())
		panic("spinlock %s: released by cpu %d, holder %d", l->name, my_cpu(), holder_of(l));
#endif
	held_pop(l);
	holder_set(l, -1);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

unsigned spin_held_count(void)
{
#if SPINDLE_DEBUG
	return held[my_cpu()].n;
#else
	return 0;
#endif
}

bool spin_held_by_me(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) && holder_of(l) == my_cpu();
}
