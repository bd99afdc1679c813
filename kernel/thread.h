/*
 * thread.h - heavyweight kernel threads (TCB) in processes (PCB), scheduled
 * 1:1 and preemptively on every CPU. The contrast to goroutines (sched/):
 * a thread has a 1 MiB stack with an unmapped guard page, its full register
 * file and FPU/SIMD state (XSAVE, sized from CPUID) saved on every switch,
 * and a process whose address space (CR3) is loaded when it runs.
 *
 * Scheduling: one run queue per CPU with KTHREAD_PRIOS priority levels
 * (0 = highest); the timer interrupt preempts the running thread when its
 * time slice (from the PCB's scheduling information) is used up and a
 * thread of the same or higher priority is ready on that CPU; round robin
 * within a level; an idle CPU steals a ready thread from a busy one unless
 * the thread is pinned. Threads block on kthread_sleep, struct kmutex and
 * struct ksem.
 *
 * Calling rules: kthread_* and the blocking calls from thread context
 * (any kernel code once kthreads_start has run, on any CPU) with interrupts
 * on; ksem_post and kthread_wake may also be called from interrupt context
 * (they never block). Nothing here may be called from a goroutine's stack
 * except through go_systemstack or the M:N bridge (sched/runtime.h).
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/spinlock.h"

#define KTHREAD_STACK_SIZE  (1024 * 1024)  /* usable stack, bytes */
#define KTHREAD_GUARD_SIZE  4096           /* unmapped page below it */
#define KTHREAD_PRIOS       4
#define KTHREAD_PRIO_DEFAULT 2
#define KTHREAD_SLICE_NS    10000000ULL    /* default time slice */
#define KTHREAD_ANY_CPU     (-1)

enum kthread_state {
	KT_EMBRYO = 0,   /* being created */
	KT_READY,        /* on a run queue */
	KT_RUNNING,      /* on a CPU */
	KT_BLOCKED,      /* sleeping, on a mutex or semaphore */
	KT_ZOMBIE,       /* exited, not yet reaped */
};

struct pcb;

/* Thread control block. */
struct tcb {
	uint32_t tid;
	volatile uint32_t state;     /* enum kthread_state */
	const char *name;
	struct pcb *proc;            /* owning process */
	/* saved context: the stack pointer of the switch frame (callee-saved
	 * registers; a preempted thread also has its trap frame under it) */
	uint64_t sp;
	void *fpstate;               /* XSAVE area (fpstate_size() bytes, 64-aligned) */
	uint64_t stack_lo, stack_hi; /* usable stack; the guard page is below stack_lo */
	/* per-thread CPU words, saved and restored on every switch: the
	 * goroutine runtime's M (struct cpu.sched), its g0 stack pointer
	 * (cpu.g0_sp) and the split-stack limit (cpu.stack_limit) */
	void *cpu_sched;
	uint64_t cpu_g0_sp;
	uint64_t cpu_stack_limit;
	int32_t cpu_preempt_off;     /* its preemption guard (struct cpu) */
	int32_t cpu;                 /* CPU it runs or last ran on */
	int32_t pinned_cpu;          /* KTHREAD_ANY_CPU or a CPU id */
	uint8_t prio;                /* 0 .. KTHREAD_PRIOS-1 */
	uint64_t slice_end_tsc;      /* when the running slice ends */
	/* accounting */
	uint64_t cpu_ns;             /* time on a CPU */
	uint64_t run_since_tsc;
	uint64_t switches_voluntary, switches_forced;
	uint64_t wake_at_ns;         /* kthread_sleep deadline */
	void (*fn)(void *);
	void *arg;
	int exit_status;
	struct tcb *next;            /* run queue / wait queue link */
	struct tcb *all_next;        /* all threads list */
	struct ksem *join_sem;       /* posted on exit */
	/* added by kernel/thread.c (see docs/threads.md) */
	volatile uint32_t on_cpu;    /* 1 while a CPU still uses its stack */
	int32_t slot;                /* virtual stack slot, -1: not a slot stack (boot/idle) */
	uint32_t alloc_pages;        /* pages of the TCB + join semaphore + XSAVE block */
	struct tcb *sleep_next;      /* per-CPU sleeper list */
	bool is_idle;                /* a CPU's idle thread: never on a run queue */
};

enum kproc_state { KP_ALIVE = 1, KP_ZOMBIE };

/* Process control block. */
struct pcb {
	uint32_t pid;
	uint32_t state;              /* enum kproc_state */
	char name[24];
	uint64_t cr3;                /* page-table root (physical), loaded when its threads run */
	/* scheduling information */
	uint8_t prio;                /* default priority of new threads */
	uint64_t slice_ns;           /* time slice of its threads */
	/* memory information */
	uint64_t pages_mapped;       /* pages of its own (stacks, page tables) */
	uint64_t stack_bytes;
	/* accounting, summed over its threads (dead ones included) */
	uint64_t cpu_ns;
	uint64_t switches_voluntary, switches_forced;
	uint32_t nthreads, nthreads_alive;
	/* I/O status */
	uint32_t io_waits;           /* threads blocked in simulated device waits now */
	uint64_t io_requests;        /* device requests made */
	struct spinlock lock;
	struct pcb *next;
};

/* Start the thread scheduler on every online CPU: the caller (boot CPU,
 * kernel context) becomes the thread "kmain" of process "kernel" and each
 * other CPU's idle loop becomes its idle thread. Once, at boot. */
void kthreads_start(void);

/* Processes. pcb_create gives the process its own page-table root whose
 * kernel half is shared with every other process (user half empty). NULL
 * when out of memory. */
struct pcb *pcb_create(const char *name, uint8_t prio, uint64_t slice_ns);
void pcb_destroy(struct pcb *p);      /* all its threads must have been reaped */
struct pcb *pcb_kernel(void);

/* Threads. kthread_create returns a ready thread, or NULL when memory for
 * its stack, TCB or XSAVE area cannot be had (a clean refusal, never a crash). */
struct tcb *kthread_create(struct pcb *proc, const char *name, void (*fn)(void *), void *arg,
			   int prio, int pinned_cpu);
_Noreturn void kthread_exit(int status);
#define KTHREAD_EXIT_OVERFLOW (-1)  /* exit status of a thread killed by its guard page */
/* Wait for t to exit, free its stack and TCB; returns its exit status. */
int kthread_join(struct tcb *t);
/* What a thread had used when it exited, recorded at join. */
struct kthread_exit_info {
	uint32_t tid;
	int exit_status;
	uint64_t cpu_ns, switches_voluntary, switches_forced;
};
/* kthread_join, also returning the dead thread's accounting. */
int kthread_join_info(struct tcb *t, struct kthread_exit_info *out);
void kthread_yield(void);
void kthread_sleep(uint64_t ns);
struct tcb *kthread_self(void);
/* Make a blocked thread ready (any context, interrupts included); no-op
 * unless it is KT_BLOCKED. */
void kthread_wake(struct tcb *t);
/* A simulated device request: block the calling thread until a "device"
 * completes the request ns nanoseconds from now (completed by the timer
 * interrupt with ksem_post). Counts the PCB's io_requests, and io_waits
 * while blocked. For the M:N bridge (an M blocking in the kernel). */
void kthread_device_wait(uint64_t ns);

/* Sleeping locks. */
struct kmutex {
	struct spinlock lock;
	struct tcb *owner;
	struct tcb *waiters, *waiters_tail;
};
#define KMUTEX_INIT { SPINLOCK_INIT("kmutex"), NULL, NULL, NULL }
void kmutex_lock(struct kmutex *m);
void kmutex_unlock(struct kmutex *m);

struct ksem {
	struct spinlock lock;
	int64_t count;
	struct tcb *waiters, *waiters_tail;
};
#define KSEM_INIT(n) { SPINLOCK_INIT("ksem"), (n), NULL, NULL }
void ksem_init(struct ksem *s, int64_t count);
void ksem_wait(struct ksem *s);
void ksem_post(struct ksem *s);     /* any context, interrupts included */

/* The scheduler's hooks. The timer tick (kernel/tick.c, in this order):
 * kthread_tick_timers wakes sleepers and completes device requests, and
 * runs before sched_tick, which may not return; kthread_tick preempts the
 * running thread after its slice and may switch. */
struct trap_frame;
void kthread_tick_timers(void);
void kthread_tick(struct trap_frame *tf);
/* The idle loop's hook (kernel_idle, interrupts off): switch to a ready
 * thread of this CPU (or one stolen from a busy CPU); returns false when
 * there is nothing and the caller may halt (a wakeup then sends an IPI). */
bool kthread_idle_switch(void);
/* Whether a thread is ready on this CPU's run queue (for the goroutine
 * runtime's M: yield to it instead of halting). Any context. */
bool kthread_cpu_has_ready(void);

/* Memory, statistics and limits, for tests and the showcase. */
/* Total bytes a thread costs (stack + guard + TCB + XSAVE area). */
size_t kthread_bytes_per_thread(void);
struct kthread_stats {
	uint64_t created, exited, switches, preemptions, guard_faults;
	uint64_t cr3_loads;          /* CR3 writes for a process change */
	uint64_t steals;             /* ready threads taken by an idle CPU */
	uint64_t bytes_in_use;       /* stacks + TCB blocks of kthread_create'd threads */
};
void kthread_stats(struct kthread_stats *out);
/* Cap the bytes kthread_create may hold (stacks + TCB blocks of live
 * created threads); 0 = no cap (only RAM). Returns the previous cap. For
 * tests of the clean refusal. */
size_t kthread_set_budget(size_t bytes);

#endif
