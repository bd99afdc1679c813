/*
 * smp.h - starting the other CPUs and running code on all of them.
 *
 * smp_boot: boot CPU only, once, after ACPI, the LAPIC and timers are up.
 * smp_call_all: run fn(arg) on every online CPU (the caller's included)
 * at the same time and return when all have finished; call from the boot
 * CPU's kernel context only, with interrupts on.
 */
#ifndef ARCH_X86_64_SMP_H
#define ARCH_X86_64_SMP_H

#define AP_STACK_SIZE (32 * 1024)  /* each AP's own stack: its idle thread's */

struct boot_info;
void smp_boot(const struct boot_info *bi);
void smp_init_ipis(void);        /* boot CPU, before smp_boot */
/* Idle loop helper: run a pending smp_call_all on CPU c (interrupts off). */
struct cpu;
_Bool smp_run_pending_call(struct cpu *c);
void smp_call_all(void (*fn)(void *), void *arg);
/* Stop every other CPU with an NMI (panic path). */
void smp_stop_others(void);
/* Stop the other CPUs as smp_stop_others does, each printing its backtrace
 * first (one at a time); returns when they have, or after 100 ms. */
void smp_backtrace_others(void);
/* The NMI handler's part: print this CPU's backtrace from tf, then halt. */
struct trap_frame;
_Noreturn void smp_nmi_backtrace(const struct trap_frame *tf);
extern volatile int cpus_backtracing;

#endif
