/*
 * sched.h - the goroutine runtime's insides, shared by the files of sched/.
 * Nothing outside sched/ includes this; the public API is sched/runtime.h.
 * The design (G, M, P, every state and transition) is explained at the top
 * of sched/proc.c.
 *
 * Locking and preemption rules, asserted in debug builds:
 *  - A runtime lock (struct spinlock taken with rt_lock) is held with
 *    preemption off (the CPU's guard, plat_preempt_off: acquirem) and
 *    interrupts on: the timer interrupt
 *    never preempts a goroutine that holds one. The only interrupt-context
 *    code that takes one is the preemption path (queueing the preempted G),
 *    which runs only when its CPU holds none (guard 0), so it cannot
 *    deadlock on itself.
 *  - A G's status changes only with atomic operations (cas_gstatus), and a
 *    G that parks itself changes its status on g0, after it stopped running
 *    on its own stack (gopark -> mcall -> park_m), so a waker on another CPU
 *    can never run a G whose stack is still in use.
 *  - The local run queue of a P is written at the tail only by the M that
 *    owns the P; any M may take from the head (stealing) with a CAS.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sched/plat.h"
#include "sched/runtime.h"

#define RUNQ_SIZE          256   /* local run queue slots per P */
#define GLOBAL_RUNQ_EVERY  61    /* schedticks between fairness checks of the global queue */
#define GSTACK_DEFAULT     2048
#define GSTACK_GUARD       512   /* bytes at a stack's bottom no function may use */
#define PREEMPT_NS         10000000ULL /* a G running this long is preempted */
#define MAX_PROCS          PLAT_MAX_CPUS
#define GFREE_LOCAL_MAX    64    /* free Gs a P keeps before moving half to the global list */

/* G status. Transitions (see proc.c):
 *   G_IDLE -> G_RUNNABLE            newproc
 *   G_RUNNABLE -> G_RUNNING         execute / the yield fast path
 *   G_RUNNING -> G_RUNNABLE         go_yield, preemption
 *   G_RUNNING -> G_WAITING          gopark (on g0)
 *   G_WAITING -> G_RUNNABLE         goready (by the waker)
 *   G_RUNNING -> G_DEAD             goexit (on g0); G_DEAD -> G_RUNNABLE on reuse
 *   G_RUNNING -> G_SYSCALL          go_kernel_call: its M blocks in the kernel
 *   G_SYSCALL -> G_RUNNING          the call returned and its M got a P back
 *   G_SYSCALL -> G_RUNNABLE         the call returned, no P: global run queue */
enum gstatus { G_IDLE = 0, G_RUNNABLE, G_RUNNING, G_WAITING, G_DEAD, G_SYSCALL };

enum waitreason {
	WAIT_NONE = 0,
	WAIT_CHAN_SEND,
	WAIT_CHAN_RECV,
	WAIT_CHAN_SEND_NIL,
	WAIT_CHAN_RECV_NIL,
	WAIT_SELECT,
	WAIT_SELECT_NO_CASES,
	WAIT_SLEEP,
	WAIT_WAITGROUP,
	WAIT_MUTEX,
	WAIT_KERNEL,      /* blocked in a kernel call (woken by interrupt or kernel) */
	WAIT_REASONS
};
extern const char *const waitreason_names[WAIT_REASONS];

struct sudog;
struct m;
struct p;

/* A goroutine. Kept small: memory per parked goroutine is this plus its
 * stack. Fields marked (own) are touched only by the M running the G or by
 * whoever holds the G off every queue. */
struct g {
	uint64_t sp;               /* saved stack pointer while not running (own) */
	uintptr_t stack_lo;        /* lowest byte of the stack */
	uint32_t stack_size;       /* bytes */
	volatile uint32_t status;  /* enum gstatus; cas_gstatus */
	uint64_t goid;
	struct g *schedlink;       /* global run queue, free lists, wait queues */
	struct g *alllink;         /* allgs list, never unlinked */
	struct m *m;               /* M running it, or NULL */
	void *param;               /* handed over by a waker (chan: the sudog) */
	struct sudog *waiting;     /* select: this G's sudogs, while parked */
	volatile uint32_t selectdone; /* select: 0 until one case wins (CAS) */
	uint8_t waitreason;        /* enum waitreason while G_WAITING */
	uint8_t preempted;         /* resumed through preempt_resume */
	uint8_t flags;             /* G_FLAG_* */
	int16_t pin;               /* P it must run on (go_on), -1: any */
	void (*fn)(void *);        /* entry, also shown in dumps */
	void *arg;
	uint64_t waitsince;        /* go_nanotime() when it parked */
	void *fpstate;             /* XSAVE area while preempted, else NULL */
};
#define G_FLAG_MAIN      0x1   /* the main goroutine of a go_main */
#define G_FLAG_PANICKED  0x2
#define G_FLAG_OVERFLOW  0x4

/* A goroutine waiting on a channel (Go's sudog). */
struct sudog {
	struct g *g;
	struct sudog *next, *prev; /* the channel's wait queue */
	void *elem;                /* data element (may point to a stack) */
	struct chan *c;
	struct sudog *waitlink;    /* select: the G's list of sudogs */
	bool is_select;
	bool success;              /* true: woken by a value; false: by close */
};

/* A run queue of Gs linked through schedlink (global queue, wait lists). */
struct gqueue {
	struct g *head, *tail;
};

/* A processor: the right to run goroutines, with its own run queue. */
struct p {
	uint32_t id;
	struct m *m;               /* M holding this P */
	uint32_t schedtick;        /* incremented on every schedule */
	volatile uint32_t runqhead;  /* taken by any M (CAS) */
	volatile uint32_t runqtail;  /* written only by the owner */
	struct g *runq[RUNQ_SIZE];
	struct g *volatile runnext;  /* next to run, ahead of runq */
	/* Gs pinned to this P (go_on): never in runq, so never stolen */
	struct spinlock inbox_lock;
	struct gqueue inbox;
	volatile uint32_t ninbox;
	struct g *gfree;           /* free Gs (with stacks) */
	uint32_t gfreecnt;
	/* timers (sched/timer.c) */
	struct spinlock timerlock;
	struct gtimer **timers;    /* min-heap by when */
	uint32_t ntimers, timercap;
	volatile uint64_t timer0;  /* earliest deadline, 0 = none (timerlock to write) */
	/* statistics, written by the owner */
	uint64_t executed;         /* Gs started */
	uint64_t steals, stolen_gs;
	uint64_t idle_ns, idle_since;
	uint64_t ticks;            /* timer interrupts seen while held */
	uint32_t fastrand;
};

/* A machine: one per CPU. g0 is the CPU's own kernel stack, where the
 * scheduler runs. */
struct m {
	uint32_t id;
	uint32_t cpu;              /* the CPU its kernel thread is pinned to */
	struct p *p;               /* NULL while it has none */
	struct g *curg;            /* running goroutine, NULL on g0 */
	uint64_t g0_sp;            /* g0's stack pointer for mcall */
	uint64_t g0_lo;            /* lowest address of g0's stack */
	volatile bool spinning;    /* looking for work to steal */
	volatile bool halted;      /* in hlt waiting for a wakeup IPI */
	/* The time slice, kept by the tick on this M's CPU (preempt.c), never
	 * on the switch path: a slice starts at the first tick that sees the
	 * P's executed count changed, as Go's sysmon watches schedtick. */
	uint64_t slice_executed;   /* p->executed at that tick */
	uint64_t slice_start;      /* TSC of that tick */
	uint64_t slice_cycles;     /* its length (PREEMPT_NS, or schedfuzz's) */
	uint64_t fuzz_choice, fuzz_tick; /* schedfuzz's generators (sched/fuzz.c) */
	uint32_t fastrand;
	uint64_t exit_sp;          /* m_enter's context: where the M returns when the runtime stops */
	bool (*park_fn)(struct g *gp, void *arg); /* gopark -> park_m hand-over (locks > 0) */
	void *park_arg;
	/* M:N bridge (sched/bridge.c): every M is a kernel thread */
	struct plat_thread *thread; /* the kernel thread this M is */
	struct plat_sem *wake;     /* a spare M waits here for a P (or the stop) */
	struct m *spare_next;      /* sched.spare list */
	bool in_use;
};
#define MAX_MS (2 * PLAT_MAX_CPUS)     /* Ms: one per CPU plus spares for blocked calls */

/* The scheduler's global state. */
struct sched {
	struct spinlock lock;      /* global run queue and idle bookkeeping */
	struct gqueue runq;
	volatile int32_t runqsize;
	struct spinlock gfree_lock;
	struct g *gfree;           /* global free Gs */
	uint32_t gfreecnt;
	volatile int32_t nmspinning;
	volatile uint32_t nmhalted;  /* Ms holding a P that are halted */
	volatile uint64_t idle_gen;  /* bumped whenever such an M stops being halted */
	uint32_t nprocs;           /* GOMAXPROCS */
	uint32_t nms;              /* Ms taking part */
	volatile bool stopping;    /* go_main is ending: Ms return */
	volatile int exit_code;
	struct spinlock allglock;
	struct g *allgs;
	volatile uint64_t goidgen;
	volatile uint64_t spawned, exited, panicked, overflows, preemptions;
	volatile uint64_t timers_pending; /* timers armed in any P */
	volatile uint64_t afters_sent;    /* go_after senders that sent and let go */
	volatile uint32_t nkernelwait;    /* Gs in WAIT_KERNEL (can be woken from outside) */
	uint32_t gstack_size;
	uint32_t schedtrace_ms;    /* schedtrace=, read once per runtime (0: off) */
	uint64_t idlespin_cycles;  /* idlespin= in plat_cycles: polling before a halt */
	uint64_t fuzz_seed;        /* schedfuzz=, 0: off (sched/fuzz.c) */
	uint64_t tick_cycles;      /* one timer tick (hz=) in plat_cycles */
	/* M:N bridge */
	struct m *spare;           /* Ms without a P, parked on their wake semaphore (lock) */
	volatile uint32_t nms_alive; /* M kernel threads that have not ended */
	volatile uint64_t handoffs;
};

extern struct sched sched;
extern struct m ms[MAX_MS];
extern struct p ps[MAX_PROCS];

/* The current M and P: valid only with preemption off (acquirem, or
 * interrupts off, or on g0). A goroutine that can be preempted can move to
 * another M between two instructions, so with preemption on the M it read
 * may already be another CPU's. */
static inline struct m *getm(void) { return (struct m *)plat_cpu_m(); }
static inline struct p *getp(void) { return getm()->p; }
/* The current G: valid in any context. The M and its curg are read with
 * interrupts off, so the two reads see the same CPU; the G it finds is the
 * caller itself, which stays itself wherever it runs next. */
static inline struct g *getg(void)
{
	bool on = plat_irq_save();
	struct m *mp = getm();
	struct g *gp = mp ? mp->curg : NULL;
	plat_irq_restore(on);
	return gp;
}

/* For TRACE: the P of mp (TRACE_NO_P: none), the id of the running G (0:
 * none). Preemption off, as for getm. */
static inline unsigned trace_p(const struct m *mp)
{
	return mp && mp->p ? mp->p->id : TRACE_NO_P;
}
static inline uint64_t trace_curg(const struct m *mp)
{
	return mp && mp->curg ? mp->curg->goid : 0;
}

/* Preemption off/on: nest; a preemption request that arrives meanwhile is
 * served at the next go_yield or schedule. The guard is this CPU's word,
 * raised in one instruction (plat_preempt_off), and only then is the M
 * read: after acquirem the caller stays on the M it returned until
 * releasem. From kernel context (no runtime on this CPU) the M is NULL and
 * the guard is the kernel thread's own, raised and lowered all the same. */
static inline struct m *acquirem(void)
{
	plat_preempt_off();
	return getm();
}
void fuzz_after_release(void);
static inline void releasem(struct m *mp)
{
	(void)mp;
	plat_preempt_on();
	if (__builtin_expect(sched.fuzz_seed != 0, 0))
		fuzz_after_release();   /* schedfuzz: maybe an extra yield */
}

/* A word other Ms read without a lock (a queue's size, how many Ms are
 * halted, the stop flag, a P's M): every access to it is atomic, relaxed
 * unless it must order something, so neither the compiler nor
 * ThreadSanitizer (the host build, arch/host) meets a plain access racing
 * with another. Go's runtime does the same with atomic.Load. */
#define load_relaxed(p)      __atomic_load_n((p), __ATOMIC_RELAXED)
#define store_relaxed(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* A statistics counter only its owner writes and anyone reads: no locked
 * add, one relaxed store. */
#define owner_add(p, n)      store_relaxed((p), load_relaxed(p) + (n))

/* Runtime locks: a spinlock held with preemption off. */
void rt_lock(struct spinlock *l);
void rt_unlock(struct spinlock *l);

bool cas_gstatus(struct g *gp, uint32_t old, uint32_t new);

/* Park the current goroutine (status G_WAITING, reason). On g0, after the
 * G's stack is no longer in use, unlockf(gp, arg) is called; it typically
 * releases the lock that protects the queue the G was put on. If it returns
 * false the G is made runnable again at once. */
void gopark(bool (*unlockf)(struct g *gp, void *arg), void *arg, uint8_t reason);
/* Helper unlockf: rt_unlock((struct spinlock *)arg), returns true. */
bool park_unlock_spinlock(struct g *gp, void *arg);
/* Make a parked goroutine runnable (G_WAITING -> G_RUNNABLE): it goes to
 * the current P's runnext (or, from kernel context, the global queue) and
 * an idle M is woken if there is one. Any context but interrupt. */
void goready(struct g *gp);
/* Gosched slow path and yield fast path live in proc.c. */

/* Memory from newlib's malloc, callable on any stack (on a goroutine's it
 * runs on the M's stack). */
void *rt_malloc(size_t size);
void rt_free(void *p);
bool on_goroutine_stack(void);

/* schedfuzz=SEED (sched/fuzz.c): the M's own code, preemption off.
 * fuzz_chance is true 1 time in one_in from the M's choice generator, and
 * always false without a seed (or without an M). */
void fuzz_seed_m(struct m *mp);
bool fuzz_chance(struct m *mp, unsigned one_in);
extern uint64_t preempt_tsc_slice;          /* the normal slice (sched/preempt.c) */
uint64_t fuzz_slice_cycles(struct m *mp);   /* tick context: 1 tick .. 2 slices */

/* Random numbers per M (xorshift), for stealing order and select. */
uint32_t fastrand(void);
static inline uint32_t fastrandn(uint32_t n) { return (uint32_t)(((uint64_t)fastrand() * n) >> 32); }

/* Run queues (sched/runq.c). */
bool runq_put(struct p *pp, struct g *gp, bool next);   /* false: full, gp not queued */
struct g *runq_get(struct p *pp);
uint32_t runq_grab(struct p *pp, struct g **batch, uint32_t batch_head, bool steal_runnext);
struct g *runq_steal(struct p *pp, struct p *victim, bool steal_runnext);
uint32_t runq_len(struct p *pp);
bool runq_empty(struct p *pp);
void runq_put_slow(struct p *pp, struct g *gp);  /* moves half of a full queue to the global one */
void gqueue_push(struct gqueue *q, struct g *gp);
struct g *gqueue_pop(struct gqueue *q);

/* Queue a runnable G where it may run: its pinned P's inbox, else pp's
 * local queue (pp must be the caller's own P). */
void ready_put(struct p *pp, struct g *gp, bool next);
/* The same, with the goroutine id the trace names as the one that readied
 * it (ready_put: the running one). */
void ready_put_by(struct p *pp, struct g *gp, bool next, uint64_t by);
/* Queue a runnable G globally, or in its pinned P's inbox. Any M. */
void ready_put_global(struct g *gp);
struct g *inbox_get(struct p *pp);

/* Global run queue (sched.lock held). */
void globrunq_put(struct g *gp);
struct g *globrunq_get(struct p *pp, int max);

/* Timers (sched/timer.c). */
struct gtimer {
	uint64_t when;             /* go_nanotime() deadline */
	void (*fn)(void *arg, uint64_t now); /* runs on g0 of the P's M: no blocking */
	void *arg;
	int32_t heap_index;        /* -1 when not in a heap */
	struct p *pp;              /* heap it is in */
};
void timer_start(struct gtimer *t, uint64_t when, void (*fn)(void *, uint64_t), void *arg);
bool timer_stop(struct gtimer *t);    /* true if it was armed and is now stopped */
/* Run this P's expired timers; returns the next deadline (0 = none). */
uint64_t timers_run(struct p *pp, uint64_t now);
void timers_reset(struct p *pp);

/* Stack and G allocation (sched/stack.c). */
struct g *galloc(struct p *pp);        /* G with a stack, or NULL */
void gfree_put(struct p *pp, struct g *gp);
void gstack_reset(void);

/* Switching: sched/plat.h (switch_to, switch_jump, mcall, ...). The
 * split-stack limit for a goroutine is stack_lo + GSTACK_GUARD (g_limit). */

/* Internal scheduler entry points. */
_Noreturn void schedule(void);
void execute(struct g *gp);
void wakep(void);
void wake_p(struct p *pp);
struct trap_frame;
void sched_tick(struct trap_frame *tf); /* timer interrupt hook (sched/preempt.c) */
void goroutine_backtrace(struct g *gp);
/* Entered from arch/x86_64/switch.S: */
_Noreturn void gstack_overflow(uint64_t where, uint64_t frame, uint64_t sp, uint64_t rbp);
void *preempt_take_fpstate(struct g *gp);  /* preempt_resume, interrupts off */

/* Debug-build assertions. */
#if SPINDLE_DEBUG
#define SCHED_ASSERT(c) do { if (!(c)) panic("sched: %s at %s:%d", #c, __FILE__, __LINE__); } while (0)
#else
#define SCHED_ASSERT(c) do { (void)sizeof(c); } while (0)
#endif

#endif
