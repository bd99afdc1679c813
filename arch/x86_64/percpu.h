/*
 * percpu.h - the per-CPU area, reached through the GS base.
 *
 * Each CPU (each M) owns one struct cpu; GS base points at it from the time
 * the CPU enters C code. Only the owning CPU writes its fields unless a field
 * says otherwise. this_cpu() is valid with preemption on or off: a kernel
 * context never migrates while it reads it (goroutines read it with
 * preemption off, see sched/).
 */
#ifndef ARCH_X86_64_PERCPU_H
#define ARCH_X86_64_PERCPU_H

#include <stdint.h>
#include <stdbool.h>

#define MAX_CPUS 64

struct cpu {
	struct cpu *self;        /* %gs:0, so this_cpu() is one load */
	uint32_t id;             /* 0 .. ncpus-1, the M number */
	uint32_t apic_id;
	volatile bool online;
	void *libc_reent;        /* this CPU's newlib struct _reent */
	uint64_t kstack_top;     /* boot/idle stack of this CPU */
	void (*volatile call_fn)(void *); /* smp_call_all slot, set by caller */
	void *volatile call_arg;
	volatile uint32_t call_gen;  /* bumped by the caller per call */
	volatile uint32_t call_done; /* set to call_gen when call_fn returned */
	uint64_t timer_ticks;    /* LAPIC timer interrupts taken */
	void *sched;             /* the goroutine runtime's per-M data (sched/) */
	void *arch;              /* GDT/TSS block (arch/x86_64/gdt.c) */
};

extern struct cpu cpus[MAX_CPUS];
extern volatile unsigned ncpus_online; /* CPUs that finished bring-up */
extern unsigned ncpus;                 /* CPUs found in the MADT, capped at MAX_CPUS */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}
static inline unsigned cpu_id(void) { return this_cpu()->id; }

#endif
