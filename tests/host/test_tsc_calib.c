/*
 * test_tsc_calib.c - kernel/tsc_calib.c against simulated clocks: a TSC at
 * 2.6 GHz and an HPET at 100 MHz (QEMU's) or a 24-bit PM timer, driven by
 * one simulated time that advances a little on every read, with stalls
 * (a descheduled vCPU) injected between reads.
 */
#include "check.h"
#include "kernel/tsc_calib.c"

#define TSC_HZ 2600000000ULL

struct sim {
	uint64_t ns;           /* simulated time */
	uint64_t reads;        /* reads of either clock so far */
	uint64_t stall_every;  /* every Nth read is followed by a stall (0: never) */
	uint64_t stall_ns;
	uint64_t ref_hz;
	int stuck;             /* the reference counter never moves */
	unsigned ref_stall_pct; /* a stall right after this share of reference reads */
	uint32_t rng;
};

static void tick(struct sim *s)
{
	s->ns += 20;           /* each read costs 20 ns */
	if (s->stall_every && ++s->reads % s->stall_every == 0)
		s->ns += s->stall_ns;
}

static uint64_t sim_tsc(void *ctx)
{
	struct sim *s = ctx;
	uint64_t v = (uint64_t)((unsigned __int128)s->ns * TSC_HZ / 1000000000ULL);
	tick(s);
	return v;
}

static uint64_t sim_ref(void *ctx)
{
	struct sim *s = ctx;
	uint64_t v = s->stuck ? 12345 : (uint64_t)((unsigned __int128)s->ns * s->ref_hz / 1000000000ULL);
	tick(s);
	s->rng = s->rng * 1103515245u + 12345u;
	if ((s->rng >> 16) % 100 < s->ref_stall_pct)
		s->ns += s->stall_ns;   /* between this read and the TSC read after it */
	return v;
}

static struct tsc_clock clock_of(struct sim *s, uint64_t hz, uint64_t mask)
{
	s->ref_hz = hz;
	return (struct tsc_clock){ "sim", sim_ref, sim_tsc, s, hz, mask, 10000000 };
}

static uint64_t err_ppm(uint64_t hz)
{
	uint64_t d = hz > TSC_HZ ? hz - TSC_HZ : TSC_HZ - hz;
	return d * 1000000 / TSC_HZ;
}

TEST(steady_clocks)
{
	struct sim s = { 0 };
	struct tsc_clock c = clock_of(&s, 100000000, UINT64_MAX);
	struct tsc_estimate e;
	CHECK_EQ(tsc_calibrate(&c, 7, 10000, &e), 0);
	CHECK_EQ(e.windows, 7);
	CHECK_EQ(e.used, 7);
	CHECK(err_ppm(e.hz) < 10);
	CHECK(tsc_spread_ppm(&e) < 10);
}

/* A 20 ms stall right after 30% of the reference reads, so between a
 * reference read and the TSC read that follows it: the case that once
 * calibrated 2x too fast. Every window's end samples are at risk; the
 * tightest of the bracketed tries is clean. */
TEST(stalls_between_reads_do_not_count)
{
	struct sim s = { .ref_stall_pct = 30, .stall_ns = 20000000, .rng = 1 };
	struct tsc_clock c = clock_of(&s, 100000000, UINT64_MAX);
	struct tsc_estimate e;
	CHECK_EQ(tsc_calibrate(&c, 7, 10000, &e), 0);
	CHECK(err_ppm(e.hz) < 100);
	CHECK_EQ(e.used, 7);
}

/* Stalls at every seventh read: many bracketed tries are spoilt, the
 * tightest of them is still clean. */
TEST(frequent_stalls)
{
	struct sim s = { .stall_every = 7, .stall_ns = 5000000 };
	struct tsc_clock c = clock_of(&s, 3579545, 0xffffff);
	struct tsc_estimate e;
	CHECK_EQ(tsc_calibrate(&c, 5, 10000, &e), 0);
	CHECK(err_ppm(e.hz) < 1000);
}

/* The PM timer's 24 bits wrap every 4.7 s: a window across the wrap. */
TEST(counter_wraps)
{
	struct sim s = { .ns = 4686000000ULL };   /* just before 2^24 ticks */
	struct tsc_clock c = clock_of(&s, 3579545, 0xffffff);
	struct tsc_estimate e;
	CHECK_EQ(tsc_calibrate(&c, 3, 10000, &e), 0);
	CHECK(err_ppm(e.hz) < 100);
}

TEST(stuck_counter_fails)
{
	struct sim s = { .stuck = 1 };
	struct tsc_clock c = clock_of(&s, 100000000, UINT64_MAX);
	struct tsc_estimate e;
	CHECK_EQ(tsc_calibrate(&c, 3, 10000, &e), -1);
	CHECK_EQ(e.hz, 0);
}

/* Whatever spoils a window (a stall inside a bracket, an SMI), one wrong
 * window must not move the result: it is left out, and the spread and the
 * count say so. */
TEST(outlier_window_left_out)
{
	uint64_t hz[] = { 2600000000ULL, 2601000000ULL, 5470000000ULL, 2599000000ULL, 2600500000ULL };
	struct tsc_estimate e = { 0, 0, 0, 0, 0 };
	estimate(hz, 5, &e);
	CHECK_EQ(e.windows, 5);
	CHECK_EQ(e.used, 4);
	CHECK_EQ(e.min_hz, 2599000000ULL);
	CHECK_EQ(e.max_hz, 2601000000ULL);
	CHECK_EQ(e.hz, 2600125000ULL);
	CHECK_EQ(tsc_spread_ppm(&e), 769);
}

CHECK_MAIN()
