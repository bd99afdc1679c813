/*
 * plat.h - the platform interface: everything the goroutine runtime needs
 * from below, and nothing else. The files of sched/ include only headers of
 * sched/, this one and the C library's; `nm -u` on their objects lists only
 * the functions declared here and the C library's (tests/source.sh checks
 * both). In the spirit of Plan 9's portfns.h and Unikraft's ukplat: a new
 * platform is this list implemented, and the runtime above it does not
 * change. There are two: the kernel, and a Linux process for the tests
 * under the sanitizers (arch/host/plat.c, SPINDLE_HOST).
 *
 * Implemented in the kernel by:
 *   arch/x86_64/plat_md.h    inline: this CPU, interrupts, the cycle counter
 *   arch/x86_64/switch.S     the context switches and machine entry points
 *   arch/x86_64/switch_frame.c  switch frames in C
 *   kernel/plat.c            CPUs, time, memory, kernel threads for Ms
 *   kernel/kprintf.c, kernel/panic.c, kernel/cmdline.c, kernel/spinlock.c
 *
 * Every hook says who may call it. "Any context" includes the timer
 * interrupt; "interrupt-safe" hooks use integer registers only, because the
 * preemption path calls them while the interrupted goroutine's SIMD state
 * is still in the registers.
 */
#ifndef SCHED_PLAT_H
#define SCHED_PLAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/spinlock.h"      /* struct spinlock: spin_lock, spin_unlock, ASSERT_HELD,
				     spin_held_count; the order: kernel/lockrank.c */
#include "arch/x86_64/plat_md.h"  /* the inline hooks, listed below */
#include "kernel/trace.h"         /* the event trace: TRACE(ev, p, g, a, b), enum
				     trace_event; any context (docs/trace.md) */
#include "kernel/lab.h"           /* lab_todo, lab_soft: the stubs of a student
				     tree (docs/labs.md) */

/* --- this CPU (inline, arch/x86_64/plat_md.h) ------------------------------
 *   PLAT_MAX_CPUS                  the most CPUs the platform brings up
 *   unsigned plat_cpu_id(void)     this CPU, 0 .. plat_ncpus()-1; valid while
 *                                  the caller cannot migrate (preemption off)
 *   void *plat_cpu_m(void)         this CPU's word for the runtime: its M
 *   void plat_cpu_set_m(void *m)   set it (the M's own thread, on its CPU)
 *   uint64_t plat_g0_sp(void)      where runtime code runs on this CPU's
 *                                  own stack (set by m_enter)
 *   uint64_t plat_cycles(void)     a cycle counter, synchronised across CPUs
 *   bool plat_irq_save(void)       interrupts off; returns whether they were on
 *   void plat_irq_restore(bool on)
 *   void plat_irq_disable(void), plat_irq_enable(void)
 *   bool plat_irq_enabled(void)
 *   void plat_idle(void)           interrupts off on entry and on return:
 *                                  wait for the next interrupt (a wakeup,
 *                                  the tick); one already pending ends it
 *   void plat_relax(void)          in a spin loop
 *   void plat_preempt_off(void)    raise this CPU's preemption guard: neither
 *   void plat_preempt_on(void)     the runtime's tick nor the kernel's thread
 *   int32_t plat_preempt_count(void)  scheduler preempts while it is > 0; it
 *                                  belongs to the running kernel thread (an
 *                                  M blocked in a kernel call keeps its own)
 */

/* --- CPUs ----------------------------------------------------------------- */
/* CPUs brought up and running; constant while a runtime runs. Any context. */
unsigned plat_ncpus(void);
/* End plat_idle on cpu (an IPI); harmless if it is not idle. Any context. */
void plat_cpu_wake(unsigned cpu);

/* --- time ----------------------------------------------------------------- */
/* Nanoseconds since boot; any CPU, any context, interrupt-safe. */
uint64_t plat_nanotime(void);
/* plat_cycles() ticks per second. Any context. */
uint64_t plat_cycles_per_sec(void);

/* --- memory --------------------------------------------------------------- */
#define PLAT_PAGE_SIZE 4096UL
/* npages contiguous, mapped pages, or NULL; never freed. Any context,
 * interrupt-safe. (Everything else comes from the C library's malloc.) */
void *plat_pages_alloc(size_t npages);

/* --- the FPU/SIMD state of a preempted goroutine ---------------------------- */
#define PLAT_FPSTATE_ALIGN 64
size_t plat_fpstate_size(void);        /* bytes of one save area; kernel context */
void fpstate_save(void *area);         /* interrupt-safe; restore: preempt_resume */

/* --- the timer tick: preemption (sched/preempt.c) ---------------------------
 * The platform calls sched_tick(tf) from its timer interrupt (see the upcalls
 * below). To take the CPU away, sched/ turns the trap frame into a switch
 * frame on the goroutine's stack, signals the end of the interrupt and
 * enters the scheduler on g0 (preempt_enter_scheduler). */
struct trap_frame;
uint64_t trap_frame_sp(const struct trap_frame *tf);  /* the interrupted stack pointer */
/* Copy tf under the interrupted stack pointer and under it a switch frame
 * that continues at resume with arg0 (switch_frame.h); returns its sp. */
uint64_t switch_frame_from_trap(const struct trap_frame *tf, void (*resume)(void), uint64_t arg0);
void plat_irq_end(void);               /* end of the interrupt being handled */

/* --- context switches (arch/x86_64/switch.S) ------------------------------
 * A stopped context is one saved stack pointer (struct switch_frame);
 * limit is the split-stack limit of the stack switched to (0: none). All
 * run with interrupts off unless they say otherwise. */
/* A first frame on a new stack: start runs with arg0, arg1 (gstart_trampoline
 * calls arg0(arg1)). Returns the sp to save. Any context. */
uint64_t switch_frame_first(uintptr_t stack_top, void (*start)(void), uint64_t arg0,
			    uint64_t arg1);
void switch_to(uint64_t *save_sp, uint64_t to_sp, uint64_t to_limit, void (*after)(void *),
	       void *arg);
_Noreturn void switch_jump(uint64_t to_sp, uint64_t to_limit);
/* From a goroutine: save it in g->sp, call fn(g) on g0, interrupts on. */
struct g;
void mcall(void (*fn)(struct g *gp));
/* From a goroutine holding its M: fn(arg) on the stack at g0_sp. */
void systemstack_switch(void (*fn)(void *), void *arg, uint64_t g0_sp);
/* From the M's kernel thread: run schedule() on this stack until the M
 * leaves (switch_jump to *exit_sp); returns then, interrupts on. */
struct m;
void m_enter(struct m *mp, uint64_t *exit_sp);
/* From the timer interrupt: schedule() on g0's stack, interrupts on. */
_Noreturn void preempt_enter_scheduler(uint64_t g0_sp);
void gstart_trampoline(void);          /* start of every goroutine */
void __morestack(void);                /* called by -fsplit-stack prologues */
void preempt_resume(void);             /* resume of a preempted goroutine */
/* Print the backtrace of a stopped context from its saved sp. */
void switch_frame_backtrace(uint64_t sp);

/* --- kernel threads for Ms (sched/bridge.c) ------------------------------ */
struct plat_thread;
struct plat_sem;
/* A new kernel thread running fn(arg), pinned to cpu, or NULL (no memory).
 * Kernel context or a goroutine on its M's stack (go_systemstack). */
struct plat_thread *plat_thread_create(unsigned cpu, void (*fn)(void *), void *arg);
_Noreturn void plat_thread_exit(void);             /* the thread itself */
void plat_thread_join(struct plat_thread *t);      /* wait for its end, reap it */
void plat_thread_yield(void);                      /* to other threads of this CPU */
/* A kernel thread is ready to run on this CPU. Any context, interrupt-safe. */
bool plat_thread_waiting(void);
/* Counting semaphores (a spare M's wake). wait: thread context; post: any. */
struct plat_sem *plat_sem_create(void);            /* NULL: no memory */
/* Back to a count of 0, for reuse; no thread may be waiting on it. */
void plat_sem_reset(struct plat_sem *s);
void plat_sem_wait(struct plat_sem *s);
void plat_sem_post(struct plat_sem *s);

/* --- console, panic, configuration (kernel/) ------------------------------ */
/* Any CPU and context but the preemption path; from a goroutine only on a
 * big stack (go_systemstack: they are not built for 2 KiB). */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void backtrace_print(uint64_t rip, uint64_t rbp);
const char *ksym_lookup(uint64_t addr, uint64_t *off);   /* NULL: unknown */
/* The value of key=N on the command line, 0 if absent. Any context. */
long cmdline_num(const char *key);

/* --- upcalls: what sched/ gives the platform ------------------------------
 *   void sched_tick(struct trap_frame *tf)   every timer interrupt, IST
 *                stack, interrupts off; may not return (preemption)
 *   schedule, go_exit, gstack_overflow, preempt_take_fpstate: entered from
 *                arch/x86_64/switch.S (declared in sched/sched.h)
 */

#endif
