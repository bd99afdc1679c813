/*
 * lockrank.h - the lock order of the kernel (as Go's lockrank): every lock
 * class, named by its spinlock's name, has a rank; a CPU may take a lock
 * only while every lock it holds has a lower rank, or the same rank in a
 * class that may nest with itself in address order (channels in select).
 * The table is kernel/lockrank.c; debug builds check every acquire
 * (kernel/spinlock.c). Any context.
 */
#ifndef KERNEL_LOCKRANK_H
#define KERNEL_LOCKRANK_H

#include <stdbool.h>
#include <stdint.h>

struct lockrank {
	const char *name;     /* the spinlock's name; "libc:" matches every libc lock */
	uint8_t rank;         /* 1 .. 255, lower first */
	bool self_nests;      /* may nest with itself, lower address first */
};

/* The entry for name, or NULL when the class has no rank. */
const struct lockrank *lockrank_find(const char *name);

#endif
