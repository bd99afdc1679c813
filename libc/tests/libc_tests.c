/*
 * libc_tests.c - in-kernel tests of the newlib glue (libc/): formatted
 * output, malloc (alone and from every CPU at once), strings, math, per-CPU
 * errno and reent, the retargetable locks and stdio streams.
 *
 * Run with test=NAME (see kernel/ktest.h), e.g. test=libc_malloc_smp.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <reent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/lock.h>
#include <sys/time.h>
#include <time.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "kernel/ktest.h"
#include "kernel/time.h"
#include "libc/libc.h"

#define STR_EQ(got, want) do { const char *g_ = (got), *w_ = (want); \
	if (strcmp(g_, w_) != 0) ktest_fail("%s:%d: got \"%s\", want \"%s\"", __FILE__, __LINE__, g_, w_); } while (0)

/* Inputs the compiler cannot fold, so libc/libm really run. */
static volatile double vd[] = { 3.14159265358979, 12345.678, 0.0001, 1e20, 1234.5, -0.5, 2.0, 0.5, 1.0, 10.0, -1.0 };

/* ------------------------------------------------------------------------ */

KTEST(libc_printf_formats)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%d %i %u %x %X %o %s %c %%", -42, 7, 3000000000u, 0xbeef, 0xbeef, 8, "str", 'z');
	STR_EQ(buf, "-42 7 3000000000 beef BEEF 10 str z %");
	snprintf(buf, sizeof(buf), "[%5d][%-5d][%05d][%.3s][%8.3s]", 42, 42, 42, "abcdef", "abcdef");
	STR_EQ(buf, "[   42][42   ][00042][abc][     abc]");
	snprintf(buf, sizeof(buf), "%lld %lld %llu", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
	STR_EQ(buf, "-9223372036854775808 9223372036854775807 18446744073709551615");
	snprintf(buf, sizeof(buf), "%ld %lx %p", -1L, 0xffffffff80000000UL, (void *)0x1000);
	STR_EQ(buf, "-1 ffffffff80000000 0x1000");

#ifdef _WANT_IO_C99_FORMATS
	snprintf(buf, sizeof(buf), "%zu %jd %hhd", (size_t)123, (intmax_t)-5, 300);
	STR_EQ(buf, "123 -5 44");
#endif

	/* Floating point: these go through dtoa and the per-CPU Bigint cache. */
	snprintf(buf, sizeof(buf), "%f|%.2f|%8.3f|%f", vd[0], vd[0], vd[0], vd[5]);
	STR_EQ(buf, "3.141593|3.14|   3.142|-0.500000");
	snprintf(buf, sizeof(buf), "%e|%.2e|%E", vd[1], vd[1], vd[3]);
	STR_EQ(buf, "1.234568e+04|1.23e+04|1.000000E+20");
	snprintf(buf, sizeof(buf), "%g|%g|%.3g|%g|%g", vd[2], vd[3], vd[4], vd[1], vd[7]);
	STR_EQ(buf, "0.0001|1e+20|1.23e+03|12345.7|0.5");
	snprintf(buf, sizeof(buf), "%.17g", 0.1 * vd[8]);
	STR_EQ(buf, "0.10000000000000001");
	snprintf(buf, sizeof(buf), "%f %f %f", vd[8] / 0.0, -vd[8] / 0.0, sqrt(vd[10]));
	KTEST_ASSERT(strncmp(buf, "inf -inf ", 9) == 0 && strstr(buf, "nan") != NULL);

	/* Truncation and the return value. */
	memset(buf, 'x', sizeof(buf));
	KTEST_ASSERT_EQ(snprintf(buf, 5, "hello world"), 11);
	STR_EQ(buf, "hell");
	KTEST_ASSERT_EQ(snprintf(NULL, 0, "%d", 123456), 6);

	/* Parsing back. */
	int a = 0;
	double d = 0;
	char word[16];
	KTEST_ASSERT_EQ(sscanf("17 2.5 abc", "%d %lf %15s", &a, &d, word), 3);
	KTEST_ASSERT_EQ(a, 17);
	KTEST_ASSERT(d == 2.5);
	STR_EQ(word, "abc");

	/* The real streams: stdout (line buffered, this CPU's) and stderr. */
	KTEST_ASSERT_EQ(printf("libc: printf %s %d %.1f\n", "works", 42, vd[7]), 26);
	KTEST_ASSERT_EQ(fprintf(stderr, "libc: stderr works\n"), 19);
	KTEST_ASSERT_EQ(fflush(stdout), 0);
	KTEST_ASSERT(!ferror(stdout) && !ferror(stderr));
	KTEST_ASSERT(puts("libc: puts works") >= 0);
}

/* ------------------------------------------------------------------------ */

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131u + i * 7u + (i >> 8));
}

static bool check(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed * 131u + i * 7u + (i >> 8)))
			return false;
	return true;
}

KTEST(libc_malloc)
{
	static const size_t sizes[] = { 1, 7, 16, 24, 100, 512, 4095, 4096, 4097, 65536, 300000, 3 << 20 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned char *p[N];
	struct libc_heap_stats before, after;
	libc_heap_stats(&before);

	for (unsigned i = 0; i < N; i++) {
		p[i] = malloc(sizes[i]);
		KTEST_ASSERT(p[i] != NULL);
		KTEST_ASSERT(((uintptr_t)p[i] & 15) == 0);
		KTEST_ASSERT(malloc_usable_size(p[i]) >= sizes[i]);
		fill(p[i], sizes[i], i);
	}
	for (unsigned i = 0; i < N; i++)
		KTEST_ASSERT(check(p[i], sizes[i], i));
	/* Free every other block, allocate again, check the survivors. */
	for (unsigned i = 0; i < N; i += 2)
		free(p[i]);
	for (unsigned i = 0; i < N; i += 2) {
		p[i] = malloc(sizes[i]);
		KTEST_ASSERT(p[i] != NULL);
		fill(p[i], sizes[i], i + 100);
	}
	for (unsigned i = 0; i < N; i++)
		KTEST_ASSERT(check(p[i], sizes[i], i & 1 ? i : i + 100));

	/* realloc keeps the contents when growing and shrinking. */
	unsigned char *r = malloc(10);
	KTEST_ASSERT(r != NULL);
	fill(r, 10, 5);
	for (size_t sz = 20; sz < 200000; sz = sz * 3 + 1) {
		unsigned char *s = realloc(r, sz);
		KTEST_ASSERT(s != NULL);
		KTEST_ASSERT(check(s, 10, 5));
		r = s;
	}
	r = realloc(r, 4);
	KTEST_ASSERT(r != NULL && check(r, 4, 5));
	free(r);

	/* calloc zeroes even reused (dirty) memory. */
	unsigned char *dirty = malloc(8192);
	KTEST_ASSERT(dirty != NULL);
	memset(dirty, 0xa5, 8192);
	free(dirty);
	unsigned char *z = calloc(1024, 8);
	KTEST_ASSERT(z != NULL);
	for (unsigned i = 0; i < 8192; i++)
		KTEST_ASSERT(z[i] == 0);
	free(z);
	volatile size_t huge = SIZE_MAX / 2;
	KTEST_ASSERT(calloc(huge, 4) == NULL); /* overflow is caught */

	/* Aligned allocation. */
	void *al = memalign(4096, 100);
	KTEST_ASSERT(al != NULL && ((uintptr_t)al & 4095) == 0);
	free(al);
	void *pa = NULL;
	KTEST_ASSERT_EQ(posix_memalign(&pa, 64, 1000), 0);
	KTEST_ASSERT(pa != NULL && ((uintptr_t)pa & 63) == 0);
	free(pa);
	free(NULL);

	/* Out of memory: sbrk fails, malloc returns NULL with ENOMEM. */
	errno = 0;
	KTEST_ASSERT(malloc((size_t)1 << 50) == NULL);
	KTEST_ASSERT_EQ(errno, ENOMEM);

	for (unsigned i = 0; i < N; i++)
		free(p[i]);
	libc_heap_stats(&after);
	KTEST_ASSERT_EQ(after.in_use, before.in_use);
}

/* ------------------------------------------------------------------------
 * malloc from every CPU at once. Each CPU runs a random mix of malloc, free
 * and realloc over its own slots, filling each block with a pattern that
 * names the CPU, slot and generation and checking it before every change.
 * Without a working malloc lock two CPUs get the same chunk (pattern
 * overwritten, or overlap found below) or corrupt the free lists.
 */

#define SMP_SLOTS 48
#define SMP_OPS   6000

struct smp_block {
	unsigned char *p;
	size_t size;
	unsigned seed;
};

static struct smp_state {
	struct smp_block b[SMP_SLOTS];
	unsigned long ops, bad_pattern, null_alloc, bad_align;
	uint64_t start_ns, end_ns;
} __attribute__((aligned(64))) smp_state[MAX_CPUS];

static volatile unsigned smp_arrived;

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void malloc_smp_fn(void *arg)
{
	(void)arg;
	unsigned id = cpu_id();
	struct smp_state *st = &smp_state[id];
	uint64_t rng = 0x9e3779b97f4a7c15ull * (id + 1);

	/* Start together so the CPUs really contend. */
	__atomic_add_fetch(&smp_arrived, 1, __ATOMIC_SEQ_CST);
	uint64_t t0 = time_ns();
	while (smp_arrived < ncpus_online && time_ns() - t0 < 2000000000ull)
		cpu_relax();

	st->start_ns = time_ns();
	for (unsigned op = 0; op < SMP_OPS; op++) {
		uint64_t r = xorshift(&rng);
		struct smp_block *b = &st->b[r % SMP_SLOTS];
		size_t size = (r >> 8) % 8 == 0 ? 1 + (r >> 16) % 20000 : 1 + (r >> 16) % 700;
		unsigned seed = (id << 24) ^ op;

		if (b->p && !check(b->p, b->size, b->seed))
			st->bad_pattern++;
		if (b->p && (r >> 40) % 3 == 0) {
			/* realloc: the old contents must survive the move */
			size_t keep = b->size < size ? b->size : size;
			unsigned char *q = realloc(b->p, size);
			if (!q) {
				st->null_alloc++;
				continue;
			}
			if (!check(q, keep, b->seed))
				st->bad_pattern++;
			b->p = q;
		} else if (b->p) {
			free(b->p);
			b->p = NULL;
			continue;
		} else {
			b->p = malloc(size);
			if (!b->p) {
				st->null_alloc++;
				continue;
			}
		}
		if ((uintptr_t)b->p & 15)
			st->bad_align++;
		b->size = size;
		b->seed = seed;
		fill(b->p, size, seed);
		st->ops++;
	}
	for (unsigned i = 0; i < SMP_SLOTS; i++)
		if (st->b[i].p && !check(st->b[i].p, st->b[i].size, st->b[i].seed))
			st->bad_pattern++;
	st->end_ns = time_ns();
}

struct span { uintptr_t lo, hi; unsigned cpu; };
static struct span spans[MAX_CPUS * SMP_SLOTS];

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

KTEST(libc_malloc_smp)
{
	unsigned n = ncpus_online;
	struct libc_heap_stats before, after;
	libc_heap_stats(&before);

	memset(smp_state, 0, sizeof(smp_state));
	smp_arrived = 0;
	smp_call_all(malloc_smp_fn, NULL);

	/* Every CPU did its work, with no corruption seen while it ran. */
	unsigned ran = 0, nspans = 0, overlapped_in_time = 0;
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		struct smp_state *st = &smp_state[c];
		if (st->ops == 0)
			continue;
		ran++;
		if (st->bad_pattern || st->null_alloc || st->bad_align)
			ktest_fail("cpu %u: %lu corrupted blocks, %lu failed allocations, %lu misaligned",
				   c, st->bad_pattern, st->null_alloc, st->bad_align);
		for (unsigned i = 0; i < SMP_SLOTS; i++) {
			struct smp_block *b = &st->b[i];
			if (!b->p)
				continue;
			KTEST_ASSERT(check(b->p, b->size, b->seed));
			spans[nspans++] = (struct span){ (uintptr_t)b->p,
				(uintptr_t)b->p + malloc_usable_size(b->p), c };
		}
		if (c != 0 && st->start_ns < smp_state[0].end_ns && smp_state[0].start_ns < st->end_ns)
			overlapped_in_time++;
	}
	KTEST_ASSERT_EQ(ran, n);

	/* The blocks still allocated are pairwise disjoint. */
	qsort(spans, nspans, sizeof(spans[0]), span_cmp);
	for (unsigned i = 1; i < nspans; i++)
		if (spans[i].lo < spans[i - 1].hi)
			ktest_fail("blocks overlap: cpu %u [%lx,%lx) and cpu %u [%lx,%lx)",
				   spans[i - 1].cpu, spans[i - 1].lo, spans[i - 1].hi,
				   spans[i].cpu, spans[i].lo, spans[i].hi);

	/* Free them all: the heap is back where it started. */
	for (unsigned c = 0; c < MAX_CPUS; c++)
		for (unsigned i = 0; i < SMP_SLOTS; i++)
			free(smp_state[c].b[i].p);
	libc_heap_stats(&after);
	KTEST_ASSERT_EQ(after.in_use, before.in_use);
	void *p = malloc(100);
	KTEST_ASSERT(p != NULL);
	free(p);
	printf("libc_malloc_smp: %u CPUs, %u live blocks checked disjoint, %u CPUs ran alongside cpu0\n",
	       n, nspans, overlapped_in_time);
}

/* ------------------------------------------------------------------------ */

static int int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

KTEST(libc_string)
{
	char buf[64], *end;

	memcpy(buf, "0123456789", 11);
	memmove(buf + 2, buf, 8);          /* overlap, forwards */
	STR_EQ(buf, "0101234567");
	memcpy(buf, "0123456789", 11);
	memmove(buf, buf + 2, 9);          /* overlap, backwards */
	STR_EQ(buf, "23456789");
	memset(buf, 'q', 5);
	buf[5] = 0;
	STR_EQ(buf, "qqqqq");
	KTEST_ASSERT(memcmp("abc", "abd", 3) < 0);

	KTEST_ASSERT(strcmp("abc", "abc") == 0);
	KTEST_ASSERT(strcmp("abc", "abd") < 0);
	KTEST_ASSERT(strcmp("b", "abc") > 0);
	KTEST_ASSERT(strncmp("abcdef", "abcxyz", 3) == 0);
	KTEST_ASSERT(strcasecmp("HeLLo", "hello") == 0);
	KTEST_ASSERT_EQ(strlen("spindle"), 7);
	const char *s = "a/b/c";
	KTEST_ASSERT(strchr(s, '/') == s + 1 && strrchr(s, '/') == s + 3);
	KTEST_ASSERT(strstr("unikernel", "kern") != NULL && strstr("x", "y") == NULL);
	char *dup = strdup("copy me");
	KTEST_ASSERT(dup != NULL);
	STR_EQ(dup, "copy me");
	free(dup);
	char tok[] = "a,b,,c";
	char *save = NULL;
	KTEST_ASSERT(strcmp(strtok_r(tok, ",", &save), "a") == 0);
	KTEST_ASSERT(strcmp(strtok_r(NULL, ",", &save), "b") == 0);
	KTEST_ASSERT(strcmp(strtok_r(NULL, ",", &save), "c") == 0);
	KTEST_ASSERT(strtok_r(NULL, ",", &save) == NULL);

	KTEST_ASSERT_EQ(strtol("0x1f", &end, 0), 31);
	KTEST_ASSERT(*end == 0);
	KTEST_ASSERT_EQ(strtol("-077", NULL, 0), -63);
	KTEST_ASSERT_EQ(strtol("  42abc", &end, 10), 42);
	STR_EQ(end, "abc");
	KTEST_ASSERT_EQ(strtol("z", NULL, 36), 35);
	errno = 0;
	KTEST_ASSERT(strtoul("99999999999999999999999", NULL, 10) == ULONG_MAX);
	KTEST_ASSERT_EQ(errno, ERANGE);
	KTEST_ASSERT_EQ(strtoll("-9223372036854775808", NULL, 10), LLONG_MIN);
	KTEST_ASSERT_EQ(atoi("-17"), -17);

	KTEST_ASSERT(strtod("3.25e2", &end) == 325.0 && *end == 0);
	KTEST_ASSERT(strtod("0.1", NULL) == 0.1);
	KTEST_ASSERT(strtod("-1e-5", NULL) == -1e-5);
	KTEST_ASSERT(strtod("1.7976931348623157e308", NULL) == DBL_MAX);
	KTEST_ASSERT(isinf(strtod("inf", NULL)));
	errno = 0;
	KTEST_ASSERT(isinf(strtod("1e400", NULL)) && errno == ERANGE);
	KTEST_ASSERT(atof("2.5") == 2.5);

	int arr[] = { 5, 3, 9, 1, 7 };
	qsort(arr, 5, sizeof(int), int_cmp);
	for (int i = 0; i < 5; i++)
		KTEST_ASSERT_EQ(arr[i], 2 * i + 1);
}

/* ------------------------------------------------------------------------ */

static bool near(double got, double want, double tol)
{
	return fabs(got - want) <= tol * (fabs(want) > 1 ? fabs(want) : 1);
}

#define NEAR(got, want) do { double g_ = (got), w_ = (want); if (!near(g_, w_, 1e-14)) \
	ktest_fail("%s:%d: %s = %.17g, want %.17g", __FILE__, __LINE__, #got, g_, w_); } while (0)

KTEST(libc_math)
{
	double two = vd[6], half = vd[7], one = vd[8], ten = vd[9], pi = 3.14159265358979323846;

	NEAR(sqrt(two), 1.4142135623730951);
	KTEST_ASSERT(sqrt(two * two) == two);
	NEAR(sin(pi / 6 * one), 0.5);
	NEAR(cos(pi / 3 * one), 0.5);
	NEAR(sin(pi * one), 0.0);
	NEAR(tan(pi / 4 * one), 1.0);
	NEAR(atan2(one, one), pi / 4);
	NEAR(exp(one), 2.718281828459045);
	NEAR(log(exp(two)), 2.0);
	NEAR(log(ten), 2.302585092994046);
	NEAR(log10(ten * ten * ten), 3.0);
	KTEST_ASSERT(pow(two, ten) == 1024.0);
	NEAR(pow(two, half), 1.4142135623730951);
	NEAR(pow(ten, -two), 0.01);
	NEAR(cbrt(ten * ten * ten), 10.0);
	NEAR(hypot(3 * one, 4 * one), 5.0);
	KTEST_ASSERT(floor(-half) == -1.0 && ceil(-half) == -0.0 && round(half) == 1.0);
	KTEST_ASSERT(fmod(ten, 3 * one) == 1.0);
	KTEST_ASSERT(fabs(-ten) == 10.0);
	NEAR((double)sinf((float)(pi / 2 * one)), 1.0);
	NEAR((double)sqrtf(2.0f * (float)one), 1.41421353816986083984375);

	/* Domain and range errors: NaN/inf, and errno on this CPU. */
	errno = 0;
	KTEST_ASSERT(isnan(sqrt(vd[10])));
	KTEST_ASSERT(isnan(log(vd[10])));
	KTEST_ASSERT_EQ(errno, EDOM);
	errno = 0;
	KTEST_ASSERT(isinf(exp(1000 * one)));
	KTEST_ASSERT_EQ(errno, ERANGE);
}

/* ------------------------------------------------------------------------
 * Per-CPU reent: each CPU has its own errno and its own stdout.
 */

static struct {
	int errno_seen;      /* errno when the CPU entered */
	int errno_kept;      /* errno after every CPU set its own */
	void *reent, *out;
	int printed;
} __attribute__((aligned(64))) percpu_seen[MAX_CPUS];
static volatile unsigned errno_set_count;

static void errno_fn(void *arg)
{
	(void)arg;
	unsigned id = cpu_id();
	percpu_seen[id].errno_seen = errno;
	percpu_seen[id].reent = __getreent();
	percpu_seen[id].out = stdout;
	errno = 5000 + (int)id;
	__atomic_add_fetch(&errno_set_count, 1, __ATOMIC_SEQ_CST);
	uint64_t t0 = time_ns();
	while (errno_set_count < ncpus_online && time_ns() - t0 < 2000000000ull)
		cpu_relax();
	percpu_seen[id].errno_kept = errno;
	percpu_seen[id].printed = printf("libc: cpu %u says hello (errno %d)\n", id, errno);
}

KTEST(libc_errno_percpu)
{
	unsigned n = ncpus_online;
	memset(percpu_seen, 0, sizeof(percpu_seen));
	errno_set_count = 0;
	errno = 1234;
	smp_call_all(errno_fn, NULL);

	KTEST_ASSERT_EQ(percpu_seen[0].errno_seen, 1234);
	for (unsigned c = 0; c < n; c++) {
		KTEST_ASSERT_EQ(percpu_seen[c].errno_kept, 5000 + (int)c);
		KTEST_ASSERT(percpu_seen[c].printed > 0);
		if (c != 0)
			KTEST_ASSERT(percpu_seen[c].errno_seen != 1234);
		for (unsigned d = 0; d < c; d++) {
			KTEST_ASSERT(percpu_seen[c].reent != percpu_seen[d].reent);
			KTEST_ASSERT(percpu_seen[c].out != percpu_seen[d].out);
		}
	}
	KTEST_ASSERT_EQ(errno, 5000);
	KTEST_ASSERT(__getreent() == this_cpu()->libc_reent);
	if (n < 2)
		printf("libc_errno_percpu: only one CPU online, cross-CPU part not exercised\n");
}

/* A thread-owned reent (what a scheduler would switch to). */
static struct _reent thread_reent;

KTEST(libc_reent_switch)
{
	unsigned locks = libc_locks_in_use();
	libc_reent_init(&thread_reent);
	KTEST_ASSERT_EQ(libc_locks_in_use(), locks + 3); /* its stdin/out/err */

	errno = 77;
	bool on = irq_save();
	struct cpu *c = this_cpu();
	void *mine = c->libc_reent;
	c->libc_reent = &thread_reent;
	int inner = errno;
	errno = 88;
	FILE *out = stdout;
	char buf[32];
	snprintf(buf, sizeof(buf), "%.3f", 1.5 * vd[8]);
	c->libc_reent = mine;
	irq_restore(on);

	KTEST_ASSERT_EQ(inner, 0);
	KTEST_ASSERT_EQ(thread_reent._errno, 88);
	KTEST_ASSERT_EQ(errno, 77);
	KTEST_ASSERT(out == thread_reent._stdout && out != stdout);
	STR_EQ(buf, "1.500");
	libc_reent_fini(&thread_reent);
	KTEST_ASSERT_EQ(libc_locks_in_use(), locks);
}

/* ------------------------------------------------------------------------
 * The locks themselves.
 */

static _LOCK_T test_lock;
static volatile unsigned long lock_counter;
static volatile int lock_phase;
static volatile unsigned lock_try_fail, lock_try_ok, lock_irq_bad, lock_arrived;

#define LOCK_ITERS 20000

static void lock_fn(void *arg)
{
	(void)arg;
	unsigned id = cpu_id();
	uint64_t t0 = time_ns();

	/* Phase 1: cpu 0 holds the lock; the others must fail to take it. */
	if (id == 0) {
		__retarget_lock_acquire_recursive(test_lock);
		lock_phase = 1;
		while (lock_try_fail + lock_try_ok < ncpus_online - 1 && time_ns() - t0 < 2000000000ull)
			cpu_relax();
		__retarget_lock_release_recursive(test_lock);
		lock_phase = 2;
	} else {
		while (lock_phase < 1 && time_ns() - t0 < 2000000000ull)
			cpu_relax();
		if (__retarget_lock_try_acquire_recursive(test_lock)) {
			__atomic_add_fetch(&lock_try_ok, 1, __ATOMIC_SEQ_CST);
			__retarget_lock_release_recursive(test_lock);
		} else {
			__atomic_add_fetch(&lock_try_fail, 1, __ATOMIC_SEQ_CST);
		}
		while (lock_phase < 2 && time_ns() - t0 < 2000000000ull)
			cpu_relax();
	}

	/* Phase 2: mutual exclusion on a non-atomic counter, with recursion
	 * and with interrupts off while held. */
	__atomic_add_fetch(&lock_arrived, 1, __ATOMIC_SEQ_CST);
	while (lock_arrived < ncpus_online && time_ns() - t0 < 4000000000ull)
		cpu_relax();
	for (unsigned i = 0; i < LOCK_ITERS; i++) {
		__retarget_lock_acquire_recursive(test_lock);
		__retarget_lock_acquire_recursive(test_lock);
		unsigned long v = lock_counter;
		cpu_relax();
		lock_counter = v + 1;
		__retarget_lock_release_recursive(test_lock);
		if (irq_enabled())
			lock_irq_bad = 1;
		__retarget_lock_release_recursive(test_lock);
	}
}

KTEST(libc_locks)
{
	/* Single CPU semantics, interrupt state. */
	_LOCK_T l, r;
	__retarget_lock_init(&l);
	__retarget_lock_init_recursive(&r);
	KTEST_ASSERT(l != NULL && r != NULL && l != r);
	KTEST_ASSERT(irq_enabled());
	__retarget_lock_acquire(l);
	KTEST_ASSERT(!irq_enabled());
	KTEST_ASSERT(__retarget_lock_try_acquire(l) == 0);  /* not recursive */
	__retarget_lock_acquire_recursive(r);
	KTEST_ASSERT(__retarget_lock_try_acquire_recursive(r) == 1);
	__retarget_lock_release(l);                           /* out of order */
	KTEST_ASSERT(!irq_enabled());
	__retarget_lock_release_recursive(r);
	KTEST_ASSERT(!irq_enabled());
	__retarget_lock_release_recursive(r);
	KTEST_ASSERT(irq_enabled());
	KTEST_ASSERT(__retarget_lock_try_acquire(l) == 1);
	__retarget_lock_release(l);
	KTEST_ASSERT(irq_enabled());
	__retarget_lock_close(l);
	__retarget_lock_close_recursive(r);

	/* Across CPUs. */
	unsigned n = ncpus_online;
	__retarget_lock_init_recursive(&test_lock);
	lock_counter = 0;
	lock_phase = 0;
	lock_try_fail = lock_try_ok = lock_irq_bad = lock_arrived = 0;
	smp_call_all(lock_fn, NULL);
	KTEST_ASSERT_EQ(lock_try_fail, n - 1);
	KTEST_ASSERT_EQ(lock_try_ok, 0);
	KTEST_ASSERT_EQ(lock_counter, (unsigned long)n * LOCK_ITERS);
	KTEST_ASSERT_EQ(lock_irq_bad, 0);
	__retarget_lock_close_recursive(test_lock);
}

/* ------------------------------------------------------------------------
 * stdio streams created at run time (each gets a dynamic lock).
 */

KTEST(libc_stdio_streams)
{
	unsigned locks = libc_locks_in_use();
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	KTEST_ASSERT(f != NULL);
	KTEST_ASSERT_EQ(libc_locks_in_use(), locks + 1);
	for (int i = 0; i < 100; i++)
		fprintf(f, "%d,", i);
	KTEST_ASSERT_EQ(fclose(f), 0);
	KTEST_ASSERT_EQ(libc_locks_in_use(), locks);
	KTEST_ASSERT(mem != NULL && len == 290);
	KTEST_ASSERT(strncmp(mem, "0,1,2,", 6) == 0 && strcmp(mem + len - 3, "99,") == 0);
	free(mem);

	char buf[32];
	f = fmemopen(buf, sizeof(buf), "w+");
	KTEST_ASSERT(f != NULL);
	fprintf(f, "%s %d", "pi", 314);
	rewind(f);
	int v = 0;
	char word[8];
	KTEST_ASSERT_EQ(fscanf(f, "%7s %d", word, &v), 2);
	STR_EQ(word, "pi");
	KTEST_ASSERT_EQ(v, 314);
	fclose(f);
	KTEST_ASSERT_EQ(libc_locks_in_use(), locks);

	/* No file system: open fails cleanly. */
	errno = 0;
	KTEST_ASSERT(fopen("/nonexistent", "r") == NULL);
	KTEST_ASSERT_EQ(errno, ENOENT);
	KTEST_ASSERT_EQ(libc_locks_in_use(), locks);

	/* Time comes from time_ns. */
	struct timeval tv;
	KTEST_ASSERT_EQ(gettimeofday(&tv, NULL), 0);
	KTEST_ASSERT(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	clock_t c0 = clock();
	uint64_t t0 = time_ns();
	while (time_ns() - t0 < 20000000ull)
		cpu_relax();
	clock_t c1 = clock();
	KTEST_ASSERT(c1 - c0 >= (clock_t)(CLOCKS_PER_SEC / 100));
}
