/*
 * showcase.c - what `make run` shows: goroutines (M:N, sched/) against
 * heavyweight kernel threads (1:1, kernel/thread.c), measured live on this
 * machine, printed as one table (docs/showcase.md explains every row).
 *
 *   1 memory per task        free physical pages before/after K parked tasks
 *   2 create + destroy       go() + exit vs kthread_create + kthread_join
 *   3 context switch         go_yield on one P vs kthread_yield between two
 *                            threads of two processes on one CPU
 *   4 how many fit in RAM    until GO_ENOMEM / kthread_create == NULL
 *   5 one task blocks        the other tasks of that core keep running?
 *   6 scaling                the same job list on 1 core and on all cores
 *
 * Every number is measured in this run; nothing is typed in. Order of the
 * measurements: the kernel-thread ones first, then the goroutine ones, and
 * the goroutine capacity run last of all: the runtime keeps the memory of
 * dead goroutines on its free lists for reuse, so after it the page
 * allocator is nearly empty.
 *
 * This file runs in kernel context (thread "kmain" and the threads it
 * creates), on 64 KiB and 1 MiB stacks; it is built with -fsplit-stack
 * like every file of showcase/, which costs nothing here (the stack
 * limit of a kernel thread is 0). The goroutine-side code is in
 * showcase_g.c and bench/bench_g.c; the kernel-thread measurements of rows
 * 1-4 are in bench/bench_thread.c (bench_t_*, shared with `make bench`);
 * rows 5 and 6 are measured here.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "showcase/showcase.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/kprintf.h"
#include "kernel/sort.h"
#include "kernel/mm.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "sched/runtime.h"
#include "sched/sched.h"       /* struct g, for the field listing only */
#include "bench/bench.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"

extern struct boot_info boot_info;   /* kernel/main.c */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FAILED UINT64_MAX

/* --- the control blocks, field by field (taken from the real structs) --- */

#define GF(f) SHOWCASE_FIELD(g, f)
static const struct showcase_field g_fields[] = {
	GF(sp), GF(stack_lo), GF(stack_size), GF(status), GF(goid), GF(schedlink),
	GF(alllink), GF(m), GF(param), GF(waiting), GF(selectdone), GF(waitreason),
	GF(preempted), GF(flags), GF(pin), GF(fn), GF(arg), GF(waitsince), GF(fpstate),
};
#define TF(f) SHOWCASE_FIELD(tcb, f)
static const struct showcase_field tcb_fields[] = {
	TF(tid), TF(state), TF(name), TF(proc), TF(sp), TF(fpstate), TF(stack_lo),
	TF(stack_hi), TF(cpu_sched), TF(cpu_g0_sp), TF(cpu_stack_limit), TF(cpu_preempt_off), TF(cpu),
	TF(pinned_cpu), TF(prio), TF(slice_end_tsc), TF(cpu_ns), TF(run_since_tsc),
	TF(switches_voluntary), TF(switches_forced), TF(wake_at_ns), TF(fn), TF(arg),
	TF(exit_status), TF(next), TF(all_next), TF(join_sem), TF(on_cpu), TF(slot),
	TF(alloc_pages), TF(sleep_next), TF(is_idle),
};
#define PF(f) SHOWCASE_FIELD(pcb, f)
static const struct showcase_field pcb_fields[] = {
	PF(pid), PF(state), PF(name), PF(cr3), PF(prio), PF(slice_ns), PF(pages_mapped),
	PF(stack_bytes), PF(cpu_ns), PF(switches_voluntary), PF(switches_forced),
	PF(nthreads), PF(nthreads_alive), PF(io_waits), PF(io_requests), PF(lock), PF(next),
};

const struct showcase_struct showcase_structs[SHOWCASE_NSTRUCTS] = {
	{ "G", "struct g", sizeof(struct g), _Alignof(struct g), g_fields, ARRAY_LEN(g_fields) },
	{ "TCB", "struct tcb", sizeof(struct tcb), _Alignof(struct tcb), tcb_fields,
	  ARRAY_LEN(tcb_fields) },
	{ "PCB", "struct pcb", sizeof(struct pcb), _Alignof(struct pcb), pcb_fields,
	  ARRAY_LEN(pcb_fields) },
};

static size_t align_up(size_t v, size_t a)
{
	return a ? (v + a - 1) / a * a : v;
}

size_t showcase_unlisted_bytes(const struct showcase_struct *s)
{
	uint8_t order[64];
	unsigned n = s->nfields < ARRAY_LEN(order) ? s->nfields : ARRAY_LEN(order);
	for (unsigned i = 0; i < n; i++)
		order[i] = (uint8_t)i;
	for (unsigned i = 1; i < n; i++)  /* by offset */
		for (unsigned j = i; j > 0 && s->fields[order[j - 1]].off > s->fields[order[j]].off; j--) {
			uint8_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	size_t pos = 0, unlisted = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct showcase_field *f = &s->fields[order[i]];
		size_t expect = align_up(pos, f->align);
		if (f->off > expect)
			unlisted += f->off - expect;
		if ((size_t)f->off + f->size > pos)
			pos = (size_t)f->off + f->size;
	}
	size_t end = align_up(pos, s->align);
	if (s->size > end)
		unlisted += s->size - end;
	return unlisted;
}

/* --- formatting --- */

/* "1,234,567" */
static const char *commas(char *buf, size_t size, uint64_t v)
{
	char tmp[32];
	int n = ksnprintf(tmp, sizeof tmp, "%lu", (unsigned long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 1 < size; i++) {
		buf[o++] = tmp[i];
		if ((n - 1 - i) % 3 == 0 && i != n - 1 && o + 1 < size)
			buf[o++] = ',';
	}
	buf[o] = 0;
	return buf;
}

/* A value in thousandths, rounded to an integer. */
static uint64_t milli_round(uint64_t milli)
{
	return (milli + 500) / 1000;
}

/* hi/lo as "474x" or "3.2x"; "-" when either is missing or zero. */
static const char *ratio_str(char *buf, size_t size, uint64_t hi, uint64_t lo)
{
	if (!hi || !lo || hi == FAILED || lo == FAILED) {
		ksnprintf(buf, size, "-");
		return buf;
	}
	uint64_t r10 = (uint64_t)((unsigned __int128)hi * 10 / lo);
	if (r10 >= 100) {
		char c[32];
		ksnprintf(buf, size, "%sx", commas(c, sizeof c, (r10 + 5) / 10));
	} else {
		ksnprintf(buf, size, "%lu.%lux", (unsigned long)(r10 / 10), (unsigned long)(r10 % 10));
	}
	return buf;
}

/* --- run parameters --- */

static void hypervisor(char sig[13], const char **what)
{
	*what = "bare metal (no hypervisor bit)";
	if (!cpu_hypervisor_signature(sig))
		return;
	static const struct { const char *sig, *what; } known[] = {
		{ "TCGTCGTCGTCG", "QEMU TCG, emulated: slow, vCPUs share host cores" },
		{ "KVMKVMKVM", "KVM" },
		{ "Microsoft Hv", "Hyper-V" },
		{ "VMwareVMware", "VMware" },
		{ "VBoxVBoxVBox", "VirtualBox" },
		{ "XenVMMXenVMM", "Xen" },
		{ "bhyve bhyve ", "bhyve" },
	};
	*what = "a hypervisor";
	for (size_t i = 0; i < ARRAY_LEN(known); i++)
		if (!strncmp(sig, known[i].sig, 12))
			*what = known[i].what;
}

/* A go_main with n Ps on CPUs 0..n-1: the runtime sizes itself from the
 * CPUs online (sched/proc.c runtime_reset, sched/bridge.c ms_start), so
 * for one go_main the showcase shows it only the first n (gomaxprocs= on
 * the command line would fix it for the whole boot). */
/* Run the next go_main runs with n Ps (the runtime's own knob). */
static unsigned procs_limit(unsigned n)
{
	go_set_maxprocs(n);
	return 0;
}

static void procs_restore(unsigned unused)
{
	(void)unused;
	go_set_maxprocs(0);
}

/* --- measuring (kernel context) --- */

struct val {
	uint64_t v;                 /* FAILED: not measured */
	const char *why;            /* why not */
};

static struct val v_none(const char *why)
{
	return (struct val){ FAILED, why };
}

static struct val v_ok(uint64_t v)
{
	return (struct val){ v, NULL };
}

/* Rows 1-4, kernel-thread side: bench/bench_thread.c (bench_t_*, shared
 * with `make bench`, system spindle-thread). */

#define MEM_THREADS BENCH_T_MEM_THREADS
#define CREATE_BATCH BENCH_T_CREATE_BATCH

static uint64_t cap_ms;
static uint64_t sw_cr3_milli;    /* CR3 loads per switch, thousandths */

static struct val v_timed(const char *why, const struct bench_samples *s)
{
	return why ? v_none(why) : v_ok(bench_median(s));
}

/* Row 1: bytes per parked thread in the kernel process (*t) and per parked
 * thread with a process of its own (*tp). */
static void t_mem(struct val *t, struct val *tp)
{
	uint64_t b = 0, bp = 0;
	const char *why_p = NULL;
	const char *why = bench_t_mem(MEM_THREADS, &b, &why_p, &bp);
	*t = why ? v_none(why) : v_ok(b);
	*tp = why_p ? v_none(why_p) : v_ok(bp);
}

/* Row 4: threads until kthread_create returns NULL. */
static struct val t_capacity(void)
{
	uint64_t n = 0;
	const char *why = bench_t_max_tasks(&n, &cap_ms, NULL);
	return why ? v_none(why) : v_ok(n);
}

/* Row 2: kthread_create + kthread_join, batches of CREATE_BATCH. */
static struct val t_create(void)
{
	struct bench_samples s;
	const char *why = bench_t_spawn_exit(&s, NULL);
	return v_timed(why, &s);
}

/* Row 3: two threads of two processes, pinned to one CPU, yielding to
 * each other: every yield is a switch with XSAVE/XRSTOR and a CR3 load. */
static struct val t_switch(unsigned cpu)
{
	struct bench_samples s;
	const char *why = bench_t_switch(cpu, true, &s, NULL, &sw_cr3_milli);
	return v_timed(why, &s);
}

/* Row 5: one thread blocks on a ksem (a simulated device request) while
 * another thread on the same CPU counts its turns. */

static volatile uint64_t tb_turns;
static volatile int tb_done;
static uint64_t tb_before, tb_after, tb_ns, tb_want_ns;

static void t_blocker(void *arg)
{
	(void)arg;
	tb_before = tb_turns;
	uint64_t t0 = time_ns();
	kthread_device_wait(tb_want_ns);
	tb_ns = time_ns() - t0;
	tb_after = tb_turns;
	__atomic_store_n(&tb_done, 1, __ATOMIC_RELEASE);
}

static void t_counter(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&tb_done, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&tb_turns, 1, __ATOMIC_RELAXED);
		kthread_yield();
	}
}

static struct val t_blocked(unsigned cpu, uint64_t block_ns, uint64_t *blocked_ns)
{
	tb_turns = 0;
	tb_done = 0;
	tb_want_ns = block_ns;
	struct tcb *c = kthread_create(NULL, "sc-count", t_counter, NULL, KTHREAD_PRIO_DEFAULT, (int)cpu);
	struct tcb *b = c ? kthread_create(NULL, "sc-block", t_blocker, NULL, KTHREAD_PRIO_DEFAULT,
					   (int)cpu) : NULL;
	if (b)
		kthread_join(b);
	__atomic_store_n(&tb_done, 1, __ATOMIC_RELEASE);
	if (c)
		kthread_join(c);
	if (!b || !c)
		return v_none("kthread_create failed");
	*blocked_ns = tb_ns;
	return v_ok(tb_after - tb_before);
}

/* Row 6: the job list over k threads pinned one per CPU. */

static volatile uint64_t ts_next, ts_jobs;
static uint64_t ts_sink;

static void t_worker(void *arg)
{
	(void)arg;
	uint64_t acc = 0, i;
	while ((i = __atomic_fetch_add(&ts_next, 1, __ATOMIC_RELAXED)) < ts_jobs)
		acc += showcase_job(i);
	__atomic_fetch_add(&ts_sink, acc, __ATOMIC_RELAXED);
}

static uint64_t t_scale(unsigned k, uint64_t jobs)
{
	struct tcb *w[MAX_CPUS];
	ts_next = 0;
	ts_jobs = jobs;
	uint64_t t0 = time_ns();
	unsigned n = 0;
	for (; n < k; n++)
		if (!(w[n] = kthread_create(NULL, "sc-work", t_worker, NULL, KTHREAD_PRIO_DEFAULT, (int)n)))
			break;
	for (unsigned i = 0; i < n; i++)
		kthread_join(w[i]);
	uint64_t ns = time_ns() - t0;
	return n == k ? ns : FAILED;
}

/* --- the run --- */

#define BLOCK_NS 50000000ULL      /* the blocking call of row 5: 50 ms */
#define SCALE_TARGET_NS 100000000ULL  /* the job list takes about this on one core */
#define SCALE_SAMPLES 3                 /* runs per CPU count, the median kept */

static struct {
	unsigned ncpu;
	uint64_t ram_mib, tsc_mhz;
	char hv_sig[13];
	const char *hv_what;
	/* row 1 */
	struct val g_mem, t_mem, tp_mem;
	uint64_t g_mem_tasks;
	/* row 2, 3: thousandths of ns */
	struct val g_create, t_create, g_switch, t_switch;
	/* row 4 */
	struct val g_max, t_max;
	uint64_t g_max_ms, t_max_ms;
	/* row 5 */
	struct val g_blk, t_blk;
	uint64_t g_blk_ns, t_blk_ns, g_handoffs;
	/* row 6: per k, the median of SCALE_SAMPLES runs and their spread */
	uint64_t jobs;
	uint64_t g_scale_ns[MAX_CPUS + 1], t_scale_ns[MAX_CPUS + 1];
	uint32_t g_scale_spread, t_scale_spread;   /* largest (max-min)/median, per mille */
	struct val g_speedup, t_speedup;  /* thousandths */
	uint64_t total_ms;
} R;

static void step(const char *what)
{
	kprintf("showcase: %s\n", what);
}

/* The median of SCALE_SAMPLES runs (FAILED if any failed); the largest
 * (max - min) / median seen so far, per mille, in *spread. */
static uint64_t scale_median(uint64_t *ns, uint32_t *spread)
{
	sort_u64(ns, SCALE_SAMPLES);
	if (ns[SCALE_SAMPLES - 1] == FAILED || ns[SCALE_SAMPLES / 2] == 0)
		return FAILED;
	uint64_t med = ns[SCALE_SAMPLES / 2];
	uint32_t pm = (uint32_t)((ns[SCALE_SAMPLES - 1] - ns[0]) * 1000 / med);
	if (pm > *spread)
		*spread = pm;
	return med;
}

static void measure_threads(void)
{
	step("kernel threads: memory per thread (32 parked threads, then 32 with a process each)");
	t_mem(&R.t_mem, &R.tp_mem);
	step("kernel threads: creating threads until kthread_create refuses");
	R.t_max = t_capacity();
	R.t_max_ms = cap_ms;
	step("kernel threads: create + join");
	R.t_create = t_create();
	unsigned cpu = R.ncpu > 1 ? 1 : 0;
	step("kernel threads: switch between two processes on one CPU");
	R.t_switch = t_switch(cpu);
	step("kernel threads: one blocks for 50 ms, another on its CPU counts");
	R.t_blk = t_blocked(cpu, BLOCK_NS, &R.t_blk_ns);
	step("kernel threads: the job list on 1.. CPUs");
	t_scale(1, R.jobs);               /* warm-up: the first run pays for cold code */
	for (unsigned k = 1; k <= R.ncpu; k++) {
		uint64_t ns[SCALE_SAMPLES];
		for (int i = 0; i < SCALE_SAMPLES; i++)
			ns[i] = t_scale(k, R.jobs);
		R.t_scale_ns[k] = scale_median(ns, &R.t_scale_spread);
	}
}

/* The job list on k Ps once: its time, or FAILED. */
static uint64_t g_scale(unsigned k)
{
	uint64_t ns;
	unsigned procs;
	unsigned real = procs_limit(k);
	const char *why = showcase_g_scale(R.jobs, &ns, &procs);
	procs_restore(real);
	return why || procs != k ? FAILED : ns;
}

static void measure_goroutines(void)
{
	uint64_t v, w;
	const char *why;
	step("goroutines: go() + exit");
	why = bench_g_spawn_exit(&v);
	R.g_create = why ? v_none(why) : v_ok(v);
	step("goroutines: yield switch on one P");
	unsigned real = procs_limit(1);
	why = bench_g_switch(&v);
	procs_restore(real);
	R.g_switch = why ? v_none(why) : v_ok(v);
	step("goroutines: one blocks for 50 ms in go_kernel_call, another on its P counts");
	real = procs_limit(1);
	why = showcase_g_blocked(BLOCK_NS, &v, &R.g_blk_ns, &R.g_handoffs);
	procs_restore(real);
	R.g_blk = why ? v_none(why) : v_ok(v);
	step("goroutines: the job list on 1.. Ps");
	g_scale(1);                       /* warm-up: the first run pays for cold code */
	for (unsigned k = 1; k <= R.ncpu; k++) {
		uint64_t ns[SCALE_SAMPLES];
		for (int i = 0; i < SCALE_SAMPLES; i++)
			ns[i] = g_scale(k);
		R.g_scale_ns[k] = scale_median(ns, &R.g_scale_spread);
	}
	step("goroutines: memory per parked goroutine");
	why = bench_g_bytes_per_task(&v, &w);
	R.g_mem = why ? v_none(why) : v_ok(v / w);
	R.g_mem_tasks = why ? 0 : w;
	step("goroutines: parked goroutines until go() says GO_ENOMEM (last: the memory stays)");
	why = bench_g_max_tasks(&v, &R.g_max_ms);
	R.g_max = why ? v_none(why) : v_ok(v);
}

static uint64_t calibrate_jobs(void)
{
	uint64_t sink = 0, n = 16, t;
	for (;;) {
		uint64_t t0 = time_ns();
		for (uint64_t i = 0; i < n; i++)
			sink += showcase_job(i);
		t = time_ns() - t0;
		if (t >= 10000000 || n >= (1u << 20))
			break;
		n *= 2;
	}
	__atomic_fetch_add(&ts_sink, sink, __ATOMIC_RELAXED);
	uint64_t jobs = t ? (uint64_t)((unsigned __int128)SCALE_TARGET_NS * n / t) : n;
	uint64_t min = 64 * (uint64_t)R.ncpu;
	return jobs < min ? min : jobs;
}

/* Speedup from 1 to all CPUs, from the medians. Above the CPU count it is
 * a measurement error (on one host core the first run can be slower for
 * reasons that have nothing to do with the scheduler), not a result. */
static struct val speedup(const uint64_t *ns)
{
	if (ns[1] == FAILED || ns[R.ncpu] == FAILED || !ns[R.ncpu])
		return v_none("a run failed");
	uint64_t s = ns[1] * 1000 / ns[R.ncpu];
	if (s > (uint64_t)R.ncpu * 1050)
		return v_none("measured above the CPU count: a measurement error, not shown");
	return v_ok(s);
}

/* --- printing --- */

/* The table's width in columns: a 1024-pixel-wide screen with an 8-pixel
 * font has 128. On the screen the table starts on a fresh page and is at
 * most SHOWCASE_ROWS lines, the exit line included, so a 1280x800 screen
 * (50 rows of 16 pixels) shows all of it (tests/boot.sh checks this). */
#define SHOWCASE_WIDTH 112
#define SHOWCASE_ROWS  50
#define RULE "=================================================================================" \
	     "==============================="

static const char *cell(char *buf, size_t size, struct val v, const char *unit, bool milli)
{
	if (v.v == FAILED) {
		ksnprintf(buf, size, "n/a");
		return buf;
	}
	char c[32];
	commas(c, sizeof c, milli ? milli_round(v.v) : v.v);
	ksnprintf(buf, size, "%s%s%s", c, unit[0] ? " " : "", unit);
	return buf;
}

/* The notes under a row form one paragraph, wrapped at SHOWCASE_WIDTH when
 * the next row (or the end of the table) comes. */
static char para[768];
static size_t para_len;

static void print_wrapped(const char *indent, const char *text)
{
	size_t ind = strlen(indent), width = SHOWCASE_WIDTH - ind;
	while (*text) {
		size_t n = strlen(text), cut = n;
		if (n > width) {
			cut = width;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = width;
		}
		kprintf("%s%.*s\n", indent, (int)cut, text);
		text += cut;
		while (*text == ' ')
			text++;
	}
}

static void para_end(void)
{
	if (para_len)
		print_wrapped("     ", para);
	para_len = 0;
	para[0] = 0;
}

static void row(const char *label, const char *g, const char *t, const char *ratio)
{
	para_end();
	kprintf(" %-31s %18s %18s %12s\n", label, g, t, ratio);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	if (para_len && para_len + 1 < sizeof para)
		para[para_len++] = ' ';
	va_start(ap, fmt);
	int n = kvsnprintf(para + para_len, sizeof para - para_len, fmt, ap);
	va_end(ap);
	para_len += (size_t)n < sizeof para - para_len ? (size_t)n : sizeof para - para_len - 1;
}

static void why_note(const char *who, struct val v)
{
	if (v.v == FAILED && v.why)
		note("(%s: not available: %s)", who, v.why);
}

/* A speedup in thousandths as "1.93" + suffix; none (na) when not measured. */
static const char *speedup_fmt(char *buf, size_t size, struct val v, const char *suffix,
			       const char *none)
{
	if (v.v == FAILED)
		ksnprintf(buf, size, "%s", none);
	else
		ksnprintf(buf, size, "%lu.%02lu%s", (unsigned long)(v.v / 1000),
			  (unsigned long)(v.v % 1000 / 10), suffix);
	return buf;
}

/* "1.93x" for the table, "n/a" when not measured. */
static const char *speedup_str(char *buf, size_t size, struct val v)
{
	return speedup_fmt(buf, size, v, "x", "n/a");
}

/* "1.93" for the SHOWCASE line, "na" when not measured. */
static const char *speedup_num(char *buf, size_t size, struct val v)
{
	return speedup_fmt(buf, size, v, "", "na");
}

static void print_fields(const struct showcase_struct *s, const char *extra)
{
	char list[640];
	size_t o = 0;
	kprintf("  %s, %s (%lu bytes)%s:\n", s->label, s->ctype, (unsigned long)s->size, extra);
	list[0] = 0;
	for (unsigned i = 0; i < s->nfields && o < sizeof list; i++)
		o += (size_t)ksnprintf(list + o, sizeof list - o, "%s%s %u%s", i ? " " : "",
				       s->fields[i].name, s->fields[i].size,
				       i + 1 < s->nfields ? "," : "");
	size_t un = showcase_unlisted_bytes(s);
	if (un && o < sizeof list)
		ksnprintf(list + o, sizeof list - o, " (and %lu bytes of fields not in this list)",
			  (unsigned long)un);
	print_wrapped("    ", list);
}

static void machine_line(const char *key, struct val g, struct val t, const char *unit,
			 bool milli)
{
	char a[32], b[32];
	if (g.v == FAILED)
		ksnprintf(a, sizeof a, "na");
	else
		ksnprintf(a, sizeof a, "%lu", (unsigned long)(milli ? milli_round(g.v) : g.v));
	if (t.v == FAILED)
		ksnprintf(b, sizeof b, "na");
	else
		ksnprintf(b, sizeof b, "%lu", (unsigned long)(milli ? milli_round(t.v) : t.v));
	kprintf_to(CONSOLE_SERIAL, "SHOWCASE %s %s %s %s\n", key, a, b, unit);
}

/* For the log: the same numbers as the table, one line each, on serial only
 * (tests/boot.sh and bench/ read them; a person at the screen need not). */
static void print_machine_lines(void)
{
	char g[40], t[40];
	kprintf_to(CONSOLE_SERIAL, "SHOWCASEINFO cpus %u\n", R.ncpu);
	kprintf_to(CONSOLE_SERIAL, "SHOWCASEINFO ram_mib %lu\n", (unsigned long)R.ram_mib);
	kprintf_to(CONSOLE_SERIAL, "SHOWCASEINFO hypervisor %s\n", R.hv_sig);
	kprintf_to(CONSOLE_SERIAL, "SHOWCASEINFO tsc_mhz %lu\n", (unsigned long)R.tsc_mhz);
	machine_line("mem_bytes", R.g_mem, R.t_mem, "bytes", false);
	machine_line("mem_bytes_with_process", R.g_mem, R.tp_mem, "bytes", false);
	machine_line("create_ns", R.g_create, R.t_create, "ns", true);
	machine_line("switch_ns", R.g_switch, R.t_switch, "ns", true);
	machine_line("max_tasks", R.g_max, R.t_max, "tasks", false);
	machine_line("blocked_others_ran", R.g_blk, R.t_blk, "runs", false);
	kprintf_to(CONSOLE_SERIAL, "SHOWCASE scale_speedup %s %s x\n",
		   speedup_num(g, sizeof g, R.g_speedup), speedup_num(t, sizeof t, R.t_speedup));
}

/* What a task is made of: the top of the table. */
static void print_structs(void)
{
	char extra[96];
	size_t fp = fpstate_size();
	kprintf("%s\n", RULE);
	kprintf(" What each task is made of (sizeof and fields, from the structs themselves):\n");
	ksnprintf(extra, sizeof extra, " + %u-byte stack, no guard page (split-stack checks)",
		  (unsigned)(go_bytes_per_goroutine() - align_up(sizeof(struct g), 64)));
	print_fields(&showcase_structs[0], extra);
	ksnprintf(extra, sizeof extra, " + join ksem %lu + XSAVE %lu B; 1 MiB stack + guard page",
		  (unsigned long)sizeof(struct ksem), (unsigned long)fp);
	print_fields(&showcase_structs[1], extra);
	print_fields(&showcase_structs[2], " in its own page + a page-table root (CR3)");
}

static void print_title(void)
{
	char c1[32], line[160];
	kprintf("%s\n", RULE);
	kprintf(" Spindle showcase: goroutines (M:N, sched/) vs kernel threads (1:1, kernel/thread.c)\n");
	ksnprintf(line, sizeof line, "%u CPUs, %s MiB, TSC %lu MHz, hypervisor %s (%s)", R.ncpu,
		  commas(c1, sizeof c1, R.ram_mib), (unsigned long)R.tsc_mhz, R.hv_sig, R.hv_what);
	print_wrapped(" ", line);
	kprintf(" %s boot; every number below was measured during this run (%lu s)\n",
		boot_info.boot_path == BOOT_PATH_PVH ? "PVH" : "UEFI",
		(unsigned long)(R.total_ms / 1000));
	kprintf("%s\n", RULE);
	row("", "goroutine", "kernel thread", "ratio");
}

static void print_memory_rows(void)
{
	char g[40], t[40], r[40], c1[32], c2[32];
	row("1 memory per task", cell(g, sizeof g, R.g_mem, "B", false),
	    cell(t, sizeof t, R.t_mem, "B", false), ratio_str(r, sizeof r, R.t_mem.v, R.g_mem.v));
	row("  + a process per thread", "-", cell(t, sizeof t, R.tp_mem, "B", false),
	    ratio_str(r, sizeof r, R.tp_mem.v, R.g_mem.v));
	note("free pages before/after: %s parked goroutines (computed: G %lu B + %u B stack);",
	     commas(c1, sizeof c1, R.g_mem_tasks), (unsigned long)sizeof(struct g),
	     (unsigned)(go_bytes_per_goroutine() - align_up(sizeof(struct g), 64)));
	note("%d threads on a ksem (computed: %s B = 1 MiB stack + %u B unmapped guard + %lu pg",
	     MEM_THREADS, commas(c2, sizeof c2, kthread_bytes_per_thread()), KTHREAD_GUARD_SIZE,
	     (unsigned long)((kthread_bytes_per_thread() - KTHREAD_STACK_SIZE - KTHREAD_GUARD_SIZE) /
			     PAGE_SIZE));
	note("for TCB, join ksem, %lu-B XSAVE area; measured: + the page table of the stack slot);",
	     (unsigned long)fpstate_size());
	note("a process adds its PCB page and its page-table root (CR3)");
	why_note("goroutine", R.g_mem);
	why_note("thread", R.t_mem);
}

static void print_speed_rows(void)
{
	char g[40], t[40], r[40];
	row("2 create + destroy", cell(g, sizeof g, R.g_create, "ns", true),
	    cell(t, sizeof t, R.t_create, "ns", true),
	    ratio_str(r, sizeof r, R.t_create.v, R.g_create.v));
	note("go() of a goroutine that returns, batches of 500, all Ps; kthread_create + kthread_join,");
	note("batches of %d, all CPUs (maps and unmaps 256 stack pages, zeroes the TCB block)",
	     CREATE_BATCH);
	why_note("goroutine", R.g_create);
	why_note("thread", R.t_create);

	row("3 context switch", cell(g, sizeof g, R.g_switch, "ns", true),
	    cell(t, sizeof t, R.t_switch, "ns", true),
	    ratio_str(r, sizeof r, R.t_switch.v, R.g_switch.v));
	note("go_yield between 2 goroutines on one P: 6 callee-saved registers + sp, no FPU, no CR3;");
	note("kthread_yield between 2 threads of 2 processes on one CPU: XSAVE+XRSTOR of %lu B and",
	     (unsigned long)fpstate_size());
	note("a CR3 load on every switch (measured: %lu.%02lu CR3 loads per switch)",
	     (unsigned long)(sw_cr3_milli / 1000), (unsigned long)(sw_cr3_milli % 1000 / 10));
	why_note("goroutine", R.g_switch);
	why_note("thread", R.t_switch);
}

static void print_capacity_rows(void)
{
	char g[40], t[40], r[40], c1[32], c2[32];
	row("4 how many fit in RAM", cell(g, sizeof g, R.g_max, "", false),
	    cell(t, sizeof t, R.t_max, "", false), ratio_str(r, sizeof r, R.g_max.v, R.t_max.v));
	note("parked tasks created until go() returned GO_ENOMEM (%s ms) / kthread_create returned",
	     commas(c1, sizeof c1, R.g_max_ms));
	note("NULL (%s ms), in %s MiB; no crash: threads joined, goroutine memory kept for reuse",
	     commas(c2, sizeof c2, R.t_max_ms), commas(c1, sizeof c1, R.ram_mib));
	why_note("goroutine", R.g_max);
	why_note("thread", R.t_max);

	row("5 others ran while one blocked", cell(g, sizeof g, R.g_blk, "times", false),
	    cell(t, sizeof t, R.t_blk, "times", false), "-");
	note("one task blocks ~%lu ms in kthread_device_wait (a ksem the timer's simulated device",
	     (unsigned long)(BLOCK_NS / 1000000));
	note("posts), another task of the same core counts its turns (yield each turn). Goroutine:");
	note("go_kernel_call, 1 P, blocked %lu ms: the P went to a spare M (%lu handoff). Thread:",
	     (unsigned long)(R.g_blk_ns / 1000000), (unsigned long)R.g_handoffs);
	note("2 threads pinned to CPU %u, blocked %lu ms: the CPU ran the other thread",
	     R.ncpu > 1 ? 1 : 0, (unsigned long)(R.t_blk_ns / 1000000));
	why_note("goroutine", R.g_blk);
	why_note("thread", R.t_blk);
}

/* "goroutines 93 42 41 42": the ms of each k = 1..ncpu, after who. */
static void scale_times(char *buf, size_t size, const char *who, const uint64_t *ns)
{
	size_t o = (size_t)ksnprintf(buf, size, "%s", who);
	for (unsigned k = 1; k <= R.ncpu && o + 12 < size; k++)
		o += ns[k] == FAILED ? (size_t)ksnprintf(buf + o, size - o, " n/a")
				     : (size_t)ksnprintf(buf + o, size - o, " %lu",
							 (unsigned long)(ns[k] / 1000000));
}

static void print_scaling_row(void)
{
	char g[40], t[40], c1[32], c2[32], gl[64], tl[64];
	ksnprintf(c1, sizeof c1, "6 speedup, 1 -> %u CPUs", R.ncpu);
	row(c1, speedup_str(g, sizeof g, R.g_speedup), speedup_str(t, sizeof t, R.t_speedup), "-");
	note("%s jobs (each a fixed computation) taken from a shared counter by one worker per",
	     commas(c2, sizeof c2, R.jobs));
	note("core: worker goroutines with GOMAXPROCS=k / worker threads pinned to CPUs 0..k-1.");
	if (R.ncpu == 1)
		note("(One CPU in this run: nothing to scale; boot with more CPUs to see it.)");
	scale_times(gl, sizeof gl, "goroutines", R.g_scale_ns);
	scale_times(tl, sizeof tl, "threads", R.t_scale_ns);
	note("Milliseconds for k=1..%u, median of %d after a warm-up: %s; %s (spread up to %u%%).",
	     R.ncpu, SCALE_SAMPLES, gl, tl,
	     (unsigned)((R.g_scale_spread > R.t_scale_spread ? R.g_scale_spread : R.t_scale_spread) + 5) / 10);
	if (!strncmp(R.hv_sig, "TCGTCGTCGTCG", 12))
		note("(TCG: each vCPU is a host thread, so this shows free host cores, not how the runtime scales.)");
	why_note("goroutine", R.g_speedup);
	why_note("thread", R.t_speedup);
	para_end();
}

#define SUMMARY_START 19   /* strlen("summary: goroutines") */

/* One part of the summary, left out when a value is missing. */
static void summary_part(char *line, size_t size, size_t *o, uint64_t hi, uint64_t lo,
			 const char *fmt)
{
	char r[16];
	if (!hi || !lo || hi == FAILED || lo == FAILED || *o >= size)
		return;
	ratio_str(r, sizeof r, hi, lo);
	*o += (size_t)ksnprintf(line + *o, size - *o, fmt, *o > SUMMARY_START ? ", " : " ", r);
}

static void print_summary(void)
{
	char line[160] = "summary: goroutines";
	size_t o = SUMMARY_START;
	summary_part(line, sizeof line, &o, R.t_mem.v, R.g_mem.v, "%suse %s less memory");
	summary_part(line, sizeof line, &o, R.t_create.v, R.g_create.v, "%screate %s faster");
	summary_part(line, sizeof line, &o, R.t_switch.v, R.g_switch.v, "%sswitch %s faster");
	summary_part(line, sizeof line, &o, R.g_max.v, R.t_max.v, "%sfit %s more");
	kprintf("%s\n", RULE);
	kprintf("%s\n", o > SUMMARY_START ? line : "summary: nothing could be measured (see the rows above)");
}

/* The machine lines first (serial only), then the table on a fresh page of
 * every screen, so that the whole of it is what stays there. */
static void print_table(void)
{
	print_machine_lines();
	kprintf_to(CONSOLE_SERIAL, "\n");
	console_new_page();
	print_structs();
	print_title();
	print_memory_rows();
	print_speed_rows();
	print_capacity_rows();
	print_scaling_row();
	print_summary();
}

void showcase_run(void)
{
	const char *on = cmdline_str("showcase");
	if (on && !strcmp(on, "no")) {
		kprintf("showcase: skipped (showcase=no)\n");
		return;
	}
	uint64_t t0 = time_ns();
	R.ncpu = ncpus_online;
	R.ram_mib = (uint64_t)pmm_total_pages() * PAGE_SIZE >> 20;
	R.tsc_mhz = tsc_hz / 1000000;
	hypervisor(R.hv_sig, &R.hv_what);
	kprintf("showcase: goroutines vs kernel threads on %u CPUs, %lu MiB, hypervisor %s\n",
		R.ncpu, (unsigned long)R.ram_mib, R.hv_sig);
	R.jobs = calibrate_jobs();
	measure_threads();
	measure_goroutines();
	R.g_speedup = speedup(R.g_scale_ns);
	R.t_speedup = speedup(R.t_scale_ns);
	R.total_ms = (time_ns() - t0) / 1000000;
	print_table();
}
