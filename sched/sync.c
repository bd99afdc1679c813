/*
 * sync.c - WaitGroup and Mutex for goroutines (runtime.h).
 *
 * Both keep a FIFO of parked goroutines linked through g->schedlink, under
 * the struct's own spinlock (rt_lock: preemption off while held). A waiter
 * puts itself on the list and parks with park_unlock_spinlock: the lock is
 * released on g0 only after the G is off its stack, so a waker, which needs
 * the lock to find the G, can never goready a G that is still running.
 * Wakers take Gs off the list under the lock and goready them after
 * dropping it; a G's schedlink is read before goready (which reuses it).
 *
 * Mutex: unlock hands the mutex directly to the first waiter (locked stays
 * true, the waiter returns from go_mutex_lock owning it). Arrivals never
 * overtake parked waiters, so no goroutine starves; the price is a context
 * switch per contended handoff (Go's starvation mode, always on).
 */
#include "sched/sched.h"

static void waitq_push(struct g **head, struct g **tail, struct g *gp)
{
	gp->schedlink = NULL;
	if (*tail)
		(*tail)->schedlink = gp;
	else
		*head = gp;
	*tail = gp;
}

/* --- WaitGroup --- */

void go_wg_add(struct go_waitgroup *wg, int64_t delta)
{
	struct g *list = NULL;
	rt_lock(&wg->lock);
	int64_t c = wg->count + delta;
	if (c < 0) {
		rt_unlock(&wg->lock);
		go_panic("sync: negative WaitGroup counter");
	}
	wg->count = c;
	if (c == 0 && wg->waiters) {
		list = wg->waiters;
		wg->waiters = wg->waiters_tail = NULL;
	}
	rt_unlock(&wg->lock);
	while (list) {
		struct g *next = list->schedlink;
		list->schedlink = NULL;
		goready(list);
		list = next;
	}
}

void go_wg_done(struct go_waitgroup *wg)
{
	go_wg_add(wg, -1);
}

void go_wg_wait(struct go_waitgroup *wg)
{
	rt_lock(&wg->lock);
	if (wg->count == 0) {
		rt_unlock(&wg->lock);
		return;
	}
	waitq_push(&wg->waiters, &wg->waiters_tail, getg());
	gopark(park_unlock_spinlock, &wg->lock, WAIT_WAITGROUP);
}

/* --- Mutex --- */

void go_mutex_lock(struct go_mutex *m)
{
	rt_lock(&m->lock);
	if (!m->locked) {
		m->locked = true;
		rt_unlock(&m->lock);
		return;
	}
	waitq_push(&m->waiters, &m->waiters_tail, getg());
	gopark(park_unlock_spinlock, &m->lock, WAIT_MUTEX);
	/* Woken by go_mutex_unlock: the mutex was handed to us. */
}

bool go_mutex_trylock(struct go_mutex *m)
{
	bool got = false;
	rt_lock(&m->lock);
	if (!m->locked) {
		m->locked = true;
		got = true;
	}
	rt_unlock(&m->lock);
	return got;
}

void go_mutex_unlock(struct go_mutex *m)
{
	rt_lock(&m->lock);
	if (!m->locked) {
		rt_unlock(&m->lock);
		go_panic("sync: unlock of unlocked mutex");
	}
	struct g *gp = m->waiters;
	if (gp) {
		m->waiters = gp->schedlink;
		if (!m->waiters)
			m->waiters_tail = NULL;
		gp->schedlink = NULL;
		/* locked stays true: ownership passes to gp */
	} else {
		m->locked = false;
	}
	rt_unlock(&m->lock);
	if (gp)
		goready(gp);
}
