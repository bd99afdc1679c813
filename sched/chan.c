/*
 * chan.c - Go channels and select.
 *
 * A channel is one allocation: struct chan (sched/chan.h) followed by its
 * ring buffer of dataqsiz elements. One runtime lock (rt_lock: spin lock,
 * preemption off) guards the ring, the closed flag and the two wait queues.
 *
 * Waiting. A goroutine that cannot proceed puts a sudog (sched.h) on the
 * channel's recvq or sendq and parks with gopark; the lock is released by
 * the unlockf on g0, after the G's stack is no longer in use, so a waker
 * (which must take the lock to find the sudog) never sees a G that is still
 * running. The sudog lives on the parked goroutine's stack: its stack does
 * not move and nobody runs on it while it is parked, so the waker may read
 * or write sudog->elem (also on that stack) directly.
 *
 * Direct handoff. A sender that finds a parked receiver copies its element
 * straight into the receiver's sudog->elem; a receiver that finds a parked
 * sender takes the sender's element (unbuffered), or, when the buffer is
 * full, takes the head of the buffer and puts the sender's element at its
 * tail (FIFO order is kept). The waker sets sudog->success (true: a value
 * moved, false: the channel was closed), g->param = the sudog, and readies
 * the G after dropping the lock.
 *
 * Close marks the channel closed and releases every waiter with
 * success = false (receivers' elements zeroed; senders then panic). The Gs
 * are collected on a list under the lock and readied after unlocking.
 *
 * Select (go_select, below): Go's three-pass algorithm. A random poll order
 * (Fisher-Yates with fastrandn) over the non-nil cases, all channels
 * locked in address order (each once), pass 1 does the first case in poll
 * order that can proceed, pass 2 enqueues one sudog per case (is_select)
 * and parks, pass 3 takes all locks again and dequeues the sudogs that did
 * not fire. A waker that dequeues an is_select sudog must win the CAS of
 * sudog->g->selectdone from 0 to 1 before using it; if it loses, another
 * case of that select already fired and the sudog is stale: it is dropped
 * and the next waiter is tried.
 */
#include <stdlib.h>
#include <string.h>
#include "sched/chan.h"

#define SELECT_STACK_CASES 4   /* selects this small keep sudogs on the stack */
#define SELECT_MAX_CASES   65535

/* --- memory ---------------------------------------------------------------- */

/* Lifetime. There is no GC, so a channel counts its users (refs): the
 * creator's reference, dropped by chan_free; one per sudog parked on it
 * (plain send/receive or a select case), taken under the lock when it is
 * queued and dropped by the parked goroutine itself once it has finished
 * with the channel (after select's pass 3); and go_after's sender. The last
 * one out frees it, so chan_free is safe while goroutines still sit in a
 * select on the channel or a go_after timer is pending. Freed memory is
 * poisoned first, so a use after the last reference shows at once. */

#define CHAN_HDR ((sizeof(struct chan) + 15) & ~(size_t)15)
#define CHAN_POISON 0x5c

static volatile uint64_t chans_live;   /* for go_chans_live (tests) */

struct chan *chan_make(size_t elemsize, size_t cap)
{
	if (elemsize && cap > (SIZE_MAX / 2 - CHAN_HDR) / elemsize)
		return NULL;
	struct chan *c = rt_malloc(CHAN_HDR + elemsize * cap);
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->refs = 1;
	c->lock = (struct spinlock)SPINLOCK_INIT("chan");
	c->elemsize = elemsize;
	c->dataqsiz = cap;
	c->buf = (unsigned char *)c + CHAN_HDR;
	__atomic_fetch_add(&chans_live, 1, __ATOMIC_RELAXED);
	return c;
}

void chan_retain(struct chan *c)
{
	if (c && __atomic_fetch_add(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		panic("chan_retain: channel %p was already freed", (void *)c);
}

void chan_free(struct chan *c)
{
	if (!c)
		return;
	uint32_t was = __atomic_fetch_sub(&c->refs, 1, __ATOMIC_ACQ_REL);
	if (was == 0 || was > 0x7fffffffu)
		panic("chan_free: channel %p freed more often than made and retained", (void *)c);
	if (was > 1)
		return;
	memset(c, CHAN_POISON, CHAN_HDR + c->elemsize * c->dataqsiz);
	__atomic_fetch_sub(&chans_live, 1, __ATOMIC_RELAXED);
	rt_free(c);
}

uint64_t go_chans_live(void)
{
	return __atomic_load_n(&chans_live, __ATOMIC_RELAXED);
}

size_t chan_len(struct chan *c)
{
	return c ? __atomic_load_n(&c->qcount, __ATOMIC_RELAXED) : 0;
}

size_t chan_cap(struct chan *c)
{
	return c ? c->dataqsiz : 0;
}

/* --- wait queues ------------------------------------------------------------ */

static void waitq_push(struct waitq *q, struct sudog *s)
{
	s->next = NULL;
	s->prev = q->last;
	if (q->last)
		q->last->next = s;
	else
		q->first = s;
	q->last = s;
}

/* Unlink s if it is queued (a stale select sudog may already be out). */
static void waitq_remove(struct waitq *q, struct sudog *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else if (q->first == s)
		q->first = s->next;
	else
		return;
	if (s->next)
		s->next->prev = s->prev;
	else
		q->last = s->prev;
	s->next = s->prev = NULL;
}

/* The first waiter that may be used: select sudogs whose select already
 * fired elsewhere (lost CAS on selectdone) are dropped. */
static struct sudog *waitq_dequeue(struct waitq *q)
{
	struct sudog *s;
	while ((s = q->first) != NULL) {
		waitq_remove(q, s);
		if (s->is_select) {
			uint32_t zero = 0;
			if (!__atomic_compare_exchange_n(&s->g->selectdone, &zero, 1, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue;
		}
		return s;
	}
	return NULL;
}

/* --- element moves (lock held) ---------------------------------------------- */

static inline void *chanbuf(struct chan *c, size_t i)
{
	return c->buf + i * c->elemsize;
}

/* dst may be NULL (discard), src may be NULL (the zero value). */
static inline void elem_copy(void *dst, const void *src, size_t n)
{
	if (!dst || !n)
		return;
	if (src)
		memcpy(dst, src, n);
	else
		memset(dst, 0, n);
}

/* Hand elem to the parked receiver sg; returns the G to ready. */
static struct g *send_direct(struct chan *c, struct sudog *sg, const void *elem)
{
	ASSERT_HELD(&c->lock);
	elem_copy(sg->elem, elem, c->elemsize);
	sg->success = true;
	sg->g->param = sg;
	return sg->g;
}

/* Take a value from the parked sender sg (unbuffered: its element; full
 * buffer: the head, and the sender's element goes to the tail). */
static struct g *recv_direct(struct chan *c, struct sudog *sg, void *elem)
{
	ASSERT_HELD(&c->lock);
	if (c->dataqsiz == 0) {
		elem_copy(elem, sg->elem, c->elemsize);
	} else {
		void *slot = chanbuf(c, c->recvx);
		elem_copy(elem, slot, c->elemsize);
		elem_copy(slot, sg->elem, c->elemsize);
		if (++c->recvx == c->dataqsiz)
			c->recvx = 0;
		c->sendx = c->recvx;
	}
	sg->success = true;
	sg->g->param = sg;
	return sg->g;
}

/* Lock held. 1: sent (*gpp: G to ready after unlocking, or NULL), 0: would
 * block, -1: closed. */
static int try_send_locked(struct chan *c, const void *elem, struct g **gpp)
{
	ASSERT_HELD(&c->lock);
	struct sudog *sg;
	*gpp = NULL;
	if (c->closed)
		return -1;
	if ((sg = waitq_dequeue(&c->recvq)) != NULL) {
		*gpp = send_direct(c, sg, elem);
		return 1;
	}
	if (c->qcount < c->dataqsiz) {
		elem_copy(chanbuf(c, c->sendx), elem, c->elemsize);
		if (++c->sendx == c->dataqsiz)
			c->sendx = 0;
		__atomic_store_n(&c->qcount, c->qcount + 1, __ATOMIC_RELAXED);
		return 1;
	}
	return 0;
}

/* Lock held. 1: received, 0: would block, -1: closed and drained (elem
 * zeroed). *gpp as for try_send_locked. */
static int try_recv_locked(struct chan *c, void *elem, struct g **gpp)
{
	ASSERT_HELD(&c->lock);
	struct sudog *sg;
	*gpp = NULL;
	if ((sg = waitq_dequeue(&c->sendq)) != NULL) {
		*gpp = recv_direct(c, sg, elem);
		return 1;
	}
	if (c->qcount > 0) {
		elem_copy(elem, chanbuf(c, c->recvx), c->elemsize);
		if (++c->recvx == c->dataqsiz)
			c->recvx = 0;
		__atomic_store_n(&c->qcount, c->qcount - 1, __ATOMIC_RELAXED);
		return 1;
	}
	if (c->closed) {
		elem_copy(elem, NULL, c->elemsize);
		return -1;
	}
	return 0;
}

/* --- blocking -------------------------------------------------------------------- */

static bool unlock_nothing(struct g *gp, void *arg)
{
	(void)gp;
	(void)arg;
	return true;
}

/* Nil channel, empty select: nobody can ever wake us. */
static _Noreturn void block_forever(uint8_t reason)
{
	for (;;)
		gopark(unlock_nothing, NULL, reason);
}

static _Noreturn void panic_closed_send(void)
{
	if (on_goroutine_stack())
		go_panic("send on closed channel");
	panic("send on closed channel (outside a goroutine)");
}

void chan_send(struct chan *c, const void *elem)
{
	struct g *gp;
	if (!c)
		block_forever(WAIT_CHAN_SEND_NIL);
	rt_lock(&c->lock);
	int r = try_send_locked(c, elem, &gp);
	if (r != 0) {
		rt_unlock(&c->lock);
		if (r < 0)
			panic_closed_send();
		if (gp)
			goready(gp);
		return;
	}
	struct g *me = getg();
	struct sudog mysg = { .g = me, .elem = (void *)elem, .c = c };
	me->param = NULL;
	__atomic_fetch_add(&c->refs, 1, __ATOMIC_ACQ_REL);   /* the sudog's */
	waitq_push(&c->sendq, &mysg);
	gopark(park_unlock_spinlock, &c->lock, WAIT_CHAN_SEND);
	chan_free(c);                                         /* done with it */
	if (!mysg.success)
		panic_closed_send();
}

bool chan_recv(struct chan *c, void *elem)
{
	struct g *gp;
	if (!c)
		block_forever(WAIT_CHAN_RECV_NIL);
	rt_lock(&c->lock);
	int r = try_recv_locked(c, elem, &gp);
	if (r != 0) {
		rt_unlock(&c->lock);
		if (gp)
			goready(gp);
		return r > 0;
	}
	struct g *me = getg();
	struct sudog mysg = { .g = me, .elem = elem, .c = c };
	me->param = NULL;
	__atomic_fetch_add(&c->refs, 1, __ATOMIC_ACQ_REL);   /* the sudog's */
	waitq_push(&c->recvq, &mysg);
	gopark(park_unlock_spinlock, &c->lock, WAIT_CHAN_RECV);
	chan_free(c);                                         /* done with it */
	return mysg.success;
}

bool chan_trysend(struct chan *c, const void *elem)
{
	struct g *gp;
	if (!c)
		return false;
	rt_lock(&c->lock);
	int r = try_send_locked(c, elem, &gp);
	rt_unlock(&c->lock);
	if (r < 0)
		panic_closed_send();
	if (gp)
		goready(gp);
	return r > 0;
}

int chan_tryrecv(struct chan *c, void *elem)
{
	struct g *gp;
	if (!c)
		return 0;
	rt_lock(&c->lock);
	int r = try_recv_locked(c, elem, &gp);
	rt_unlock(&c->lock);
	if (gp)
		goready(gp);
	return r;
}

void chan_close(struct chan *c)
{
	struct gqueue ready = { NULL, NULL };
	struct sudog *sg;
	struct g *gp;

	if (!c)
		go_panic("close of nil channel");
	rt_lock(&c->lock);
	if (c->closed) {
		rt_unlock(&c->lock);
		go_panic("close of closed channel");
	}
	c->closed = true;
	while ((sg = waitq_dequeue(&c->recvq)) != NULL) {
		elem_copy(sg->elem, NULL, c->elemsize);
		sg->success = false;
		sg->g->param = sg;
		gqueue_push(&ready, sg->g);
	}
	while ((sg = waitq_dequeue(&c->sendq)) != NULL) {
		sg->success = false;
		sg->g->param = sg;
		gqueue_push(&ready, sg->g);
	}
	rt_unlock(&c->lock);
	/* gqueue_pop reads gp->schedlink before goready can reuse it. */
	while ((gp = gqueue_pop(&ready)) != NULL)
		goready(gp);
}

/* --- select ------------------------------------------------------------------------ */

struct sellocks {
	struct select_case *cases;
	uint16_t *lockorder;       /* case indexes sorted by channel address */
	int n;
};

static void sellock(const struct sellocks *s)
{
	struct chan *last = NULL;
	for (int i = 0; i < s->n; i++) {
		struct chan *c = s->cases[s->lockorder[i]].c;
		if (c != last) {
			rt_lock(&c->lock);
			last = c;
		}
	}
}

/* Unlock in reverse order. When this runs as gopark's unlockf (on g0), the
 * select's G may be readied as soon as one lock is dropped, but it then
 * starts pass 3 by locking lockorder[0]'s channel, which is dropped last:
 * nothing here reads the G's stack (s, lockorder, cases) after that. */
static void selunlock(const struct sellocks *s)
{
	for (int i = s->n - 1; i >= 0; i--) {
		struct chan *c = s->cases[s->lockorder[i]].c;
		if (i > 0 && c == s->cases[s->lockorder[i - 1]].c)
			continue;
		rt_unlock(&c->lock);
	}
}

static bool selparkunlock(struct g *gp, void *arg)
{
	(void)gp;
	selunlock(arg);
	return true;
}

static inline struct waitq *case_queue(struct select_case *cs)
{
	return cs->dir == SELECT_SEND ? &cs->c->sendq : &cs->c->recvq;
}

/* Poll order: a uniform random permutation of the non-nil cases
 * (inside-out Fisher-Yates). Nil channels never fire. Every case's ok is
 * cleared on the way. Returns how many cases are polled. */
static int select_pollorder(struct select_case *cases, int n, uint16_t *pollorder, void *heap)
{
	int npoll = 0;
	struct m *mp = acquirem();
	for (int i = 0; i < n; i++) {
		cases[i].ok = false;
		if (!cases[i].c)
			continue;
		if (cases[i].dir != SELECT_SEND && cases[i].dir != SELECT_RECV) {
			releasem(mp);
			rt_free(heap);
			go_panic("select: case %d has a bad direction %d", i, (int)cases[i].dir);
		}
		uint32_t j = fastrandn((uint32_t)npoll + 1);
		pollorder[npoll] = pollorder[j];
		pollorder[j] = (uint16_t)i;
		npoll++;
	}
	releasem(mp);
	return npoll;
}

/* Lock order: by channel address (insertion sort, selects are small). */
static void select_lockorder(const struct select_case *cases, const uint16_t *pollorder,
			     uint16_t *lockorder, int npoll)
{
	for (int i = 0; i < npoll; i++) {
		uint16_t v = pollorder[i];
		uintptr_t key = (uintptr_t)cases[v].c;
		int j = i;
		while (j > 0 && (uintptr_t)cases[lockorder[j - 1]].c > key) {
			lockorder[j] = lockorder[j - 1];
			j--;
		}
		lockorder[j] = v;
	}
}

/* Pass 1: the first case in poll order that can proceed. All locks are
 * held on entry. The case that proceeds is finished here (locks dropped,
 * heap freed, the G it woke readied) and its index returned; -1 means none
 * could, and the locks are still held. */
static int select_poll(const struct sellocks *locks, const uint16_t *pollorder, void *heap)
{
	struct g *gp;
	int r;

	for (int k = 0; k < locks->n; k++) {
		int i = pollorder[k];
		struct select_case *cs = &locks->cases[i];
		if (cs->dir == SELECT_RECV)
			r = try_recv_locked(cs->c, cs->elem, &gp);
		else
			r = try_send_locked(cs->c, cs->elem, &gp);
		if (r != 0) {
			selunlock(locks);
			rt_free(heap);
			if (cs->dir == SELECT_SEND && r < 0)
				go_panic("send on closed channel");
			cs->ok = r > 0;
			if (gp)
				goready(gp);
			return i;
		}
	}
	return -1;
}

/* Pass 2: wait on every channel. All locks are held on entry; one sudog
 * per case (sgs[i] for case i) is queued in lock order and linked on
 * gp->waiting, and gopark drops the locks (selparkunlock) once the G is off
 * its stack. Returns the G, woken, with no lock held. */
static struct g *select_park(struct sellocks *locks, struct sudog *sgs)
{
	struct select_case *cases = locks->cases;
	struct g *gp = getg();

	gp->param = NULL;
	__atomic_store_n(&gp->selectdone, 0, __ATOMIC_RELAXED);
	struct sudog **link = &gp->waiting;
	for (int k = 0; k < locks->n; k++) {
		int i = locks->lockorder[k];
		struct sudog *s = &sgs[i];
		s->g = gp;
		s->next = s->prev = NULL;
		s->elem = cases[i].elem;
		s->c = cases[i].c;
		s->is_select = true;
		s->success = false;
		*link = s;
		link = &s->waitlink;
		__atomic_fetch_add(&s->c->refs, 1, __ATOMIC_ACQ_REL);   /* the sudog's */
		waitq_push(case_queue(&cases[i]), s);
	}
	*link = NULL;
	gopark(selparkunlock, locks, WAIT_SELECT);
	return gp;
}

/* Pass 3: woken by the waker that won selectdone; g->param is the
 * sudog it used. Drop the others from their queues. Returns the index of
 * the case that fired, *firedp its sudog. */
static int select_unpark(struct g *gp, const struct sellocks *locks, struct sudog *sgs,
			 struct sudog **firedp)
{
	struct select_case *cases = locks->cases;
	int casi = -1;

	sellock(locks);
	struct sudog *fired = gp->param;
	for (struct sudog *s = gp->waiting; s; s = s->waitlink) {
		int i = (int)(s - sgs);
		if (s == fired)
			casi = i;
		else
			waitq_remove(case_queue(&cases[i]), s);
	}
	gp->waiting = NULL;
	gp->param = NULL;
	selunlock(locks);
	for (int k = 0; k < locks->n; k++)
		chan_free(cases[locks->lockorder[k]].c);   /* the sudogs' references */
	if (casi < 0)
		panic("select: goroutine %llu woken with no case (param %p)",
		      (unsigned long long)gp->goid, (void *)fired);
	*firedp = fired;
	return casi;
}

/* The sudogs and both orders live in this frame (or in heap, for selects
 * of more than SELECT_STACK_CASES cases) until pass 3 is over. */
int go_select(struct select_case *cases, int n, bool has_default)
{
	uint16_t orders[2 * SELECT_STACK_CASES];
	struct sudog sgs_stack[SELECT_STACK_CASES];
	struct sudog *sgs = sgs_stack, *fired;
	uint16_t *pollorder = orders, *lockorder = orders + SELECT_STACK_CASES;
	void *heap = NULL;
	struct sellocks locks;
	struct g *gp;
	int npoll, casi;

	if (n < 0 || n > SELECT_MAX_CASES)
		go_panic("select: bad case count %d", n);
	if (n > SELECT_STACK_CASES) {
		heap = rt_malloc((size_t)n * (sizeof(struct sudog) + 2 * sizeof(uint16_t)));
		if (!heap)
			go_panic("select: out of memory for %d cases", n);
		sgs = heap;
		pollorder = (uint16_t *)(sgs + n);
		lockorder = pollorder + n;
	}

	npoll = select_pollorder(cases, n, pollorder, heap);
	if (npoll == 0) {
		rt_free(heap);
		if (has_default)
			return -1;
		block_forever(WAIT_SELECT_NO_CASES);
	}

	select_lockorder(cases, pollorder, lockorder, npoll);
	locks.cases = cases;
	locks.lockorder = lockorder;
	locks.n = npoll;
	sellock(&locks);

	if ((casi = select_poll(&locks, pollorder, heap)) >= 0)
		return casi;
	if (has_default) {
		selunlock(&locks);
		rt_free(heap);
		return -1;
	}

	gp = select_park(&locks, sgs);
	casi = select_unpark(gp, &locks, sgs, &fired);
	bool success = fired->success;
	rt_free(heap);
	if (cases[casi].dir == SELECT_SEND) {
		if (!success)
			go_panic("send on closed channel");
	} else {
		cases[casi].ok = success;
	}
	return casi;
}
