/*
 * preempt.c - taking the CPU away from a goroutine that does not yield.
 *
 * Runs in the timer interrupt, on the CPU's IST stack, interrupts off. It
 * is built with -mgeneral-regs-only and without -fsplit-stack (see the
 * Makefile): until fpstate_save has run, the SSE/AVX registers still hold
 * the interrupted goroutine's values, and nothing here may touch them.
 *
 * A goroutine is preempted when it has held its M for PREEMPT_NS (or a
 * timer of its P is due, so sleepers wake within a tick), the M is
 * not in a runtime critical section (the CPU's preemption guard is 0:
 * plat_preempt_count) and the interrupt came
 * while its own stack was in use (so not in the scheduler on g0, and not in
 * go_systemstack). Its state is saved like this:
 *   - the interrupt's trap frame (every general register, rip, rflags, rsp)
 *     is copied onto the goroutine's own stack, under the interrupted rsp;
 *   - under it, a switch frame (arch/x86_64/switch_frame.h) that continues
 *     at preempt_resume with the G as its argument;
 *   - the FPU/SIMD state goes to an XSAVE area from a per-CPU pool (a 2 KiB
 *     stack has no room for up to 2.5 KiB of AVX-512 state).
 * Then the G goes to the tail of its P's run queue and the M enters the
 * scheduler on g0. When the G is scheduled again, preempt_resume restores
 * the XSAVE area and iretq's through the copied frame.
 */
#include <stdint.h>
#include "sched/sched.h"

/* A free area's list link lives in the word after its XSAVE data, so an
 * area can go back to the pool before XRSTOR has read it (preempt_resume)
 * without changing the state it restores. */
struct fpstate_free {
	struct fpstate_free *next;
};

static size_t fp_area_bytes;   /* set by preempt_init: no CPUID in the interrupt path */

/* Kernel context, before a runtime starts (go_main). */
void preempt_init(void)
{
	fp_area_bytes = (plat_fpstate_size() + sizeof(struct fpstate_free) + PLAT_FPSTATE_ALIGN - 1) &
			~(size_t)(PLAT_FPSTATE_ALIGN - 1);
}

static size_t fp_area_size(void)
{
	return fp_area_bytes;
}

static struct fpstate_free *fp_link(void *area)
{
	return (struct fpstate_free *)((uint8_t *)area + fp_area_size()) - 1;
}
/* Per-CPU pools of XSAVE areas, only touched with interrupts off on their CPU. */
static void *fp_pool[PLAT_MAX_CPUS];
uint64_t preempt_tsc_slice;      /* PREEMPT_NS in TSC ticks, set by go_main */

static void *fpstate_alloc(unsigned cpu)
{
	void *area = fp_pool[cpu];
	if (area) {
		fp_pool[cpu] = fp_link(area)->next;
		return area;
	}
	/* Carve a page into areas: the page allocator is interrupt-safe. */
	size_t size = fp_area_size();
	uint8_t *page = size <= PLAT_PAGE_SIZE ? plat_pages_alloc(1) : NULL;
	if (!page)
		return NULL;
	/* XSAVE writes neither XCOMP_BV nor the reserved bytes of the XSAVE
	 * header, and XRSTOR faults (#GP) unless they are zero: start clean.
	 * (A plain loop: this file must not call SSE-using code.) */
	for (size_t i = 0; i < PLAT_PAGE_SIZE / 8; i++)
		((volatile uint64_t *)page)[i] = 0;
	for (size_t off = size; off + size <= PLAT_PAGE_SIZE; off += size) {
		fp_link(page + off)->next = fp_pool[cpu];
		fp_pool[cpu] = (void *)(page + off);
	}
	return page;
}

/* From preempt_resume, interrupts off: hand back g's XSAVE area (to this
 * CPU's pool, where it stays untouched until interrupts are on again, i.e.
 * after the caller restored from it). */
void *preempt_take_fpstate(struct g *gp)
{
	void *area = gp->fpstate;
	gp->fpstate = NULL;
	gp->preempted = 0;
	if (area) {
		unsigned cpu = plat_cpu_id();
		fp_link(area)->next = fp_pool[cpu];
		fp_pool[cpu] = area;
	}
	return area;
}

/* Has curg had the CPU for a whole slice? A new slice starts at the first
 * tick that sees p->executed changed (a G was started since the last one):
 * a slice lasts between PREEMPT_NS and PREEMPT_NS plus one tick, and the
 * switch path reads no clock. */
static bool slice_over(struct m *mp)
{
	uint64_t executed = load_relaxed(&mp->p->executed);
	uint64_t now = plat_cycles();
	if (executed != mp->slice_executed) {
		mp->slice_executed = executed;
		mp->slice_start = now;
		mp->slice_cycles = sched.fuzz_seed ? fuzz_slice_cycles(mp) : preempt_tsc_slice;
		return false;
	}
	return now - mp->slice_start >= mp->slice_cycles;
}

static bool preemptible(struct m *mp, struct g *gp, const struct trap_frame *tf)
{
	bool slice_done = mp->p && slice_over(mp);   /* every tick, to see each new slice */
	if (!gp || plat_preempt_count() > 0)
		return false;
	uint64_t sp = trap_frame_sp(tf);
	if (sp < gp->stack_lo || sp > gp->stack_lo + gp->stack_size)
		return false;  /* on g0 or the system stack: not the goroutine's code */
	if (load_relaxed(&sched.stopping))
		return true;
	uint64_t due = mp->p->timer0;
	if (due && due <= plat_nanotime())
		return true;   /* a timer of this P is due: let the scheduler run it */
	/* A kernel thread (e.g. an M back from a blocking kernel call) waits
	 * for this CPU: the scheduler yields to it (integer-only code). */
	if (plat_thread_waiting())
		return true;
	return slice_done;
}

static _Noreturn void preempt(struct m *mp, struct g *gp, struct trap_frame *tf, void *area)
{
	fpstate_save(area);
	gp->sp = switch_frame_from_trap(tf, preempt_resume, (uint64_t)gp);
	gp->fpstate = area;
	gp->preempted = 1;
	TRACE(TR_GO_PREEMPT, mp->p->id, gp->goid, 0, 0);
	gp->m = NULL;
	store_relaxed(&mp->curg, NULL);
	cas_gstatus(gp, G_RUNNING, G_RUNNABLE);
	__atomic_fetch_add(&sched.preemptions, 1, __ATOMIC_RELAXED);
	plat_preempt_off();
	ready_put(mp->p, gp, false);
	plat_preempt_on();
	plat_irq_end();
	preempt_enter_scheduler(plat_g0_sp());
}

/* The timer interrupt's hook (arch/x86_64 calls it for every tick). */
void sched_tick(struct trap_frame *tf)
{
	struct m *mp = getm();
	if (!mp || !mp->p)
		return;
	mp->p->ticks++;
	struct g *gp = mp->curg;
	if (!preemptible(mp, gp, tf))
		return;
	void *area = fpstate_alloc(plat_cpu_id());
	if (!area)
		return;   /* out of memory: try again next tick */
	preempt(mp, gp, tf, area);
}

/* The pools keep their areas across runs; an abandoned preempted G's area
 * is simply not returned. */

