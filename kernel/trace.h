/*
 * trace.h - the event trace: what the schedulers do, per CPU, stamped with
 * the TSC (docs/trace.md).
 *
 * Booting with trace=1 (or trace=KIB, the ring size per CPU in KiB) gives
 * every CPU a ring of fixed-size records; TRACE() appends one. A ring that
 * wraps overwrites its oldest records and counts them as lost. At the end
 * of the run (kernel_exit: a normal end, a failed test, a panic, a
 * deadlock) trace_dump writes every ring as text to the second serial port
 * (COM2), where QEMU's second -serial puts it in a file of its own;
 * tools/trace.py turns that into a Perfetto timeline and pictures.
 *
 * Contract: TRACE may be used anywhere, on any CPU, in any context (the
 * timer interrupt and the preemption path included: trace_record touches
 * integer registers only and keeps interrupts off while it writes). With
 * tracing off it costs one %gs-relative load and a branch not taken.
 * sched/ reaches this header through sched/plat.h, as part of the
 * platform interface; the host platform (arch/host) never turns tracing on.
 */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/percpu.h"

/* The events, with what their fields hold (g: a goroutine id, or a kernel
 * thread id for kt.*; p: the P, TRACE_NO_P outside the runtime). */
enum trace_event {
	TR_GO_CREATE = 1, /* g: new; a: parent g (0: kernel); b: entry function */
	TR_GO_START,      /* g starts running on p */
	TR_GO_PARK,       /* a: wait reason (a string) */
	TR_GO_READY,      /* g made runnable; a: by (g, 0: none); b: where (a string) */
	TR_GO_YIELD,
	TR_GO_PREEMPT,
	TR_GO_EXIT,
	TR_GO_PANIC,
	TR_GO_STEAL,      /* a: victim P; b: how many Gs */
	TR_P_IDLE,        /* p found no work */
	TR_M_HALT,        /* p's M halts its CPU */
	TR_M_WAKE,        /* a: why (a string: ipi, timer) */
	TR_M_HANDOFF,     /* g blocked in the kernel; p goes to a spare M */
	TR_GO_KENTER,     /* g enters a kernel call */
	TR_GO_KLEAVE,     /* and is back */
	TR_TIMER_FIRE,    /* a: the timer's function */
	TR_KT_CREATE,     /* g: thread id; p: its CPU (or -1: any); a, b: its name, 16 bytes */
	TR_KT_IN,         /* g: thread switched in on this CPU */
	TR_KT_OUT,        /* g: thread switched out */
	TR_KT_BLOCK,      /* g: thread blocks */
	TR_KT_WAKE,       /* g: thread made ready; a: by (thread id, 0: interrupt) */
	TR_NEVENTS
};
#define TRACE_NO_P 0xffff

struct trace_rec {
	uint64_t tsc;
	uint16_t ev;
	uint16_t p;
	uint32_t g;
	uint64_t a, b;
};

/* Record one event on this CPU's ring (TRACE calls it only when tracing). */
void trace_record(unsigned ev, unsigned p, uint64_t g, uint64_t a, uint64_t b);

#if HOST_TEST   /* tests/host: sched/ code run without a per-CPU area at all */
#define TRACE(ev, p, g, a, b) ((void)0)
#else
#define TRACE(ev, p, g, a, b)                                                       \
	do {                                                                        \
		if (__builtin_expect(this_cpu_trace() != 0, 0))                     \
			trace_record((ev), (p), (uint64_t)(g), (uint64_t)(a), (uint64_t)(b)); \
	} while (0)
#endif

/* Boot CPU, kernel context, once every CPU is online: read trace= and give
 * each CPU its ring (a line says so, or why not). */
void trace_init(void);
/* Write every ring to COM2 and stop recording. Once; any CPU, the others
 * stopped or quiet (kernel_exit calls it after smp_stop_others). */
void trace_dump(void);

#endif
