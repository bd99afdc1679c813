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

#define MAX_CPUS 256

struct cpu {
	struct cpu *self;        /* %gs:0, so this_cpu() is one load */
	uint32_t id;             /* 0 .. ncpus-1, the M number */
	uint32_t apic_id;
	void *libc_reent;        /* this CPU's newlib struct _reent */
	uint64_t kstack_top;     /* boot/idle stack of this CPU */
	void (*volatile call_fn)(void *); /* smp_call_all slot, set by caller */
	void *volatile call_arg;
	volatile uint32_t call_gen;  /* bumped by the caller per call */
	volatile uint32_t call_done; /* set to call_gen when call_fn returned */
	uint64_t timer_ticks;    /* LAPIC timer interrupts taken */
	void *sched;             /* the goroutine runtime's struct m (sched/) */
	void *arch;              /* GDT/TSS block (arch/x86_64/gdt.c) */
	volatile bool online;
	/* The one preemption guard both schedulers honour: > 0 while the
	 * context running here must not be preempted (a goroutine runtime
	 * critical section: sched/'s acquirem and runtime locks). A word of
	 * the running thread, saved and restored with it (kernel/thread.c),
	 * raised and lowered by one %gs-relative instruction (plat_md.h). */
	volatile int32_t preempt_off;
	/* The running context's sanitizer state on the host platform
	 * (arch/host/plat.c), pushed into every switch frame there; unused in
	 * the kernel. */
	void *plat_ctx;          /* 0x58 */
	bool host_irq_on;        /* 0x60: the host platform's stand-in for IF */
	uint8_t reserved[0x70 - 0x61];
	/* %fs:0x70 - the stack limit that code built with -fsplit-stack
	 * compares its frame against (GCC's x86-64 TCB slot; FS base points
	 * here too). 0 = no limit (kernel stacks); a goroutine's stack bottom
	 * plus its guard while one runs (sched/). */
	uint64_t stack_limit;    /* 0x70 */
	uint64_t g0_sp;          /* 0x78: where sched/ code runs on this CPU's own stack */
	void *trace;             /* 0x80: this CPU's event ring (kernel/trace.c); NULL: not tracing */
};
#define CPU_STACK_LIMIT_OFFSET 0x70
#define CPU_G0_SP_OFFSET       0x78
_Static_assert(__builtin_offsetof(struct cpu, stack_limit) == CPU_STACK_LIMIT_OFFSET,
	       "split-stack limit must be at %fs:0x70");
_Static_assert(__builtin_offsetof(struct cpu, g0_sp) == CPU_G0_SP_OFFSET, "g0_sp offset");
_Static_assert(__builtin_offsetof(struct cpu, preempt_off) == 0x54, "preempt_off fits the reserved bytes");

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
/* This CPU's event ring, in one %gs-relative load (kernel/trace.h). */
static inline void *this_cpu_trace(void)
{
	void *r;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(r) : "i"(__builtin_offsetof(struct cpu, trace)));
	return r;
}

#endif
