/*
 * test_runq.c - host tests for sched/runq.c: the per-P local run queue (a
 * ring written at the tail by its owner, taken at the head by anyone with a
 * CAS), runnext, the spill of a full ring to the global queue and stealing.
 *
 * runq.c is pure logic on struct p except for the global queue, which it
 * guards with rt_lock(&sched.lock): the stand-ins below give it a spin lock
 * made of host atomics, the `sched` global and a panic for SCHED_ASSERT
 * (on here: SPINDLE_DEBUG 1). The concurrent case runs one owner thread and
 * three thief threads (pthreads) for about a second over ~1e6 Gs and checks
 * every G was taken exactly once. Needs -pthread.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#undef SPINDLE_DEBUG
#define SPINDLE_DEBUG 1

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include "sched/sched.h"

struct sched sched;
struct p ps[MAX_PROCS];          /* pinned-goroutine inboxes (unused here) */
void wake_p(struct p *pp) { (void)pp; }

void rt_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

void rt_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* For ASSERT_HELD in runq.c: these stand-ins keep no holder, so "held by
 * someone" is what can be checked. */
bool spin_held_by_me(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

/* A student tree's stubs (kernel/lab.h) in runq.c end the test with their
 * line, as the kernel's do. */
_Noreturn void lab_todo(int lab, const char *fn, const char *file)
{
	printf("LAB %d TODO: %s (%s) is not written\n", lab, fn, file);
	exit(1);
}

void lab_soft(int lab, const char *fn, const char *file, const char *fallback)
{
	static const char *said[8];   /* each stub's line once, from any thread */
	if (lab_soft_first(said, 8, fn))
		printf("LAB %d TODO: %s (%s) is not written: %s\n", lab, fn, file, fallback);
}

#include "sched/runq.c"
#include "check.h"

static void reset_all(struct p *pps, int n, uint32_t nprocs)
{
	memset(&sched, 0, sizeof sched);
	sched.nprocs = nprocs;
	for (int i = 0; i < n; i++) {
		memset(&pps[i], 0, sizeof pps[i]);
		pps[i].id = (uint32_t)i;
	}
}

static struct p tp[4];

/* ---- single-threaded ------------------------------------------------- */

TEST(fifo_and_runnext)
{
	struct g g[8];
	memset(g, 0, sizeof g);
	reset_all(tp, 1, 1);
	struct p *pp = &tp[0];

	CHECK(runq_empty(pp));
	CHECK(runq_get(pp) == NULL);
	for (int i = 0; i < 3; i++)
		CHECK(runq_put(pp, &g[i], false));
	CHECK_EQ(runq_len(pp), 3);
	CHECK(runq_put(pp, &g[3], true));      /* runnext: runs first */
	CHECK_EQ(runq_len(pp), 4);
	CHECK(runq_get(pp) == &g[3]);
	CHECK(runq_get(pp) == &g[0]);
	CHECK(runq_get(pp) == &g[1]);
	CHECK(runq_get(pp) == &g[2]);
	CHECK(runq_get(pp) == NULL);
	CHECK(runq_empty(pp));

	/* A second runnext displaces the first to the tail of the ring. */
	CHECK(runq_put(pp, &g[4], false));
	CHECK(runq_put(pp, &g[5], true));
	CHECK(runq_put(pp, &g[6], true));
	CHECK(pp->runnext == &g[6]);
	CHECK(runq_get(pp) == &g[6]);
	CHECK(runq_get(pp) == &g[4]);
	CHECK(runq_get(pp) == &g[5]);
	CHECK(runq_get(pp) == NULL);
	CHECK_EQ(sched.runqsize, 0);
}

TEST(ring_wraps)
{
	static struct g g[RUNQ_SIZE];
	reset_all(tp, 1, 1);
	struct p *pp = &tp[0];
	/* Many rounds, so head and tail wrap the ring many times over. */
	for (int round = 0; round < 50; round++) {
		int n = 1 + (round * 37) % RUNQ_SIZE;
		for (int i = 0; i < n; i++)
			CHECK(runq_put(pp, &g[i], false));
		CHECK_EQ(runq_len(pp), n);
		for (int i = 0; i < n; i++)
			CHECK(runq_get(pp) == &g[i]);
		CHECK(runq_empty(pp));
	}
	CHECK_EQ(sched.runqsize, 0);
}

TEST(full_ring_spills_half_to_global)
{
	static struct g g[RUNQ_SIZE + 2];
	reset_all(tp, 1, 1);
	struct p *pp = &tp[0];
	for (int i = 0; i < RUNQ_SIZE; i++)
		CHECK(runq_put(pp, &g[i], false));
	CHECK_EQ(runq_len(pp), RUNQ_SIZE);
	CHECK_EQ(sched.runqsize, 0);
	CHECK(runq_put(pp, &g[RUNQ_SIZE], false));   /* full: spill */
	CHECK_EQ(runq_len(pp), RUNQ_SIZE / 2);
	CHECK_EQ(sched.runqsize, RUNQ_SIZE / 2 + 1);
	/* The oldest half and the new G went to the global queue, in order. */
	int k = 0;
	for (struct g *gp = sched.runq.head; gp; gp = gp->schedlink, k++) {
		int want = k < RUNQ_SIZE / 2 ? k : RUNQ_SIZE;
		CHECK(gp == &g[want]);
	}
	CHECK_EQ(k, RUNQ_SIZE / 2 + 1);
	/* The newest half stayed local, in order. */
	for (int i = RUNQ_SIZE / 2; i < RUNQ_SIZE; i++)
		CHECK(runq_get(pp) == &g[i]);
	CHECK(runq_get(pp) == NULL);

	/* runnext displacing into a full ring spills too: nothing lost. */
	reset_all(tp, 1, 1);
	for (int i = 0; i < RUNQ_SIZE; i++)
		CHECK(runq_put(pp, &g[i], false));
	CHECK(runq_put(pp, &g[RUNQ_SIZE], true));
	CHECK(runq_put(pp, &g[RUNQ_SIZE + 1], true));  /* displaces g[RUNQ_SIZE] */
	CHECK_EQ(runq_len(pp) + (uint32_t)sched.runqsize, RUNQ_SIZE + 2);

	/* globrunq_get hands the G back and refills the local ring. */
	uint32_t total = 0;
	static uint8_t seen[RUNQ_SIZE + 2];
	memset(seen, 0, sizeof seen);
	struct g *gp;
	while ((gp = runq_get(pp)) != NULL) {
		seen[gp - g]++;
		total++;
	}
	rt_lock(&sched.lock);
	while ((gp = globrunq_get(pp, 0)) != NULL) {
		seen[gp - g]++;
		total++;
		struct g *x;
		while ((x = runq_get(pp)) != NULL) {
			seen[x - g]++;
			total++;
		}
	}
	rt_unlock(&sched.lock);
	CHECK_EQ(total, RUNQ_SIZE + 2);
	for (int i = 0; i < RUNQ_SIZE + 2; i++)
		CHECK_EQ(seen[i], 1);
	CHECK_EQ(sched.runqsize, 0);
	CHECK(sched.runq.head == NULL && sched.runq.tail == NULL);
}

TEST(grab_takes_half)
{
	static struct g g[RUNQ_SIZE];
	static struct g *batch[RUNQ_SIZE];
	for (uint32_t n = 0; n <= RUNQ_SIZE; n++) {
		reset_all(tp, 2, 2);
		for (uint32_t i = 0; i < n; i++)
			runq_put(&tp[0], &g[i], false);
		uint32_t head = 200;                  /* any ring position */
		uint32_t got = runq_grab(&tp[0], batch, head, false);
		CHECK_EQ(got, n - n / 2);             /* half, rounded up */
		CHECK(got <= RUNQ_SIZE / 2);
		for (uint32_t i = 0; i < got; i++)
			CHECK(batch[(head + i) % RUNQ_SIZE] == &g[i]);   /* oldest first */
		CHECK_EQ(runq_len(&tp[0]), n - got);
	}
	/* runnext only when asked, and only when the ring is empty. */
	reset_all(tp, 2, 2);
	runq_put(&tp[0], &g[0], true);
	CHECK_EQ(runq_grab(&tp[0], batch, 0, false), 0);
	CHECK_EQ(runq_grab(&tp[0], batch, 0, true), 1);
	CHECK(batch[0] == &g[0]);
	CHECK(runq_empty(&tp[0]));

	/* runq_steal: one G to run, the rest in the thief's ring. */
	reset_all(tp, 2, 2);
	for (uint32_t i = 0; i < 10; i++)
		runq_put(&tp[0], &g[i], false);
	struct g *gp = runq_steal(&tp[1], &tp[0], true);
	CHECK(gp == &g[4]);
	CHECK_EQ(runq_len(&tp[1]), 4);
	CHECK_EQ(runq_len(&tp[0]), 5);
	for (uint32_t i = 0; i < 4; i++)
		CHECK(runq_get(&tp[1]) == &g[i]);
}

/* ---- concurrent: one owner, three thieves ---------------------------- */

#define NG       (1u << 20)
#define NTHIEF   3
#define ROUND_NS 1000000000L   /* the owner stops putting after this */

static struct g *cg;                 /* NG Gs */
static uint8_t *ctaken;              /* times each G was taken */
static uint64_t ctaken_by[1 + NTHIEF + 1];
static uint64_t cby_steal, cby_grab, cby_global;  /* thieves' takes by path */
static volatile int cdone;           /* owner finished putting */
static uint32_t cnput;               /* Gs the owner put (written before cdone) */
static volatile uint32_t cbad_grab;  /* a grab took more than half */
static volatile uint32_t cbad_id;

static void take(struct g *gp, int who)
{
	uintptr_t i = (uintptr_t)(gp - cg);
	if (i >= NG) {
		__atomic_add_fetch(&cbad_id, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&ctaken[i], 1, __ATOMIC_RELAXED);
	ctaken_by[who]++;
}

static void *owner_thread(void *arg)
{
	(void)arg;
	struct p *pp = &tp[0];
	uint32_t seed = 1;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint32_t i;
	for (i = 0; i < NG; i++) {
		if (i % 4096 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) > ROUND_NS)
				break;
		}
		seed = seed * 1103515245u + 12345u;
		/* Mostly leave the thieves time to steal before the ring is
		 * full; now and then spill to the global queue anyway. */
		if ((seed >> 12) % 64 != 0)
			for (int spin = 0; spin < 2000 && runq_len(pp) >= RUNQ_SIZE - 4; spin++)
				__builtin_ia32_pause();
		runq_put(pp, &cg[i], (seed >> 16) % 5 == 0);
		if ((seed >> 20) % 3 == 0) {
			struct g *gp = runq_get(pp);
			if (gp)
				take(gp, 0);
		}
	}
	cnput = i;
	__atomic_store_n(&cdone, 1, __ATOMIC_RELEASE);
	struct g *gp;
	while ((gp = runq_get(pp)) != NULL)
		take(gp, 0);
	return NULL;
}

static void *thief_thread(void *arg)
{
	int me = (int)(intptr_t)arg;          /* 1..NTHIEF */
	struct p *pp = &tp[me];
	static struct g *batch_store[NTHIEF + 1][RUNQ_SIZE];
	struct g **batch = batch_store[me];
	uint32_t seed = (uint32_t)me * 7919u;
	int idle_rounds = 0;
	for (;;) {
		struct g *gp = runq_get(pp);
		if (!gp) {
			seed = seed * 1103515245u + 12345u;
			uint32_t r = seed >> 16;
			/* mostly the owner, sometimes another thief */
			uint32_t v = r % 4 == 0 ? 1 + (r / 4) % NTHIEF : 0;
			if (v != (uint32_t)me) {
				if (r % 7 == 0) {
					/* a bare grab: must take at most half */
					uint32_t n = runq_grab(&tp[v], batch, 0, true);
					if (n > RUNQ_SIZE / 2)
						__atomic_add_fetch(&cbad_grab, 1, __ATOMIC_RELAXED);
					for (uint32_t i = 0; i < n; i++)
						take(batch[i], me);
					__atomic_add_fetch(&cby_grab, n, __ATOMIC_RELAXED);
					if (n)
						continue;
				} else {
					uint32_t before = runq_len(pp);
					gp = runq_steal(pp, &tp[v], true);
					if (gp)
						__atomic_add_fetch(&cby_steal, runq_len(pp) - before + 1,
								   __ATOMIC_RELAXED);
				}
			}
		}
		if (!gp && __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) > 0) {
			rt_lock(&sched.lock);
			gp = globrunq_get(pp, 0);
			rt_unlock(&sched.lock);
			if (gp)
				__atomic_add_fetch(&cby_global, 1, __ATOMIC_RELAXED);
		}
		if (gp) {
			take(gp, me);
			idle_rounds = 0;
			continue;
		}
		if (__atomic_load_n(&cdone, __ATOMIC_ACQUIRE) && ++idle_rounds > 1000)
			break;
	}
	return NULL;
}

/* One round: NG Gs through the owner's queue; returns seconds taken. */
static double one_round(int *check_failed)
{
	reset_all(tp, 1 + NTHIEF, 1 + NTHIEF);
	memset(cg, 0, (size_t)NG * sizeof *cg);
	memset(ctaken, 0, NG);
	memset(ctaken_by, 0, sizeof ctaken_by);
	cby_steal = cby_grab = cby_global = 0;
	cdone = 0;
	cbad_grab = cbad_id = 0;

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_t th[1 + NTHIEF];
	CHECK_EQ(pthread_create(&th[0], NULL, owner_thread, NULL), 0);
	for (int i = 1; i <= NTHIEF; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, thief_thread, (void *)(intptr_t)i), 0);
	for (int i = 0; i <= NTHIEF; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	/* Whatever is left anywhere is drained single-threaded. */
	for (int i = 0; i <= NTHIEF; i++) {
		struct g *gp;
		while ((gp = runq_get(&tp[i])) != NULL)
			take(gp, 1 + NTHIEF);
	}
	struct g *gp;
	while ((gp = gqueue_pop(&sched.runq)) != NULL) {
		sched.runqsize--;
		take(gp, 1 + NTHIEF);
	}
	CHECK_EQ(sched.runqsize, 0);
	CHECK_EQ(cbad_id, 0);
	CHECK_EQ(cbad_grab, 0);
	uint32_t lost = 0, dup = 0;
	for (uint32_t i = 0; i < NG; i++) {
		if (i < cnput && ctaken[i] == 0)
			lost++;
		else if (ctaken[i] > (i < cnput ? 1 : 0))
			dup++;
	}
	CHECK_EQ(lost, 0);
	CHECK_EQ(dup, 0);
	uint64_t stolen = 0;
	for (int i = 1; i <= NTHIEF; i++)
		stolen += ctaken_by[i];
	fprintf(stderr, "  %u Gs in %.2f s: owner %llu, thieves %llu (stolen %llu, grabbed %llu, "
		"from global %llu+), left over %llu\n", cnput,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		(unsigned long long)ctaken_by[0], (unsigned long long)stolen,
		(unsigned long long)cby_steal, (unsigned long long)cby_grab,
		(unsigned long long)cby_global, (unsigned long long)ctaken_by[1 + NTHIEF]);
	CHECK(stolen > 0);
	CHECK(cby_steal + cby_grab > 0);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* Rounds until about a second has passed (each round ends after NG Gs or
 * ROUND_NS, whichever comes first; at most eight rounds). */
TEST(owner_and_thieves_lose_nothing)
{
	cg = calloc(NG, sizeof *cg);
	ctaken = calloc(NG, 1);
	CHECK(cg && ctaken);
	if (!cg || !ctaken)
		return;
	double total = 0;
	for (int round = 0; round < 8 && total < 1.0; round++) {
		int failed = 0;
		total += one_round(&failed);
		if (failed) {
			*check_failed = 1;
			break;
		}
	}
	free(cg);
	free(ctaken);
}

CHECK_MAIN()
