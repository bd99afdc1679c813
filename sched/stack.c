/*
 * stack.c - goroutines and their stacks, allocated together.
 *
 * A goroutine's memory is one unit: its struct g, then its stack (which
 * grows down towards the G, so an overflow that escaped the split-stack
 * check would hit its own G first, never a neighbour's stack). Units are
 * carved from chunks of contiguous physical pages taken from the page
 * allocator, so a unit costs exactly sizeof(struct g) rounded up plus the
 * stack: no allocator header, no per-unit page. Gs are never returned to
 * the page allocator; a dead G keeps its stack and waits on a free list,
 * per P first (no lock) and globally when a P has too many (gfree_lock),
 * as in Go. Callers hold no lock; galloc/gfree_put run with preemption off
 * (the P is the caller's own).
 */
#include <string.h>
#include "sched/sched.h"

#define GUNIT_HEADER  ((sizeof(struct g) + 63) & ~63UL)
#define CHUNK_PAGES   64     /* 256 KiB of units at a time */

static struct spinlock chunk_lock = SPINLOCK_INIT("gchunk");
static uintptr_t chunk_next, chunk_end;   /* the chunk being carved */
static uint64_t chunk_bytes_total;

size_t gunit_size(void)
{
	return GUNIT_HEADER + sched.gstack_size;
}

size_t go_bytes_per_goroutine(void)
{
	return GUNIT_HEADER + ((size_t)cmdline_num("gstack") & ~15UL);
}

uint64_t gmemory_bytes(void)
{
	return chunk_bytes_total;
}

/* A fresh unit from the current chunk, or a new chunk; 0 when memory is
 * exhausted (the caller reports GO_ENOMEM). */
static uintptr_t unit_alloc(void)
{
	size_t unit = gunit_size();
	uintptr_t u = 0;
	bool on = spin_lock_irqsave(&chunk_lock);
	if (chunk_end - chunk_next < unit) {
		size_t pages = CHUNK_PAGES;
		if (unit > pages * PLAT_PAGE_SIZE)
			pages = (unit + PLAT_PAGE_SIZE - 1) / PLAT_PAGE_SIZE;
		void *chunk = plat_pages_alloc(pages);
		if (!chunk)
			goto out;
		chunk_next = (uintptr_t)chunk;
		chunk_end = chunk_next + pages * PLAT_PAGE_SIZE;
		chunk_bytes_total += pages * PLAT_PAGE_SIZE;
	}
	u = chunk_next;
	chunk_next += unit;
out:
	spin_unlock_irqrestore(&chunk_lock, on);
	return u;
}

static struct g *gfree_get_global(struct p *pp)
{
	rt_lock(&sched.gfree_lock);
	/* Take up to half the local cap at once so the next spawns are local. */
	while (sched.gfree && pp->gfreecnt < GFREE_LOCAL_MAX / 2) {
		struct g *gp = sched.gfree;
		sched.gfree = gp->schedlink;
		sched.gfreecnt--;
		gp->schedlink = pp->gfree;
		pp->gfree = gp;
		pp->gfreecnt++;
	}
	rt_unlock(&sched.gfree_lock);
	return pp->gfree;
}

struct g *galloc(struct p *pp)
{
	struct g *gp = pp->gfree ? pp->gfree : gfree_get_global(pp);
	if (gp) {
		pp->gfree = gp->schedlink;
		pp->gfreecnt--;
		return gp;
	}
	uintptr_t u = unit_alloc();
	if (!u)
		return NULL;
	gp = (struct g *)u;
	memset(gp, 0, sizeof *gp);
	gp->stack_lo = u + GUNIT_HEADER;
	gp->stack_size = sched.gstack_size;
	gp->status = G_IDLE;
	rt_lock(&sched.allglock);
	gp->alllink = sched.allgs;
	sched.allgs = gp;
	rt_unlock(&sched.allglock);
	return gp;
}

/* Put a dead G on pp's free list; past GFREE_LOCAL_MAX, half go global. */
void gfree_put(struct p *pp, struct g *gp)
{
	gp->schedlink = pp->gfree;
	pp->gfree = gp;
	if (++pp->gfreecnt < GFREE_LOCAL_MAX)
		return;
	rt_lock(&sched.gfree_lock);
	while (pp->gfreecnt > GFREE_LOCAL_MAX / 2) {
		struct g *x = pp->gfree;
		pp->gfree = x->schedlink;
		pp->gfreecnt--;
		x->schedlink = sched.gfree;
		sched.gfree = x;
		sched.gfreecnt++;
	}
	rt_unlock(&sched.gfree_lock);
}

/* Between two go_main runs (no M is in the scheduler): every G that did
 * not finish is abandoned and goes back to the global free list, and the
 * Ps' free lists are folded into it too. */
void gstack_reset(void)
{
	struct g *free = NULL;
	uint32_t n = 0;
	for (struct g *gp = sched.allgs; gp; gp = gp->alllink) {
		gp->status = G_DEAD;
		gp->schedlink = free;
		gp->fpstate = NULL;
		gp->m = NULL;
		free = gp;
		n++;
	}
	sched.gfree = free;
	sched.gfreecnt = n;
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		ps[i].gfree = NULL;
		ps[i].gfreecnt = 0;
	}
}
