/*
 * switch_frame.c - building and reading switch frames (switch_frame.h) in
 * C, for both schedulers: a new context's first frame, a preempted
 * context's frame over its copied trap frame, and the backtrace of a
 * stopped context. Built with -mgeneral-regs-only (Makefile): the
 * preemption paths call it while the SIMD registers still hold the
 * interrupted code's values.
 */
#include <stddef.h>
#if SPINDLE_HOST
#define switch_frame_first md_switch_frame_first   /* wrapped by arch/host/plat.c */
#endif
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/switch_frame.h"
#include "arch/x86_64/trap.h"
#include "kernel/panic.h"

static void frame_clear(struct switch_frame *f)
{
	volatile uint64_t *w = (volatile uint64_t *)f;
	for (size_t i = 0; i < sizeof *f / 8; i++)
		w[i] = 0;
}

uint64_t switch_frame_first(uintptr_t stack_top, void (*start)(void), uint64_t arg0,
			    uint64_t arg1)
{
	struct switch_frame *f = (struct switch_frame *)(stack_top & ~15UL) - 1;
	frame_clear(f);
	f->r12 = arg0;
	f->r13 = arg1;
	f->rip = (uint64_t)start;
	return (uint64_t)f;
}

uint64_t switch_frame_from_trap(const struct trap_frame *tf, void (*resume)(void), uint64_t arg0)
{
	/* A plain word loop: no memcpy, which may use SIMD registers. */
	uint64_t *copy = (uint64_t *)((tf->rsp - sizeof *tf) & ~15UL);
	const uint64_t *src = (const uint64_t *)tf;
	for (size_t i = 0; i < sizeof *tf / 8; i++)
		copy[i] = src[i];
	struct switch_frame *f = (struct switch_frame *)copy - 1;
	frame_clear(f);
	f->r12 = arg0;
	f->rbp = tf->rbp;          /* backtraces */
	f->rip = (uint64_t)resume;
	return (uint64_t)f;
}

uint64_t trap_frame_sp(const struct trap_frame *tf)
{
	return tf->rsp;
}

uint64_t trap_frame_stack_limit(const struct trap_frame *tf)
{
	return ((const uint64_t *)tf)[-TRAP_SAVED_STACK_LIMIT_WORD];
}

bool trap_frame_irqs_on(const struct trap_frame *tf)
{
	return tf->rflags & RFLAGS_IF;
}

void switch_frame_backtrace(uint64_t sp)
{
	const struct switch_frame *f = (const struct switch_frame *)sp;
	if (f->rip == (uint64_t)preempt_resume || f->rip == (uint64_t)kthread_preempt_resume) {
		const struct trap_frame *tf = (const struct trap_frame *)(f + 1);
		backtrace_print(tf->rip, tf->rbp);
	} else if (f->rip == (uint64_t)switch_return || f->rip == (uint64_t)mcall_resume) {
		backtrace_print(f->above, f->rbp);   /* the call of switch_to or mcall */
	} else {
		backtrace_print(f->rip, f->rbp);     /* not started yet */
	}
}
