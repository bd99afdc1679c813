/*
 * switch_frame.h - the switch frame shared by goroutine switches
 * (sched/switch.S) and kernel-thread switches (kernel/thread_switch.S):
 * the six callee-saved registers of the System V ABI pushed under a return
 * address. A saved stack pointer points at r15:
 *
 *     sp+0  r15  r14  r13  r12  rbx  rbp   sp+48  return address
 *
 * For assembly files only.
 */
#ifndef ARCH_X86_64_SWITCH_FRAME_H
#define ARCH_X86_64_SWITCH_FRAME_H

#define SWITCH_FRAME_RBP  40
#define SWITCH_FRAME_RET  48

	.macro PUSH_CALLEE_SAVED
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	.endm

	.macro POP_CALLEE_SAVED
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	.endm

	/* A whole switch frame whose return address is \resume (clobbers rax). */
	.macro PUSH_SWITCH_FRAME resume
	leaq \resume(%rip), %rax
	pushq %rax
	PUSH_CALLEE_SAVED
	.endm

#endif
