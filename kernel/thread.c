/*
 * thread.c - heavyweight kernel threads scheduled 1:1 and preemptively on
 * every CPU (contract in kernel/thread.h, design in docs/threads.md).
 *
 * Per CPU (struct kcpu): a run queue per priority, the running thread, the
 * CPU's idle thread, sleepers and simulated device requests, all under the
 * kcpu's lock (taken with interrupts off: the timer interrupt takes it).
 *
 * A switch always goes through the same steps, with interrupts off:
 *   1. the outgoing thread's accounting, per-thread CPU words (cpu->sched,
 *      g0_sp, stack_limit) and FPU/SIMD state (XSAVE) go to its TCB; its
 *      registers go to a switch frame on its stack (switch_to), or,
 *      when preempted, its trap frame is copied onto its stack first;
 *   2. switch_in: wait until no CPU still uses the incoming thread's stack
 *      (on_cpu), take it, load its CPU words and its process's CR3;
 *   3. on the incoming stack, kthread_finish_switch marks the outgoing
 *      thread's stack free (on_cpu = 0; from then on another CPU may run
 *      it), posts its join semaphore if it died, and hands back the
 *      incoming thread's XSAVE area, which is restored last.
 *
 * This whole file is built without SSE/AVX (the pragma below): the timer
 * interrupt runs it while the interrupted thread's vector registers are
 * still live, until fpstate_save.
 */
#pragma GCC target("general-regs-only")

#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/trace.h"
#include "kernel/thread.h"
#include "kernel/kernel.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "boot/entry.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/switch_frame.h"
#include "arch/x86_64/trap.h"

#define SLOT_STRIDE     (2UL << 20)        /* 1 MiB stack + guard + padding */
#define MAX_SLOTS       16384              /* 32 GiB of GSTACK_BASE */
#define STACK_PAGES     (KTHREAD_STACK_SIZE / PAGE_SIZE)
#define IDLE_PRIO       KTHREAD_PRIOS      /* below every real level */

struct kdev_req;

struct kcpu {
	struct spinlock lock;                  /* everything below but the counters */
	struct tcb *head[KTHREAD_PRIOS], *tail[KTHREAD_PRIOS];
	volatile uint32_t nready;
	struct tcb *volatile current;
	struct tcb *idle;
	struct tcb *prev;                      /* switched away from, until finish */
	struct tcb *sleepers;                  /* linked by sleep_next */
	struct kdev_req *devq;                 /* simulated device requests */
	volatile bool idling;                  /* in its idle loop's hlt */
	volatile bool started;
	uint64_t cr3;                          /* loaded now */
	volatile uint32_t tlb_seen;            /* stack-slot unmap generation flushed */
} __attribute__((aligned(64)));

struct kdev_req {
	uint64_t done_ns;
	struct ksem done;
	struct kdev_req *next;
};

static struct kcpu kcpus[MAX_CPUS];
static volatile bool threads_started;
static volatile uint32_t next_tid = 1;
static struct tcb *all_threads;
static struct spinlock all_lock = SPINLOCK_INIT("kthread_all");
static struct kthread_stats stats;
static uint64_t slice_tsc_default;
static void *fp_template;                 /* a clean FPU state (FCW, MXCSR defaults) */
static size_t fp_size;                    /* fpstate_size() rounded to FPSTATE_ALIGN */
static size_t budget_bytes;               /* 0: no cap */

/* Stack slots: slot i is [GSTACK_BASE + i*SLOT_STRIDE, + SLOT_STRIDE); its
 * stack is the top KTHREAD_STACK_SIZE bytes, everything under it unmapped
 * (the guard page proper is the page right under the stack). A freed slot
 * is reused only once every CPU has flushed its TLB since the unmap
 * (vmm_unmap_page flushes only the CPU that unmaps). */
static uint64_t slot_used[MAX_SLOTS / 64];
static uint32_t slot_gen[MAX_SLOTS];
static uint32_t slot_hwm;
static volatile uint32_t tlb_gen = 1;
static struct spinlock slot_lock = SPINLOCK_INIT("kthread_slots");

_Noreturn void kernel_idle(void);
/* arch/x86_64/switch.S */
void switch_to(uint64_t *save_sp, uint64_t to_sp, uint64_t to_limit, void (*after)(void *), void *arg);
_Noreturn void switch_jump(uint64_t to_sp, uint64_t to_limit);
void kthread_start_stub(void);
void *kthread_finish_switch(void);
void kthread_schedule_irqoff(void);
struct tcb *kthread_self_irqoff(void);
void pcb_account_thread_created(struct pcb *p, uint64_t stack_bytes, uint64_t pages);
void pcb_account_thread_reaped(struct pcb *p, uint64_t stack_bytes, uint64_t pages);
void process_init(void);

static inline struct kcpu *my_kcpu(void) { return &kcpus[this_cpu()->id]; }


static inline void stat_add(uint64_t *p, uint64_t v) { __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

static void bzero_words(void *p, size_t bytes)
{
	volatile uint64_t *w = p;
	for (size_t i = 0; i < bytes / 8; i++)
		w[i] = 0;
}

static void copy_words(void *dst, const void *src, size_t bytes)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	for (size_t i = 0; i < bytes / 8; i++)
		d[i] = s[i];
}

/* --- run queues (kcpu lock held) --- */

static void rq_push(struct kcpu *k, struct tcb *t)
{
	ASSERT_HELD(&k->lock);
	unsigned p = t->prio;
	t->next = NULL;
	if (k->tail[p])
		k->tail[p]->next = t;
	else
		k->head[p] = t;
	k->tail[p] = t;
	k->nready++;
}

/* The first thread of the best level at or above (numerically <=) maxprio. */
static struct tcb *rq_pop(struct kcpu *k, unsigned maxprio)
{
	ASSERT_HELD(&k->lock);
	for (unsigned p = 0; p < KTHREAD_PRIOS && p <= maxprio; p++) {
		struct tcb *t = k->head[p];
		if (t) {
			k->head[p] = t->next;
			if (!t->next)
				k->tail[p] = NULL;
			t->next = NULL;
			k->nready--;
			return t;
		}
	}
	return NULL;
}

/* Take the first unpinned ready thread (steal). */
static struct tcb *rq_take_unpinned(struct kcpu *k)
{
	ASSERT_HELD(&k->lock);
	for (unsigned p = 0; p < KTHREAD_PRIOS; p++) {
		struct tcb *prev = NULL;
		for (struct tcb *t = k->head[p]; t; prev = t, t = t->next) {
			if (t->pinned_cpu != KTHREAD_ANY_CPU)
				continue;
			if (prev)
				prev->next = t->next;
			else
				k->head[p] = t->next;
			if (k->tail[p] == t)
				k->tail[p] = prev;
			t->next = NULL;
			k->nready--;
			return t;
		}
	}
	return NULL;
}

static bool call_pending(struct cpu *c)
{
	return c->call_gen != __atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE);
}

/* --- switching --- */

static void account_out(struct tcb *t, uint64_t now_tsc)
{
	uint64_t ns = tsc_to_ns(now_tsc - t->run_since_tsc);
	t->cpu_ns += ns;
	stat_add(&t->proc->cpu_ns, ns);
}

static void save_cpu_words(struct tcb *t, struct cpu *c)
{
	t->cpu_sched = c->sched;
	t->cpu_g0_sp = c->g0_sp;
	t->cpu_stack_limit = c->stack_limit;
	t->cpu_preempt_off = c->preempt_off;
}

static void flush_tlb_if_stale(struct kcpu *k)
{
	uint32_t g = __atomic_load_n(&tlb_gen, __ATOMIC_ACQUIRE);
	if (k->tlb_seen != g) {
		write_cr3(read_cr3());  /* stack mappings are not global */
		__atomic_store_n(&k->tlb_seen, g, __ATOMIC_RELEASE);
	}
}

/* Make next this CPU's running thread (interrupts off, before the stack
 * changes). */
static void switch_in(struct kcpu *k, struct cpu *c, struct tcb *next)
{
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	next->on_cpu = 1;
	next->state = KT_RUNNING;
	next->cpu = (int32_t)c->id;
	if (k->current && k->current != next)
		TRACE(TR_KT_OUT, c->id, k->current->tid, 0, 0);
	TRACE(TR_KT_IN, c->id, next->tid, 0, 0);
	k->current = next;
	c->sched = next->cpu_sched;
	c->g0_sp = next->cpu_g0_sp;
	c->preempt_off = next->cpu_preempt_off;
	uint64_t want = next->proc->cr3;
	if (want && k->cr3 != want) {
		write_cr3(want);
		k->cr3 = want;
		stat_add(&stats.cr3_loads, 1);
	}
	flush_tlb_if_stale(k);
	uint64_t now = rdtsc();
	next->run_since_tsc = now;
	uint64_t slice = next->proc->slice_ns ? ns_to_tsc(next->proc->slice_ns) : slice_tsc_default;
	next->slice_end_tsc = now + slice;
	stat_add(&stats.switches, 1);
}

/* On the incoming thread's stack, interrupts off (called from C after
 * switch_to returns and from the asm resume stubs). */
void *kthread_finish_switch(void)
{
	struct kcpu *k = my_kcpu();
	struct tcb *prev = k->prev;
	k->prev = NULL;
	if (prev) {
		struct ksem *js = prev->state == KT_ZOMBIE ? prev->join_sem : NULL;
		__atomic_store_n(&prev->on_cpu, 0, __ATOMIC_RELEASE);
		if (js)
			ksem_post(js);
	}
	return k->current->fpstate;
}

/* Pick what runs next on this CPU after cur gave the CPU up (cur already
 * queued if it stays runnable). NULL: nothing but the idle thread. */
static struct tcb *pick_next_locked(struct kcpu *k, struct cpu *c, struct tcb *cur)
{
	if (cur != k->idle && call_pending(c))
		return NULL;            /* the idle thread runs smp_call_all work */
	return rq_pop(k, KTHREAD_PRIOS - 1);
}

/* Give up the CPU, interrupts off. cur->state says why: KT_RUNNING = yield
 * (stays ready), KT_BLOCKED = wait (a waker makes it ready; it may have done
 * so already: then it is KT_READY and queued), KT_ZOMBIE = exit. */
/* Put cur back on its run queue if it is still runnable (the idle
 * thread never queues), and choose the next thread: k->idle if none. */
static struct tcb *requeue_and_pick(struct kcpu *k, struct cpu *c, struct tcb *cur, bool runnable)
{
	spin_lock(&k->lock);
	if (runnable) {
		cur->state = KT_READY;
		if (!cur->is_idle)
			rq_push(k, cur);
	}
	struct tcb *next = pick_next_locked(k, c, cur);
	spin_unlock(&k->lock);
	return next ? next : k->idle;
}

void kthread_schedule_irqoff(void)
{
	struct cpu *c = this_cpu();
	struct kcpu *k = &kcpus[c->id];
	struct tcb *cur = k->current;
	/* Preconditions (debug builds): interrupts off, no spinlock held
	 * (none may be held across a switch), a current thread that is
	 * running, blocked, exiting or (a waker was quick) ready again. */
	DEBUG_ASSERT(!irq_enabled());
	DEBUG_ASSERT(spin_held_count() == 0);
	DEBUG_ASSERT(cur && cur->state != KT_EMBRYO);
	bool yielding = cur->state == KT_RUNNING;
	struct tcb *next = requeue_and_pick(k, c, cur, yielding);
	if (next == cur) {
		cur->state = KT_RUNNING;
		return;
	}
	uint64_t now = rdtsc();
	account_out(cur, now);
	if (cur->state == KT_BLOCKED)
		TRACE(TR_KT_BLOCK, c->id, cur->tid, 0, 0);
	if (cur->state != KT_ZOMBIE) {
		cur->switches_voluntary++;
		stat_add(&cur->proc->switches_voluntary, 1);
	}
	save_cpu_words(cur, c);
	fpstate_save(cur->fpstate);
	k->prev = cur;
	switch_in(k, c, next);
	switch_to(&cur->sp, next->sp, next->cpu_stack_limit, NULL, NULL);
	/* resumed, maybe on another CPU */
	fpstate_restore(kthread_finish_switch());
}

struct tcb *kthread_self_irqoff(void)
{
	if (!threads_started)
		return NULL;
	return my_kcpu()->current;
}

struct tcb *kthread_self(void)
{
	bool on = irq_save();
	struct tcb *t = kthread_self_irqoff();
	irq_restore(on);
	return t;
}

void kthread_yield(void)
{
	bool on = irq_save();
	kthread_schedule_irqoff();
	irq_restore(on);
}

/* --- waking --- */

static unsigned wake_target(struct tcb *t)
{
	if (t->pinned_cpu != KTHREAD_ANY_CPU)
		return (unsigned)t->pinned_cpu;
	if (t->cpu >= 0 && kcpus[t->cpu].started)
		return (unsigned)t->cpu;
	return this_cpu()->id;
}

/* Tell another CPU a thread became ready there: it may be halted, in its
 * idle thread or in a goroutine M's idle loop (which checks
 * kthread_cpu_has_ready when woken); a busy CPU just takes an EOI. */
static void kick(unsigned target)
{
	if (target == this_cpu()->id)
		return;
	lapic_send_ipi(cpus[target].apic_id, VEC_IPI_WAKE);
}

bool kthread_cpu_has_ready(void)
{
	bool on = irq_save();
	struct kcpu *k = my_kcpu();
	bool r = k->started && __atomic_load_n(&k->nready, __ATOMIC_ACQUIRE) > 0;
	irq_restore(on);
	return r;
}

/* For the event trace: the running thread's id (0: none yet), and a new
 * thread with its name packed in the record's two words. */
static uint64_t trace_self_tid(void)
{
	bool on = irq_save();
	struct tcb *cur = my_kcpu()->current;
	irq_restore(on);
	return cur ? cur->tid : 0;
}

static void trace_create(const struct tcb *t)
{
	uint64_t w[2] = { 0, 0 };
	if (t->name)
		memcpy(w, t->name, strnlen(t->name, sizeof w));
	TRACE(TR_KT_CREATE, t->pinned_cpu >= 0 ? (unsigned)t->pinned_cpu : TRACE_NO_P, t->tid, w[0], w[1]);
}

static void make_ready(struct tcb *t, unsigned target)
{
	struct kcpu *k = &kcpus[target];
	bool on = spin_lock_irqsave(&k->lock);
	rq_push(k, t);
	spin_unlock_irqrestore(&k->lock, on);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	kick(target);
}

void kthread_wake(struct tcb *t)
{
	unsigned target = wake_target(t);
	struct kcpu *k = &kcpus[target];
	bool on = spin_lock_irqsave(&k->lock);
	bool woke = false;
	if (t->state == KT_BLOCKED) {
		if (t->wake_at_ns) {
			/* woken early out of kthread_sleep: it sleeps on this CPU's list */
			for (struct tcb **pp = &k->sleepers; *pp; pp = &(*pp)->sleep_next)
				if (*pp == t) {
					*pp = t->sleep_next;
					break;
				}
			t->sleep_next = NULL;
			t->wake_at_ns = 0;
		}
		/* traced under the lock: once it is unlocked, t may run (its
		 * kt.in must come later) and even exit */
		TRACE(TR_KT_WAKE, target, t->tid, trace_self_tid(), 0);
		t->state = KT_READY;
		rq_push(k, t);
		woke = true;
	}
	spin_unlock_irqrestore(&k->lock, on);
	if (woke) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		kick(target);
	}
}

void kthread_sleep(uint64_t ns)
{
	if (!ns) {
		kthread_yield();
		return;
	}
	bool on = irq_save();
	struct kcpu *k = my_kcpu();
	struct tcb *cur = k->current;
	cur->wake_at_ns = time_ns() + ns;
	spin_lock(&k->lock);
	cur->state = KT_BLOCKED;
	cur->sleep_next = k->sleepers;
	k->sleepers = cur;
	spin_unlock(&k->lock);
	kthread_schedule_irqoff();
	irq_restore(on);
}

void kthread_device_wait(uint64_t ns)
{
	struct tcb *cur = kthread_self();
	struct pcb *p = cur->proc;
	struct kdev_req r = { .done_ns = time_ns() + ns, .done = KSEM_INIT(0), .next = NULL };
	stat_add(&p->io_requests, 1);
	__atomic_fetch_add(&p->io_waits, 1, __ATOMIC_RELAXED);
	struct kcpu *k;
	bool on = irq_save();
	k = my_kcpu();
	spin_lock(&k->lock);
	r.next = k->devq;
	k->devq = &r;
	spin_unlock(&k->lock);
	irq_restore(on);
	ksem_wait(&r.done);   /* posted by the "device" (the timer interrupt) */
	__atomic_fetch_sub(&p->io_waits, 1, __ATOMIC_RELAXED);
}

/* Timer: wake due sleepers and complete due device requests of this CPU. */
static void run_timers(struct kcpu *k)
{
	if (!k->sleepers && !k->devq)
		return;
	uint64_t now = time_ns();
	struct kdev_req *done = NULL;
	spin_lock(&k->lock);
	for (struct tcb **pp = &k->sleepers; *pp;) {
		struct tcb *t = *pp;
		if (t->wake_at_ns <= now) {
			/* its wake target is this CPU: make it ready right here,
			 * under the same lock, so no other wakeup can interleave */
			*pp = t->sleep_next;
			t->wake_at_ns = 0;
			t->sleep_next = NULL;
			if (t->state == KT_BLOCKED) {
				t->state = KT_READY;
				rq_push(k, t);
			}
		} else {
			pp = &t->sleep_next;
		}
	}
	for (struct kdev_req **pp = &k->devq; *pp;) {
		struct kdev_req *r = *pp;
		if (r->done_ns <= now) {
			*pp = r->next;
			r->next = done;
			done = r;
		} else {
			pp = &r->next;
		}
	}
	spin_unlock(&k->lock);
	while (done) {
		struct kdev_req *r = done;
		done = r->next;
		ksem_post(&r->done);
	}
}

/* --- the timer tick: preemption --- */

static bool on_own_stack(const struct tcb *t, uint64_t rsp)
{
	return rsp > t->stack_lo && rsp <= t->stack_hi;
}

static _Noreturn void preempt(struct kcpu *k, struct cpu *c, struct tcb *cur, struct trap_frame *tf)
{
	fpstate_save(cur->fpstate);  /* first: nothing before touched SIMD */
	cur->cpu_stack_limit = trap_frame_stack_limit(tf);  /* the interrupted one */
	cur->cpu_sched = c->sched;
	cur->cpu_g0_sp = c->g0_sp;
	cur->cpu_preempt_off = c->preempt_off;             /* 0: kthread_tick checked */
	cur->sp = switch_frame_from_trap(tf, kthread_preempt_resume, 0);
	uint64_t now = rdtsc();
	account_out(cur, now);
	cur->switches_forced++;
	stat_add(&cur->proc->switches_forced, 1);
	stat_add(&stats.preemptions, 1);
	struct tcb *next = requeue_and_pick(k, c, cur, true);
	k->prev = cur;
	if (next == cur) {
		/* only possible when the queue changed under us: resume it */
		k->prev = NULL;
		cur->on_cpu = 0;
	}
	switch_in(k, c, next);
	lapic_eoi();
	switch_jump(next->sp, next->cpu_stack_limit);
}

/* The timer's first hook, before sched_tick (which may not return): wake
 * due sleepers, complete device requests, flush stale stack mappings. */
void kthread_tick_timers(void)
{
	struct kcpu *k = my_kcpu();
	if (!k->started)
		return;
	flush_tlb_if_stale(k);
	run_timers(k);
}

void kthread_tick(struct trap_frame *tf)
{
	struct cpu *c = this_cpu();
	struct kcpu *k = &kcpus[c->id];
	if (!k->started)
		return;
	struct tcb *cur = k->current;
	if (!cur || cur->state != KT_RUNNING || k->prev)
		return;
	bool pending = !cur->is_idle && call_pending(c);
	uint32_t nready = __atomic_load_n(&k->nready, __ATOMIC_RELAXED);
	if (!nready && !pending)
		return;
	if (c->preempt_off > 0)
		return;                 /* the preemption guard: a runtime critical section */
	if (!on_own_stack(cur, trap_frame_sp(tf)))
		return;                 /* a goroutine's or another non-thread stack */
	if (!trap_frame_irqs_on(tf))
		return;
	if (!cur->is_idle && !pending) {
		if (rdtsc() < cur->slice_end_tsc)
			return;
		/* someone of the same or a higher priority must be ready */
		bool any = false;
		for (unsigned p = 0; p <= cur->prio && p < KTHREAD_PRIOS; p++)
			if (k->head[p])
				any = true;
		if (!any) {
			cur->slice_end_tsc = rdtsc() + slice_tsc_default;
			return;
		}
	}
	preempt(k, c, cur, tf);
}

/* --- the idle thread --- */

static struct tcb *steal(struct kcpu *me)
{
	for (unsigned i = 0; i < ncpus; i++) {
		struct kcpu *v = &kcpus[i];
		if (v == me || !v->started || !__atomic_load_n(&v->nready, __ATOMIC_RELAXED) ||
		    v->current == v->idle)
			continue;
		if (!spin_trylock(&v->lock))
			continue;
		struct tcb *t = rq_take_unpinned(v);
		spin_unlock(&v->lock);
		if (t) {
			stat_add(&stats.steals, 1);
			return t;
		}
	}
	return NULL;
}

bool kthread_idle_switch(void)
{
	struct cpu *c = this_cpu();
	struct kcpu *k = &kcpus[c->id];
	if (!k->started || k->current != k->idle)
		return false;
	k->idling = false;
	if (!__atomic_load_n(&k->nready, __ATOMIC_ACQUIRE)) {
		struct tcb *t = steal(k);
		if (t) {
			spin_lock(&k->lock);
			rq_push(k, t);
			spin_unlock(&k->lock);
		}
	}
	if (!__atomic_load_n(&k->nready, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&k->idling, true, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&k->nready, __ATOMIC_SEQ_CST))
			return false;   /* halt; make_ready sees idling and sends an IPI */
		k->idling = false;
	}
	kthread_schedule_irqoff();
	return true;
}

static void idle_entry(void *unused)
{
	(void)unused;
	kernel_idle();
}

/* --- stacks --- */

static uint64_t slot_base(int32_t slot)
{
	return GSTACK_BASE + (uint64_t)slot * SLOT_STRIDE;
}

static int32_t slot_alloc(void)
{
	uint32_t min_seen = UINT32_MAX;
	for (unsigned i = 0; i < ncpus; i++)
		if (kcpus[i].started && kcpus[i].tlb_seen < min_seen)
			min_seen = kcpus[i].tlb_seen;
	bool on = spin_lock_irqsave(&slot_lock);
	int32_t got = -1;
	for (uint32_t i = 0; i < slot_hwm; i++) {
		if (!(slot_used[i / 64] & (1ULL << (i % 64))) && slot_gen[i] <= min_seen) {
			got = (int32_t)i;
			break;
		}
	}
	if (got < 0 && slot_hwm < MAX_SLOTS)
		got = (int32_t)slot_hwm++;
	if (got >= 0)
		slot_used[got / 64] |= 1ULL << (got % 64);
	spin_unlock_irqrestore(&slot_lock, on);
	return got;
}

static void slot_free(int32_t slot)
{
	bool on = spin_lock_irqsave(&slot_lock);
	slot_gen[slot] = __atomic_add_fetch(&tlb_gen, 1, __ATOMIC_SEQ_CST);
	slot_used[slot / 64] &= ~(1ULL << (slot % 64));
	spin_unlock_irqrestore(&slot_lock, on);
}

/* The physical page mapped at va (kernel page tables, read only), 0 if none. */
static uint64_t mapped_phys(uint64_t va)
{
	const uint64_t *t = phys_to_virt(vmm_kernel_cr3());
	for (int l = 3; l > 0; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];
		if (!(e & 1) || (e & (1ULL << 7)))
			return 0;
		t = phys_to_virt(e & 0x000ffffffffff000ULL);
	}
	uint64_t e = t[(va >> 12) & 511];
	return (e & 1) ? (e & 0x000ffffffffff000ULL) : 0;
}

static void stack_unmap(uint64_t lo, size_t npages)
{
	for (size_t i = 0; i < npages; i++) {
		uint64_t va = lo + i * PAGE_SIZE;
		uint64_t phys = mapped_phys(va);
		vmm_unmap_page(va);
		if (phys)
			pmm_free(phys, 1);
	}
}

/* Map the slot's stack with fresh pages; 0 or -1 (nothing left mapped). */
static int stack_map(uint64_t lo)
{
	for (size_t i = 0; i < STACK_PAGES; i++) {
		uint64_t phys = pmm_alloc(1);
		if (!phys || vmm_map_page(lo + i * PAGE_SIZE, phys, VMM_WRITE) < 0) {
			if (phys)
				pmm_free(phys, 1);
			stack_unmap(lo, i);
			return -1;
		}
	}
	return 0;
}

/* --- TCBs --- */

static size_t tcb_block_bytes(void)
{
	size_t hdr = (sizeof(struct tcb) + sizeof(struct ksem) + FPSTATE_ALIGN - 1) &
		     ~(size_t)(FPSTATE_ALIGN - 1);
	return hdr + fp_size;
}

static uint32_t tcb_block_pages(void)
{
	return (uint32_t)((tcb_block_bytes() + PAGE_SIZE - 1) / PAGE_SIZE);
}

size_t kthread_bytes_per_thread(void)
{
	return KTHREAD_STACK_SIZE + KTHREAD_GUARD_SIZE + (size_t)tcb_block_pages() * PAGE_SIZE;
}

static size_t thread_bytes(void)
{
	return KTHREAD_STACK_SIZE + (size_t)tcb_block_pages() * PAGE_SIZE;
}

size_t kthread_set_budget(size_t bytes)
{
	size_t old = budget_bytes;
	budget_bytes = bytes;
	return old;
}

static struct tcb *tcb_alloc(struct pcb *proc, const char *name)
{
	uint32_t pages = tcb_block_pages();
	uint64_t phys = pmm_alloc(pages);
	if (!phys)
		return NULL;
	uint8_t *blk = phys_to_virt(phys);
	bzero_words(blk, (size_t)pages * PAGE_SIZE);
	struct tcb *t = (struct tcb *)blk;
	size_t hdr = tcb_block_bytes() - fp_size;
	t->join_sem = (struct ksem *)(blk + sizeof(struct tcb));
	ksem_init(t->join_sem, 0);
	t->fpstate = blk + hdr;
	copy_words(t->fpstate, fp_template, fp_size);
	t->alloc_pages = pages;
	t->name = name;
	t->proc = proc;
	t->slot = -1;
	t->cpu = -1;
	t->pinned_cpu = KTHREAD_ANY_CPU;
	t->prio = proc->prio;
	t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	t->state = KT_EMBRYO;
	return t;
}

static void tcb_free(struct tcb *t)
{
	pmm_free(virt_to_phys(t), t->alloc_pages);
}

static void all_add(struct tcb *t)
{
	bool on = spin_lock_irqsave(&all_lock);
	trace_create(t);   /* every TCB, adopted ones too */
	t->all_next = all_threads;
	all_threads = t;
	spin_unlock_irqrestore(&all_lock, on);
}

static void all_remove(struct tcb *t)
{
	bool on = spin_lock_irqsave(&all_lock);
	for (struct tcb **pp = &all_threads; *pp; pp = &(*pp)->all_next)
		if (*pp == t) {
			*pp = t->all_next;
			break;
		}
	spin_unlock_irqrestore(&all_lock, on);
}

/* A thread with a slot stack that starts in fn(arg), not yet on a queue. */
static struct tcb *thread_new(struct pcb *proc, const char *name, void (*fn)(void *), void *arg,
			      int prio, int pinned_cpu, bool counted)
{
	if (counted && budget_bytes) {
		size_t want = thread_bytes();
		size_t used = __atomic_add_fetch(&stats.bytes_in_use, want, __ATOMIC_RELAXED);
		if (used > budget_bytes) {
			__atomic_fetch_sub(&stats.bytes_in_use, want, __ATOMIC_RELAXED);
			return NULL;
		}
	} else if (counted) {
		stat_add(&stats.bytes_in_use, thread_bytes());
	}
	struct tcb *t = tcb_alloc(proc, name);
	int32_t slot = t ? slot_alloc() : -1;
	if (slot < 0 || stack_map(slot_base(slot) + SLOT_STRIDE - KTHREAD_STACK_SIZE) < 0) {
		if (slot >= 0)
			slot_free(slot);
		if (t)
			tcb_free(t);
		if (counted)
			__atomic_fetch_sub(&stats.bytes_in_use, thread_bytes(), __ATOMIC_RELAXED);
		return NULL;
	}
	t->slot = slot;
	t->stack_hi = slot_base(slot) + SLOT_STRIDE;
	t->stack_lo = t->stack_hi - KTHREAD_STACK_SIZE;
	if (prio >= 0 && prio < KTHREAD_PRIOS)
		t->prio = (uint8_t)prio;
	t->pinned_cpu = pinned_cpu;
	t->fn = fn;
	t->arg = arg;
	t->sp = switch_frame_first(t->stack_hi, kthread_start_stub, (uint64_t)fn, (uint64_t)arg);
	pcb_account_thread_created(proc, KTHREAD_STACK_SIZE, STACK_PAGES);
	all_add(t);
	stat_add(&stats.created, 1);
	return t;
}

/* Where a new thread goes: its pinned CPU, else the started CPU with the
 * fewest ready threads (an idle one first). */
static unsigned place(int pinned_cpu)
{
	if (pinned_cpu != KTHREAD_ANY_CPU)
		return (unsigned)pinned_cpu;
	unsigned best = this_cpu()->id;
	uint32_t best_n = UINT32_MAX;
	for (unsigned i = 0; i < ncpus; i++) {
		struct kcpu *k = &kcpus[i];
		if (!k->started)
			continue;
		uint32_t n = k->nready * 2 + (k->current != k->idle ? 1 : 0);
		if (n < best_n) {
			best_n = n;
			best = i;
		}
	}
	return best;
}

struct tcb *kthread_create(struct pcb *proc, const char *name, void (*fn)(void *), void *arg,
			   int prio, int pinned_cpu)
{
	if (!proc)
		proc = pcb_kernel();
	if (pinned_cpu != KTHREAD_ANY_CPU &&
	    (pinned_cpu < 0 || pinned_cpu >= (int)ncpus || !kcpus[pinned_cpu].started))
		return NULL;
	struct tcb *t = thread_new(proc, name, fn, arg, prio, pinned_cpu, true);
	if (!t)
		return NULL;
	unsigned target = place(pinned_cpu);
	t->cpu = (int32_t)target;
	t->state = KT_READY;
	make_ready(t, target);
	return t;
}

_Noreturn void kthread_exit(int status)
{
	irq_disable();
	struct tcb *cur = my_kcpu()->current;
	if (cur->is_idle || cur->tid == 1)
		panic("kthread_exit from %s (tid %u)", cur->name, cur->tid);
	cur->exit_status = status;
	__atomic_fetch_sub(&cur->proc->nthreads_alive, 1, __ATOMIC_RELAXED);
	stat_add(&stats.exited, 1);
	cur->state = KT_ZOMBIE;
	kthread_schedule_irqoff();
	panic("kthread_exit: a zombie ran again");
}

int kthread_join_info(struct tcb *t, struct kthread_exit_info *out)
{
	ksem_wait(t->join_sem);
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	int status = t->exit_status;
	if (out) {
		out->tid = t->tid;
		out->exit_status = status;
		out->cpu_ns = t->cpu_ns;
		out->switches_voluntary = t->switches_voluntary;
		out->switches_forced = t->switches_forced;
	}
	all_remove(t);
	stack_unmap(t->stack_lo, STACK_PAGES);
	slot_free(t->slot);
	pcb_account_thread_reaped(t->proc, KTHREAD_STACK_SIZE, STACK_PAGES);
	__atomic_fetch_sub(&stats.bytes_in_use, thread_bytes(), __ATOMIC_RELAXED);
	tcb_free(t);
	return status;
}

int kthread_join(struct tcb *t)
{
	return kthread_join_info(t, NULL);
}

void kthread_stats(struct kthread_stats *out)
{
	out->created = __atomic_load_n(&stats.created, __ATOMIC_RELAXED);
	out->exited = __atomic_load_n(&stats.exited, __ATOMIC_RELAXED);
	out->switches = __atomic_load_n(&stats.switches, __ATOMIC_RELAXED);
	out->preemptions = __atomic_load_n(&stats.preemptions, __ATOMIC_RELAXED);
	out->guard_faults = __atomic_load_n(&stats.guard_faults, __ATOMIC_RELAXED);
	out->cr3_loads = __atomic_load_n(&stats.cr3_loads, __ATOMIC_RELAXED);
	out->steals = __atomic_load_n(&stats.steals, __ATOMIC_RELAXED);
	out->bytes_in_use = __atomic_load_n(&stats.bytes_in_use, __ATOMIC_RELAXED);
}

/* --- guard pages --- */

static void page_fault(struct trap_frame *tf)
{
	uint64_t addr = read_cr2();
	struct cpu *c = this_cpu();
	struct kcpu *k = &kcpus[c->id];
	struct tcb *cur = k->started ? k->current : NULL;
	if (!cur || cur->slot < 0 || k->prev || addr < slot_base(cur->slot) || addr >= cur->stack_lo)
		panic_trap(tf, "page fault");
	kprintf("kthread: tid %u (pid %u, \"%s\") overflowed its stack: fault at 0x%lx, "
		"guard page 0x%lx-0x%lx\n", cur->tid, cur->proc->pid, cur->name,
		(unsigned long)addr, (unsigned long)(cur->stack_lo - KTHREAD_GUARD_SIZE),
		(unsigned long)(cur->stack_lo - 1));
	stat_add(&stats.guard_faults, 1);
	account_out(cur, rdtsc());
	cur->exit_status = KTHREAD_EXIT_OVERFLOW;
	__atomic_fetch_sub(&cur->proc->nthreads_alive, 1, __ATOMIC_RELAXED);
	stat_add(&stats.exited, 1);
	cur->state = KT_ZOMBIE;
	spin_lock(&k->lock);
	struct tcb *next = pick_next_locked(k, c, cur);
	spin_unlock(&k->lock);
	if (!next)
		next = k->idle;
	k->prev = cur;              /* finish posts its join semaphore */
	switch_in(k, c, next);
	switch_jump(next->sp, next->cpu_stack_limit);
}

/* --- start --- */

static struct tcb *adopt_current(const char *name, uint64_t lo, uint64_t hi, bool idle)
{
	struct tcb *t = tcb_alloc(pcb_kernel(), name);
	if (!t)
		panic("kthreads: out of memory for the TCB of %s", name);
	struct cpu *c = this_cpu();
	t->stack_lo = lo;
	t->stack_hi = hi;
	t->is_idle = idle;
	t->prio = idle ? IDLE_PRIO : KTHREAD_PRIO_DEFAULT;
	t->cpu = (int32_t)c->id;
	t->pinned_cpu = (int32_t)c->id;
	t->state = KT_RUNNING;
	t->on_cpu = 1;
	t->run_since_tsc = rdtsc();
	t->slice_end_tsc = t->run_since_tsc + slice_tsc_default;
	pcb_account_thread_created(pcb_kernel(), 0, 0);
	all_add(t);
	return t;
}

static void cpu_start(void *unused)
{
	(void)unused;
	struct cpu *c = this_cpu();
	if (c->id == 0)
		return;
	struct kcpu *k = &kcpus[c->id];
	k->lock = (struct spinlock)SPINLOCK_INIT("kcpu");
	k->cr3 = read_cr3();
	k->tlb_seen = tlb_gen;
	struct tcb *idle = adopt_current("idle", c->kstack_top - AP_STACK_SIZE, c->kstack_top, true);
	k->idle = idle;
	k->current = idle;
	__atomic_store_n(&k->started, true, __ATOMIC_RELEASE);
}

void kthreads_start(void)
{
	fp_size = (fpstate_size() + FPSTATE_ALIGN - 1) & ~(size_t)(FPSTATE_ALIGN - 1);
	uint64_t fpphys = pmm_alloc((fp_size + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!fpphys)
		panic("kthreads: no memory");
	fp_template = phys_to_virt(fpphys);
	bzero_words(fp_template, fp_size);
	fpstate_set_defaults(fp_template);
	slice_tsc_default = ns_to_tsc(KTHREAD_SLICE_NS);
	process_init();
	irq_set_handler(VEC_PF, page_fault);

	struct kcpu *k = &kcpus[0];
	k->lock = (struct spinlock)SPINLOCK_INIT("kcpu");
	k->cr3 = read_cr3();
	k->tlb_seen = tlb_gen;
	bool on = irq_save();
	struct tcb *kmain = adopt_current("kmain", (uint64_t)boot_stack, (uint64_t)boot_stack_top, false);
	/* kmain stays pinned to the boot CPU: smp_call_all, the tests and
	 * newlib's per-CPU errno expect the boot context on CPU 0 */
	k->current = kmain;
	threads_started = true;
	irq_restore(on);
	/* the boot CPU's idle thread: a slot stack starting in kernel_idle */
	struct tcb *idle = thread_new(pcb_kernel(), "idle", idle_entry, NULL, 0, 0, false);
	if (!idle)
		panic("kthreads: out of memory for the boot CPU's idle thread");
	idle->is_idle = true;
	idle->prio = IDLE_PRIO;
	idle->cpu = 0;
	idle->state = KT_READY;
	k->idle = idle;
	__atomic_store_n(&k->started, true, __ATOMIC_RELEASE);
	smp_call_all(cpu_start, NULL);
	unsigned n = 0;
	for (unsigned i = 0; i < ncpus; i++)
		n += kcpus[i].started;
	kprintf("kthreads: %u CPUs scheduling threads; %lu KiB per thread (1 MiB stack + guard + "
		"%u-byte XSAVE area + TCB)\n", n, (unsigned long)(kthread_bytes_per_thread() / 1024),
		(unsigned)fpstate_size());
}
