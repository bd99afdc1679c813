/* cpu_init.h - per-CPU bring-up (see cpu_init.c); once per CPU, irqs off. */
#ifndef ARCH_X86_64_CPU_INIT_H
#define ARCH_X86_64_CPU_INIT_H
#include "arch/x86_64/percpu.h"
extern uint64_t xcr0_features;
void cpu_init_this(struct cpu *c);
#endif
