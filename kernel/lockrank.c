/*
 * lockrank.c - the lock order (contract in lockrank.h). A lock may be
 * taken while holding only locks above it in this table. Rows are lock
 * classes (the name given to SPINLOCK_INIT); debug builds check every
 * acquire against it (kernel/spinlock.c) and panic on a lock whose class
 * is missing, so a new lock cannot go unranked.
 */
#include <string.h>
#include "kernel/lockrank.h"

static const struct lockrank ranks[] = {
	/* tests' own locks, around what they test */
	{ "test", 10, false },
	{ "test-time", 11, false },
	/* the goroutine runtime: sync, channels (select locks several, in
	 * address order), then the scheduler's queues */
	{ "go_mutex", 20, false },
	{ "waitgroup", 21, false },
	{ "chan", 22, true },
	{ "sched", 30, false },
	{ "inbox", 31, false },
	{ "timers", 32, false },
	{ "allg", 33, false },
	{ "gfree", 34, false },
	{ "ms", 35, false },
	{ "gchunk", 36, false },
	/* kernel threads and processes */
	{ "kmutex", 40, false },
	{ "ksem", 41, false },
	{ "pcbs", 42, false },
	{ "pcb", 43, false },
	{ "kthread_all", 44, false },
	{ "kthread_slots", 45, false },
	{ "kcpu", 46, true },
	/* newlib's locks (libc/locks.c): a stream's own lock ("dynamic")
	 * comes before the stream list's (fflush of all streams takes sfp
	 * with one held) */
	{ "libc:dynamic", 50, true },
	{ "libc:sinit", 51, false },
	{ "libc:sfp", 52, false },
	{ "libc:atexit", 53, false },
	{ "libc:at_quick_exit", 54, false },
	{ "libc:env", 55, false },
	{ "libc:tz", 56, false },
	{ "libc:dd_hash", 57, false },
	{ "libc:arc4random", 58, false },
	{ "libc:malloc", 59, false },
	{ "libc:lockpool", 60, false },
	/* memory */
	{ "heap", 70, false },
	{ "vmm", 71, false },
	{ "pmm", 72, false },
	/* the console: anything may print */
	{ "console", 90, false },
};

const struct lockrank *lockrank_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
		if (!strcmp(ranks[i].name, name))
			return &ranks[i];
	return NULL;
}
