/*
 * thread_switch.S - moving a CPU from one kernel thread's stack to another's
 * (kernel/thread.c, docs/threads.md).
 *
 * A thread that is not running is described by tcb->sp, which points at a
 * switch frame on its own stack:
 *
 *     sp+0   r15  r14  r13  r12  rbx  rbp     callee-saved registers (SysV)
 *     sp+48  return address                    where it continues
 *
 * where it continues is one of:
 *   - back in kthread.c's switch_voluntary (it called kthread_switch); the
 *     C code there then finishes the switch and restores its XSAVE area;
 *   - kthread_preempt_resume: it was preempted by the timer; its whole
 *     trap frame was copied under its interrupted stack pointer, one pad
 *     word above the switch frame;
 *   - kthread_start_stub: it never ran; r12 = fn, r13 = arg.
 * The split-stack limit (%fs:0x70) is switched together with the stack.
 * Everything here runs with interrupts off.
 */
#include "arch/x86_64/switch_frame.h"
#include "asm_offsets.h"        /* CPU_STACK_LIMIT: from struct cpu */

	.text

/* void kthread_switch(uint64_t *save_sp, uint64_t to_sp, uint64_t limit) */
	.globl kthread_switch
kthread_switch:
	PUSH_CALLEE_SAVED
	movq %rsp, (%rdi)
	movq %rsi, %rdi
	movq %rdx, %rsi
	/* fall through */

/* void kthread_jump(uint64_t to_sp, uint64_t limit): abandon the current
 * stack (an IST stack, or a dead thread's) and resume the context at to_sp. */
	.globl kthread_jump
kthread_jump:
	movq %rdi, %rsp
	movq %rsi, %fs:CPU_STACK_LIMIT
	POP_CALLEE_SAVED
	ret

/* A preempted thread continues here: rsp = its copied trap frame - 8. */
	.globl kthread_preempt_resume
kthread_preempt_resume:
	subq $8, %rsp                 /* 16-aligned for the calls */
	call kthread_finish_switch    /* returns this thread's XSAVE area */
	movq %rax, %rdi
	call fpstate_restore          /* no C between this and the iretq */
	addq $16, %rsp                /* rsp = the trap frame */
	jmp trap_return

/* A new thread starts here: rsp 16-aligned, r12 = fn, r13 = arg. */
	.globl kthread_start_stub
kthread_start_stub:
	call kthread_finish_switch
	movq %rax, %rdi
	call fpstate_restore
	sti
	xorl %ebp, %ebp
	movq %r13, %rdi
	call *%r12
	xorl %edi, %edi
	call kthread_exit
	ud2
