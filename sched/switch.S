/*
 * switch.S - moving between goroutine stacks and the M's own stack (g0).
 *
 * A goroutine that is not running is described by one word, g->sp, which
 * points at its saved context on its own stack:
 *
 *     sp+0   r15  r14  r13  r12  rbx  rbp     callee-saved registers (SysV)
 *     sp+48  return address                    where it continues
 *
 * Only the callee-saved registers are saved: a switch happens at a call, so
 * the caller has already saved everything else, and the SysV ABI makes all
 * vector registers caller-saved. A preempted goroutine (sched/preempt.c) is
 * stopped anywhere, so its full state is kept: its trap frame is copied onto
 * its stack under a context whose return address is preempt_resume, and its
 * FPU/SIMD state is in an XSAVE area (g->fpstate).
 *
 * Interrupts: the M switches into a goroutine with interrupts off; the
 * goroutine turns them on where it continues (mcall_resume, gswitch_resume,
 * gstart_trampoline), or iretq does (preempt_resume). So the timer interrupt
 * never sees a half-switched M. %fs:0x70 (the -fsplit-stack limit, see
 * arch/x86_64/percpu.h) is set to the goroutine's limit when its stack
 * becomes current and to 0 on g0.
 */
#include "arch/x86_64/switch_frame.h"
#include "asm_offsets.h"        /* CPU_*, M_CURG, G_SP: from the structs */

	.text

/* void gogo(uint64_t sp, uint64_t limit): from g0, interrupts off: resume
 * the context at sp. Does not return. */
	.globl gogo
gogo:
	movq %rdi, %rsp
	movq %rsi, %fs:CPU_STACK_LIMIT
	POP_CALLEE_SAVED
	ret

/* void gswitch(uint64_t *save_sp, uint64_t to_sp, void (*after)(void *),
 *              void *arg, uint64_t limit): from a goroutine, interrupts off:
 * save this context in *save_sp, resume the one at to_sp, and on its stack,
 * first, call after(arg) (may be NULL). Returns when this context is resumed. */
	.globl gswitch
gswitch:
	PUSH_SWITCH_FRAME gswitch_resume
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	movq %r8, %fs:CPU_STACK_LIMIT
	testq %rdx, %rdx
	jz 1f
	movq %rcx, %rdi
	call *%rdx
1:	POP_CALLEE_SAVED
	ret
	.globl gswitch_resume
gswitch_resume:
	sti
	ret

/* void mcall(void (*fn)(struct g *)): from a goroutine: save its context in
 * g->sp, switch to g0 and call fn(g) there, interrupts on. fn does not
 * return; the goroutine continues after mcall when something resumes it.
 * Interrupts are off from the first instruction until g0's stack is
 * current: a preemption between saving g->sp and leaving the goroutine's
 * stack would overwrite g->sp with a context that is gone once the
 * goroutine resumes here, and the M read must be this CPU's. The goroutine
 * continues with them on again (mcall_resume). */
	.globl mcall
mcall:
	cli
	PUSH_SWITCH_FRAME mcall_resume
	movq %gs:CPU_SCHED, %rax
	movq M_CURG(%rax), %rsi       /* the current G */
	movq %rsp, G_SP(%rsi)
	movq %gs:CPU_G0_SP, %rsp
	movq $0, %fs:CPU_STACK_LIMIT
	sti                           /* on g0 now: not preemptible */
	movq %rdi, %rax
	movq %rsi, %rdi
	xorl %ebp, %ebp               /* g0 backtraces stop here */
	call *%rax
	ud2
	.globl mcall_resume
mcall_resume:
	sti
	ret

/* void systemstack_switch(void (*fn)(void *), void *arg, uint64_t g0_sp):
 * run fn(arg) on g0's stack and come back, from a goroutine. The M cannot
 * be preempted meanwhile (its stack is not the goroutine's). */
	.globl systemstack_switch
systemstack_switch:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %fs:CPU_STACK_LIMIT
	movq %rsp, %rbx
	movq %rdx, %rsp
	movq $0, %fs:CPU_STACK_LIMIT
	movq %rdi, %rax
	movq %rsi, %rdi
	call *%rax
	movq %rbx, %rsp
	popq %fs:CPU_STACK_LIMIT
	popq %rbx
	popq %rbp
	ret

/* A new goroutine starts here (see newproc): r12 = fn, r13 = arg. */
	.globl gstart_trampoline
gstart_trampoline:
	sti
	xorl %ebp, %ebp
	pushq $0                      /* end of backtraces; aligns the stack */
	movq %r13, %rdi
	call *%r12
	call go_exit
	ud2

/* A preempted goroutine continues here, interrupts off, r12 = its G, the
 * stack pointer 8 bytes under its copied trap frame. */
	.globl preempt_resume
preempt_resume:
	addq $8, %rsp
	movq %r12, %rdi
	call preempt_take_fpstate     /* returns the XSAVE area, or NULL */
	testq %rax, %rax
	jz 1f
	movq %rax, %rdi
	call fpstate_restore          /* arch: xrstor/fxrstor, no C in between */
1:	jmp trap_return

/* Called from the prologue of a -fsplit-stack function whose frame does
 * not fit above the limit: %r10 = the frame size it wanted, (%rsp) = an
 * address in its prologue. The goroutine is finished: report it on g0. */
	.globl __morestack
__morestack:
	movq (%rsp), %rdi
	movq %r10, %rsi
	movq %rsp, %rdx
	movq %rbp, %rcx               /* the overflowing function's caller's frame */
	movq %gs:CPU_G0_SP, %rsp
	movq $0, %fs:CPU_STACK_LIMIT
	xorl %ebp, %ebp
	call gstack_overflow
	ud2

/* Enter the scheduler on this CPU's stack and come back when the runtime
 * stops: void m_enter(struct m *mp, uint64_t *exit_sp). The context is
 * saved as a goroutine's would be, so m_leave is a gogo to it. */
	.globl m_enter
m_enter:
	PUSH_SWITCH_FRAME gswitch_resume
	movq %rsp, (%rsi)
	andq $-16, %rsp
	subq $64, %rsp
	movq %rsp, %gs:CPU_G0_SP
	xorl %ebp, %ebp
	call schedule
	ud2
