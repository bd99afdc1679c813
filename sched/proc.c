/*
 * proc.c - the goroutine scheduler.
 *
 * Design
 * ======
 * Spindle runs goroutines the way Go's runtime does, on bare metal.
 *
 *   G  a goroutine: a function, its small stack (2 KiB by default) and a
 *      saved stack pointer. Everything else it needs is on that stack.
 *   M  a machine: a kernel thread (kernel/thread.h), pinned to one CPU.
 *      Its own 1 MiB kernel stack ("g0") is where the scheduler runs; it
 *      runs one G at a time on the G's stack. go_main starts one M per
 *      online CPU; more Ms (spares) appear when Gs block in the kernel.
 *   P  a processor: the right to run Go code, with a local run queue of up
 *      to 256 runnable Gs, a runnext slot, an inbox for pinned Gs, a free
 *      list of dead Gs and a timer heap. There are GOMAXPROCS Ps
 *      (gomaxprocs=, default: every online CPU). M i starts holding P i;
 *      Ms beyond GOMAXPROCS start as spares. When a G blocks in the kernel
 *      (go_kernel_call), its M hands its P to a spare M on the same CPU
 *      (sched/bridge.c), as Go's handoffp does.
 *
 * G states and every transition (enum gstatus in sched.h):
 *
 *   G_IDLE      just allocated                       -> G_RUNNABLE (newproc)
 *   G_RUNNABLE  on a run queue (local, runnext,      -> G_RUNNING  (execute,
 *               global) or being handed over            or the go_yield fast path)
 *   G_RUNNING   on an M's CPU                        -> G_RUNNABLE (go_yield;
 *                                                       preemption from the timer)
 *                                                    -> G_WAITING  (gopark: a
 *                                                       channel, select, sleep,
 *                                                       WaitGroup, Mutex)
 *                                                    -> G_DEAD     (go_exit, return
 *                                                       from its function, go_panic,
 *                                                       stack overflow)
 *                                                    -> G_SYSCALL  (go_kernel_call:
 *                                                       its M blocks in the kernel,
 *                                                       its P goes to a spare M)
 *   G_WAITING   parked on a wait queue or timer      -> G_RUNNABLE (goready by the
 *                                                       waker, on any CPU)
 *   G_SYSCALL   its M is blocked in a kernel call    -> G_RUNNING  (the call returned
 *                                                       and the M kept its P)
 *                                                    -> G_RUNNABLE (the call returned,
 *                                                       the P was handed off: the G
 *                                                       goes to the global queue)
 *   G_DEAD      on a free list with its stack        -> G_RUNNABLE (reused by newproc)
 *
 * A G changes its own state away from G_RUNNING only on g0 (gopark and
 * go_exit go through mcall), once nothing runs on its stack any more, so a
 * waker on another CPU can never start a G whose stack is still in use.
 *
 * Scheduling (schedule, on g0):
 *   1. every GLOBAL_RUNQ_EVERY (61) rounds, take one G from the global queue
 *      first, so Gs there cannot starve behind a busy local queue;
 *   2. the P's inbox of pinned Gs (go_on: never stolen), runnext, then
 *      the local queue;
 *   3. findrunnable: the global queue (a fair batch), then, if fewer than
 *      half the busy Ps already have an M spinning, spin: steal half of a
 *      victim's queue, victims visited in a random order, four rounds, the
 *      last one also taking the victim's runnext;
 *   4. nothing: stop spinning, poll for work a while (idlespin=, 50 us:
 *      an IPI to a halted CPU costs more than that when work comes back
 *      soon), look once more (a G readied while we were giving up must not
 *      be missed), then halt the CPU (sti; hlt) until a
 *      wakeup IPI (wakep: new work and no M spinning) or the next timer
 *      tick (which runs this P's timers).
 * A goroutine that yields goes straight to the next runnable G of its P
 * without passing through g0 (switch_to with runq_put of the yielder on the
 * new stack), so a yield costs one switch. A goroutine that runs for
 * PREEMPT_NS (10 ms) without yielding is preempted from the timer
 * interrupt (sched/preempt.c).
 *
 * Deadlock: when the last M with a P finds nothing to run, no G is
 * runnable anywhere, no timer is armed and no G waits on the kernel, no
 * one can ever make progress: "all goroutines are asleep - deadlock!", a
 * dump of every goroutine, and go_main returns GO_DEADLOCK.
 *
 * Lifetime: go_main (kernel context, boot CPU) resets the runtime, makes
 * the main G and starts the M kernel threads (ms_start); each M enters
 * schedule on its own stack and returns from m_enter when the main G ends
 * (or a deadlock is found); go_main joins them all and returns.
 *
 * Kernel threads and Ms share CPUs: an M yields its CPU to a ready kernel
 * thread when it passes through schedule, and the timer preempts a
 * goroutine when a kernel thread waits for its CPU (sched/preempt.c).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "sched/sched.h"

#define STEAL_ROUNDS 4

struct sched sched = {
	.lock = SPINLOCK_INIT("sched"),
	.gfree_lock = SPINLOCK_INIT("gfree"),
	.allglock = SPINLOCK_INIT("allg"),
};
struct m ms[MAX_MS];
struct p ps[MAX_PROCS];

const char *const waitreason_names[WAIT_REASONS] = {
	[WAIT_NONE] = "",
	[WAIT_CHAN_SEND] = "chan send",
	[WAIT_CHAN_RECV] = "chan receive",
	[WAIT_CHAN_SEND_NIL] = "chan send (nil chan)",
	[WAIT_CHAN_RECV_NIL] = "chan receive (nil chan)",
	[WAIT_SELECT] = "select",
	[WAIT_SELECT_NO_CASES] = "select (no cases)",
	[WAIT_SLEEP] = "sleep",
	[WAIT_WAITGROUP] = "sync.WaitGroup.Wait",
	[WAIT_MUTEX] = "sync.Mutex.Lock",
	[WAIT_KERNEL] = "kernel call",
};

static const char *const gstatus_names[] = {
	[G_IDLE] = "idle", [G_RUNNABLE] = "runnable", [G_RUNNING] = "running",
	[G_WAITING] = "waiting", [G_DEAD] = "dead", [G_SYSCALL] = "syscall",
};
_Static_assert(sizeof gstatus_names / sizeof gstatus_names[0] == G_SYSCALL + 1,
	       "a name for every enum gstatus value");

extern uint64_t preempt_tsc_slice;
void preempt_init(void);   /* sched/preempt.c */
size_t gunit_size(void);
static void check_deadlock(void);
/* sched/bridge.c */
bool ms_start(void);
void ms_join_all(void);
void m_become_spare(struct m *mp);
void ms_wake_spares(void);

/* --- small pieces --- */

void rt_lock(struct spinlock *l)
{
	acquirem();
	spin_lock(l);
}

void rt_unlock(struct spinlock *l)
{
	spin_unlock(l);
	releasem(getm());
}



bool cas_gstatus(struct g *gp, uint32_t old, uint32_t new)
{
	uint32_t o = old;
	if (__atomic_compare_exchange_n(&gp->status, &o, new, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return true;
#if SPINDLE_DEBUG
	panic("sched: goroutine %lu status %s, expected %s", (unsigned long)gp->goid,
	      gstatus_names[o], gstatus_names[old]);
#endif
	return false;
}

uint32_t fastrand(void)
{
	struct m *mp = getm();
	uint32_t x = mp ? mp->fastrand : (uint32_t)plat_cycles() | 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	if (mp)
		mp->fastrand = x;
	return x;
}

static uint64_t g_limit(struct g *gp)
{
	return gp->stack_lo + GSTACK_GUARD;
}

/* --- running a G --- */

/* On g0, interrupts are turned off here and on again by the G. */
void execute(struct g *gp)
{
	struct m *mp = getm();
	plat_irq_disable();
	cas_gstatus(gp, G_RUNNABLE, G_RUNNING);
	gp->m = mp;
	store_relaxed(&mp->curg, gp);
	owner_add(&mp->p->executed, 1);
	TRACE(TR_GO_START, mp->p->id, gp->goid, 0, 0);
	switch_jump(gp->sp, g_limit(gp));
}

/* Wake a halted M with a P so it can steal new work, unless some M is
 * already spinning (it will find the work; when it does, it wakes the next). */
void wakep(void)
{
	if (__atomic_load_n(&sched.nmspinning, __ATOMIC_ACQUIRE) != 0 ||
	    __atomic_load_n(&sched.nmhalted, __ATOMIC_ACQUIRE) == 0)
		return;
	unsigned start = fastrandn(sched.nprocs);
	for (unsigned i = 0; i < sched.nprocs; i++) {
		struct m *mp = load_relaxed(&ps[(start + i) % sched.nprocs].m);
		bool halted = true;
		if (mp && load_relaxed(&mp->halted) &&
		    __atomic_compare_exchange_n(&mp->halted, &halted, false, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			plat_cpu_wake(mp->cpu);
			return;
		}
	}
}

/* Wake pp's M if it is halted (work arrived in pp's inbox). */
void wake_p(struct p *pp)
{
	struct m *mp = load_relaxed(&pp->m);
	bool halted = true;
	if (mp && mp != getm() &&
	    __atomic_compare_exchange_n(&mp->halted, &halted, false, false, __ATOMIC_ACQ_REL,
					__ATOMIC_RELAXED))
		plat_cpu_wake(mp->cpu);
}

/* --- making Gs --- */

static int newproc(struct p *pp, void (*fn)(void *), void *arg, uint8_t flags, int pin)
{
	struct g *gp = galloc(pp);
	if (!gp)
		return GO_ENOMEM;
	gp->sp = switch_frame_first(gp->stack_lo + gp->stack_size, gstart_trampoline,
				    (uint64_t)fn, (uint64_t)arg);
	gp->fn = fn;
	gp->arg = arg;
	gp->flags = flags;
	gp->pin = (int16_t)pin;
	gp->param = NULL;
	gp->waiting = NULL;
	gp->preempted = 0;
	gp->fpstate = NULL;
	gp->waitreason = WAIT_NONE;
	gp->goid = __atomic_add_fetch(&sched.goidgen, 1, __ATOMIC_RELAXED);
	TRACE(TR_GO_CREATE, pp ? pp->id : TRACE_NO_P, gp->goid, trace_curg(getm()), fn);
	store_relaxed(&gp->status, G_RUNNABLE);
	__atomic_fetch_add(&sched.spawned, 1, __ATOMIC_RELAXED);
	ready_put(pp, gp, !fuzz_chance(getm(), 2));
	return GO_OK;
}

int go(void (*fn)(void *), void *arg)
{
	struct m *mp = acquirem();
	int r = newproc(mp->p, fn, arg, 0, -1);
	if (r == GO_OK)
		wakep();
	releasem(mp);
	return r;
}

int go_on(unsigned p, void (*fn)(void *), void *arg)
{
	struct m *mp = acquirem();
	int r = newproc(mp->p, fn, arg, 0, (int)(p % sched.nprocs));
	releasem(mp);
	return r;
}

uint64_t go_id(void)
{
	struct g *gp = getg();
	return gp ? gp->goid : 0;
}

/* --- yielding, parking, readying --- */

static void gosched_m(struct g *gp)
{
	struct m *mp = getm();
	gp->m = NULL;
	store_relaxed(&mp->curg, NULL);
	cas_gstatus(gp, G_RUNNING, G_RUNNABLE);
	ready_put_global(gp);
	schedule();
}

/* On the new G's stack, interrupts off: the yielder is off its stack now.
 * The trace names the yielder as the one that readied it, not the new G. */
static void yield_requeue(void *arg)
{
	struct g *gp = arg;
	ready_put_by(getp(), gp, false, gp->goid);
}

void go_yield(void)
{
	plat_irq_disable();
	struct m *mp = getm();
	struct p *pp = mp->p;
	struct g *gp = mp->curg;
	struct g *next = NULL;
	TRACE(TR_GO_YIELD, pp->id, gp->goid, 0, 0);
	/* LAB 2 BEGIN yield_fast_path */
	if ((++pp->schedtick % GLOBAL_RUNQ_EVERY != 0 || load_relaxed(&sched.runqsize) == 0) &&
	    !load_relaxed(&pp->ninbox) && !fuzz_chance(mp, 4))
		next = runq_get(pp);
	/* LAB 2 END */
	if (!next) {
		/* Nothing local (or time to look at the global queue): the
		 * slow path puts us on the global queue, where any M may
		 * take us, and schedules. */
		plat_irq_enable();
		mcall(gosched_m);
		return;
	}
	cas_gstatus(next, G_RUNNABLE, G_RUNNING);
	store_relaxed(&gp->status, G_RUNNABLE);
	gp->m = NULL;
	next->m = mp;
	store_relaxed(&mp->curg, next);
	owner_add(&pp->executed, 1);
	TRACE(TR_GO_START, pp->id, next->goid, 0, 0);
	switch_to(&gp->sp, next->sp, g_limit(next), yield_requeue, gp);
	plat_irq_enable();   /* resumed, by a switch_to or from g0: interrupts on */
}

static void park_m(struct g *gp)
{
	struct m *mp = getm();
	bool (*unlockf)(struct g *, void *) = mp->park_fn;
	void *arg = mp->park_arg;
	mp->park_fn = NULL;
	mp->park_arg = NULL;
	gp->m = NULL;
	store_relaxed(&mp->curg, NULL);
	gp->waitsince = plat_nanotime();
	TRACE(TR_GO_PARK, trace_p(mp), gp->goid, waitreason_names[gp->waitreason], 0);
	cas_gstatus(gp, G_RUNNING, G_WAITING);
	plat_preempt_on();   /* raised in gopark */
	if (unlockf && !unlockf(gp, arg)) {
		cas_gstatus(gp, G_WAITING, G_RUNNABLE);
		execute(gp);
	}
	schedule();
}

void gopark(bool (*unlockf)(struct g *gp, void *arg), void *arg, uint8_t reason)
{
	struct m *mp = acquirem(); /* released on g0 by park_m */
	struct g *gp = mp->curg;
	gp->waitreason = reason;
	mp->park_fn = unlockf;
	mp->park_arg = arg;
	mcall(park_m);
}

bool park_unlock_spinlock(struct g *gp, void *arg)
{
	(void)gp;
	rt_unlock(arg);
	return true;
}

void goready(struct g *gp)
{
	struct m *mp = acquirem();
	cas_gstatus(gp, G_WAITING, G_RUNNABLE);
	gp->waitreason = WAIT_NONE;
	if (mp && mp->p && !fuzz_chance(mp, 8))
		ready_put(mp->p, gp, !fuzz_chance(mp, 2));
	else
		ready_put_global(gp);
	wakep();
	releasem(mp);
}

/* --- ending Gs --- */

/* Wake every CPU's M (the runtime is stopping): all of them, not only the
 * Ms marked halted, whose slots go_main may still be filling in (an M that
 * starts after this sees sched.stopping); waking a busy CPU is harmless. */
static void wake_all_ms(struct m *self)
{
	for (unsigned cpu = 0; cpu < plat_ncpus(); cpu++)
		if (cpu != self->cpu)
			plat_cpu_wake(cpu);
	ms_wake_spares();
}

static void gdestroy(struct g *gp)
{
	struct m *mp = getm();
	gp->m = NULL;
	store_relaxed(&mp->curg, NULL);
	store_relaxed(&gp->status, G_DEAD);
	if (!(gp->flags & G_FLAG_PANICKED))   /* gkill_m traced it */
		TRACE(TR_GO_EXIT, trace_p(mp), gp->goid, 0, 0);
	__atomic_fetch_add(&sched.exited, 1, __ATOMIC_RELAXED);
	if (gp->flags & G_FLAG_MAIN) {
		sched.exit_code = GO_OK;
		__atomic_store_n(&sched.stopping, true, __ATOMIC_SEQ_CST);
		wake_all_ms(mp);
	}
	gfree_put(mp->p, gp);
}

static void goexit0(struct g *gp)
{
	gdestroy(gp);
	schedule();
}

_Noreturn void go_exit(void)
{
	mcall(goexit0);
	__builtin_unreachable();
}

/* --- the scheduler loop --- */

static struct g *steal_work(struct p *pp)
{
	for (int round = 0; round < STEAL_ROUNDS; round++) {
		uint32_t n = sched.nprocs;
		uint32_t start = fastrandn(n);
		for (uint32_t i = 0; i < n; i++) {
			struct p *victim = &ps[(start + i) % n];
			if (victim == pp)
				continue;
			struct g *gp = runq_steal(pp, victim, round == STEAL_ROUNDS - 1);
			if (gp)
				return gp;
		}
		if (load_relaxed(&sched.stopping))
			return NULL;
	}
	return NULL;
}

static bool any_work(void)
{
	if (load_relaxed(&sched.runqsize))
		return true;
	for (uint32_t i = 0; i < sched.nprocs; i++)
		if (!runq_empty(&ps[i]))
			return true;
	return false;
}

/* Poll for work for sched.idlespin_cycles before halting: a halted CPU
 * needs an IPI to wake, which costs the waker and the woken far more than a
 * few microseconds of polling when the work comes back soon (a round trip
 * with a goroutine on another CPU). Go's Ms spin for the same reason, and
 * so does a Linux guest's haltpoll. True: there is work (or a stop). */
static bool idle_poll(struct p *pp)
{
	if (!sched.idlespin_cycles)
		return false;
	uint64_t until = plat_cycles() + sched.idlespin_cycles;
	do {
		if (load_relaxed(&sched.stopping) || plat_thread_waiting() || (pp && any_work()))
			return true;
		plat_relax();
	} while (plat_cycles() < until);
	return false;
}

/* Halt until an interrupt: a wakeup IPI, a stop, or the next timer tick. */
static void idle_halt(struct m *mp, struct p *pp)
{
	TRACE(TR_P_IDLE, trace_p(mp), 0, 0, 0);
	if (idle_poll(pp))
		return;
	plat_irq_disable();
	__atomic_store_n(&mp->halted, true, __ATOMIC_SEQ_CST);
	if (pp) {  /* only Ms with a P count: they are the ones that run Gs */
		__atomic_fetch_add(&sched.nmhalted, 1, __ATOMIC_SEQ_CST);
		check_deadlock();
	}
	/* A G made runnable after our last look sees halted == true and
	 * sends an IPI, which stays pending until the sti below. */
	if (!load_relaxed(&sched.stopping) && !(pp && any_work()) && !plat_thread_waiting()) {
		uint64_t t0 = plat_nanotime();
		TRACE(TR_M_HALT, trace_p(mp), 0, 0, 0);
		plat_idle();
		/* A waker clears halted before its IPI; still set: the tick. */
		TRACE(TR_M_WAKE, trace_p(mp), 0, load_relaxed(&mp->halted) ? "tick" : "ipi", 0);
		if (pp)
			owner_add(&pp->idle_ns, plat_nanotime() - t0);   /* read by tests */
	}
	if (pp) {
		__atomic_fetch_add(&sched.idle_gen, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_sub(&sched.nmhalted, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&mp->halted, false, __ATOMIC_SEQ_CST);
	plat_irq_enable();
}

static struct g *findrunnable(struct m *mp, struct p *pp)
{
	struct g *gp;
	if (load_relaxed(&sched.runqsize)) {
		rt_lock(&sched.lock);
		gp = globrunq_get(pp, 0);
		rt_unlock(&sched.lock);
		if (gp)
			return gp;
	}
	/* Spin only while fewer than half the busy Ps have a spinning M. */
	/* LAB 3 BEGIN spinning */
	int32_t busy = (int32_t)sched.nprocs - (int32_t)load_relaxed(&sched.nmhalted);
	if (sched.nprocs > 1 && (mp->spinning || 2 * load_relaxed(&sched.nmspinning) < busy)) {
		if (!mp->spinning) {
			mp->spinning = true;
			__atomic_fetch_add(&sched.nmspinning, 1, __ATOMIC_SEQ_CST);
		}
		gp = steal_work(pp);
		mp->spinning = false;
		if (__atomic_sub_fetch(&sched.nmspinning, 1, __ATOMIC_SEQ_CST) == 0 && gp)
			wakep();  /* there may be more: let another M look */
		if (gp)
			return gp;
	}
	/* LAB 3 END */
	idle_halt(mp, pp);
	return NULL;
}

static void m_stop(struct m *mp)
{
	plat_irq_disable();
	switch_jump(mp->exit_sp, 0);
}

static void maybe_schedtrace(struct m *mp);

/* schedule()'s preconditions, as xv6's sched() checks its own (debug
 * builds): an M, on its own stack (g0) with no goroutine current, no
 * runtime lock held and no spinlock at all, interrupts on. */
static void schedule_check(struct m *mp)
{
	SCHED_ASSERT(mp != NULL);
	SCHED_ASSERT(mp->curg == NULL);
	SCHED_ASSERT(plat_preempt_count() == 0);
	SCHED_ASSERT(spin_held_count() == 0);
	SCHED_ASSERT(plat_irq_enabled());
	SCHED_ASSERT(!on_goroutine_stack());
}

_Noreturn void schedule(void)
{
	struct m *mp = getm();
	schedule_check(mp);
	for (;;) {
		if (load_relaxed(&sched.stopping))
			m_stop(mp);
		struct p *pp = mp->p;
		if (!pp) {
			m_become_spare(mp);   /* until handed a P, or the stop */
			continue;
		}
		if (plat_thread_waiting())
			plat_thread_yield();      /* a kernel thread waits for this CPU (1:1 side) */
		if (load_relaxed(&pp->ntimers))
			timers_run(pp, plat_nanotime());
		if (mp->id == 0)
			maybe_schedtrace(mp);
		struct g *gp = NULL;
		/* LAB 2 BEGIN fairness */
		if (++pp->schedtick % GLOBAL_RUNQ_EVERY == 0 && load_relaxed(&sched.runqsize)) {
			rt_lock(&sched.lock);
			gp = globrunq_get(pp, 1);
			rt_unlock(&sched.lock);
		}
		/* LAB 2 END */
		if (!gp)
			gp = inbox_get(pp);
		if (!gp)
			gp = runq_get(pp);
		if (!gp)
			gp = findrunnable(mp, pp);
		if (gp)
			execute(gp);
	}
}

/* --- deadlock --- */

/* Called by an M with a P about to halt, interrupts off. If every M with
 * a P is halted (this one included), nothing is runnable, no timer is armed and
 * nobody waits on the kernel, nothing can ever run again. */
static void check_deadlock(void)
{
	/* An M counted as halted may be on its way out with work it just
	 * found: the look is only trusted if no M left idle_halt meanwhile. */
	uint64_t gen = __atomic_load_n(&sched.idle_gen, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&sched.nmhalted, __ATOMIC_SEQ_CST) < sched.nprocs)
		return;
	rt_lock(&sched.lock);
	bool dead = !load_relaxed(&sched.stopping) && load_relaxed(&sched.nmhalted) >= sched.nprocs &&
		    !any_work() && __atomic_load_n(&sched.timers_pending, __ATOMIC_SEQ_CST) == 0 &&
		    __atomic_load_n(&sched.nkernelwait, __ATOMIC_SEQ_CST) == 0;
	for (uint32_t i = 0; dead && i < MAX_MS; i++)
		if (load_relaxed(&ms[i].in_use) && load_relaxed(&ms[i].curg))
			dead = false;
	if (dead && (__atomic_load_n(&sched.idle_gen, __ATOMIC_SEQ_CST) != gen ||
		     load_relaxed(&sched.nmhalted) < sched.nprocs))
		dead = false;
	if (dead) {
		sched.exit_code = GO_DEADLOCK;
		__atomic_store_n(&sched.stopping, true, __ATOMIC_SEQ_CST);
	}
	rt_unlock(&sched.lock);
	if (!dead)
		return;
	kprintf("fatal error: all goroutines are asleep - deadlock!\n\n");
	go_dump();
	wake_all_ms(getm());
}

/* --- dumps and traces --- */

void goroutine_backtrace(struct g *gp)
{
	switch_frame_backtrace(gp->sp);
}

void go_dump(void)
{
	uint64_t now = plat_nanotime();
	for (struct g *gp = sched.allgs; gp; gp = gp->alllink) {
		uint32_t st = gp->status;
		if (st == G_DEAD || st == G_IDLE)
			continue;
		if (st == G_WAITING || st == G_SYSCALL)
			kprintf("goroutine %lu [%s%s%s, %lu ms]:\n", (unsigned long)gp->goid,
				st == G_SYSCALL ? gstatus_names[st] : "", st == G_SYSCALL ? ": " : "",
				waitreason_names[gp->waitreason],
				(unsigned long)((now - gp->waitsince) / 1000000));
		else
			kprintf("goroutine %lu [%s]:\n", (unsigned long)gp->goid, gstatus_names[st]);
		uint64_t off;
		const char *fn = ksym_lookup((uint64_t)gp->fn, &off);
		kprintf("created as %s(%p)\n", fn ? fn : "?", gp->arg);
		if (st == G_RUNNING)
			kprintf("  (running on M%u: no backtrace)\n", gp->m ? gp->m->id : 0);
		else
			goroutine_backtrace(gp);
		kprintf("\n");
	}
}

/* From panic (any CPU, other CPUs stopped): the goroutines of a running
 * runtime, as Go prints them when it crashes. */
void go_dump_on_panic(void)
{
	for (unsigned i = 0; i < MAX_MS; i++)
		if (ms[i].in_use) {
			kprintf("\ngoroutines at the panic:\n");
			go_dump();
			return;
		}
}

static uint64_t trace_next_ns;

void go_schedtrace(void)
{
	char line[512];
	int n = ksnprintf(line, sizeof line, "SCHED %lums: gomaxprocs=%u halted=%u spinning=%d globrunq=%d",
			  (unsigned long)(plat_nanotime() / 1000000), sched.nprocs, load_relaxed(&sched.nmhalted),
			  load_relaxed(&sched.nmspinning), load_relaxed(&sched.runqsize));
	for (uint32_t i = 0; i < sched.nprocs && n < (int)sizeof line; i++) {
		struct p *pp = &ps[i];
		n += ksnprintf(line + n, sizeof line - (size_t)n, " [P%u runq=%u ticks=%lu steals=%lu idle=%lums]",
			       i, runq_len(pp), (unsigned long)pp->ticks, (unsigned long)pp->steals,
			       (unsigned long)(pp->idle_ns / 1000000));
	}
	kprintf("%s\n", line);
}

static void maybe_schedtrace(struct m *mp)
{
	(void)mp;
	uint64_t every = sched.schedtrace_ms;   /* not a command-line lookup per round */
	if (every == 0)
		return;
	uint64_t now = plat_nanotime();
	if (now < trace_next_ns)
		return;
	trace_next_ns = now + every * 1000000;
	go_schedtrace();
}

void go_stats(struct go_stats *out)
{
	/* counters other Ms add to while this runs: atomic reads */
	out->spawned = load_relaxed(&sched.spawned);
	out->exited = load_relaxed(&sched.exited);
	out->panicked = load_relaxed(&sched.panicked);
	out->stack_overflows = load_relaxed(&sched.overflows);
	out->preemptions = load_relaxed(&sched.preemptions);
	out->handoffs = load_relaxed(&sched.handoffs);
	out->afters_sent = load_relaxed(&sched.afters_sent);
	out->steals = out->stolen_gs = 0;
	for (uint32_t i = 0; i < MAX_PROCS; i++) {
		out->steals += load_relaxed(&ps[i].steals);
		out->stolen_gs += load_relaxed(&ps[i].stolen_gs);
	}
	out->live = (uint32_t)(out->spawned - out->exited);
}

uint64_t go_p_executed(unsigned p)
{
	return p < MAX_PROCS ? load_relaxed(&ps[p].executed) : 0;
}

unsigned go_nprocs(void)
{
	return sched.nprocs;
}

/* --- panics, overflow, system stack --- */

struct panic_ctx {
	const char *fmt;
	va_list *ap;
	uint64_t rip, rbp;
};

static void panic_print_on_g0(void *arg)
{
	struct panic_ctx *pc = arg;
	char msg[256];
	kvsnprintf(msg, sizeof msg, pc->fmt, *pc->ap);
	struct g *gp = getg();
	kprintf("panic: %s\n\ngoroutine %lu [running]:\n", msg, (unsigned long)gp->goid);
	backtrace_print(pc->rip, pc->rbp);
}

static void gkill_m(struct g *gp)
{
	gp->flags |= G_FLAG_PANICKED;
	TRACE(TR_GO_PANIC, trace_p(getm()), gp->goid, 0, 0);
	__atomic_fetch_add(&sched.panicked, 1, __ATOMIC_RELAXED);
	gdestroy(gp);
	schedule();
}

_Noreturn void go_panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	/* The backtrace starts here: this function, then its callers. */
	struct panic_ctx pc = { fmt, &ap, (uint64_t)go_panic, (uint64_t)__builtin_frame_address(0) };
	go_systemstack(panic_print_on_g0, &pc);
	va_end(ap);
	mcall(gkill_m);
	__builtin_unreachable();
}

/* From __morestack (arch/x86_64/switch.S), on g0: the current G asked for a
 * frame of `frame` bytes at `where` and its stack has no room. */
_Noreturn void gstack_overflow(uint64_t where, uint64_t frame, uint64_t sp, uint64_t rbp)
{
	struct m *mp = getm();
	struct g *gp = mp->curg;
	uint64_t off = 0;
	const char *fn = ksym_lookup(where, &off);
	if (!gp || plat_preempt_count() > 0)
		panic("stack overflow in %s+0x%lx with runtime locks held (M%u)", fn ? fn : "?",
		      (unsigned long)off, mp->id);
	uint64_t limit = g_limit(gp);   /* below it: the guard, kept for interrupts */
	kprintf("runtime: goroutine %lu stack overflow: %u-byte stack, %s+0x%lx wants a %lu-byte frame "
		"with %lu bytes left (above the %u-byte guard)\n", (unsigned long)gp->goid,
		gp->stack_size, fn ? fn : "?", (unsigned long)off, (unsigned long)frame,
		(unsigned long)(sp > limit ? sp - limit : 0), GSTACK_GUARD);
	backtrace_print(where, rbp);
	gp->flags |= G_FLAG_OVERFLOW;
	__atomic_fetch_add(&sched.overflows, 1, __ATOMIC_RELAXED);
	gdestroy(gp);
	schedule();
}

/* True if the caller runs on the current goroutine's own small stack (not
 * on the M's stack, not in kernel context). Interrupts are off while it
 * looks, so the M cannot change under it. */
bool on_goroutine_stack(void)
{
	bool on = plat_irq_save();
	struct m *mp = getm();
	struct g *gp = mp ? mp->curg : NULL;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	bool r = gp && sp >= gp->stack_lo && sp < gp->stack_lo + gp->stack_size;
	plat_irq_restore(on);
	return r;
}

/* The M is held (preemption off) from before g0_sp is read until fn has
 * returned: preempted in between, the goroutine could resume on another
 * CPU and run fn on the stack of the CPU it left, which that CPU uses. */
void go_systemstack(void (*fn)(void *), void *arg)
{
	struct m *mp = acquirem();
	if (!on_goroutine_stack())
		fn(arg);    /* already on a big stack */
	else
		systemstack_switch(fn, arg, plat_g0_sp());
	releasem(mp);
}

struct alloc_req {
	size_t size;
	void *p;
};

static void malloc_on_system_stack(void *arg)
{
	struct alloc_req *r = arg;
	r->p = malloc(r->size);
}

static void free_on_system_stack(void *p)
{
	free(p);
}

/* newlib's malloc is not built for 2 KiB stacks: from a goroutine it runs
 * on the M's stack. */
void *rt_malloc(size_t size)
{
	struct alloc_req r = { size, NULL };
	go_systemstack(malloc_on_system_stack, &r);
	return r.p;
}

void rt_free(void *p)
{
	if (p)
		go_systemstack(free_on_system_stack, p);
}

struct printf_ctx {
	const char *fmt;
	va_list *ap;
	int n;
};

static void printf_on_g0(void *arg)
{
	struct printf_ctx *pc = arg;
	pc->n = kvprintf(pc->fmt, *pc->ap);
}

int go_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct printf_ctx pc = { fmt, &ap, 0 };
	go_systemstack(printf_on_g0, &pc);
	va_end(ap);
	return pc.n;
}

/* --- starting and stopping a runtime --- */

static unsigned maxprocs_override;

void go_set_maxprocs(unsigned n)
{
	maxprocs_override = n;
}

static void runtime_reset(void)
{
	static bool said_clamped;
	long procs = maxprocs_override ? (long)maxprocs_override : cmdline_num("gomaxprocs");
	sched.nms = plat_ncpus();
	sched.nprocs = procs > 0 && procs < (long)plat_ncpus() ? (uint32_t)procs : plat_ncpus();
	if (procs > (long)plat_ncpus() && !maxprocs_override && !said_clamped) {
		said_clamped = true;   /* once per boot: every go_main resets */
		kprintf("sched: gomaxprocs=%ld but %u CPUs are online: %u Ps\n", procs, plat_ncpus(),
			plat_ncpus());
	}
	sched.gstack_size = (uint32_t)cmdline_num("gstack") & ~15u;
	sched.schedtrace_ms = (uint32_t)cmdline_num("schedtrace");
	sched.idlespin_cycles = (uint64_t)cmdline_num("idlespin") * plat_cycles_per_sec() / 1000000;
	long hz = cmdline_num("hz");
	sched.tick_cycles = plat_cycles_per_sec() / (uint64_t)(hz > 0 ? hz : 100);
	sched.fuzz_seed = (uint64_t)cmdline_num("schedfuzz");
	static bool said_seed;
	if (sched.fuzz_seed && !said_seed) {
		said_seed = true;   /* once per boot: every go_main resets */
		kprintf("sched: schedfuzz=%lu: scheduling choices from this seed (docs/trace.md); "
			"the same seed at -smp 1 repeats them\n", (unsigned long)sched.fuzz_seed);
	}
	sched.runq.head = sched.runq.tail = NULL;
	sched.runqsize = 0;
	sched.nmspinning = 0;
	sched.nmhalted = 0;
	sched.stopping = false;
	sched.exit_code = GO_OK;
	sched.goidgen = 0;
	sched.spawned = sched.exited = sched.panicked = sched.overflows = sched.preemptions = 0;
	sched.nkernelwait = 0;
	sched.spare = NULL;
	sched.handoffs = 0;
	sched.afters_sent = 0;
	gstack_reset();
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		struct p *pp = &ps[i];
		timers_reset(pp);
		pp->id = i;
		pp->m = NULL;
		pp->schedtick = 0;
		pp->runqhead = pp->runqtail = 0;
		pp->runnext = NULL;
		pp->inbox_lock = (struct spinlock)SPINLOCK_INIT("inbox");
		pp->inbox.head = pp->inbox.tail = NULL;
		pp->ninbox = 0;
		pp->executed = pp->steals = pp->stolen_gs = pp->idle_ns = pp->ticks = 0;
	}
	preempt_tsc_slice = PREEMPT_NS * plat_cycles_per_sec() / 1000000000ULL;
	preempt_init();
}

int go_main(void (*fn)(void *), void *arg)
{
	runtime_reset();
	if (newproc(&ps[0], fn, arg, G_FLAG_MAIN, -1) != GO_OK)
		return GO_ENOMEM;
	if (!ms_start()) {
		kprintf("sched: cannot start a kernel thread per CPU for the Ms\n");
		__atomic_store_n(&sched.stopping, true, __ATOMIC_SEQ_CST);
		ms_wake_spares();
		ms_join_all();
		return GO_ENOMEM;
	}
	ms_join_all();   /* this kernel thread sleeps until every M has ended */
	return sched.exit_code;
}
