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

/* QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4):
 * writing v makes QEMU exit with status (v << 1) | 1. */
#define QEMU_EXIT_PORT     0xf4
#define QEMU_EXIT_SUCCESS  0x10   /* QEMU exit status 33 */
#define QEMU_EXIT_FAILURE  0x11   /* QEMU exit status 35 */

/* Stop the machine: status 0 is success. Under QEMU, exits through
 * isa-debug-exit when present, else powers off; on real hardware powers off
 * when poweroff=yes, else halts with the screen kept (the default there). */
_Noreturn void kernel_exit(int status);
/* Halt this CPU forever, interrupts off. */
_Noreturn void cpu_halt_forever(void);
bool running_under_hypervisor(void);

#endif
