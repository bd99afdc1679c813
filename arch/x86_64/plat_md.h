/*
 * plat_md.h - the inline half of the goroutine runtime's platform
 * interface (sched/plat.h lists and specifies every hook) on x86-64: this
 * CPU's fields through the GS base, interrupts, the TSC, hlt. Included
 * only by sched/plat.h. The host platform (arch/host, SPINDLE_HOST) uses it
 * too: it points each thread's GS base at its own struct cpu, so only the
 * interrupt flag (arch/x86_64/cpu.h) and plat_idle differ there.
 */
#ifndef ARCH_X86_64_PLAT_MD_H
#define ARCH_X86_64_PLAT_MD_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

#define PLAT_MAX_CPUS MAX_CPUS

static inline unsigned plat_cpu_id(void) { return this_cpu()->id; }
static inline void *plat_cpu_m(void) { return this_cpu()->sched; }
static inline void plat_cpu_set_m(void *m) { this_cpu()->sched = m; }
static inline uint64_t plat_g0_sp(void) { return this_cpu()->g0_sp; }
static inline uint64_t plat_cycles(void) { return rdtsc(); }
static inline bool plat_irq_save(void) { return irq_save(); }
static inline void plat_irq_restore(bool on) { irq_restore(on); }
static inline void plat_irq_disable(void) { irq_disable(); }
static inline void plat_irq_enable(void) { irq_enable(); }
static inline bool plat_irq_enabled(void) { return irq_enabled(); }
static inline void plat_relax(void) { cpu_relax(); }
/* One instruction each on this CPU's word: a preemption cannot fall
 * between finding the CPU and changing its count (it would change the
 * count of a CPU the caller has left). */
static inline void plat_preempt_off(void)
{
	__asm__ volatile("incl %%gs:%c0" :: "i"(__builtin_offsetof(struct cpu, preempt_off)) : "memory");
}
static inline void plat_preempt_on(void)
{
	__asm__ volatile("decl %%gs:%c0" :: "i"(__builtin_offsetof(struct cpu, preempt_off)) : "memory");
}
static inline int32_t plat_preempt_count(void)
{
	int32_t n;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(n) : "i"(__builtin_offsetof(struct cpu, preempt_off)));
	return n;
}
#if SPINDLE_HOST
void plat_idle(void);   /* a futex wait with a timeout for the tick (arch/host/plat.c) */
#else
/* sti's one-instruction shadow: an interrupt pending before sti is taken
 * after the hlt has begun, so it ends the hlt instead of being lost. */
static inline void plat_idle(void)
{
	irq_enable_and_halt();
	irq_disable();
}
#endif

#endif
