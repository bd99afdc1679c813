/*
 * kernel.h - the kernel's own entry points between boot, CPUs and exit.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdbool.h>
#include "kernel/boot_info.h"

struct cpu;

extern struct boot_info boot_info;   /* the kernel's copy, boot CPU fills it */
extern unsigned timer_hz;            /* LAPIC timer interrupts per second */

/* Last step of a CPU's bring-up (application processors): enables the
 * timer, marks the CPU online and enters its idle loop. Never returns. */
_Noreturn void kernel_cpu_online(struct cpu *c);
/* The idle loop: halt until an interrupt, run smp_call_all work. */
_Noreturn void kernel_idle(void);

/* Stop the machine: status 0 is success. Under QEMU, exits through
 * isa-debug-exit when present, else powers off; on real hardware powers off
 * when poweroff=yes, else halts with the screen kept (the default there). */
_Noreturn void kernel_exit(int status);
/* Halt this CPU forever, interrupts off. */
_Noreturn void cpu_halt_forever(void);
bool running_under_hypervisor(void);

#endif
