/*
 * switch.S - every context switch of the kernel: the one switch both
 * schedulers use (switch_to, switch_jump), and the machine entry points of
 * each: the goroutine runtime's (mcall, the system stack, a goroutine's
 * start, preemption's resume, the split-stack overflow, entering and
 * leaving the scheduler) and the kernel threads' (start, preemption's
 * resume). The frame they save and resume is struct switch_frame
 * (switch_frame.h); the struct offsets used here are generated
 * (asm_offsets.h, from arch/x86_64/asm_offsets.c).
 *
 * Only the callee-saved registers are saved by a switch: it happens at a
 * call, so the caller has already saved everything else, and the SysV ABI
 * makes every vector register caller-saved. A preempted context was stopped
 * anywhere, so its whole trap frame is kept above its switch frame and its
 * FPU/SIMD state in an XSAVE area (sched/preempt.c, kernel/thread.c).
 *
 * Interrupts are off in every switch. A goroutine turns them on where it
 * continues (mcall_resume, after switch_to in go_yield, gstart_trampoline),
 * or iretq does (preempt_resume); a kernel thread's C code restores them.
 * %fs:CPU_STACK_LIMIT, the -fsplit-stack limit (arch/x86_64/percpu.h), is
 * switched with the stack: a goroutine's stack bottom plus its guard while
 * it runs, 0 (no limit) on kernel stacks.
 *
 * Built a second time with SPINDLE_HOST for the host platform (a Linux
 * process, arch/host/plat.c): no cli/sti, a switch frame two words larger
 * (switch_frame.h), four entry points renamed for plat.c to wrap, and no
 * preemption or kernel-thread entry points.
 */
#include "asm_offsets.h"
#include "arch/x86_64/switch_frame.h"

#if SPINDLE_HOST
/* The host platform (arch/host/plat.c) wraps these four in C, to tell the
 * sanitizers about each switch, and calls them under these names. */
#define switch_to md_switch_to
#define switch_jump md_switch_jump
#define mcall md_mcall
#define m_enter md_m_enter
#endif

	.text

/* --- the switch --------------------------------------------------------- */

/* void switch_to(uint64_t *save_sp, uint64_t to_sp, uint64_t to_limit,
 *                void (*after)(void *), void *arg)
 * Interrupts off: save this context in *save_sp, resume the one at to_sp
 * and, on its stack, first call after(arg) (may be NULL). Returns when
 * something resumes this context, with interrupts still off. */
	.globl switch_to
switch_to:
	PUSH_SWITCH_FRAME switch_return
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	movq %rdx, %fs:CPU_STACK_LIMIT
	testq %rcx, %rcx
	jz 1f
	movq %r8, %rdi
	call *%rcx
1:	POP_CALLEE_SAVED
	ret
	.globl switch_return
switch_return:
	ret

/* void switch_jump(uint64_t to_sp, uint64_t to_limit): interrupts off:
 * abandon the current stack (g0's, an IST stack, a dead thread's) and
 * resume the context at to_sp. Does not return. */
	.globl switch_jump
switch_jump:
	movq %rdi, %rsp
	movq %rsi, %fs:CPU_STACK_LIMIT
	POP_CALLEE_SAVED
	ret

/* --- goroutines (sched/) ------------------------------------------------ */

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
/* LAB 1 BEGIN mcall */
	IRQ_OFF
	PUSH_SWITCH_FRAME mcall_resume
	movq %gs:CPU_SCHED, %rax
	movq M_CURG(%rax), %rsi       /* the current G */
	movq %rsp, G_SP(%rsi)
	movq %gs:CPU_G0_SP, %rsp
	movq $0, %fs:CPU_STACK_LIMIT
	IRQ_ON                        /* on g0 now: not preemptible */
	movq %rdi, %rax
	movq %rsi, %rdi
	xorl %ebp, %ebp               /* g0 backtraces stop here */
	call *%rax
	ud2
/* LAB 1 END */
	.globl mcall_resume
mcall_resume:
/* LAB 1 BEGIN mcall_resume */
	IRQ_ON
	ret
/* LAB 1 END */

/* void systemstack_switch(void (*fn)(void *), void *arg, uint64_t g0_sp):
 * run fn(arg) on g0's stack and come back, from a goroutine. The M cannot
 * be preempted meanwhile (its stack is not the goroutine's). */
	.globl systemstack_switch
systemstack_switch:
/* LAB 1 BEGIN systemstack_switch */
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
/* LAB 1 END */

/* A new goroutine starts here (switch_frame_first): r12 = fn, r13 = arg. */
	.globl gstart_trampoline
gstart_trampoline:
/* LAB 1 BEGIN gstart_trampoline */
	IRQ_ON
	xorl %ebp, %ebp
	pushq $0                      /* end of backtraces; aligns the stack */
	movq %r13, %rdi
	call *%r12
	call go_exit
	ud2
/* LAB 1 END */

#if !SPINDLE_HOST
/* A preempted goroutine continues here, interrupts off, r12 = its G, the
 * stack pointer on the padding word under its copied trap frame. */
	.globl preempt_resume
preempt_resume:
	addq $8, %rsp
	movq %r12, %rdi
	call preempt_take_fpstate     /* returns the XSAVE area, or NULL */
	testq %rax, %rax
	jz 1f
	movq %rax, %rdi
	call fpstate_restore          /* xrstor/fxrstor, no C in between */
1:	jmp trap_return

/* _Noreturn void preempt_enter_scheduler(uint64_t g0_sp): from the timer
 * interrupt, after the goroutine's state was saved: leave the IST stack for
 * g0's and run the scheduler there, interrupts on. */
	.globl preempt_enter_scheduler
preempt_enter_scheduler:
	movq %rdi, %rsp
	xorl %ebp, %ebp
	sti
	call schedule
	ud2

#endif

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

/* void m_enter(struct m *mp, uint64_t *exit_sp): enter the scheduler on
 * this CPU's stack and come back when the runtime stops. The context is
 * saved as a goroutine's would be, so leaving (m_stop) is a switch_jump to
 * it; it continues at mcall_resume, interrupts on. */
	.globl m_enter
m_enter:
	PUSH_SWITCH_FRAME mcall_resume
	movq %rsp, (%rsi)
	andq $-16, %rsp
	subq $64, %rsp
	movq %rsp, %gs:CPU_G0_SP
	xorl %ebp, %ebp
	call schedule
	ud2

#if SPINDLE_HOST
/* The host platform has no timer interrupt and no kernel threads: these
 * resume addresses exist for switch_frame.c and are never reached. */
	.globl preempt_resume, preempt_enter_scheduler, kthread_preempt_resume
preempt_resume:
preempt_enter_scheduler:
kthread_preempt_resume:
	ud2
#else
/* --- kernel threads (kernel/thread.c, docs/threads.md) ------------------ */

/* A preempted thread continues here: rsp = the padding word under its
 * copied trap frame. */
	.globl kthread_preempt_resume
kthread_preempt_resume:
	subq $8, %rsp                 /* 16-aligned for the calls */
	call kthread_finish_switch    /* returns this thread's XSAVE area */
	movq %rax, %rdi
	call fpstate_restore          /* no C between this and the iretq */
	addq $16, %rsp                /* rsp = the trap frame */
	jmp trap_return

/* A new thread starts here (switch_frame_first): r12 = fn, r13 = arg. */
	.globl kthread_start_stub
kthread_start_stub:
	pushq $0                      /* end of backtraces; aligns the stack */
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
#endif

/* No executable stack: the host build links this into an ELF program. */
	.section .note.GNU-stack, "", @progbits
