/*
 * bridge.c - the M:N bridge: every M is a kernel thread (kernel/thread.h),
 * and a goroutine that blocks in the kernel takes only its M down, not its P.
 *
 * go_main starts one M kernel thread per online CPU, pinned there; M i
 * holds P i (Ms beyond GOMAXPROCS start as spares). go_kernel_call, on the
 * M's own stack:
 *   1. marks the G G_SYSCALL and hands the M's P to a spare M pinned to the
 *      same CPU (taken from the spare list, or a new kernel thread) and wakes
 *      it: that M runs the core's other goroutines (Go's handoffp);
 *   2. runs the call, which may block this kernel thread as long as it likes;
 *   3. afterwards the M has no P. The G goes to the global run queue and
 *      the M parks itself as a spare on its wake semaphore (Go's exitsyscall
 *      when no P is idle; in this runtime every P always has an M).
 * A spare M is woken with a P (handoff) or by the stop; the runtime keeps
 * at most MAX_MS Ms (if none is left, the call blocks its P, said once).
 * Locks: sched.lock guards the spare list; ms_lock the M slots.
 */
#include "sched/sched.h"

static struct plat_sem *m_wake[MAX_MS];   /* made once per slot, reused */
static struct spinlock ms_lock = SPINLOCK_INIT("ms");
static bool warned_no_spare;

static void m_thread_main(void *arg)
{
	struct m *mp = arg;
	plat_cpu_set_m(mp);   /* a per-thread CPU word: saved and restored on switches */
	m_enter(mp, &mp->exit_sp);
	plat_cpu_set_m(NULL);
	plat_thread_exit();
}

/* A new M kernel thread pinned to cpu, holding pp (may be NULL: a spare). */
static struct m *m_new(unsigned cpu, struct p *pp)
{
	struct m *mp = NULL;
	bool on = spin_lock_irqsave(&ms_lock);
	for (unsigned i = 0; i < MAX_MS; i++)
		if (!ms[i].in_use) {
			mp = &ms[i];
			store_relaxed(&mp->in_use, true);
			mp->id = i;
			break;
		}
	spin_unlock_irqrestore(&ms_lock, on);
	if (!mp)
		return NULL;
	/* A slot's semaphore is made once and reset for each new M: a post
	 * of the last run (the stop waking a spare that had already seen it)
	 * must not wake the new M without a P, which would then queue itself
	 * on the spare list twice. */
	if (!m_wake[mp->id])
		m_wake[mp->id] = plat_sem_create();
	else
		plat_sem_reset(m_wake[mp->id]);
	mp->wake = m_wake[mp->id];
	if (!mp->wake) {
		store_relaxed(&mp->in_use, false);
		return NULL;
	}
	store_relaxed(&mp->curg, NULL);
	mp->spinning = false;
	store_relaxed(&mp->halted, false);
	mp->spare_next = NULL;
	mp->fastrand = (uint32_t)(plat_cycles() * 2654435761u) | 1;
	fuzz_seed_m(mp);   /* schedfuzz: generators (and fastrand) from the seed */
	mp->cpu = cpu;
	mp->p = pp;
	if (pp)
		store_relaxed(&pp->m, mp);
	mp->thread = plat_thread_create(cpu, m_thread_main, mp);
	if (!mp->thread) {
		if (pp)
			store_relaxed(&pp->m, NULL);
		store_relaxed(&mp->in_use, false);
		return NULL;
	}
	return mp;
}

/* Start the runtime's Ms (go_main, kmain thread). */
bool ms_start(void)
{
	for (unsigned i = 0; i < plat_ncpus(); i++)
		if (!m_new(i, i < sched.nprocs ? &ps[i] : NULL))
			return false;
	return true;
}

/* Wait for every M thread to end and reap it (go_main, after the stop). */
void ms_join_all(void)
{
	for (;;) {
		struct m *mp = NULL;
		for (unsigned i = 0; i < MAX_MS && !mp; i++)
			if (ms[i].in_use)
				mp = &ms[i];
		if (!mp)
			return;
		plat_thread_join(mp->thread);
		store_relaxed(&mp->in_use, false);
		mp->thread = NULL;
	}
}

/* Park the calling M (on g0, no P) until it is given a P or the runtime stops. */
void m_become_spare(struct m *mp)
{
	rt_lock(&sched.lock);
#if SPINDLE_DEBUG
	for (struct m *s = sched.spare; s; s = s->spare_next)
		SCHED_ASSERT(s != mp);   /* twice on the list would make it a cycle */
#endif
	mp->spare_next = sched.spare;
	sched.spare = mp;
	rt_unlock(&sched.lock);
	/* The stop sets sched.stopping before it empties the spare list under
	 * sched.lock: either it found us there (and posts our semaphore) or we
	 * see the flag now. Without this look an M that became a spare just
	 * after the stop would wait for ever, and go_main with it. */
	if (__atomic_load_n(&sched.stopping, __ATOMIC_SEQ_CST))
		return;
	plat_sem_wait(mp->wake);
}

/* Wake every spare M so it sees the stop. */
void ms_wake_spares(void)
{
	rt_lock(&sched.lock);
	struct m *list = sched.spare;
	sched.spare = NULL;
	rt_unlock(&sched.lock);
	for (struct m *mp = list; mp; mp = mp->spare_next)
		plat_sem_post(mp->wake);
}

static struct m *spare_take(unsigned cpu)
{
	struct m *mp = NULL;
	rt_lock(&sched.lock);
	for (struct m **pp = &sched.spare; *pp; pp = &(*pp)->spare_next)
		if ((*pp)->cpu == cpu) {
			mp = *pp;
			*pp = mp->spare_next;
			break;
		}
	rt_unlock(&sched.lock);
	return mp;
}

/* Give pp to a spare M on cpu (Go's handoffp). False if no M can be had. */
static bool handoff(struct p *pp, unsigned cpu)
{
	struct m *spare = spare_take(cpu);
	if (spare) {
		spare->p = pp;
		store_relaxed(&pp->m, spare);
		plat_sem_post(spare->wake);
	} else if (!m_new(cpu, pp)) {
		return false;
	}
	__atomic_fetch_add(&sched.handoffs, 1, __ATOMIC_RELAXED);
	return true;
}

struct kcall {
	void (*fn)(void *);
	void *arg;
	bool lost_p;
};

/* On the M's own stack: hand the P over, make the call, see what is left. */
static void kcall_on_m_stack(void *a)
{
	struct kcall *k = a;
	struct m *mp = getm();
	struct g *gp = mp->curg;
	struct p *pp = mp->p;
	cas_gstatus(gp, G_RUNNING, G_SYSCALL);
	gp->waitreason = WAIT_KERNEL;
	gp->waitsince = plat_nanotime();
	__atomic_fetch_add(&sched.nkernelwait, 1, __ATOMIC_SEQ_CST);
	TRACE(TR_GO_KENTER, pp->id, gp->goid, 0, 0);
	if (!load_relaxed(&sched.stopping) && handoff(pp, mp->cpu)) {
		TRACE(TR_M_HANDOFF, pp->id, gp->goid, 0, 0);
		mp->p = NULL;
		k->lost_p = true;
	} else if (!warned_no_spare) {
		warned_no_spare = true;
		kprintf("sched: no spare M for a blocking kernel call (MAX_MS=%u); its P waits with it\n",
			(unsigned)MAX_MS);
	}
	k->fn(k->arg);
	TRACE(TR_GO_KLEAVE, trace_p(mp), gp->goid, 0, 0);
	__atomic_fetch_sub(&sched.nkernelwait, 1, __ATOMIC_SEQ_CST);
	if (!k->lost_p) {
		gp->waitreason = WAIT_NONE;
		cas_gstatus(gp, G_SYSCALL, G_RUNNING);
	}
}

/* On g0, after the call, with no P: queue the G globally, become a spare. */
static void exitsyscall0(struct g *gp)
{
	struct m *mp = getm();
	store_relaxed(&mp->curg, NULL);
	gp->m = NULL;
	gp->waitreason = WAIT_NONE;
	cas_gstatus(gp, G_SYSCALL, G_RUNNABLE);
	ready_put_global(gp);
	wakep();
	m_become_spare(mp);
	schedule();
}

void go_kernel_call(void (*fn)(void *), void *arg)
{
	struct kcall k = { fn, arg, false };
	go_systemstack(kcall_on_m_stack, &k);
	if (k.lost_p)
		mcall(exitsyscall0);
}

