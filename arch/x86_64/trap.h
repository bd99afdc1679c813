/*
 * trap.h - interrupt and exception entry.
 *
 * Every vector enters through a stub in trap.S that saves the general
 * registers into a struct trap_frame on the current stack (or the IST stack
 * for #DF, NMI and #MC) and calls trap_dispatch. Code that runs in this path
 * is built with -mgeneral-regs-only: it never touches SSE/AVX state, which
 * belongs to the interrupted code. A handler that wants to switch to other
 * code (preemption) must save that state itself.
 *
 * Vectors: 0-31 exceptions (SDM Vol. 3A, 6.15), 32-47 the legacy PIC's
 * (masked), and the kernel's own below.
 */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <stdint.h>

#define VEC_DE   0   /* divide error */
#define VEC_DB   1
#define VEC_NMI  2
#define VEC_BP   3
#define VEC_UD   6
#define VEC_NM   7
#define VEC_DF   8   /* double fault, IST */
#define VEC_TS   10
#define VEC_NP   11
#define VEC_SS   12
#define VEC_GP   13
#define VEC_PF   14
#define VEC_MF   16
#define VEC_AC   17
#define VEC_MC   18  /* machine check, IST */
#define VEC_XM   19

#define VEC_PIC_BASE   0x20  /* legacy 8259 remapped here, then masked */
#define VEC_TIMER      0x40  /* LAPIC timer */
#define VEC_IPI_WAKE   0x41  /* wake a halted CPU: work arrived */
#define VEC_IPI_CALL   0x42  /* smp_call_all */
#define VEC_IPI_RESCHED 0x43 /* preempt the running goroutine */
#define VEC_SPURIOUS   0xff  /* LAPIC spurious vector */

/* Every vector runs on an IST stack of its CPU: goroutine stacks are
 * only 2 KiB and must never hold an interrupt frame and a handler. */
#define IST_DF   1   /* double fault */
#define IST_NMI  2
#define IST_MC   3   /* machine check */
#define IST_IRQ  4   /* device and IPI interrupts; never nest (IF=0 in handlers) */
#define IST_EXC  5   /* all other exceptions */
#define IST_COUNT 5

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* trap.S keeps the interrupted code's split-stack limit (%fs:0x70) in the
 * word TRAP_SAVED_STACK_LIMIT_WORD words below the trap frame while the
 * handler runs; kernel/thread.c reads it when it preempts a thread. */
#define TRAP_SAVED_STACK_LIMIT_WORD 3

typedef void (*irq_handler_t)(struct trap_frame *tf);

void idt_init(void);          /* boot CPU, once */
void idt_load(void);          /* every CPU */
void irq_set_handler(unsigned vector, irq_handler_t h); /* boot CPU, before SMP */
void trap_dispatch(struct trap_frame *tf);

#endif
