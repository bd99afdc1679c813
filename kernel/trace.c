/*
 * trace.c - the event trace's rings and their dump (kernel/trace.h says who
 * may call what; docs/trace.md describes the events and the format).
 *
 * One ring per CPU, written only by its CPU with interrupts off, so it
 * needs no lock: head counts every record ever written, the record goes to
 * head % nrec, and whatever head - nrec exceeds is lost (overwritten).
 * trace_dump reads the rings after the other CPUs have stopped.
 *
 * The dump is text, one record per line, on COM2:
 *   SPINDLE-TRACE 1 tsc_hz=H cpus=N procs=N buf_kib=K
 *   E cpu tsc event p=P g=G key=value ...
 *   N g GID NAME        a goroutine's entry function (after its go.create)
 *   N t TID NAME        a kernel thread's name (after its kt.create)
 *   L cpu LOST          records of that CPU's ring that were overwritten
 *   END events=N lost=N
 */
#include <stdbool.h>
#include <string.h>
#include "kernel/trace.h"
#include "kernel/cmdline.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"

#define TRACE_DEFAULT_KIB 256   /* trace=1 */
#define TRACE_MIN_KIB     4

struct trace_ring {
	uint64_t head;            /* records ever written on this CPU */
	uint64_t nrec;            /* capacity */
	struct trace_rec rec[];
};

static struct trace_ring *rings[MAX_CPUS];
static unsigned trace_kib;
static bool trace_on;

/* How each event prints: its name, what g means, and its a and b fields
 * (NULL: not printed; kinds: 'd' decimal, 's' a string, 'f' a function,
 * 'n' the name packed in a and b). */
struct ev_format {
	const char *name;
	const char *g_key;        /* "g", "tid" or NULL */
	const char *a_key, *b_key;
	char a_kind, b_kind;
};

static const struct ev_format formats[TR_NEVENTS] = {
	[TR_GO_CREATE] = { "go.create", "g", "parent", "fn", 'd', 'f' },
	[TR_GO_START] = { "go.start", "g", NULL, NULL, 0, 0 },
	[TR_GO_PARK] = { "go.park", "g", "reason", NULL, 's', 0 },
	[TR_GO_READY] = { "go.ready", "g", "by", "to", 'd', 's' },
	[TR_GO_YIELD] = { "go.yield", "g", NULL, NULL, 0, 0 },
	[TR_GO_PREEMPT] = { "go.preempt", "g", NULL, NULL, 0, 0 },
	[TR_GO_EXIT] = { "go.exit", "g", NULL, NULL, 0, 0 },
	[TR_GO_PANIC] = { "go.panic", "g", NULL, NULL, 0, 0 },
	[TR_GO_STEAL] = { "go.steal", NULL, "victim", "n", 'd', 'd' },
	[TR_P_IDLE] = { "p.idle", NULL, NULL, NULL, 0, 0 },
	[TR_M_HALT] = { "m.halt", NULL, NULL, NULL, 0, 0 },
	[TR_M_WAKE] = { "m.wake", NULL, "by", NULL, 's', 0 },
	[TR_M_HANDOFF] = { "m.handoff", "g", NULL, NULL, 0, 0 },
	[TR_GO_KENTER] = { "go.kenter", "g", NULL, NULL, 0, 0 },
	[TR_GO_KLEAVE] = { "go.kleave", "g", NULL, NULL, 0, 0 },
	[TR_TIMER_FIRE] = { "timer.fire", "g", "fn", NULL, 'f', 0 },
	[TR_KT_CREATE] = { "kt.create", "tid", NULL, NULL, 'n', 0 },
	[TR_KT_IN] = { "kt.in", "tid", NULL, NULL, 0, 0 },
	[TR_KT_OUT] = { "kt.out", "tid", NULL, NULL, 0, 0 },
	[TR_KT_BLOCK] = { "kt.block", "tid", NULL, NULL, 0, 0 },
	[TR_KT_WAKE] = { "kt.wake", "tid", "by", NULL, 'd', 0 },
};

void trace_record(unsigned ev, unsigned p, uint64_t g, uint64_t a, uint64_t b)
{
	bool on = irq_save();
	struct trace_ring *r = this_cpu()->trace;
	if (r) {
		struct trace_rec *x = &r->rec[r->head % r->nrec];
		r->head++;
		x->tsc = rdtsc();
		x->ev = (uint16_t)ev;
		x->p = (uint16_t)p;
		x->g = (uint32_t)g;
		x->a = a;
		x->b = b;
	}
	irq_restore(on);
}

void trace_init(void)
{
	long v = cmdline_num("trace");
	if (v <= 0)
		return;
	trace_kib = v == 1 ? TRACE_DEFAULT_KIB : (unsigned)v;
	if (trace_kib < TRACE_MIN_KIB)
		trace_kib = TRACE_MIN_KIB;
	trace_kib = (trace_kib + PAGE_SIZE / 1024 - 1) / (PAGE_SIZE / 1024) * (PAGE_SIZE / 1024);  /* whole pages */
	if (!serial2_init()) {
		kprintf("trace: no second serial port (COM2 at 0x2f8): tracing is off; under QEMU "
			"add a second -serial (make trace does: -serial file:build/trace/trace.txt)\n");
		return;
	}
	size_t pages = (size_t)trace_kib * 1024 / PAGE_SIZE;
	for (unsigned c = 0; c < ncpus_online; c++) {
		uint64_t phys = pmm_alloc(pages);
		if (!phys) {
			kprintf("trace: out of memory for %u KiB rings on %u CPUs: tracing is off "
				"(a smaller trace=KIB, or more -m)\n", trace_kib, ncpus_online);
			while (c-- > 0)
				pmm_free(virt_to_phys(rings[c]), pages);
			return;
		}
		rings[c] = phys_to_virt(phys);
		rings[c]->head = 0;
		rings[c]->nrec = (pages * PAGE_SIZE - sizeof(struct trace_ring)) / sizeof(struct trace_rec);
	}
	for (unsigned c = 0; c < ncpus_online; c++)
		__atomic_store_n(&cpus[c].trace, rings[c], __ATOMIC_RELEASE);
	trace_on = true;
	kprintf("trace: on, %u KiB (%lu events) per CPU on %u CPUs; written to COM2 at the end\n",
		trace_kib, (unsigned long)rings[0]->nrec, ncpus_online);
}

/* --- the dump --- */

static void out(const char *s)
{
	serial2_write(s, strlen(s));
}

/* A string field as one word: spaces become '-', parentheses go. */
static void put_word(char *buf, size_t size, const char *s)
{
	size_t n = 0;
	for (; s && *s && n + 1 < size; s++)
		if (*s != '(' && *s != ')')
			buf[n++] = *s == ' ' ? '-' : *s;
	buf[n] = 0;
}

static void put_field(char *line, size_t size, const char *key, char kind, uint64_t v)
{
	char w[64];
	size_t len = strlen(line);
	uint64_t off;
	switch (kind) {
	case 'd':
		ksnprintf(line + len, size - len, " %s=%lu", key, (unsigned long)v);
		break;
	case 's':
		put_word(w, sizeof w, (const char *)v);
		ksnprintf(line + len, size - len, " %s=%s", key, w[0] ? w : "-");
		break;
	case 'f': {
		const char *sym = ksym_lookup(v, &off);
		ksnprintf(line + len, size - len, " %s=%s", key, sym ? sym : "?");
		break;
	}
	}
}

/* The name packed in a kt.create record's a and b. */
static void packed_name(const struct trace_rec *x, char *buf)
{
	memcpy(buf, &x->a, 8);
	memcpy(buf + 8, &x->b, 8);
	buf[16] = 0;
	put_word(buf, 17, buf);
}

static void dump_rec(unsigned cpu, const struct trace_rec *x)
{
	char line[160], name[17];
	const struct ev_format *f = x->ev < TR_NEVENTS ? &formats[x->ev] : NULL;
	if (!f || !f->name)
		return;
	ksnprintf(line, sizeof line, "E %u %lu %s", cpu, (unsigned long)x->tsc, f->name);
	if (x->ev == TR_KT_CREATE && x->p != TRACE_NO_P)
		put_field(line, sizeof line, "cpu", 'd', x->p);   /* pinned there */
	else if (x->p != TRACE_NO_P && x->ev < TR_KT_CREATE)
		put_field(line, sizeof line, "p", 'd', x->p);     /* kt.*: the line's cpu */
	if (f->g_key)
		put_field(line, sizeof line, f->g_key, 'd', x->g);
	if (f->a_key)
		put_field(line, sizeof line, f->a_key, f->a_kind, x->a);
	if (f->b_key)
		put_field(line, sizeof line, f->b_key, f->b_kind, x->b);
	out(line);
	out("\n");
	uint64_t off;
	if (x->ev == TR_GO_CREATE) {
		const char *sym = ksym_lookup(x->b, &off);
		ksnprintf(line, sizeof line, "N g %u %s\n", x->g, sym ? sym : "?");
		out(line);
	} else if (x->ev == TR_KT_CREATE) {
		packed_name(x, name);
		ksnprintf(line, sizeof line, "N t %u %s\n", x->g, name[0] ? name : "?");
		out(line);
	}
}

void trace_dump(void)
{
	static int dumped;
	if (!trace_on || __atomic_exchange_n(&dumped, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned c = 0; c < ncpus_online; c++)   /* recording stops here */
		__atomic_store_n(&cpus[c].trace, NULL, __ATOMIC_RELEASE);
	char line[160];
	long gmp = cmdline_num("gomaxprocs");
	unsigned procs = gmp > 0 && gmp < (long)ncpus_online ? (unsigned)gmp : ncpus_online;
	ksnprintf(line, sizeof line, "SPINDLE-TRACE 1 tsc_hz=%lu cpus=%u procs=%u buf_kib=%u\n",
		  (unsigned long)tsc_hz, ncpus_online, procs, trace_kib);
	out(line);
	uint64_t events = 0, lost = 0;
	for (unsigned c = 0; c < ncpus_online; c++) {
		struct trace_ring *r = rings[c];
		uint64_t first = r->head > r->nrec ? r->head - r->nrec : 0;
		for (uint64_t i = first; i < r->head; i++)
			dump_rec(c, &r->rec[i % r->nrec]);
		if (first) {
			ksnprintf(line, sizeof line, "L %u %lu\n", c, (unsigned long)first);
			out(line);
		}
		events += r->head - first;
		lost += first;
	}
	ksnprintf(line, sizeof line, "END events=%lu lost=%lu\n", (unsigned long)events,
		  (unsigned long)lost);
	out(line);
	kprintf("trace: %lu events written to COM2 (%lu lost to full rings)\n", (unsigned long)events,
		(unsigned long)lost);
}
