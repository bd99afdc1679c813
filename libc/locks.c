/*
 * locks.c - newlib's retargetable locks (--enable-newlib-retargetable-locking)
 * on top of kernel spin locks. Rules in libc/libc.h, design in docs/libc.md.
 *
 * Every function and lock object newlib's libc/misc/lock.c would provide is
 * defined here, so the linker never pulls lock.o (its no-op versions) from
 * libc.a.
 *
 * A lock is a struct spinlock plus the owning CPU and a recursion depth.
 * Taking any libc lock disables interrupts on this CPU; the interrupt state
 * is saved per CPU when the CPU goes from 0 to 1 libc locks held and restored
 * when it goes back to 0, so locks may be released in any order.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/lock.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "libc/libc.h"

struct __lock {
	struct spinlock sl;
	volatile int32_t owner;   /* CPU id of the holder, -1 when free */
	uint32_t depth;           /* recursion depth while held */
	uint8_t pooled;           /* dynamic lock from the static pool */
	uint8_t heap;             /* dynamic lock from malloc */
};

#define LOCK_STATIC(n) { SPINLOCK_INIT("libc:" #n), -1, 0, 0, 0 }

/* The static locks newlib names (libc/misc/lock.c of newlib 3.3). */
struct __lock __lock___sinit_recursive_mutex = LOCK_STATIC(sinit);
struct __lock __lock___sfp_recursive_mutex = LOCK_STATIC(sfp);
struct __lock __lock___atexit_recursive_mutex = LOCK_STATIC(atexit);
struct __lock __lock___at_quick_exit_mutex = LOCK_STATIC(at_quick_exit);
struct __lock __lock___malloc_recursive_mutex = LOCK_STATIC(malloc);
struct __lock __lock___env_recursive_mutex = LOCK_STATIC(env);
struct __lock __lock___tz_mutex = LOCK_STATIC(tz);
struct __lock __lock___dd_hash_mutex = LOCK_STATIC(dd_hash);
struct __lock __lock___arc4random_mutex = LOCK_STATIC(arc4random);

/* Per-CPU count of libc locks held and the interrupt state to restore. */
static struct {
	uint32_t held;
	bool irq_on;
} __attribute__((aligned(64))) lockstate[MAX_CPUS];

/* Set by libc_init_cpu on the boot CPU; before that there is one CPU and it
 * may not have GS set up, so it is CPU 0. */
extern volatile int libc_percpu_ready;

static inline int32_t me(void)
{
	return libc_percpu_ready ? (int32_t)cpu_id() : 0;
}

static inline void held_inc(int32_t cpu, bool on)
{
	if (lockstate[cpu].held++ == 0)
		lockstate[cpu].irq_on = on;
}

static inline void held_dec(int32_t cpu)
{
	if (lockstate[cpu].held == 0)
		panic("libc: lock released with none held on cpu %d", cpu);
	if (--lockstate[cpu].held == 0)
		irq_restore(lockstate[cpu].irq_on);
}

static void lock_acquire(struct __lock *l, bool recursive)
{
	if (l == NULL)
		panic("libc: acquire of an uninitialised lock");
	bool on = irq_save();
	int32_t cpu = me();
	/* Only this CPU can store its own id in owner, and it cannot change
	 * under us with interrupts off, so this unlocked read is exact. */
	if (l->owner == cpu) {
		if (!recursive)
			panic("libc: recursive acquire of non-recursive lock %s", l->sl.name);
		l->depth++;
		held_inc(cpu, on);
		return;
	}
	spin_lock(&l->sl);
	l->owner = cpu;
	l->depth = 1;
	held_inc(cpu, on);
}

static int lock_try_acquire(struct __lock *l, bool recursive)
{
	if (l == NULL)
		panic("libc: try_acquire of an uninitialised lock");
	bool on = irq_save();
	int32_t cpu = me();
	if (l->owner == cpu) {
		if (!recursive) {
			irq_restore(on);
			return 0;
		}
		l->depth++;
		held_inc(cpu, on);
		return 1;
	}
	if (!spin_trylock(&l->sl)) {
		irq_restore(on);
		return 0;
	}
	l->owner = cpu;
	l->depth = 1;
	held_inc(cpu, on);
	return 1;
}

static void lock_release(struct __lock *l)
{
	if (l == NULL)
		panic("libc: release of an uninitialised lock");
	int32_t cpu = me();
	if (l->owner != cpu || l->depth == 0)
		panic("libc: lock %s released by cpu %d, owner %d", l->sl.name, cpu, l->owner);
	if (--l->depth == 0) {
		l->owner = -1;
		spin_unlock(&l->sl);
	}
	held_dec(cpu);
}

/*
 * Dynamic locks (one per FILE: __sfp and __sinit call __lock_init_recursive
 * on each stream). They come from a static pool so that creating a stream
 * never needs malloc: init can run while the sfp or sinit lock is held, and
 * the boot CPU's stdio is set up before anything else. Should the pool run
 * out (hundreds of open streams) they come from malloc, which is safe: the
 * malloc lock is a different recursive lock and newlib never initialises a
 * lock while holding it.
 */
#define LOCK_POOL 256
static struct __lock pool[LOCK_POOL];
static struct __lock *pool_free;
static bool pool_ready;
static unsigned locks_in_use;
static struct spinlock pool_lock = SPINLOCK_INIT("libc:lockpool");

static struct __lock *lock_new(void)
{
	struct __lock *l = NULL;
	bool on = spin_lock_irqsave(&pool_lock);
	if (!pool_ready) {
		for (int i = LOCK_POOL - 1; i >= 0; i--) {
			*(struct __lock **)&pool[i] = pool_free;
			pool_free = &pool[i];
		}
		pool_ready = true;
	}
	if (pool_free) {
		l = pool_free;
		pool_free = *(struct __lock **)l;
	}
	locks_in_use++;
	spin_unlock_irqrestore(&pool_lock, on);
	if (l) {
		*l = (struct __lock)LOCK_STATIC(dynamic);
		l->pooled = 1;
	} else {
		l = malloc(sizeof(*l));
		if (l == NULL)
			panic("libc: out of memory for a lock");
		*l = (struct __lock)LOCK_STATIC(dynamic);
		l->heap = 1;
	}
	return l;
}

static void lock_free(struct __lock *l)
{
	if (l == NULL || !(l->pooled || l->heap))
		return; /* a static lock: never freed */
	if (l->owner != -1)
		panic("libc: closing held lock");
	bool heap = l->heap;
	l->pooled = l->heap = 0;
	bool on = spin_lock_irqsave(&pool_lock);
	locks_in_use--;
	if (!heap) {
		*(struct __lock **)l = pool_free;
		pool_free = l;
	}
	spin_unlock_irqrestore(&pool_lock, on);
	if (heap)
		free(l);
}

unsigned libc_locks_in_use(void)
{
	return locks_in_use;
}

void __retarget_lock_init(_LOCK_T *lock) { *lock = lock_new(); }
void __retarget_lock_init_recursive(_LOCK_T *lock) { *lock = lock_new(); }
void __retarget_lock_close(_LOCK_T lock) { lock_free(lock); }
void __retarget_lock_close_recursive(_LOCK_T lock) { lock_free(lock); }
void __retarget_lock_acquire(_LOCK_T lock) { lock_acquire(lock, false); }
void __retarget_lock_acquire_recursive(_LOCK_T lock) { lock_acquire(lock, true); }
int __retarget_lock_try_acquire(_LOCK_T lock) { return lock_try_acquire(lock, false); }
int __retarget_lock_try_acquire_recursive(_LOCK_T lock) { return lock_try_acquire(lock, true); }
void __retarget_lock_release(_LOCK_T lock) { lock_release(lock); }
void __retarget_lock_release_recursive(_LOCK_T lock) { lock_release(lock); }
