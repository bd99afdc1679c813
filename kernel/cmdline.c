/*
 * cmdline.c - the kernel command line (contract in cmdline.h).
 *
 * Every key the kernel knows is declared in cmdline_keys below, with its
 * kind, range and default; this table is the documentation of the command
 * line (README: "Kernel command line"). Pure logic: also built on the host.
 */
#include <string.h>
#include "kernel/cmdline.h"
#include "kernel/boot_info.h"
#ifdef HOST_TEST
#include <stdio.h>
#define fmt snprintf
#else
#include "kernel/kprintf.h"
#include "arch/x86_64/percpu.h"
#define fmt ksnprintf
/* The ranges of smp= and gomaxprocs= below are 1..MAX_CPUS. */
_Static_assert(MAX_CPUS == 256, "update smp= and gomaxprocs= in cmdline_keys");
#endif

enum key_kind { KEY_NUM, KEY_STR, KEY_BOOL };

struct cmdline_key {
	const char *name;
	enum key_kind kind;
	long min, max, def;     /* KEY_NUM */
	const char *choices;    /* KEY_STR: "a|b|c", or NULL for any */
	const char *help;
	/* parsed state */
	const char *str;        /* points into value_store; NULL if absent */
	long num;
	bool seen;              /* given earlier on this line */
};

#define REPORT_WORD_MAX     48    /* of a bad word, this much is quoted */
#define CMDLINE_VALUE_STORE BOOT_CMDLINE_MAX   /* every value of the longest line fits */

static struct cmdline_key cmdline_keys[] = {
	{ "smp", KEY_NUM, 1, 256, 0, 0, "start at most this many CPUs (default: all)", 0, 0, false },
	{ "test", KEY_STR, 0, 0, 0, 0, "run in-kernel tests: a name, a,b,c, all or list", 0, 0, false },
	{ "console", KEY_STR, 0, 0, 0, "serial|fb|both", "where kernel output goes (default both)", 0, 0, false },
	{ "poweroff", KEY_BOOL, 0, 0, 0, 0, "power off at the end (default: yes under a hypervisor)", 0, 0, false },
	{ "hz", KEY_NUM, 10, 10000, 100, 0, "timer interrupts per second per CPU", 0, 0, false },
	/* 1536: the smallest stack the whole runtime API runs on (go_select's
	 * frame and the 512-byte guard do not fit in 1024); test-matrix checks it */
	{ "gstack", KEY_NUM, 1536, 1 << 20, 2048, 0, "goroutine stack size in bytes", 0, 0, false },
	{ "gomaxprocs", KEY_NUM, 1, 256, 0, 0, "number of Ps (default: CPUs online)", 0, 0, false },
	{ "idlespin", KEY_NUM, 0, 10000, 50, 0, "microseconds an idle M polls for work before it halts", 0, 0, false },
	{ "schedtrace", KEY_NUM, 0, 100000, 0, 0, "print a scheduler trace line every N ms", 0, 0, false },
	{ "trace", KEY_NUM, 0, 65536, 0, 0, "record the event trace: 1, or the ring per CPU in KiB (docs/trace.md)", 0, 0, false },
	{ "ktest_timeout", KEY_NUM, 0, 86400, 0, 0, "seconds a test may run before KTEST TIMEOUT and a dump (0: no limit)", 0, 0, false },
	{ "schedfuzz", KEY_NUM, 0, 0x7fffffff, 0, 0, "seed: make scheduling choices at random, repeatably (docs/trace.md)", 0, 0, false },
	{ "showcase", KEY_BOOL, 0, 0, 0, 0, "run the goroutines-vs-threads showcase", 0, 0, false },
	{ "bench", KEY_STR, 0, 0, 0, 0, "run benchmarks: a name, a,b,c, all or list", 0, 0, false },
	{ "fbdump", KEY_BOOL, 0, 0, 0, 0, "at exit, copy the screen's text to QEMU's debug console (port 0xe9)", 0, 0, false },
};
#define NKEYS (sizeof cmdline_keys / sizeof cmdline_keys[0])

static char value_store[CMDLINE_VALUE_STORE];

static struct cmdline_key *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(cmdline_keys[i].name) == len && !memcmp(cmdline_keys[i].name, name, len))
			return &cmdline_keys[i];
	return 0;
}

static int parse_num(const char *s, long *out)
{
	long v = 0;
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else if ((*s == 'k' || *s == 'K') && s[1] == 0 && v < (1L << 40)) {
			v *= 1024;
			break;
		} else
			return -1;
		if (v > (1L << 50))
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *c = choices; *c;) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);
		if (len == n && !memcmp(c, v, n))
			return 1;
		c += len + (bar ? 1 : 0);
	}
	return 0;
}

/* Check value v for key k; 0 if good (k->str/num set), else why not. */
static const char *accept(struct cmdline_key *k, const char *v)
{
	long n;
	switch (k->kind) {
	case KEY_NUM:
		if (parse_num(v, &n) < 0)
			return "not a number";
		if (n < k->min || n > k->max)
			return "out of range";
		k->num = n;
		break;
	case KEY_BOOL:
		if (choice_ok("yes|on|1|true", v))
			v = "yes";
		else if (choice_ok("no|off|0|false", v))
			v = "no";
		else
			return "not yes or no";
		break;
	case KEY_STR:
		if (k->choices && !choice_ok(k->choices, v))
			return "not one of the choices";
		break;
	}
	k->str = v;
	return 0;
}

static void report_bad(void (*report)(const char *), const char *word, size_t wlen,
		       const struct cmdline_key *k, const char *why)
{
	char msg[200], expect[96] = "";
	if (k && k->kind == KEY_NUM)
		fmt(expect, sizeof expect, " (expected %ld..%ld)", k->min, k->max);
	else if (k && k->kind == KEY_STR && k->choices)
		fmt(expect, sizeof expect, " (expected %s)", k->choices);
	else if (k && k->kind == KEY_BOOL)
		fmt(expect, sizeof expect, " (expected yes or no)");
	/* A long word is shown cut, so that the reason always fits. */
	int shown = wlen > REPORT_WORD_MAX ? REPORT_WORD_MAX : (int)wlen;
	fmt(msg, sizeof msg, "cmdline: '%.*s%s': %s%s, %s", shown, word,
	    wlen > REPORT_WORD_MAX ? "..." : "", why, expect, k ? "using the default" : "ignored");
	if (report)
		report(msg);
}

int cmdline_parse(const char *line, void (*report)(const char *msg))
{
	int problems = 0;
	size_t store = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		cmdline_keys[i].str = 0;
		cmdline_keys[i].num = cmdline_keys[i].def;
		cmdline_keys[i].seen = false;
	}
	const char *p = line ? line : "";
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		size_t wlen = (size_t)(p - w);
		const char *eq = memchr(w, '=', wlen);
		if (!eq) {
			report_bad(report, w, wlen, 0, "not key=value");
			problems++;
			continue;
		}
		struct cmdline_key *k = find_key(w, (size_t)(eq - w));
		if (!k) {
			report_bad(report, w, wlen, 0, "unknown key");
			problems++;
			continue;
		}
		if (k->seen && report) {
			char msg[160];
			int shown = wlen > REPORT_WORD_MAX ? REPORT_WORD_MAX : (int)wlen;
			fmt(msg, sizeof msg, "cmdline: '%.*s%s': %s= given again, this later one is used",
			    shown, w, wlen > REPORT_WORD_MAX ? "..." : "", k->name);
			report(msg);
		}
		problems += k->seen;
		k->seen = true;
		size_t vlen = wlen - (size_t)(eq + 1 - w);
		if (store + vlen + 1 > sizeof value_store) {
			k->str = 0;
			k->num = k->def;
			report_bad(report, w, wlen, k, "command line too long");
			problems++;
			continue;
		}
		char *v = &value_store[store];
		memcpy(v, eq + 1, vlen);
		v[vlen] = 0;
		store += vlen + 1;
		const char *why = accept(k, v);
		if (why) {
			k->str = 0;
			k->num = k->def;
			report_bad(report, w, wlen, k, why);
			problems++;
		}
	}
	return problems;
}

const char *cmdline_str(const char *key)
{
	struct cmdline_key *k = find_key(key, strlen(key));
	return k ? k->str : 0;
}

long cmdline_num(const char *key)
{
	struct cmdline_key *k = find_key(key, strlen(key));
	return k ? k->num : 0;
}
