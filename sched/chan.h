/*
 * chan.h - channel internals, shared by the files of sched/ only (the
 * public API is in sched/runtime.h). The design is in sched/chan.c and
 * docs/channels.md.
 */
#ifndef SCHED_CHAN_H
#define SCHED_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sched/sched.h"

/* A FIFO of sudogs (a channel's waiting senders or receivers), linked by
 * sudog.next/prev. A sudog not in any queue has next == prev == NULL. */
struct waitq {
	struct sudog *first, *last;
};

struct chan {
	uint32_t refs;             /* atomic: the creator's, one per parked sudog, go_after's */
	struct spinlock lock;      /* guards everything below but elemsize, dataqsiz, buf */
	size_t elemsize;           /* bytes per element (may be 0) */
	size_t dataqsiz;           /* capacity of the ring (0: unbuffered) */
	volatile size_t qcount;    /* elements in the ring (read unlocked by chan_len) */
	size_t sendx, recvx;       /* ring indexes: next slot to fill / to empty */
	bool closed;
	struct waitq recvq;        /* parked receivers (and select recv cases) */
	struct waitq sendq;        /* parked senders (and select send cases) */
	unsigned char *buf;        /* dataqsiz * elemsize bytes, right after the struct */
};

/* Non-blocking send for runtime code that cannot park (timers on g0, any
 * context but interrupt): true if the value was handed to a waiting
 * receiver or buffered, false if it would block. Panics (kernel panic on
 * g0, go_panic on a goroutine) on a closed channel, like chan_send. */
bool chan_trysend(struct chan *c, const void *elem);
/* Non-blocking receive: 1 received, 0 would block, -1 closed and drained
 * (elem zeroed). Same contexts as chan_trysend. */
int chan_tryrecv(struct chan *c, void *elem);

#endif
