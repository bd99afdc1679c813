/*
 * gdt.h - per-CPU GDT and TSS.
 *
 * gdt_init_cpu(c) builds CPU c's GDT and TSS (IST stacks for #DF, NMI and #MC
 * from the page allocator, except for the boot CPU which uses static ones),
 * loads them, and reloads every segment register. Called once per CPU on
 * that CPU, interrupts off, before idt_load. Selectors match boot/entry.h.
 */
#ifndef ARCH_X86_64_GDT_H
#define ARCH_X86_64_GDT_H

#include "arch/x86_64/percpu.h"

#define GDT_KCODE  0x08
#define GDT_KDATA  0x10
#define GDT_TSS    0x18
#define IST_STACK_SIZE (16 * 1024)

void gdt_init_cpu(struct cpu *c);

#endif
