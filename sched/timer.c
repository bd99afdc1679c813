/*
 * timer.c - per-P timer heaps, go_sleep, go_after, go_nanotime.
 *
 * Each P keeps its armed timers in a 4-ary min-heap ordered by deadline
 * (pp->timers, pp->ntimers of pp->timercap slots), guarded by
 * pp->timerlock. A 4-ary heap is shallower than a binary one (fewer cache
 * lines touched per sift) at the cost of three extra compares per level.
 *
 *  - timer_start puts a timer in the heap of the P the caller runs on; the
 *    heap grows by doubling (malloc on the system stack when called on a
 *    goroutine stack), so any number of timers can be armed.
 *  - timer_stop takes a timer out of whichever heap holds it (t->pp, which
 *    changes only under that heap's lock).
 *  - timers_run(pp, now), called by pp's M on g0 on every schedule round and
 *    timer tick, pops every expired timer and calls fn(arg, now) with the
 *    lock dropped (fn may call goready or timer_start). It copies fn and arg
 *    out before dropping the lock and never touches a fired timer again, so
 *    a timer on a goroutine stack may be reused as soon as its fn ran.
 *
 * sched.timers_pending counts timers that are armed or whose fn has not yet
 * returned: timers_run decrements it only after the fn made its goroutine
 * runnable, so a scheduler that sees no runnable G and timers_pending == 0
 * can never miss a wakeup that is under way (no false deadlock report).
 *
 * A struct gtimer is unarmed when t->pp == NULL (a zeroed timer is unarmed).
 */
#include <stdlib.h>
#include <string.h>
#include "sched/sched.h"

#define HEAP_D          4        /* children per node */
#define TIMERS_MIN_CAP  64
#define WHEN_MAX        (UINT64_MAX - 1)
#define RUN_BATCH       16       /* expired timers popped per lock hold */

uint64_t go_nanotime(void)
{
	return plat_nanotime();
}

static uint64_t when_after(uint64_t ns)
{
	uint64_t now = go_nanotime();
	return ns > WHEN_MAX - now ? WHEN_MAX : now + ns;
}

/* --- memory: malloc must not run on a 2 KiB goroutine stack --- */

/* --- the heap: pp->timerlock held --- */

static inline void heap_set(struct gtimer **h, uint32_t i, struct gtimer *t)
{
	h[i] = t;
	t->heap_index = (int32_t)i;
}

static void sift_up(struct p *pp, uint32_t i)
{
	ASSERT_HELD(&pp->timerlock);
	struct gtimer **h = pp->timers;
	struct gtimer *t = h[i];
	uint64_t when = t->when;
	while (i > 0) {
		uint32_t parent = (i - 1) / HEAP_D;
		if (h[parent]->when <= when)
			break;
		heap_set(h, i, h[parent]);
		i = parent;
	}
	heap_set(h, i, t);
}

static void sift_down(struct p *pp, uint32_t i)
{
	ASSERT_HELD(&pp->timerlock);
	struct gtimer **h = pp->timers;
	uint32_t n = pp->ntimers;
	struct gtimer *t = h[i];
	uint64_t when = t->when;
	for (;;) {
		uint64_t c = (uint64_t)i * HEAP_D + 1;
		if (c >= n)
			break;
		uint32_t end = c + HEAP_D < n ? (uint32_t)c + HEAP_D : n;
		uint32_t best = (uint32_t)c;
		uint64_t bw = h[c]->when;
		for (uint32_t j = (uint32_t)c + 1; j < end; j++) {
			if (h[j]->when < bw) {
				best = j;
				bw = h[j]->when;
			}
		}
		if (bw >= when)
			break;
		heap_set(h, i, h[best]);
		i = best;
	}
	heap_set(h, i, t);
}

static void heap_remove(struct p *pp, uint32_t i)
{
	ASSERT_HELD(&pp->timerlock);
	struct gtimer **h = pp->timers;
	struct gtimer *t = h[i];
	SCHED_ASSERT(i < pp->ntimers && t->pp == pp);
	uint32_t last = pp->ntimers - 1;
	store_relaxed(&pp->ntimers, last);   /* read without the lock (schedule) */
	if (i != last) {
		struct gtimer *moved = h[last];
		heap_set(h, i, moved);
		if (i > 0 && h[(i - 1) / HEAP_D]->when > moved->when)
			sift_up(pp, i);
		else
			sift_down(pp, i);
	}
	h[last] = NULL;
	t->heap_index = -1;
	__atomic_store_n(&t->pp, NULL, __ATOMIC_RELEASE);
}

/* Make room for one more timer. Called and returns with pp->timerlock held;
 * drops it around the allocation. The array replaced goes to *old, to be
 * freed once the lock is dropped. */
static void heap_reserve(struct p *pp, void **old)
{
	ASSERT_HELD(&pp->timerlock);
	while (pp->ntimers == pp->timercap) {
		uint32_t cap = pp->timercap;
		uint32_t ncap = cap ? cap * 2 : TIMERS_MIN_CAP;
		rt_unlock(&pp->timerlock);
		struct gtimer **a = rt_malloc((size_t)ncap * sizeof *a);
		rt_lock(&pp->timerlock);
		if (!a)
			panic("timers: out of memory growing P%u's heap to %u timers", pp->id, ncap);
		if (pp->timercap != cap) {    /* grown meanwhile */
			rt_unlock(&pp->timerlock);
			rt_free(a);
			rt_lock(&pp->timerlock);
			continue;
		}
		if (pp->ntimers)
			memcpy(a, pp->timers, (size_t)pp->ntimers * sizeof *a);
		if (*old) {                   /* cannot happen: one growth suffices */
			rt_unlock(&pp->timerlock);
			rt_free(*old);
			rt_lock(&pp->timerlock);
		}
		*old = pp->timers;
		pp->timers = a;
		pp->timercap = ncap;
	}
}

/* --- the timer API (sched.h) --- */

/* Publish the earliest deadline for the timer interrupt (timerlock held):
 * sched_tick preempts a goroutine when a timer of its P is due, so a busy
 * P does not make its sleepers late by a whole time slice. */
static void update_timer0(struct p *pp)
{
	ASSERT_HELD(&pp->timerlock);
	__atomic_store_n(&pp->timer0, pp->ntimers ? pp->timers[0]->when : 0, __ATOMIC_RELEASE);
}

void timer_start(struct gtimer *t, uint64_t when, void (*fn)(void *, uint64_t), void *arg)
{
	SCHED_ASSERT(__atomic_load_n(&t->pp, __ATOMIC_ACQUIRE) == NULL);
	if (when == 0)
		when = 1;
	if (when > WHEN_MAX)
		when = WHEN_MAX;
	t->when = when;
	t->fn = fn;
	t->arg = arg;
	struct m *mp = acquirem();
	struct p *pp = mp->p;
	SCHED_ASSERT(pp != NULL);
	if (!pp)
		pp = &ps[0];
	void *old = NULL;
	__atomic_add_fetch(&sched.timers_pending, 1, __ATOMIC_SEQ_CST);
	rt_lock(&pp->timerlock);
	heap_reserve(pp, &old);
	uint32_t i = pp->ntimers;
	heap_set(pp->timers, i, t);
	__atomic_store_n(&t->pp, pp, __ATOMIC_RELEASE);
	__atomic_store_n(&pp->ntimers, i + 1, __ATOMIC_RELEASE);
	sift_up(pp, i);
	update_timer0(pp);
	rt_unlock(&pp->timerlock);
	releasem(mp);
	rt_free(old);
}

bool timer_stop(struct gtimer *t)
{
	for (;;) {
		struct p *pp = __atomic_load_n(&t->pp, __ATOMIC_ACQUIRE);
		if (!pp)
			return false;
		rt_lock(&pp->timerlock);
		if (t->pp != pp) {            /* fired (or stopped) meanwhile */
			rt_unlock(&pp->timerlock);
			continue;
		}
		heap_remove(pp, (uint32_t)t->heap_index);
		update_timer0(pp);
		rt_unlock(&pp->timerlock);
		__atomic_sub_fetch(&sched.timers_pending, 1, __ATOMIC_SEQ_CST);
		return true;
	}
}

uint64_t timers_run(struct p *pp, uint64_t now)
{
	struct {
		void (*fn)(void *, uint64_t);
		void *arg;
	} batch[RUN_BATCH];

	if (__atomic_load_n(&pp->ntimers, __ATOMIC_ACQUIRE) == 0)
		return 0;
	for (;;) {
		unsigned n = 0;
		uint64_t next = 0;
		rt_lock(&pp->timerlock);
		while (pp->ntimers > 0) {
			struct gtimer *t = pp->timers[0];
			if (t->when > now) {
				next = t->when;
				break;
			}
			if (n == RUN_BATCH)
				break;
			batch[n].fn = t->fn;
			batch[n].arg = t->arg;
			n++;
			heap_remove(pp, 0);
		}
		update_timer0(pp);
		rt_unlock(&pp->timerlock);
		for (unsigned i = 0; i < n; i++) {
			TRACE(TR_TIMER_FIRE, pp->id, 0, batch[i].fn, 0);
			batch[i].fn(batch[i].arg, now);
		}
		if (n)
			__atomic_sub_fetch(&sched.timers_pending, n, __ATOMIC_SEQ_CST);
		if (n < RUN_BATCH)
			return next;
	}
}

/* Empty pp's heap for a runtime (re)start. The timers themselves are not
 * touched: they may live on stacks of abandoned goroutines that are about
 * to be reused. The array is kept for the next runtime. */
void timers_reset(struct p *pp)
{
	uint32_t n = pp->ntimers;
	pp->timerlock = (struct spinlock)SPINLOCK_INIT("timers");
	store_relaxed(&pp->ntimers, 0);
	pp->timer0 = 0;
	if (pp->timers && pp->timercap)
		memset(pp->timers, 0, (size_t)pp->timercap * sizeof *pp->timers);
	if (!pp->timers)
		pp->timercap = 0;
	/* Take this P's share out of the global count; never below 0 (the
	 * runtime may have zeroed it already). */
	uint64_t cur = __atomic_load_n(&sched.timers_pending, __ATOMIC_RELAXED);
	uint64_t want;
	do
		want = cur > n ? cur - n : 0;
	while (!__atomic_compare_exchange_n(&sched.timers_pending, &cur, want, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
}

/* --- go_sleep --- */

static void sleep_wake(void *arg, uint64_t now)
{
	(void)now;
	goready((struct g *)arg);
}

/* unlockf of go_sleep: runs on g0 once the G is off its stack, so the
 * timer can fire (even at once) without racing the park. */
static bool sleep_arm(struct g *gp, void *arg)
{
	struct gtimer *t = arg;
	timer_start(t, t->when, sleep_wake, gp);
	return true;
}

static void sleep_until(uint64_t when)
{
	struct gtimer t;
	t.when = when;
	t.fn = NULL;
	t.arg = NULL;
	t.heap_index = -1;
	t.pp = NULL;
	gopark(sleep_arm, &t, WAIT_SLEEP);
}

void go_sleep(uint64_t ns)
{
	if (ns == 0) {
		go_yield();
		return;
	}
	sleep_until(when_after(ns));
}

/* --- go_after: a goroutine that sleeps, then sends the time ---
 *
 * Timer functions run on g0 without a goroutine and must not block, and the
 * channel code offers no send for that context; a helper goroutine keeps
 * this independent of chan.c's insides. It costs one G and stack per
 * pending go_after, for the duration. */

struct after_arg {
	struct chan *c;
	uint64_t when;
};

static void after_main(void *arg)
{
	struct after_arg *a = arg;
	struct chan *c = a->c;
	uint64_t when = a->when;
	rt_free(a);
	if (go_nanotime() < when)
		sleep_until(when);
	uint64_t now = go_nanotime();
	chan_send(c, &now);           /* cap 1, one send: never blocks */
	chan_free(c);                 /* its own reference (go_after) */
	__atomic_fetch_add(&sched.afters_sent, 1, __ATOMIC_RELAXED);
}

struct chan *go_after(uint64_t ns)
{
	struct chan *c = chan_make(sizeof(uint64_t), 1);
	if (!c)
		return NULL;
	struct after_arg *a = rt_malloc(sizeof *a);
	if (!a) {
		chan_free(c);
		return NULL;
	}
	a->c = c;
	a->when = when_after(ns);
	chan_retain(c);               /* the sender's: the caller may free it first */
	if (go(after_main, a) != GO_OK) {
		rt_free(a);
		chan_free(c);
		chan_free(c);
		return NULL;
	}
	return c;
}
