/*
 * ksync.c - sleeping locks for kernel threads (contract in kernel/thread.h).
 *
 * Both keep their waiters in FIFO order and hand over directly: kmutex_unlock
 * makes the first waiter the owner before waking it, ksem_post gives its unit
 * to the first waiter instead of counting it. A waiter enqueues itself and
 * marks itself KT_BLOCKED under the object's lock with interrupts off and
 * then gives up the CPU (kthread_schedule_irqoff); a waker on another CPU
 * may make it ready before it is off its CPU, which the scheduler allows
 * for (tcb->on_cpu). After waking, a waiter takes and drops the object's
 * lock once, so a waker is done touching the object (which may live on the
 * waiter's stack) before the waiter returns.
 */
#include "kernel/thread.h"
#include "kernel/panic.h"
#include "arch/x86_64/cpu.h"

void kthread_schedule_irqoff(void);
struct tcb *kthread_self_irqoff(void);

static void waiters_append(struct tcb **head, struct tcb **tail, struct tcb *t)
{
	t->next = NULL;
	if (*tail)
		(*tail)->next = t;
	else
		*head = t;
	*tail = t;
}

static struct tcb *waiters_pop(struct tcb **head, struct tcb **tail)
{
	struct tcb *t = *head;
	if (t) {
		*head = t->next;
		if (!*head)
			*tail = NULL;
		t->next = NULL;
	}
	return t;
}

void kmutex_lock(struct kmutex *m)
{
	bool on = spin_lock_irqsave(&m->lock);
	struct tcb *self = kthread_self_irqoff();
	if (!m->owner) {
		m->owner = self;
		spin_unlock_irqrestore(&m->lock, on);
		return;
	}
	if (m->owner == self)
		panic("kmutex_lock: tid %u already holds the mutex", self->tid);
	self->state = KT_BLOCKED;
	waiters_append(&m->waiters, &m->waiters_tail, self);
	spin_unlock(&m->lock);
	kthread_schedule_irqoff();
	spin_lock(&m->lock);        /* the unlocker is done with m */
	if (m->owner != self)
		panic("kmutex_lock: woken without the mutex (tid %u)", self->tid);
	spin_unlock_irqrestore(&m->lock, on);
}

void kmutex_unlock(struct kmutex *m)
{
	bool on = spin_lock_irqsave(&m->lock);
	struct tcb *self = kthread_self_irqoff();
	if (m->owner != self)
		panic("kmutex_unlock: tid %u does not hold the mutex", self ? self->tid : 0);
	struct tcb *t = waiters_pop(&m->waiters, &m->waiters_tail);
	m->owner = t;
	if (t)
		kthread_wake(t);
	spin_unlock_irqrestore(&m->lock, on);
}

void ksem_init(struct ksem *s, int64_t count)
{
	s->lock = (struct spinlock)SPINLOCK_INIT("ksem");
	s->count = count;
	s->waiters = s->waiters_tail = NULL;
}

void ksem_wait(struct ksem *s)
{
	bool on = spin_lock_irqsave(&s->lock);
	if (s->count > 0) {
		s->count--;
		spin_unlock_irqrestore(&s->lock, on);
		return;
	}
	struct tcb *self = kthread_self_irqoff();
	self->state = KT_BLOCKED;
	waiters_append(&s->waiters, &s->waiters_tail, self);
	spin_unlock(&s->lock);
	kthread_schedule_irqoff();
	spin_lock(&s->lock);        /* the poster is done with s */
	spin_unlock_irqrestore(&s->lock, on);
}

void ksem_post(struct ksem *s)
{
	bool on = spin_lock_irqsave(&s->lock);
	struct tcb *t = waiters_pop(&s->waiters, &s->waiters_tail);
	if (t)
		kthread_wake(t);
	else
		s->count++;
	spin_unlock_irqrestore(&s->lock, on);
}
