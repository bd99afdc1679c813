/*
 * switch_frame.h - the one context-switch frame of this kernel, used by the
 * goroutine runtime (sched/) and the kernel-thread scheduler
 * (kernel/thread.c) alike. A context that is not running is one word, its
 * saved stack pointer, pointing at a struct switch_frame on its own stack:
 * the six callee-saved registers of the System V ABI, the address where it
 * continues, and one word above:
 *
 *     sp+0  r15  r14  r13  r12  rbx  rbp   sp+48  rip   sp+56  above
 *
 * rip is one of (arch/x86_64/switch.S):
 *   switch_return   it called switch_to; `above` is switch_to's return
 *                   address, in its caller
 *   mcall_resume    it called mcall (a goroutine); `above` likewise
 *   a start stub    it never ran (switch_frame_first); `above` is padding
 *   a resume stub   it was preempted; its whole trap frame lies above
 *                   (switch_frame_from_trap); `above` is padding
 * Every saved stack pointer is 16-byte aligned. The offsets assembly uses
 * are generated from the struct (arch/x86_64/asm_offsets.c).
 */
#ifndef ARCH_X86_64_SWITCH_FRAME_H
#define ARCH_X86_64_SWITCH_FRAME_H

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stdint.h>

struct switch_frame {
#if SPINDLE_HOST
	/* The host platform (arch/host/plat.c) keeps, in every stopped
	 * context, its sanitizer state: the struct cpu's plat_ctx at the time
	 * of the switch (a ThreadSanitizer fiber and the stack's bounds for
	 * AddressSanitizer), so a switch knows what it switches to. */
	uint64_t plat_ctx, plat_pad;
#endif
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t rip;              /* where the context continues */
	uint64_t above;            /* the caller's return address, or padding */
};
_Static_assert(sizeof(struct switch_frame) % 16 == 0, "saved stack pointers stay 16-aligned");

struct trap_frame;

/* A first frame at the top of a new stack: the context starts at start
 * with arg0 in r12 and arg1 in r13 (the start stub passes them on).
 * Returns the stack pointer to save. Any context. */
uint64_t switch_frame_first(uintptr_t stack_top, void (*start)(void), uint64_t arg0,
			    uint64_t arg1);

/* The preemption of a running context, on its CPU with interrupts off:
 * copy the trap frame tf under the interrupted stack pointer (16-aligned)
 * and under it a switch frame that continues at resume with arg0 in r12.
 * Returns the stack pointer to save. Integer registers only: the SIMD
 * registers may still hold the interrupted code's values. */
uint64_t switch_frame_from_trap(const struct trap_frame *tf, void (*resume)(void), uint64_t arg0);

/* What the interrupted code had (tf from the trap entry): its stack
 * pointer; whether it ran with interrupts on. */
uint64_t trap_frame_sp(const struct trap_frame *tf);
bool trap_frame_irqs_on(const struct trap_frame *tf);
/* The split-stack limit (%fs:0x70) of the interrupted code, which trap
 * entry saved under the frame (arch/x86_64/trap.S). */
uint64_t trap_frame_stack_limit(const struct trap_frame *tf);

/* Print the backtrace of a stopped context from its saved stack pointer. */
void switch_frame_backtrace(uint64_t sp);

/* The resume addresses of arch/x86_64/switch.S, for switch_frame.c. */
void switch_return(void);
void mcall_resume(void);
void preempt_resume(void);
void kthread_preempt_resume(void);

#else /* __ASSEMBLY__ */

	.macro PUSH_CALLEE_SAVED
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	.endm

	.macro POP_CALLEE_SAVED
#if SPINDLE_HOST
	addq $16, %rsp                /* plat_ctx, plat_pad */
#endif
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	.endm

	/* The lower seven words of a switch frame whose rip is \resume; the
	 * caller's return address already on the stack becomes `above`.
	 * Clobbers rax. */
	.macro PUSH_SWITCH_FRAME resume
	leaq \resume(%rip), %rax
	pushq %rax
	PUSH_CALLEE_SAVED
#if SPINDLE_HOST
	subq $8, %rsp                 /* plat_pad */
	pushq %gs:CPU_PLAT_CTX
#endif
	.endm

	/* cli and sti; the host platform has no interrupt flag to change (its
	 * stand-in is set by the C code around each switch, arch/host/plat.c). */
	.macro IRQ_OFF
#if !SPINDLE_HOST
	cli
#endif
	.endm
	.macro IRQ_ON
#if !SPINDLE_HOST
	sti
#endif
	.endm

#endif
#endif
