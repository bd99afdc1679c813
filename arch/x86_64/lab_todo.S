/*
 * lab_todo.S - _Noreturn void lab_todo(int lab, const char *fn,
 * const char *file) (kernel/lab.h): the fatal stub of a student tree.
 * Called from anywhere, a goroutine's 2 KiB stack included, so it moves to
 * a stack of its own (no split-stack limit there) before any C runs. The
 * first CPU to get here reports; any other halts: the report ends the boot.
 */
#include "asm_offsets.h"

	.text
	.globl lab_todo
lab_todo:
	cli
	lock btsl $0, lab_todo_busy(%rip)
	jc 2f
	leaq lab_todo_stack_top(%rip), %rsp
	movq $0, %fs:CPU_STACK_LIMIT
	xorl %ebp, %ebp
	call lab_todo_report
2:	hlt
	jmp 2b

	.bss
	.balign 16
lab_todo_stack:
	.skip 16384
lab_todo_stack_top:
	.balign 4
lab_todo_busy:
	.skip 4

	.section .note.GNU-stack, "", @progbits
