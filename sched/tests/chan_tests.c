/*
 * chan_tests.c - in-kernel tests of channels and select (sched/chan.c).
 *
 * Each KTEST runs a main goroutine with go_main and asserts after it
 * returns: goroutines only record results in static variables (GCHECK
 * keeps the first failure) because KTEST_ASSERT needs a large stack.
 * Goroutine stacks are 2 KiB: frames here stay small. Waits are yield
 * loops bounded by a count, never fixed sleeps. Every test passes at -smp
 * 1, 2 and 4 and takes well under a second or two under TCG.
 */
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/ktest.h"
#include "sched/runtime.h"

/* --- helpers ------------------------------------------------------------- */

static volatile int fail_line;
static volatile long fail_a, fail_b;

static void gfail(int line, long a, long b)
{
	int zero = 0;
	if (__atomic_compare_exchange_n(&fail_line, &zero, line, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		fail_a = a;
		fail_b = b;
	}
}
#define GCHECK(c) do { if (!(c)) gfail(__LINE__, 0, 0); } while (0)
#define GCHECK_EQ(a, b) do { long ga_ = (long)(a), gb_ = (long)(b); \
	if (ga_ != gb_) gfail(__LINE__, ga_, gb_); } while (0)

static void reset_fail(void)
{
	fail_line = 0;
	fail_a = fail_b = 0;
}

#define ASSERT_NO_GFAIL() do { if (fail_line) \
	ktest_fail("%s:%d: goroutine check failed (%ld vs %ld)", __FILE__, fail_line, fail_a, fail_b); } while (0)

#define RUN_MAIN(fn) KTEST_ASSERT_EQ(go_main((fn), NULL), GO_OK)

#define WAIT_LIMIT 3000000

/* Yield until *f >= v; false if it never happened. */
static bool wait_at_least(volatile int *f, int v)
{
	for (long i = 0; i < WAIT_LIMIT; i++) {
		if (__atomic_load_n(f, __ATOMIC_ACQUIRE) >= v)
			return true;
		go_yield();
	}
	return false;
}

static void yield_n(int n)
{
	while (n-- > 0)
		go_yield();
}

static uint64_t panicked_now(void)
{
	struct go_stats st;
	go_stats(&st);
	return st.panicked;
}

static bool wait_panicked(uint64_t v)
{
	for (long i = 0; i < WAIT_LIMIT; i++) {
		if (panicked_now() >= v)
			return true;
		go_yield();
	}
	return false;
}

/* --- unbuffered ping-pong ------------------------------------------------------ */

#define PP_N 300
static struct chan *pp_ping, *pp_pong;
static volatile int pp_echo_done;

static void pp_echo(void *arg)
{
	(void)arg;
	uint64_t v;
	int n = 0;
	while (chan_recv(pp_ping, &v)) {
		v = v * 2 + 1;
		chan_send(pp_pong, &v);
		n++;
	}
	GCHECK_EQ(v, 0);  /* zeroed on close */
	GCHECK_EQ(n, PP_N);
	/* Before the close: main returns once it sees the close, and the
	 * runtime stops with it (as a Go program exits), so a store after
	 * the close may never run. */
	pp_echo_done = 1;
	chan_close(pp_pong);
}

static void pp_main(void *arg)
{
	(void)arg;
	uint64_t v;
	GCHECK(go(pp_echo, NULL) == GO_OK);
	for (uint64_t i = 0; i < PP_N; i++) {
		v = i * 1000 + 7;
		chan_send(pp_ping, &v);
		v = 0;
		GCHECK(chan_recv(pp_pong, &v));
		GCHECK_EQ(v, (i * 1000 + 7) * 2 + 1);
		GCHECK_EQ(chan_len(pp_ping), 0);
	}
	chan_close(pp_ping);
	v = 99;
	GCHECK(!chan_recv(pp_pong, &v));
	GCHECK_EQ(v, 0);
}

KTEST(chan_unbuffered_pingpong)
{
	reset_fail();
	pp_echo_done = 0;
	pp_ping = chan_make(sizeof(uint64_t), 0);
	pp_pong = chan_make(sizeof(uint64_t), 0);
	KTEST_ASSERT(pp_ping && pp_pong);
	KTEST_ASSERT_EQ(chan_cap(pp_ping), 0);
	RUN_MAIN(pp_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(pp_echo_done, 1);
	chan_free(pp_ping);
	chan_free(pp_pong);
}

/* --- buffered FIFO, len, cap --------------------------------------------------- */

static struct chan *fifo_c;

static void fifo_main(void *arg)
{
	(void)arg;
	int v;
	GCHECK_EQ(chan_cap(fifo_c), 8);
	GCHECK_EQ(chan_len(fifo_c), 0);
	for (int i = 0; i < 8; i++) {
		v = 100 + i;
		chan_send(fifo_c, &v);
		GCHECK_EQ(chan_len(fifo_c), i + 1);
	}
	for (int i = 0; i < 8; i++) {
		GCHECK(chan_recv(fifo_c, &v));
		GCHECK_EQ(v, 100 + i);
		GCHECK_EQ(chan_len(fifo_c), 7 - i);
	}
	/* Wrap around the ring many times: send 5, receive 3. */
	int next_send = 0, next_recv = 0;
	while (next_send < 500) {
		for (int k = 0; k < 5 && chan_len(fifo_c) < 8; k++) {
			v = next_send++;
			chan_send(fifo_c, &v);
		}
		for (int k = 0; k < 3; k++) {
			GCHECK(chan_recv(fifo_c, &v));
			GCHECK_EQ(v, next_recv);
			next_recv++;
		}
	}
	while (chan_len(fifo_c) > 0) {
		GCHECK(chan_recv(fifo_c, &v));
		GCHECK_EQ(v, next_recv);
		next_recv++;
	}
	GCHECK_EQ(next_recv, next_send);
	/* NULL elements: send the zero value, receive and discard. */
	chan_send(fifo_c, NULL);
	v = 5;
	chan_send(fifo_c, &v);
	v = 77;
	GCHECK(chan_recv(fifo_c, &v));
	GCHECK_EQ(v, 0);
	GCHECK(chan_recv(fifo_c, NULL));
	GCHECK_EQ(chan_len(fifo_c), 0);
}

KTEST(chan_buffered_fifo)
{
	reset_fail();
	fifo_c = chan_make(sizeof(int), 8);
	KTEST_ASSERT(fifo_c);
	KTEST_ASSERT_EQ(chan_cap(fifo_c), 8);
	KTEST_ASSERT_EQ(chan_len(NULL), 0);
	KTEST_ASSERT_EQ(chan_cap(NULL), 0);
	RUN_MAIN(fifo_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(chan_len(fifo_c), 0);
	chan_free(fifo_c);
	/* A channel of empty elements (Go's chan struct{}). */
	struct chan *z = chan_make(0, 3);
	KTEST_ASSERT(z);
	chan_free(z);
}

/* --- send blocks on a full buffer ------------------------------------------------- */

static struct chan *full_c;
static volatile int full_sent;

static void full_sender(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 3; i++) {
		chan_send(full_c, &i);
		__atomic_store_n(&full_sent, i, __ATOMIC_RELEASE);
	}
}

static void full_main(void *arg)
{
	(void)arg;
	int v;
	GCHECK(go(full_sender, NULL) == GO_OK);
	GCHECK(wait_at_least(&full_sent, 2));
	yield_n(300);
	GCHECK_EQ(__atomic_load_n(&full_sent, __ATOMIC_ACQUIRE), 2);          /* third send is blocked */
	GCHECK_EQ(chan_len(full_c), 2);
	GCHECK(chan_recv(full_c, &v));    /* takes 1; the blocked 3 goes to the tail */
	GCHECK_EQ(v, 1);
	GCHECK(wait_at_least(&full_sent, 3));
	GCHECK_EQ(chan_len(full_c), 2);
	GCHECK(chan_recv(full_c, &v));
	GCHECK_EQ(v, 2);
	GCHECK(chan_recv(full_c, &v));
	GCHECK_EQ(v, 3);
}

KTEST(chan_send_blocks_when_full)
{
	reset_fail();
	full_sent = 0;
	full_c = chan_make(sizeof(int), 2);
	KTEST_ASSERT(full_c);
	RUN_MAIN(full_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(full_sent, 3);
	chan_free(full_c);
}

/* --- receive on a closed channel --------------------------------------------------- */

static struct chan *cl_buf, *cl_unbuf, *cl_wait;
static volatile int cl_waiter_state;   /* 1 parked soon, 2 woken with ok=false and zero */

static void cl_waiter(void *arg)
{
	(void)arg;
	long v = 12345;
	__atomic_store_n(&cl_waiter_state, 1, __ATOMIC_RELEASE);
	bool ok = chan_recv(cl_wait, &v);
	GCHECK(!ok);
	GCHECK_EQ(v, 0);
	__atomic_store_n(&cl_waiter_state, 2, __ATOMIC_RELEASE);
}

static void cl_main(void *arg)
{
	(void)arg;
	long v;
	for (long i = 1; i <= 3; i++)
		chan_send(cl_buf, &i);
	chan_close(cl_buf);
	GCHECK_EQ(chan_len(cl_buf), 3);
	for (long i = 1; i <= 3; i++) {
		v = 0;
		GCHECK(chan_recv(cl_buf, &v));   /* buffered values first */
		GCHECK_EQ(v, i);
	}
	for (int k = 0; k < 3; k++) {
		v = -1;
		GCHECK(!chan_recv(cl_buf, &v));
		GCHECK_EQ(v, 0);
	}
	chan_close(cl_unbuf);
	v = -1;
	GCHECK(!chan_recv(cl_unbuf, &v));
	GCHECK_EQ(v, 0);
	GCHECK(!chan_recv(cl_unbuf, NULL));

	/* A receiver parked on the channel is woken by close. */
	GCHECK(go(cl_waiter, NULL) == GO_OK);
	GCHECK(wait_at_least(&cl_waiter_state, 1));
	yield_n(100);
	chan_close(cl_wait);
	GCHECK(wait_at_least(&cl_waiter_state, 2));
}

KTEST(chan_recv_closed)
{
	reset_fail();
	cl_waiter_state = 0;
	cl_buf = chan_make(sizeof(long), 4);
	cl_unbuf = chan_make(sizeof(long), 0);
	cl_wait = chan_make(sizeof(long), 0);
	KTEST_ASSERT(cl_buf && cl_unbuf && cl_wait);
	RUN_MAIN(cl_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(cl_waiter_state, 2);
	chan_free(cl_buf);
	chan_free(cl_unbuf);
	chan_free(cl_wait);
}

/* --- panics: send on closed, double close, close of nil ----------------------------------- */

static struct chan *pn_closed, *pn_block, *pn_dbl;
static volatile int pn_before, pn_after;
static uint64_t pn_base;

static void pn_send_closed(void *arg)
{
	(void)arg;
	int v = 1;
	__atomic_fetch_add(&pn_before, 1, __ATOMIC_SEQ_CST);
	chan_send(pn_closed, &v);
	__atomic_fetch_add(&pn_after, 1, __ATOMIC_SEQ_CST);
}

static void pn_send_blocked(void *arg)
{
	(void)arg;
	int v = 2;
	__atomic_fetch_add(&pn_before, 1, __ATOMIC_SEQ_CST);
	chan_send(pn_block, &v);        /* parks; close wakes it: panic */
	__atomic_fetch_add(&pn_after, 1, __ATOMIC_SEQ_CST);
}

static void pn_double_close(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&pn_before, 1, __ATOMIC_SEQ_CST);
	chan_close(pn_dbl);
	chan_close(pn_dbl);
	__atomic_fetch_add(&pn_after, 1, __ATOMIC_SEQ_CST);
}

static void pn_close_nil(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&pn_before, 1, __ATOMIC_SEQ_CST);
	chan_close(NULL);
	__atomic_fetch_add(&pn_after, 1, __ATOMIC_SEQ_CST);
}

static void pn_main(void *arg)
{
	(void)arg;
	pn_base = panicked_now();
	chan_close(pn_closed);
	GCHECK(go(pn_send_closed, NULL) == GO_OK);
	GCHECK(wait_panicked(pn_base + 1));
	GCHECK(go(pn_send_blocked, NULL) == GO_OK);
	GCHECK(wait_at_least(&pn_before, 2));
	yield_n(100);
	chan_close(pn_block);
	GCHECK(wait_panicked(pn_base + 2));
	GCHECK(go(pn_double_close, NULL) == GO_OK);
	GCHECK(wait_panicked(pn_base + 3));
	GCHECK(go(pn_close_nil, NULL) == GO_OK);
	GCHECK(wait_panicked(pn_base + 4));
	yield_n(50);
	GCHECK_EQ(__atomic_load_n(&pn_before, __ATOMIC_SEQ_CST), 4);
	GCHECK_EQ(__atomic_load_n(&pn_after, __ATOMIC_SEQ_CST), 0);
}

KTEST(chan_panics)
{
	reset_fail();
	pn_before = pn_after = 0;
	pn_closed = chan_make(sizeof(int), 1);
	pn_block = chan_make(sizeof(int), 0);
	pn_dbl = chan_make(sizeof(int), 0);
	KTEST_ASSERT(pn_closed && pn_block && pn_dbl);
	RUN_MAIN(pn_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(pn_before, 4);
	KTEST_ASSERT_EQ(pn_after, 0);
	KTEST_ASSERT(panicked_now() >= pn_base + 4);
	chan_free(pn_closed);
	chan_free(pn_block);
	chan_free(pn_dbl);
}

/* --- nil channels block for ever ------------------------------------------------------ */

static volatile int nil_reached, nil_returned;

static void nil_recv(void *arg)
{
	(void)arg;
	int v;
	__atomic_fetch_add(&nil_reached, 1, __ATOMIC_SEQ_CST);
	chan_recv(NULL, &v);
	__atomic_fetch_add(&nil_returned, 1, __ATOMIC_SEQ_CST);
}

static void nil_send(void *arg)
{
	(void)arg;
	int v = 1;
	__atomic_fetch_add(&nil_reached, 1, __ATOMIC_SEQ_CST);
	chan_send(NULL, &v);
	__atomic_fetch_add(&nil_returned, 1, __ATOMIC_SEQ_CST);
}

static void nil_select(void *arg)
{
	struct select_case cs[2] = {
		{ NULL, SELECT_RECV, NULL, false },
		{ NULL, SELECT_SEND, NULL, false },
	};
	__atomic_fetch_add(&nil_reached, 1, __ATOMIC_SEQ_CST);
	if (arg)
		go_select(cs, 2, false);
	else
		go_select(NULL, 0, false);
	__atomic_fetch_add(&nil_returned, 1, __ATOMIC_SEQ_CST);
}

static void nil_main(void *arg)
{
	(void)arg;
	GCHECK(go(nil_recv, NULL) == GO_OK);
	GCHECK(go(nil_send, NULL) == GO_OK);
	GCHECK(go(nil_select, (void *)1) == GO_OK);
	GCHECK(go(nil_select, NULL) == GO_OK);
	GCHECK(wait_at_least(&nil_reached, 4));
	yield_n(500);
	GCHECK_EQ(nil_returned, 0);
}

KTEST(chan_nil_blocks_forever)
{
	reset_fail();
	nil_reached = nil_returned = 0;
	RUN_MAIN(nil_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(nil_reached, 4);
	KTEST_ASSERT_EQ(nil_returned, 0);
}

static void nil_main_deadlock(void *arg)
{
	(void)arg;
	chan_recv(NULL, NULL);
	nil_returned = 1;
}

/* The main goroutine blocked for ever on a nil channel: go_main sees that
 * every goroutine is blocked and returns GO_DEADLOCK. */
KTEST(chan_nil_main_deadlock)
{
	nil_returned = 0;
	KTEST_ASSERT_EQ(go_main(nil_main_deadlock, NULL), GO_DEADLOCK);
	KTEST_ASSERT_EQ(nil_returned, 0);
}

/* --- select: default, nil cases, send and recv ------------------------------------------- */

static struct chan *sd_a, *sd_b, *sd_full;

static void sd_main(void *arg)
{
	(void)arg;
	int va = 0, vb = 0, vs = 9;
	struct select_case cs[3] = {
		{ sd_a, SELECT_RECV, &va, false },
		{ sd_b, SELECT_RECV, &vb, false },
		{ sd_full, SELECT_SEND, &vs, false },
	};
	chan_send(sd_full, &vs);
	/* Nothing ready: default. */
	for (int k = 0; k < 20; k++)
		GCHECK_EQ(go_select(cs, 3, true), -1);
	GCHECK_EQ(chan_len(sd_full), 1);
	/* One ready: it is chosen even with a default. */
	int v = 41;
	chan_send(sd_b, &v);
	GCHECK_EQ(go_select(cs, 3, true), 1);
	GCHECK(cs[1].ok);
	GCHECK_EQ(vb, 41);
	/* Free space makes the send case ready. */
	GCHECK(chan_recv(sd_full, &v));
	GCHECK_EQ(go_select(cs, 3, true), 2);
	GCHECK(chan_recv(sd_full, &v));
	GCHECK_EQ(v, 9);
	/* Nil cases never fire. */
	struct select_case nc[3] = {
		{ NULL, SELECT_RECV, &va, false },
		{ NULL, SELECT_SEND, &vs, false },
		{ sd_a, SELECT_RECV, &va, false },
	};
	GCHECK_EQ(go_select(nc, 2, true), -1);
	GCHECK_EQ(go_select(NULL, 0, true), -1);
	for (int k = 0; k < 100; k++) {
		v = k;
		chan_send(sd_a, &v);
		GCHECK_EQ(go_select(nc, 3, false), 2);
		GCHECK_EQ(va, k);
		GCHECK(nc[2].ok);
	}
	/* Closed: a recv case is ready with ok=false. */
	chan_close(sd_b);
	vb = 5;
	GCHECK_EQ(go_select(cs, 2, false), 1);
	GCHECK(!cs[1].ok);
	GCHECK_EQ(vb, 0);
}

KTEST(select_default_and_nil)
{
	reset_fail();
	sd_a = chan_make(sizeof(int), 1);
	sd_b = chan_make(sizeof(int), 1);
	sd_full = chan_make(sizeof(int), 1);
	KTEST_ASSERT(sd_a && sd_b && sd_full);
	RUN_MAIN(sd_main);
	ASSERT_NO_GFAIL();
	chan_free(sd_a);
	chan_free(sd_b);
	chan_free(sd_full);
}

/* --- select uniformity -------------------------------------------------------------- */

#define UNI_N 4000
static struct chan *uni_c[4];
static int uni_count[4];

static void uni_main(void *arg)
{
	(void)arg;
	int v[4];
	struct select_case cs[4];
	for (int i = 0; i < 4; i++) {
		v[i] = i;
		chan_send(uni_c[i], &v[i]);
		cs[i] = (struct select_case){ uni_c[i], SELECT_RECV, &v[i], false };
	}
	for (int k = 0; k < UNI_N; k++) {
		int i = go_select(cs, 4, false);
		if (i < 0 || i > 3) {
			GCHECK(0);
			return;
		}
		GCHECK_EQ(v[i], i);
		uni_count[i]++;
		chan_send(uni_c[i], &v[i]);   /* refill: all four stay ready */
	}
}

KTEST(select_uniform)
{
	reset_fail();
	for (int i = 0; i < 4; i++) {
		uni_c[i] = chan_make(sizeof(int), 1);
		KTEST_ASSERT(uni_c[i]);
		uni_count[i] = 0;
	}
	RUN_MAIN(uni_main);
	ASSERT_NO_GFAIL();
	for (int i = 0; i < 4; i++) {
		if (uni_count[i] < UNI_N * 15 / 100 || uni_count[i] > UNI_N * 35 / 100)
			ktest_fail("case %d chosen %d times of %d (%d %d %d %d)", i, uni_count[i],
				   UNI_N, uni_count[0], uni_count[1], uni_count[2], uni_count[3]);
		chan_free(uni_c[i]);
	}
}

/* --- select with send and recv cases, blocking both ways ---------------------------------- */

#define SR_N 200
static struct chan *sr_data, *sr_quit;
static volatile int sr_sent, sr_quit_seen;

static void sr_producer(void *arg)
{
	(void)arg;
	int x = 0, q = 0;
	struct select_case cs[2] = {
		{ sr_data, SELECT_SEND, &x, false },
		{ sr_quit, SELECT_RECV, &q, false },
	};
	for (;;) {
		int i = go_select(cs, 2, false);
		if (i == 0) {
			x++;
			__atomic_store_n(&sr_sent, x, __ATOMIC_RELEASE);
		} else {
			GCHECK_EQ(i, 1);
			GCHECK(cs[1].ok);
			GCHECK_EQ(q, 77);
			__atomic_store_n(&sr_quit_seen, 1, __ATOMIC_RELEASE);
			return;
		}
	}
}

static void sr_main(void *arg)
{
	(void)arg;
	int v;
	GCHECK(go(sr_producer, NULL) == GO_OK);
	for (int k = 0; k < SR_N; k++) {
		GCHECK(chan_recv(sr_data, &v));
		GCHECK_EQ(v, k);
	}
	v = 77;
	chan_send(sr_quit, &v);    /* completes only when the select takes it */
	GCHECK(wait_at_least(&sr_quit_seen, 1));
	GCHECK_EQ(__atomic_load_n(&sr_sent, __ATOMIC_ACQUIRE), SR_N);
}

KTEST(select_send_and_recv)
{
	reset_fail();
	sr_sent = sr_quit_seen = 0;
	sr_data = chan_make(sizeof(int), 0);
	sr_quit = chan_make(sizeof(int), 0);
	KTEST_ASSERT(sr_data && sr_quit);
	RUN_MAIN(sr_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(sr_quit_seen, 1);
	chan_free(sr_data);
	chan_free(sr_quit);
}

/* --- select blocks until another goroutine (another core) acts ---------------------------- */

#define SB_ROUNDS 30
static struct chan *sb_c[3];
static volatile int sb_round_go;

static void sb_sender(void *arg)
{
	long round = (long)arg;
	int idx = (int)(round % 3);
	int v = (int)(round * 10 + idx);
	yield_n(20);                    /* let the select park first (mostly) */
	chan_send(sb_c[idx], &v);
}

static void sb_closer(void *arg)
{
	(void)arg;
	yield_n(20);
	chan_close(sb_c[1]);
}

static void sb_main(void *arg)
{
	(void)arg;
	int v[3];
	struct select_case cs[3];
	for (int i = 0; i < 3; i++)
		cs[i] = (struct select_case){ sb_c[i], SELECT_RECV, &v[i], false };
	for (long r = 0; r < SB_ROUNDS; r++) {
		GCHECK(go(sb_sender, (void *)r) == GO_OK);
		int i = go_select(cs, 3, false);
		GCHECK_EQ(i, r % 3);
		if (i >= 0) {
			GCHECK(cs[i].ok);
			GCHECK_EQ(v[i], r * 10 + i);
		}
	}
	/* Close wakes a parked select recv: ok = false, element zeroed. */
	GCHECK(go(sb_closer, NULL) == GO_OK);
	v[1] = 555;
	int i = go_select(cs, 3, false);
	GCHECK_EQ(i, 1);
	GCHECK(!cs[1].ok);
	GCHECK_EQ(v[1], 0);
}

KTEST(select_blocks_until_ready)
{
	reset_fail();
	for (int i = 0; i < 3; i++) {
		sb_c[i] = chan_make(sizeof(int), 0);
		KTEST_ASSERT(sb_c[i]);
	}
	RUN_MAIN(sb_main);
	ASSERT_NO_GFAIL();
	for (int i = 0; i < 3; i++)
		chan_free(sb_c[i]);
}

/* A select parked on a send case, then the channel is closed: panic. */
static struct chan *sp_c, *sp_other;
static volatile int sp_before, sp_after;
static uint64_t sp_base;

static void sp_selector(void *arg)
{
	(void)arg;
	int x = 1, y;
	struct select_case cs[2] = {
		{ sp_c, SELECT_SEND, &x, false },
		{ sp_other, SELECT_RECV, &y, false },
	};
	__atomic_store_n(&sp_before, 1, __ATOMIC_RELEASE);
	go_select(cs, 2, false);
	__atomic_store_n(&sp_after, 1, __ATOMIC_RELEASE);
}

static void sp_main(void *arg)
{
	(void)arg;
	sp_base = panicked_now();
	GCHECK(go(sp_selector, NULL) == GO_OK);
	GCHECK(wait_at_least(&sp_before, 1));
	yield_n(100);
	chan_close(sp_c);
	GCHECK(wait_panicked(sp_base + 1));
	/* The select's other sudog left sp_other's queue: a send there now
	 * must not find a receiver. */
	int v = 3;
	struct select_case cs[1] = { { sp_other, SELECT_SEND, &v, false } };
	GCHECK_EQ(go_select(cs, 1, true), -1);
	yield_n(20);
	GCHECK_EQ(__atomic_load_n(&sp_after, __ATOMIC_ACQUIRE), 0);
}

KTEST(select_send_closed_panics)
{
	reset_fail();
	sp_before = sp_after = 0;
	sp_c = chan_make(sizeof(int), 0);
	sp_other = chan_make(sizeof(int), 0);
	KTEST_ASSERT(sp_c && sp_other);
	RUN_MAIN(sp_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(sp_before, 1);
	KTEST_ASSERT_EQ(sp_after, 0);
	chan_free(sp_c);
	chan_free(sp_other);
}

/* --- select with many cases (heap sudogs) and a channel that appears twice ---------------- */

#define MC_N 10
#define MC_ROUNDS 60
static struct chan *mc_c[MC_N];
static struct select_case mc_cases[MC_N + 2];
static int mc_vals[MC_N + 2];

static void mc_sender(void *arg)
{
	long r = (long)arg;
	int v = (int)(r * 100 + r % MC_N);
	yield_n((int)(r % 4) * 5);
	chan_send(mc_c[r % MC_N], &v);
}

static void mc_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < MC_N; i++)
		mc_cases[i] = (struct select_case){ mc_c[i], SELECT_RECV, &mc_vals[i], false };
	for (long r = 0; r < MC_ROUNDS; r++) {
		GCHECK(go(mc_sender, (void *)r) == GO_OK);
		int i = go_select(mc_cases, MC_N, false);
		GCHECK_EQ(i, r % MC_N);
		if (i >= 0 && i < MC_N) {
			GCHECK(mc_cases[i].ok);
			GCHECK_EQ(mc_vals[i], r * 100 + i);
		}
	}
	/* The same buffered channel twice as recv and once as send. */
	struct chan *c = mc_c[0];
	struct chan *b = chan_make(sizeof(int), 1);
	GCHECK(b != NULL);
	if (!b)
		return;
	int x = 31, y = 0, z = 0;
	struct select_case cs[3] = {
		{ b, SELECT_RECV, &y, false },
		{ b, SELECT_RECV, &z, false },
		{ b, SELECT_SEND, &x, false },
	};
	GCHECK_EQ(go_select(cs, 3, false), 2);
	int i = go_select(cs, 3, false);   /* full: only the recv cases */
	GCHECK(i == 0 || i == 1);
	GCHECK_EQ(i == 0 ? y : z, 31);
	chan_free(b);
	/* Unbuffered channel twice as recv, parked; the sender wakes one,
	 * the other sudog must be gone from the queue afterwards. */
	struct select_case cu[2] = {
		{ c, SELECT_RECV, &y, false },
		{ c, SELECT_RECV, &z, false },
	};
	y = z = 0;
	GCHECK(go(mc_sender, (void *)(long)MC_N) == GO_OK); /* sends 1000 on mc_c[0] */
	i = go_select(cu, 2, false);
	GCHECK(i == 0 || i == 1);
	GCHECK_EQ(i == 0 ? y : z, MC_N * 100);
	struct select_case ts[1] = { { c, SELECT_SEND, &x, false } };
	GCHECK_EQ(go_select(ts, 1, true), -1);
}

KTEST(select_many_cases)
{
	reset_fail();
	for (int i = 0; i < MC_N; i++) {
		mc_c[i] = chan_make(sizeof(int), 0);
		KTEST_ASSERT(mc_c[i]);
	}
	RUN_MAIN(mc_main);
	ASSERT_NO_GFAIL();
	for (int i = 0; i < MC_N; i++)
		chan_free(mc_c[i]);
}

/* --- prime sieve -------------------------------------------------------------------- */

#define SIEVE_N 100
static struct chan *sv_chans[SIEVE_N + 1];
static struct sv_filter { struct chan *in, *out; int prime; } sv_filters[SIEVE_N];
static int sv_primes[SIEVE_N];
static volatile int sv_nchans;

static void sv_generate(void *arg)
{
	struct chan *out = arg;
	for (int i = 2;; i++)
		chan_send(out, &i);
}

static void sv_filter(void *arg)
{
	struct sv_filter *f = arg;
	int v;
	for (;;) {
		chan_recv(f->in, &v);
		if (v % f->prime != 0)
			chan_send(f->out, &v);
	}
}

static void sv_main(void *arg)
{
	(void)arg;
	struct chan *ch = chan_make(sizeof(int), 0);
	GCHECK(ch != NULL);
	if (!ch)
		return;
	sv_chans[sv_nchans++] = ch;
	GCHECK(go(sv_generate, ch) == GO_OK);
	for (int i = 0; i < SIEVE_N; i++) {
		int p;
		chan_recv(ch, &p);
		sv_primes[i] = p;
		struct chan *ch1 = chan_make(sizeof(int), 0);
		GCHECK(ch1 != NULL);
		if (!ch1)
			return;
		sv_chans[sv_nchans++] = ch1;
		sv_filters[i] = (struct sv_filter){ ch, ch1, p };
		GCHECK(go(sv_filter, &sv_filters[i]) == GO_OK);
		ch = ch1;
	}
}

KTEST(chan_prime_sieve)
{
	reset_fail();
	sv_nchans = 0;
	RUN_MAIN(sv_main);
	ASSERT_NO_GFAIL();
	int n = 0;
	for (int c = 2; n < SIEVE_N; c++) {
		bool prime = true;
		for (int d = 2; d * d <= c; d++)
			if (c % d == 0) {
				prime = false;
				break;
			}
		if (prime) {
			KTEST_ASSERT_EQ(sv_primes[n], c);
			n++;
		}
	}
	KTEST_ASSERT_EQ(sv_primes[SIEVE_N - 1], 541);
	for (int i = 0; i < sv_nchans; i++)
		chan_free(sv_chans[i]);
}

/* --- N producers, M consumers ------------------------------------------------------------- */

#define ST_P 4
#define ST_C 4
#define ST_K 600
static struct chan *st_a, *st_b, *st_done;
static volatile int st_producers_left;
static uint8_t st_seen[ST_P * ST_K];
static struct st_result { uint64_t count, sum, x; } st_res[ST_C];
static int st_mode;   /* 0: plain send/recv on st_a; 1: select over st_a and st_b both ways */

static inline uint32_t st_encode(uint32_t p, uint32_t s) { return (p << 16) | s; }

static void st_producer(void *arg)
{
	uint32_t id = (uint32_t)(long)arg;
	uint32_t v;
	struct select_case cs[2] = {
		{ st_a, SELECT_SEND, &v, false },
		{ st_b, SELECT_SEND, &v, false },
	};
	for (uint32_t s = 0; s < ST_K; s++) {
		v = st_encode(id, s);
		if (st_mode == 0)
			chan_send(st_a, &v);
		else
			GCHECK(go_select(cs, 2, false) >= 0);
	}
	if (__atomic_sub_fetch(&st_producers_left, 1, __ATOMIC_ACQ_REL) == 0) {
		chan_close(st_a);
		if (st_mode)
			chan_close(st_b);
	}
}

static void st_consumer(void *arg)
{
	long id = (long)arg;
	uint32_t v;
	uint64_t count = 0, sum = 0, x = 0;
	struct select_case cs[2] = {
		{ st_a, SELECT_RECV, &v, false },
		{ st_b, SELECT_RECV, &v, false },
	};
	for (;;) {
		if (st_mode == 0) {
			if (!chan_recv(st_a, &v))
				break;
		} else {
			int i = go_select(cs, 2, false);
			if (i < 0) {
				GCHECK(0);
				break;
			}
			if (!cs[i].ok) {
				cs[i].c = NULL;     /* closed: never fires again */
				if (!cs[0].c && !cs[1].c)
					break;
				continue;
			}
		}
		uint32_t p = v >> 16, s = v & 0xffff;
		if (p >= ST_P || s >= ST_K) {
			GCHECK(0);
			continue;
		}
		__atomic_fetch_add(&st_seen[p * ST_K + s], 1, __ATOMIC_RELAXED);
		count++;
		sum += v;
		x ^= v;
	}
	st_res[id] = (struct st_result){ count, sum, x };
	chan_send(st_done, &id);
}

static void st_main(void *arg)
{
	(void)arg;
	long id;
	for (long i = 0; i < ST_C; i++)
		GCHECK(go(st_consumer, (void *)i) == GO_OK);
	for (long i = 0; i < ST_P; i++)
		GCHECK(go(st_producer, (void *)i) == GO_OK);
	for (int i = 0; i < ST_C; i++)
		GCHECK(chan_recv(st_done, &id));
}

static void storm(int mode, size_t cap)
{
	reset_fail();
	st_mode = mode;
	st_producers_left = ST_P;
	memset(st_seen, 0, sizeof(st_seen));
	memset(st_res, 0, sizeof(st_res));
	st_a = chan_make(sizeof(uint32_t), cap);
	st_b = chan_make(sizeof(uint32_t), cap);
	st_done = chan_make(sizeof(long), 0);
	KTEST_ASSERT(st_a && st_b && st_done);
	RUN_MAIN(st_main);
	ASSERT_NO_GFAIL();
	uint64_t count = 0, sum = 0, x = 0, esum = 0, ex = 0;
	for (int i = 0; i < ST_C; i++) {
		count += st_res[i].count;
		sum += st_res[i].sum;
		x ^= st_res[i].x;
	}
	for (uint32_t p = 0; p < ST_P; p++)
		for (uint32_t s = 0; s < ST_K; s++) {
			esum += st_encode(p, s);
			ex ^= st_encode(p, s);
			if (st_seen[p * ST_K + s] != 1)
				ktest_fail("mode %d cap %zu: message (%u,%u) delivered %u times",
					   mode, cap, p, s, st_seen[p * ST_K + s]);
		}
	KTEST_ASSERT_EQ(count, ST_P * ST_K);
	KTEST_ASSERT_EQ(sum, esum);
	KTEST_ASSERT_EQ(x, ex);
	chan_free(st_a);
	chan_free(st_b);
	chan_free(st_done);
}

KTEST(chan_storm)
{
	storm(0, 0);
	storm(0, 16);
}

KTEST(select_storm)
{
	storm(1, 0);
	storm(1, 4);
}

/* --- odd element sizes ----------------------------------------------------------------- */

#define OS_N 40
static struct chan *os_c;
static size_t os_size;

static uint8_t os_byte(int seq, size_t j)
{
	return (uint8_t)(seq * 7 + j * 13 + 1);
}

static void os_sender(void *arg)
{
	(void)arg;
	uint8_t buf[100];
	for (int k = 0; k < OS_N; k++) {
		for (size_t j = 0; j < os_size; j++)
			buf[j] = os_byte(k, j);
		if (k & 1) {
			struct select_case cs[1] = { { os_c, SELECT_SEND, buf, false } };
			go_select(cs, 1, false);
		} else {
			chan_send(os_c, buf);
		}
	}
}

static void os_main(void *arg)
{
	(void)arg;
	uint8_t buf[104];
	GCHECK(go(os_sender, NULL) == GO_OK);
	for (int k = 0; k < OS_N; k++) {
		memset(buf, 0xee, sizeof(buf));
		if (k % 3 == 0) {
			struct select_case cs[1] = { { os_c, SELECT_RECV, buf, false } };
			GCHECK_EQ(go_select(cs, 1, false), 0);
			GCHECK(cs[0].ok);
		} else {
			GCHECK(chan_recv(os_c, buf));
		}
		for (size_t j = 0; j < os_size; j++)
			GCHECK_EQ(buf[j], os_byte(k, j));
		for (size_t j = os_size; j < sizeof(buf); j++)
			GCHECK_EQ(buf[j], 0xee);   /* nothing written past the element */
	}
}

struct odd24 { uint64_t a; uint32_t b; uint8_t c[12]; };

KTEST(chan_odd_elem_sizes)
{
	static const size_t sizes[] = { 1, 3, sizeof(struct odd24), 100 };
	static const size_t caps[] = { 0, 3 };
	_Static_assert(sizeof(struct odd24) == 24, "24-byte struct");
	for (unsigned s = 0; s < 4; s++)
		for (unsigned c = 0; c < 2; c++) {
			reset_fail();
			os_size = sizes[s];
			os_c = chan_make(os_size, caps[c]);
			KTEST_ASSERT(os_c);
			RUN_MAIN(os_main);
			if (fail_line)
				ktest_fail("size %zu cap %zu: check at line %d failed (%ld vs %ld)",
					   os_size, caps[c], fail_line, fail_a, fail_b);
			chan_free(os_c);
		}
}

/* --- lifetime: chan_free while others still hold the channel --- */

/* A select sender is parked on c and d; main takes its value from c and
 * frees both channels at once, before the select's goroutine (readied on
 * main's P, which does not yield) has run its pass 3, which locks both
 * again. Its sudogs' references keep the channels alive until it is done;
 * freed channels are poisoned, so without them pass 3 would lock garbage. */
static struct chan *lt_c, *lt_d;
static volatile int lt_parked, lt_done, lt_casi;

static void lt_selector(void *arg)
{
	(void)arg;
	int v = 42, w = 0;
	struct select_case cs[2] = {
		{ .c = lt_c, .dir = SELECT_SEND, .elem = &v },
		{ .c = lt_d, .dir = SELECT_RECV, .elem = &w },
	};
	__atomic_store_n(&lt_parked, 1, __ATOMIC_SEQ_CST);
	lt_casi = go_select(cs, 2, false);
	__atomic_store_n(&lt_done, 1, __ATOMIC_SEQ_CST);
}

static void lt_main(void *arg)
{
	(void)arg;
	int got = 0;
	go(lt_selector, 0);
	while (!__atomic_load_n(&lt_parked, __ATOMIC_SEQ_CST))
		go_yield();
	GCHECK(chan_recv(lt_c, &got));   /* takes the select's value, readies it */
	GCHECK_EQ(got, 42);
	chan_free(lt_c);
	chan_free(lt_d);
	for (int i = 0; i < 100000 && !__atomic_load_n(&lt_done, __ATOMIC_SEQ_CST); i++)
		go_yield();
	GCHECK_EQ(lt_done, 1);
	GCHECK_EQ(lt_casi, 0);
}

KTEST(chan_free_while_select_parked)
{
	uint64_t live0 = go_chans_live();
	reset_fail();
	lt_parked = lt_done = 0;
	lt_casi = -1;
	lt_c = chan_make(sizeof(int), 0);
	lt_d = chan_make(sizeof(int), 0);
	KTEST_ASSERT(lt_c && lt_d);
	RUN_MAIN(lt_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(go_chans_live(), live0);   /* and both are gone now */
}

/* go_after's channel loses a select to another case and is freed at once;
 * its timer fires later and sends on it: the timer's own reference keeps it
 * alive until then, and it is freed after. */
static volatile int ga_done;
static uint64_t ga_live0;

static void ga_main(void *arg)
{
	(void)arg;
	struct chan *ready = chan_make(sizeof(int), 1), *after = go_after(20000000);
	int one = 1, x = 0;
	uint64_t t = 0;
	GCHECK(ready && after);
	chan_send(ready, &one);
	struct select_case cs[2] = {
		{ .c = after, .dir = SELECT_RECV, .elem = &t },
		{ .c = ready, .dir = SELECT_RECV, .elem = &x },
	};
	/* ready wins at once, unless the host stalled this vCPU for 20 ms:
	 * then both are ready, either may win, and the timer has sent. */
	int won = go_select(cs, 2, false);
	GCHECK(won == 0 || won == 1);
	chan_free(after);                         /* its timer is (almost always) still pending */
	chan_free(ready);
	/* The timer fires, sends on `after` and drops the last reference. */
	struct go_stats st;
	for (int i = 0; i < 1000; i++) {
		go_stats(&st);
		if (st.afters_sent == 1)
			break;
		go_sleep(1000000);
	}
	GCHECK_EQ(st.afters_sent, 1);
	GCHECK_EQ(go_chans_live(), ga_live0);
	ga_done = 1;
}

KTEST(chan_free_pending_go_after)
{
	uint64_t live0 = go_chans_live();
	ga_live0 = live0;
	reset_fail();
	ga_done = 0;
	RUN_MAIN(ga_main);
	ASSERT_NO_GFAIL();
	KTEST_ASSERT_EQ(ga_done, 1);
	KTEST_ASSERT_EQ(go_chans_live(), live0);
}
