/*
 * runtime.h - the goroutine API: everything a program on Spindle needs to
 * run goroutines, and nothing else. The design is in sched/proc.c.
 *
 * Who may call what:
 *  - go_main: kernel context on the boot CPU (a test, the showcase), with
 *    interrupts on, never from a goroutine. It starts the runtime on every
 *    online CPU, runs fn(arg) as the main goroutine and returns when fn
 *    returns (other goroutines still alive are abandoned: their Gs and stacks
 *    go back to the free lists) or when every goroutine is blocked for ever.
 *  - everything else: from a goroutine only, unless it says otherwise.
 *
 * Stacks: a goroutine has a small stack (2 KiB by default, gstack= on the
 * command line), of which GSTACK_GUARD bytes at the bottom are kept free for
 * interrupts and leaf calls. Code that runs on goroutine stacks is compiled
 * with -fsplit-stack (sched/, sched/tests/, bench/ and showcase code), so
 * every function checks its frame against the limit on entry: a goroutine
 * that would overflow is stopped and reported with its id, stack size and
 * the function that overflowed; the rest of the system goes on. Heavy calls
 * (printf, kprintf, anything with a large frame that is not built with
 * -fsplit-stack) must go through go_systemstack or go_printf, which run on
 * the M's own large stack, as Go's runtime does with systemstack.
 *
 * Go's semantics hold for channels: a send on a closed channel and closing
 * a closed or nil channel panic the goroutine (go_panic: message, goroutine
 * backtrace, the goroutine ends, the system goes on); a receive from a
 * closed, drained channel returns the zero value and ok = false; a nil
 * channel blocks for ever in send and receive (and never wins a select).
 */
#ifndef SCHED_RUNTIME_H
#define SCHED_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sched/plat.h"

struct g;

/* --- goroutines --- */

#define GO_OK        0
#define GO_ENOMEM   (-12)   /* out of memory: no G or stack could be had */
#define GO_DEADLOCK (-35)   /* go_main: every goroutine blocked for ever */

/* Start fn(arg) as a new goroutine. GO_OK, or GO_ENOMEM (never a crash). */
int go(void (*fn)(void *), void *arg);
/* Kernel context, between go_main runs: GOMAXPROCS for the following runs
 * (0 = back to gomaxprocs= or the CPU count). At most the CPUs online. */
void go_set_maxprocs(unsigned n);
/* Like go, but the goroutine only ever runs on P p (mod GOMAXPROCS): never
 * stolen, never moved (like Go's LockOSThread, for a P). For benchmarks
 * that need two goroutines on two cores. */
int go_on(unsigned p, void (*fn)(void *), void *arg);
/* Let other goroutines run; the caller stays runnable. */
void go_yield(void);
/* End the calling goroutine (returning from its function does the same). */
_Noreturn void go_exit(void);

/* The calling goroutine's id (1 is the main goroutine of a go_main). */
uint64_t go_id(void);
/* Kernel context, boot CPU: run fn(arg) as the main goroutine of a fresh
 * runtime on every online CPU. GO_OK, GO_ENOMEM or GO_DEADLOCK. */
int go_main(void (*fn)(void *), void *arg);
/* End the goroutine with a Go-style panic message and backtrace. */
_Noreturn void go_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The M:N bridge: make a blocking kernel call from a goroutine. fn(arg)
 * runs on the M's own kernel-thread stack and may block that kernel thread
 * (ksem_wait, kmutex_lock, kthread_sleep, kthread_device_wait: see
 * kernel/thread.h). Meanwhile the M's P is handed to a spare M (Go's
 * handoffp), so the other goroutines of that core keep running. When fn
 * returns, the goroutine goes on on any free P, or through the global run
 * queue. */
void go_kernel_call(void (*fn)(void *), void *arg);

/* Run fn(arg) on the M's system stack and come back (any stack use). */
void go_systemstack(void (*fn)(void *), void *arg);
/* printf for goroutines: formats and prints on the system stack. */
int go_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- channels --- */

struct chan;
/* A channel of elements of elemsize bytes with a buffer of cap elements
 * (0 = unbuffered). NULL when out of memory. Any context. */
struct chan *chan_make(size_t elemsize, size_t cap);
/* Lifetime (there is no GC): a channel is freed when its last reference
 * goes. chan_make gives the caller one; chan_free drops it. A goroutine
 * parked on the channel (in send, receive or any case of a select) holds
 * its own until it has finished with it, and go_after's timer holds one
 * until it has sent. So the rule is simple: call chan_free once when your
 * code is done with the channel, even if goroutines may still be parked on
 * it in a select, or its go_after has not fired. A goroutine that will
 * start using a channel after its maker's chan_free must hold a reference
 * of its own: chan_retain it before handing it over, chan_free it when
 * done. Any context; freeing more often than made and retained panics. */
void chan_free(struct chan *c);
void chan_retain(struct chan *c);
/* Channels made and not yet freed (for tests). */
uint64_t go_chans_live(void);
void chan_send(struct chan *c, const void *elem);
/* Receive into elem (may be NULL to discard); false if c is closed and
 * drained (elem is then zeroed). */
bool chan_recv(struct chan *c, void *elem);
void chan_close(struct chan *c);
size_t chan_len(struct chan *c);
size_t chan_cap(struct chan *c);

enum select_dir { SELECT_SEND = 1, SELECT_RECV = 2 };
struct select_case {
	struct chan *c;       /* NULL: this case never fires */
	enum select_dir dir;
	void *elem;           /* value to send / where to receive (may be NULL) */
	bool ok;              /* out, for SELECT_RECV: false if closed and drained */
};
/* Wait until one of the n cases can proceed and do it; if several can, one
 * is chosen uniformly at random. With has_default, return -1 at once when
 * none can. Returns the index of the case done. */
int go_select(struct select_case *cases, int n, bool has_default);

/* --- sync --- */

struct go_waitgroup {
	struct spinlock lock;
	int64_t count;              /* guarded by lock */
	struct g *waiters, *waiters_tail; /* parked in go_wg_wait, linked by schedlink */
};
#define GO_WAITGROUP_INIT { SPINLOCK_INIT("waitgroup"), 0, NULL, NULL }
void go_wg_add(struct go_waitgroup *wg, int64_t delta); /* panics if count < 0 */
void go_wg_done(struct go_waitgroup *wg);
void go_wg_wait(struct go_waitgroup *wg);

struct go_mutex {
	struct spinlock lock;
	bool locked;                /* guarded by lock */
	struct g *waiters, *waiters_tail; /* parked in go_mutex_lock, FIFO */
};
#define GO_MUTEX_INIT { SPINLOCK_INIT("go_mutex"), false, NULL, NULL }
/* A mutex whose waiters park (they do not spin): a blocked goroutine frees
 * its core for others. Not recursive; unlocking an unlocked mutex panics. */
void go_mutex_lock(struct go_mutex *m);
void go_mutex_unlock(struct go_mutex *m);
bool go_mutex_trylock(struct go_mutex *m);

/* --- time --- */

/* Nanoseconds since boot (same clock as the kernel's time_ns). Any context. */
uint64_t go_nanotime(void);
/* Park the goroutine for at least ns nanoseconds. Wakes within one timer
 * tick (1/hz) of the deadline. */
void go_sleep(uint64_t ns);
/* A channel of uint64_t that receives go_nanotime() once, ns from now
 * (like Go's time.After). The caller frees it with chan_free when done,
 * whether or not the value came (the timer keeps its own reference). */
struct chan *go_after(uint64_t ns);

/* --- observing --- */

/* Print every goroutine: id, state, wait reason and backtrace. Any context
 * with the runtime running (kernel context included). */
void go_dump(void);
/* Print one schedtrace line: per P run-queue length, ticks, steals, idle. */
void go_schedtrace(void);

struct go_stats {
	uint64_t spawned, exited, panicked, stack_overflows, preemptions;
	uint64_t steals, stolen_gs;   /* steal operations that got work, Gs moved */
	uint64_t handoffs;            /* Ps handed to a spare M by go_kernel_call */
	uint64_t afters_sent;         /* go_after timers that fired and sent */
	uint32_t live;                /* goroutines not yet exited */
};
void go_stats(struct go_stats *out);  /* any context */
/* Per-P counters of the running (or last) runtime, for tests and benches. */
uint64_t go_p_executed(unsigned p);   /* Gs started on P p */
unsigned go_nprocs(void);             /* GOMAXPROCS of the running runtime */
/* Bytes one goroutine costs: its struct g (rounded to a cache line) plus its
 * stack. Any context. */
size_t go_bytes_per_goroutine(void);

#endif
