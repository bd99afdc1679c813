/*
 * sort.h - sort_u64: an insertion sort of a few dozen numbers (samples,
 * windows) in place, ascending. Header-only, any context, no allocation;
 * also built on the host (tests/host/test_tsc_calib.c).
 */
#ifndef KERNEL_SORT_H
#define KERNEL_SORT_H

#include <stdint.h>

static inline void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

#endif
