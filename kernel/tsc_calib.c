/*
 * tsc_calib.c - robust TSC calibration (contract and reasons in tsc_calib.h).
 * Pure logic: also built on the host for unit tests.
 */
#include "kernel/tsc_calib.h"
#include "kernel/sort.h"

struct sample {
	uint64_t ref, tsc;
};

/* The reference read between two TSC reads; of TSC_CALIB_TRIES tries the
 * one with the tightest bracket, its TSC taken at the bracket's middle. */
static struct sample bracketed(const struct tsc_clock *c)
{
	struct sample best = { 0, 0 };
	uint64_t best_gap = UINT64_MAX;
	for (int i = 0; i < TSC_CALIB_TRIES; i++) {
		uint64_t a = c->tsc(c->ctx);
		uint64_t r = c->read(c->ctx);
		uint64_t b = c->tsc(c->ctx);
		if (b - a < best_gap) {
			best_gap = b - a;
			best = (struct sample){ r & c->mask, a + (b - a) / 2 };
		}
	}
	return best;
}

/* One window of `want` reference ticks: TSC ticks per second, or 0. */
static uint64_t window(const struct tsc_clock *c, uint64_t want)
{
	struct sample s0 = bracketed(c), s1;
	uint64_t reads = 0;
	while (((c->read(c->ctx) - s0.ref) & c->mask) < want)
		if (++reads > c->max_reads)
			return 0;
	s1 = bracketed(c);
	uint64_t ref = (s1.ref - s0.ref) & c->mask;
	if (ref == 0 || s1.tsc <= s0.tsc)
		return 0;
	return (uint64_t)((unsigned __int128)(s1.tsc - s0.tsc) * c->hz / ref);
}

/* From the windows' results: the ones within TSC_CALIB_AGREE of the median,
 * their mean and their range (sorts hz). */
static void estimate(uint64_t *hz, unsigned n, struct tsc_estimate *out)
{
	out->windows = n;
	sort_u64(hz, n);
	uint64_t median = hz[n / 2], sum = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t d = hz[i] > median ? hz[i] - median : median - hz[i];
		if ((unsigned __int128)d * 10000 > (unsigned __int128)median * TSC_CALIB_AGREE)
			continue;
		if (out->used == 0)
			out->min_hz = hz[i];
		out->max_hz = hz[i];
		sum += hz[i];
		out->used++;
	}
	out->hz = sum / out->used;   /* the median itself always agrees */
}

int tsc_calibrate(const struct tsc_clock *c, unsigned windows, uint64_t window_us,
		  struct tsc_estimate *out)
{
	uint64_t hz[TSC_CALIB_MAX_WINDOWS], want = c->hz * window_us / 1000000;
	unsigned n = 0;
	*out = (struct tsc_estimate){ 0, 0, 0, 0, 0 };
	if (windows > TSC_CALIB_MAX_WINDOWS)
		windows = TSC_CALIB_MAX_WINDOWS;
	if (want == 0 || want > c->mask / 2)
		return -1;
	for (unsigned i = 0; i < windows; i++) {
		uint64_t h = window(c, want);
		if (h == 0)
			return -1;
		hz[n++] = h;
	}
	estimate(hz, n, out);
	return 0;
}

uint64_t tsc_spread_ppm(const struct tsc_estimate *e)
{
	if (!e->hz)
		return 0;
	return (uint64_t)((unsigned __int128)(e->max_hz - e->min_hz) * 1000000 / e->hz);
}
