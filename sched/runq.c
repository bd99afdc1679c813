/*
 * runq.c - per-P local run queues and the global run queue.
 *
 * A local run queue is a ring of RUNQ_SIZE G pointers: the owner M puts at
 * the tail and takes from the head; any other M may take half the queue
 * from the head to steal. head is advanced with a CAS by whoever takes (the
 * owner included), tail is stored with release order only by the owner, so
 * a thief that read tail with acquire order sees the G pointers before it.
 * runnext holds the G made runnable last by this P (a woken receiver, a
 * new goroutine): it runs next, ahead of the ring, and inherits the time
 * slice, which keeps producer/consumer pairs on one core.
 *
 * Pure logic on struct p: no kernel calls except through the global queue
 * (sched.lock), so tests/host/test_runq.c hammers it from pthreads.
 */
#include "sched/sched.h"

static inline uint32_t load_acq(volatile uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void store_rel(volatile uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline bool cas_rel(volatile uint32_t *p, uint32_t old, uint32_t new)
{
	return __atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}
/* A ring's slots: written by its owner, read by thieves that may lose the
 * race for them (their CAS on head fails) while the owner reuses them.
 * Relaxed atomics, ordered by the release of tail and the acquire of head:
 * a racy read by design, said so to the compiler and to ThreadSanitizer
 * (the host build, arch/host). */
static inline struct g *slot_get(struct g *const *ring, uint32_t i)
{
	return __atomic_load_n(&ring[i % RUNQ_SIZE], __ATOMIC_RELAXED);
}
static inline void slot_set(struct g **ring, uint32_t i, struct g *gp)
{
	__atomic_store_n(&ring[i % RUNQ_SIZE], gp, __ATOMIC_RELAXED);
}
static inline struct g *runnext_get(struct p *pp)
{
	return __atomic_load_n(&pp->runnext, __ATOMIC_ACQUIRE);
}

void gqueue_push(struct gqueue *q, struct g *gp)
{
	gp->schedlink = NULL;
	if (q->tail)
		q->tail->schedlink = gp;
	else
		q->head = gp;
	q->tail = gp;
}

struct g *gqueue_pop(struct gqueue *q)
{
	struct g *gp = q->head;
	if (gp) {
		q->head = gp->schedlink;
		if (!q->head)
			q->tail = NULL;
	}
	return gp;
}

/* Move half of a full local queue, plus gp, to the global queue. Owner
 * only. Once the CAS on head succeeds the n slots are ours: thieves only
 * read slots, and only the owner (the caller) writes them, so they still
 * hold the Gs and can be linked through schedlink afterwards. That keeps
 * a batch array off the small stack this may run on. Returns false if a
 * thief took some first, in which case nothing moved. */
static bool runq_put_global_half(struct p *pp, struct g *gp, uint32_t h, uint32_t t)
{
	uint32_t n = (t - h) / 2;
	if (!cas_rel(&pp->runqhead, h, h + n))
		return false;
	struct g *first = slot_get(pp->runq, h);
	for (uint32_t i = 0; i + 1 < n; i++)
		slot_get(pp->runq, h + i)->schedlink = slot_get(pp->runq, h + i + 1);
	slot_get(pp->runq, h + n - 1)->schedlink = gp;
	gp->schedlink = NULL;
	rt_lock(&sched.lock);
	if (sched.runq.tail)
		sched.runq.tail->schedlink = first;
	else
		sched.runq.head = first;
	sched.runq.tail = gp;
	__atomic_fetch_add(&sched.runqsize, (int32_t)n + 1, __ATOMIC_RELAXED);
	rt_unlock(&sched.lock);
	return true;
}

/* Put gp on pp's queue (owner only). With next, gp goes to runnext and the
 * G it displaces to the tail. A full ring spills half to the global queue,
 * so this always succeeds when called from the owner. */
bool runq_put(struct p *pp, struct g *gp, bool next)
{
	if (next) {
		struct g *old = __atomic_exchange_n(&pp->runnext, gp, __ATOMIC_ACQ_REL);
		if (!old)
			return true;
		gp = old;
	}
	for (;;) {
		uint32_t h = load_acq(&pp->runqhead);
		uint32_t t = pp->runqtail;
		if (t - h < RUNQ_SIZE) {
			slot_set(pp->runq, t, gp);
			store_rel(&pp->runqtail, t + 1);
			return true;
		}
		if (runq_put_global_half(pp, gp, h, t))
			return true;
	}
}

/* Take the next G of pp (owner only): runnext first, then the ring. */
struct g *runq_get(struct p *pp)
{
	struct g *next = runnext_get(pp);
	if (next && __atomic_compare_exchange_n(&pp->runnext, &next, NULL, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return next;
	for (;;) {
		uint32_t h = load_acq(&pp->runqhead);
		uint32_t t = pp->runqtail;
		if (t == h)
			return NULL;
		struct g *gp = slot_get(pp->runq, h);
		if (cas_rel(&pp->runqhead, h, h + 1))
			return gp;
	}
}

/* Copy half of pp's runnable Gs into batch (a ring of RUNQ_SIZE slots
 * starting at batch_head) and take them off pp. Any M. Returns how many. */
uint32_t runq_grab(struct p *pp, struct g **batch, uint32_t batch_head, bool steal_runnext)
{
	for (;;) {
		uint32_t h = load_acq(&pp->runqhead);
		uint32_t t = load_acq(&pp->runqtail);
		uint32_t n = t - h;
		n = n - n / 2;
		if (n == 0) {
			if (steal_runnext) {
				struct g *next = runnext_get(pp);
				if (next && __atomic_compare_exchange_n(&pp->runnext, &next, NULL, false,
									__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
					slot_set(batch, batch_head, next);
					return 1;
				}
			}
			return 0;
		}
		if (n > RUNQ_SIZE / 2)
			continue; /* read an inconsistent h/t pair: try again */
		for (uint32_t i = 0; i < n; i++)
			slot_set(batch, batch_head + i, slot_get(pp->runq, h + i));
		if (cas_rel(&pp->runqhead, h, h + n))
			return n;
	}
}

/* Steal half of victim's Gs into pp's (empty enough) queue; returns one to
 * run now, or NULL. Called by pp's owner. */
struct g *runq_steal(struct p *pp, struct p *victim, bool steal_runnext)
{
	uint32_t t = pp->runqtail;
	uint32_t n = runq_grab(victim, pp->runq, t, steal_runnext);
	if (n == 0)
		return NULL;
	/* Counted (and traced) whatever the number: a steal of one G is a
	 * steal too (the stats and sched_work_stealing count on it). */
	TRACE(TR_GO_STEAL, pp->id, 0, victim->id, n);
	owner_add(&pp->steals, 1);
	owner_add(&pp->stolen_gs, n);
	n--;
	struct g *gp = slot_get(pp->runq, t + n);
	if (n == 0)
		return gp;
	uint32_t h = load_acq(&pp->runqhead);
	SCHED_ASSERT(t - h + n < RUNQ_SIZE);
	(void)h;
	store_rel(&pp->runqtail, t + n);
	return gp;
}

uint32_t runq_len(struct p *pp)
{
	uint32_t h = load_acq(&pp->runqhead), t = load_acq(&pp->runqtail);
	return t - h + (runnext_get(pp) ? 1 : 0);
}

bool runq_empty(struct p *pp)
{
	if (__atomic_load_n(&pp->ninbox, __ATOMIC_ACQUIRE))
		return false;
	for (;;) {
		uint32_t h = load_acq(&pp->runqhead);
		uint32_t t = load_acq(&pp->runqtail);
		struct g *next = runnext_get(pp);
		if (t == load_acq(&pp->runqtail))
			return h == t && next == NULL;
	}
}

/* --- the global run queue: sched.lock held --- */

void globrunq_put(struct g *gp)
{
	ASSERT_HELD(&sched.lock);
	gqueue_push(&sched.runq, gp);
	__atomic_fetch_add(&sched.runqsize, 1, __ATOMIC_RELAXED);   /* read without the lock */
}

/* Take up to max Gs (and a fair share): one is returned, the rest go to
 * pp's local queue. */
struct g *globrunq_get(struct p *pp, int max)
{
	ASSERT_HELD(&sched.lock);
	int size = sched.runqsize;   /* changed only under the lock we hold */
	if (size == 0)
		return NULL;
	int n = size / (int)sched.nprocs + 1;
	if (n > size)
		n = size;
	if (max > 0 && n > max)
		n = max;
	/* Never more than the ring has room for: runq_put must not spill
	 * back to the global queue while sched.lock is held. */
	int room = RUNQ_SIZE - (int)(pp->runqtail - load_acq(&pp->runqhead));
	if (n > room + 1)
		n = room + 1;
	__atomic_fetch_sub(&sched.runqsize, n, __ATOMIC_RELAXED);
	struct g *gp = gqueue_pop(&sched.runq);
	while (--n > 0) {
		uint32_t t = pp->runqtail;
		slot_set(pp->runq, t, gqueue_pop(&sched.runq));
		store_rel(&pp->runqtail, t + 1);
	}
	return gp;
}

/* --- pinned goroutines (go_on) --- */

static void inbox_put(struct g *gp)
{
	struct p *pp = &ps[gp->pin];
	rt_lock(&pp->inbox_lock);
	gqueue_push(&pp->inbox, gp);
	__atomic_add_fetch(&pp->ninbox, 1, __ATOMIC_RELEASE);
	rt_unlock(&pp->inbox_lock);
	wake_p(pp);
}

struct g *inbox_get(struct p *pp)
{
	if (!__atomic_load_n(&pp->ninbox, __ATOMIC_ACQUIRE))
		return NULL;
	rt_lock(&pp->inbox_lock);
	struct g *gp = gqueue_pop(&pp->inbox);
	if (gp)
		__atomic_sub_fetch(&pp->ninbox, 1, __ATOMIC_RELEASE);
	rt_unlock(&pp->inbox_lock);
	return gp;
}

void ready_put(struct p *pp, struct g *gp, bool next)
{
	ready_put_by(pp, gp, next, trace_curg(getm()));
}

void ready_put_by(struct p *pp, struct g *gp, bool next, uint64_t by)
{
	TRACE(TR_GO_READY, pp->id, gp->goid, by,
	      gp->pin >= 0 ? "inbox" : next ? "runnext" : "local");
	(void)by;
	if (gp->pin >= 0)
		inbox_put(gp);
	else
		runq_put(pp, gp, next);
}

void ready_put_global(struct g *gp)
{
	TRACE(TR_GO_READY, trace_p(getm()), gp->goid, trace_curg(getm()),
	      gp->pin >= 0 ? "inbox" : "global");
	if (gp->pin >= 0) {
		inbox_put(gp);
		return;
	}
	rt_lock(&sched.lock);
	globrunq_put(gp);
	rt_unlock(&sched.lock);
}
