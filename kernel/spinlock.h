/*
 * spinlock.h - ticket-free test-and-test-and-set spin locks.
 *
 * Any CPU, any context. A lock taken from interrupt context must always be
 * taken with spin_lock_irqsave, everywhere, or the CPU can deadlock on
 * itself. Locks nest only in the order of kernel/lockrank.c, which ranks
 * every lock by its name. In debug builds (make DEBUG=1) spin_lock panics
 * on a recursive acquire and on an acquire out of that order (naming both
 * locks), and spin_unlock panics when the caller is not the holder. A lock
 * is released on the CPU that took it, and no lock is held across a
 * switch of kernel threads.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/cpu.h"

struct spinlock {
	volatile uint32_t locked;
	int32_t holder_cpu;   /* CPU id of the holder, -1 when free (debug aid) */
	const char *name;     /* also its class in kernel/lockrank.c */
	uint8_t rank;         /* debug builds: looked up at the first acquire */
};

#define SPINLOCK_INIT(n) { 0, -1, (n), 0 }

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_trylock(struct spinlock *l);
bool spin_held_by_me(const struct spinlock *l);
/* Locks this CPU holds now: debug builds only (0 otherwise). */
unsigned spin_held_count(void);

static inline bool spin_lock_irqsave(struct spinlock *l)
{
	bool on = irq_save();
	spin_lock(l);
	return on;
}
static inline void spin_unlock_irqrestore(struct spinlock *l, bool on)
{
	spin_unlock(l);
	irq_restore(on);
}

/* Assert a locking rule; checked only in debug builds. */
#if SPINDLE_DEBUG
#define ASSERT_HELD(l) do { if (!spin_held_by_me(l)) panic("lock %s not held at %s:%d", (l)->name, __FILE__, __LINE__); } while (0)
#else
#define ASSERT_HELD(l) do { (void)(l); } while (0)
#endif

#endif
