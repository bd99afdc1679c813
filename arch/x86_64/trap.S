/*
 * trap.S - one stub per vector; all meet in trap_common, which saves the
 * general registers as struct trap_frame (arch/x86_64/trap.h) and calls
 * trap_dispatch(frame). Vectors that push no error code push a zero so the
 * frame has one shape.
 */
#include "asm_offsets.h"        /* CPU_STACK_LIMIT, TF_RIP: from the structs */
	.text

/* Exceptions that push an error code (SDM Vol. 3A, Table 6-1):
 * 8, 10-14, 17, 21, 29, 30. */
	.altmacro
	.macro vector_stub v
	.balign 16
vec_\v:
	.if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
	.endm

	.set i, 0
	.rept 256
	vector_stub %i
	.set i, i + 1
	.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	/* Link a frame so backtraces walk from the handler into the
	 * interrupted code: fake "return address" = interrupted rip. */
	pushq TF_RIP(%rsp)        /* tf->rip */
	pushq %rbp
	movq %rsp, %rbp
	/* Handlers run on an IST stack with no split-stack limit (see
	 * arch/x86_64/percpu.h); the interrupted code's limit comes back on
	 * return. */
	pushq %fs:CPU_STACK_LIMIT
	subq $8, %rsp
	movq $0, %fs:CPU_STACK_LIMIT
	call trap_dispatch
	addq $8, %rsp
	popq %fs:CPU_STACK_LIMIT
	addq $16, %rsp
	.globl trap_return
trap_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp            /* vector, error */
	iretq

	.macro vector_addr v
	.quad vec_\v
	.endm
	.section .rodata
	.balign 8
	.globl trap_vectors
trap_vectors:
	.set i, 0
	.rept 256
	vector_addr %i
	.set i, i + 1
	.endr
